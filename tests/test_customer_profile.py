"""Knowing the customer: the profile, who may see its sensitive part, special dates with their
reminders, completeness and review, privacy lookup and anonymisation."""

from datetime import date

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestCustomerProfile(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marco = cls.Partner.create(
            {
                "name": "Marco Rossi",
                "email": "marco.rossi@example.com",
                "lifecycle_birthdate": "1980-06-15",
                "lifecycle_gender": "male",
                "lifecycle_children": 2,
                "lifecycle_expectations": "Fresh beans every week",
                "user_id": cls.salesperson.id,
            }
        )

    def test_a_basic_internal_user_cannot_read_the_sensitive_profile(self):
        as_employee = self.marco.with_user(self.employee)
        self.assertEqual(as_employee.name, "Marco Rossi")
        for field in ("lifecycle_birthdate", "lifecycle_gender", "lifecycle_marital_status",
                      "lifecycle_children", "lifecycle_expectations"):  # fmt: skip
            with self.subTest(field=field), self.assertRaises(AccessError):
                as_employee.read([field])
        as_rep = self.marco.with_user(self.salesperson)
        self.assertEqual(as_rep.lifecycle_birthdate, date(1980, 6, 15))

    def test_age_is_worked_out_from_the_birthdate_and_searchable(self):
        with freeze_time("2026-06-14"):
            self.marco.invalidate_recordset(["lifecycle_age"])
            self.assertEqual(self.marco.lifecycle_age, 45)
            self.assertIn(self.marco, self.Partner.search([("lifecycle_age", "=", 45)]))
            self.assertNotIn(self.marco, self.Partner.search([("lifecycle_age", ">=", 46)]))
        with freeze_time("2026-06-15"):
            self.assertIn(self.marco, self.Partner.search([("lifecycle_age", ">=", 46)]))
            self.assertIn(
                self.marco, self.Partner.search([("lifecycle_birthday_this_month", "=", True)])
            )

    def test_a_special_date_reminds_the_salesperson_days_before_every_year(self):
        self.company.lifecycle_special_date_days = 7
        self.env["customer.special.date"].create(
            {"partner_id": self.marco.id, "kind": "name_day", "date": "2020-04-25"}
        )
        Special = self.env["customer.special.date"]
        with freeze_time("2026-04-17"):
            self.assertFalse(Special._cron_remind())
        with freeze_time("2026-04-18"):
            reminded = Special._cron_remind()
        self.assertEqual(len(reminded), 1)
        activity = (
            self.env["mail.activity"]
            .search([("res_id", "=", self.marco.id), ("res_model", "=", "res.partner")])
            .filtered(lambda a: a.activity_type_id.name == "Special Date")
        )
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertEqual(activity.date_deadline, date(2026, 4, 25))
        leap = Special.create(
            {"partner_id": self.marco.id, "kind": "wedding", "date": "2024-02-29"}
        )
        with freeze_time("2027-02-21"):
            self.assertEqual(Special._cron_remind(), leap, "29 February on the 28th")

    def test_completeness_and_review(self):
        self.assertEqual(self.marco.lifecycle_profile_completeness, 40)  # email and birthdate
        self.marco.write({"phone": "+39 051 123456", "street": "Via Roma 1", "city": "Bologna"})
        self.assertEqual(self.marco.lifecycle_profile_completeness, 80)
        self.env["customer.consent"].create(
            {
                "partner_id": self.marco.id,
                "channel_id": self.env.ref("customer_lifecycle.consent_channel_email").id,
                "state": "granted",
            }
        )
        self.assertEqual(self.marco.lifecycle_profile_completeness, 100)
        with freeze_time("2026-05-02"):
            self.marco.with_user(self.salesperson).action_lifecycle_mark_reviewed()
        self.assertEqual(self.marco.lifecycle_profile_review_date, date(2027, 5, 2))
        due = [("lifecycle_profile_review_date", "<=", "2027-05-02")]
        self.assertIn(self.marco, self.Partner.search(due))
        # a longer period in the settings moves the stored due dates, reviewed or not
        never_reviewed = self.Partner.create({"name": "Nadia Never Reviewed"})
        created = never_reviewed.create_date.date()
        self.env["res.config.settings"].create({"lifecycle_profile_review_months": 24}).execute()
        self.assertEqual(self.marco.lifecycle_profile_review_date, date(2028, 5, 2))
        self.assertEqual(
            never_reviewed.lifecycle_profile_review_date, created + relativedelta(months=24)
        )

    def test_profile_settings_out_of_range_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "at least 1 month"):
            self.company.lifecycle_profile_review_months = 0
        with self.assertRaisesRegex(ValidationError, "between 0 and 60 days"):
            self.company.lifecycle_special_date_days = 90
        with self.assertRaisesRegex(ValidationError, "at least one month"):
            self.company.lifecycle_consent_months = 0

    def test_the_privacy_lookup_finds_the_addon_personal_data(self):
        self.order(self.marco, "2026-03-01")  # a stage move: a history row
        self.env["customer.special.date"].create(
            {"partner_id": self.marco.id, "kind": "birthday", "date": "1980-06-15"}
        )
        self.env["customer.consent"].create(
            {
                "partner_id": self.marco.id,
                "channel_id": self.env.ref("customer_lifecycle.consent_channel_email").id,
                "state": "granted",
            }
        )
        wizard = self.env["privacy.lookup.wizard"].create(
            {"name": "Marco Rossi", "email": "marco.rossi@example.com"}
        )
        wizard.action_lookup()
        found = set(wizard.line_ids.mapped("res_model"))
        self.assertLessEqual(
            {"customer.consent", "customer.special.date", "customer.lifecycle.history"}, found
        )

    def test_anonymise_clears_the_profile_and_keeps_consent_and_figures(self):
        self.order(self.marco, "2026-03-01", amount=250.0)
        self.env["customer.special.date"].create(
            {"partner_id": self.marco.id, "kind": "birthday", "date": "1980-06-15"}
        )
        consent = self.env["customer.consent"].create(
            {
                "partner_id": self.marco.id,
                "channel_id": self.env.ref("customer_lifecycle.consent_channel_email").id,
                "state": "withdrawn",
            }
        )
        with self.assertRaises(UserError):
            self.marco.with_user(self.salesperson).action_lifecycle_anonymise()
        self.marco.with_user(self.sales_manager).action_lifecycle_anonymise()
        self.assertRecordValues(
            self.marco,
            [
                {
                    "lifecycle_birthdate": False,
                    "lifecycle_gender": False,
                    "lifecycle_children": 0,
                    "lifecycle_expectations": False,
                    "name": "Marco Rossi",
                    "lifecycle_revenue_total": 250.0,
                }
            ],
        )
        self.assertFalse(self.marco.lifecycle_special_date_ids)
        self.assertTrue(consent.exists())
        self.assertIn("anonymised", self.marco.message_ids[0].body)
