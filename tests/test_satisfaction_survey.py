"""Asking for satisfaction: the nightly e-mail goes the configured days after the delivery (the
first posted invoice without sale_stock), once per customer and period, only to customers
contactable by e-mail (or, on legitimate interest, who did not object), never to internal
users; settings are bounded."""

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestSatisfactionSurvey(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "lifecycle_satisfaction_survey": True,
                "lifecycle_satisfaction_delay_days": 7,
                "lifecycle_satisfaction_interval_days": 90,
                "lifecycle_satisfaction_legitimate_interest": False,
            }
        )
        cls.Request = cls.env["customer.satisfaction.request"]
        cls.anna = cls.customer("Anna Alberti", consent="granted")
        cls.bruno = cls.customer("Bruno Bassi")  # never said anything about e-mail
        cls.carla = cls.customer("Carla Conti", consent="withdrawn")
        cls.dario = cls.customer("Dario Dini", consent="granted")
        cls.env["mail.blacklist"]._add("dario.dini@example.com")  # unsubscribed elsewhere
        cls.nomail = cls.customer("Elena Senzamail", consent="granted")
        cls.nomail.email = False
        staff = new_test_user(
            cls.env, login="clc_staff_buyer", name="Franco Staff", groups="base.group_user"
        )
        staff.partner_id.email = "franco.staff@example.com"
        cls.staff_partner = staff.partner_id
        cls.Consent.create(
            {"partner_id": cls.staff_partner.id, "channel_id": cls.email.id, "state": "granted"}
        )

    @classmethod
    def customer(cls, name, consent=None):
        first, last = name.lower().split(" ", 1)
        partner = cls.Partner.create({"name": name, "email": f"{first}.{last}@example.com"})
        if consent:
            cls.Consent.create(
                {"partner_id": partner.id, "channel_id": cls.email.id, "state": consent}
            )
        return partner

    def delivered(self, partner, day):
        """A confirmed order of `partner` whose only invoice is posted on `day` (no sale_stock:
        the invoice is the delivery)."""
        order = self.order(partner, day)
        with freeze_time(day):
            invoice = order._create_invoices()
            invoice.invoice_date = day
            invoice.action_post()
        return order

    def ask(self, day):
        """The scheduled action as the scheduler runs it on `day`; the requests it created."""
        cron = self.env.ref("customer_lifecycle.ir_cron_satisfaction_request")
        before = self.Request.search([])
        with freeze_time(day), self.enter_registry_test_mode():
            outcome = cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertIs(outcome, True, f"the run of {day} crashed: {outcome}")
        return self.Request.search([]) - before

    def test_asked_the_configured_days_after_the_invoice_once_per_period(self):
        order = self.delivered(self.anna, "2026-12-01")
        self.assertFalse(self.ask("2026-12-07"), "6 days after the invoice: too early")
        asked = self.ask("2026-12-08")
        self.assertRecordValues(
            asked,
            [
                {
                    "partner_id": self.anna.id,
                    "order_id": order.id,
                    "source": "email",
                    "state": "sent",
                    "category": False,
                    "answered_count": 0,
                }
            ],
        )
        mail = self.env["mail.mail"].search(
            [("model", "=", asked._name), ("res_id", "=", asked.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.anna)
        self.assertEqual(mail.subject, f"How likely are you to recommend {self.company.name}?")
        links = [f'/satisfaction/{asked.sudo().token}/{score}"' for score in range(11)]
        for link in links:
            self.assertIn(link, str(mail.body_html))
        self.assertNotIn(f"/satisfaction/{asked.sudo().token}/11", str(mail.body_html))
        self.assertFalse(self.ask("2026-12-09"), "the same order is asked about once")
        # another order within the period: no second e-mail; the period ends 90 days later
        self.delivered(self.anna, "2027-02-27")
        self.assertFalse(self.ask("2027-03-07"), "89 days after the question")
        again = self.ask("2027-03-08")
        self.assertEqual(again.partner_id, self.anna)
        self.assertEqual(again.order_id.invoice_ids.invoice_date.isoformat(), "2027-02-27")

    def test_a_score_given_to_staff_counts_as_asked(self):
        self.delivered(self.anna, "2026-12-01")
        with freeze_time("2026-12-05"):
            self.env["customer.satisfaction.record"].create(
                {"partner_id": self.anna.id, "score": "9", "source": "shop"}
            ).action_record()
        self.assertFalse(self.ask("2026-12-08"))

    def test_never_to_the_uncontactable_nor_internal_users(self):
        for partner in (self.bruno, self.carla, self.dario, self.nomail, self.staff_partner):
            self.delivered(partner, "2026-12-01")
        self.delivered(self.anna, "2026-12-01")
        self.assertEqual(self.ask("2026-12-08").partner_id, self.anna)

    def test_legitimate_interest_asks_all_who_did_not_object(self):
        self.company.lifecycle_satisfaction_legitimate_interest = True
        # Carla's withdrawal stands even when her address left the blacklist some other way
        self.env["mail.blacklist"].search([("email", "=", self.carla.email)]).action_archive()
        self.assertFalse(self.carla.is_blacklisted)
        for partner in (self.anna, self.bruno, self.carla, self.dario, self.nomail):
            self.delivered(partner, "2026-12-01")
        self.delivered(self.staff_partner, "2026-12-01")
        asked = self.ask("2026-12-08")
        # Bruno never said anything: asked; Carla withdrew, Dario unsubscribed, Elena has no
        # address, Franco works here
        self.assertEqual(asked.partner_id, self.anna | self.bruno)

    def test_a_contact_s_order_asks_its_company_once(self):
        company = self.Partner.create(
            {"name": "Bar Centrale", "is_company": True, "email": "bar@example.com"}
        )
        self.Consent.create({"partner_id": company.id, "channel_id": self.email.id})
        buyer = self.Partner.create({"name": "Gino", "parent_id": company.id})
        other = self.Partner.create({"name": "Lia", "parent_id": company.id})
        self.delivered(buyer, "2026-12-01")
        latest = self.delivered(other, "2026-12-02")
        asked = self.ask("2026-12-09")
        self.assertRecordValues(asked, [{"partner_id": company.id, "order_id": latest.id}])

    def test_nothing_when_switched_off_nor_about_old_orders(self):
        self.delivered(self.anna, "2026-12-01")
        self.company.lifecycle_satisfaction_survey = False
        self.assertFalse(self.ask("2026-12-08"))
        self.company.lifecycle_satisfaction_survey = True
        # switched on 14 days late: the order is still asked about; 15 days: it is too old
        self.assertFalse(self.ask("2026-12-23"), "15 days late")
        self.assertTrue(self.ask("2026-12-22"), "14 days late")

    def test_settings_are_bounded_with_a_clear_message(self):
        with self.assertRaisesRegex(ValidationError, "between 0 and 365 days after the delivery"):
            self.company.lifecycle_satisfaction_delay_days = 366
        self.company.lifecycle_satisfaction_delay_days = 7
        with self.assertRaisesRegex(ValidationError, "at most once every 1 to 3650 days"):
            self.company.lifecycle_satisfaction_interval_days = 0
        self.company.lifecycle_satisfaction_delay_days = 0
        self.assertEqual(self.company.lifecycle_satisfaction_delay_days, 0)

    def test_the_survey_is_off_by_default(self):
        self.assertFalse(
            self.env["res.company"].create({"name": "New Co"}).lifecycle_satisfaction_survey
        )
