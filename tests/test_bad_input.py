"""Bad input is refused with a message that says what is allowed, and nothing is half-written:
profile values (birthdate, children), special dates, every setting at both ends, and referral
codes that are not text, sent as over RPC."""

from contextlib import contextmanager
from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import LifecycleCase

# setting: (a value just out of range, a fragment of the message, a value at the bound)
SETTINGS_OUT_OF_RANGE = {
    "lifecycle_lost_factor": (100.5, "at most 100", 100.0),
    "lifecycle_min_lost_days": (3651, "nor more than 3650", 3650),
    "lifecycle_default_interval": (3651, "at most 3650 days", 3650),
    "lifecycle_fan_referrals": (1001, "at most 1000", 1000),
    "lifecycle_rfm_months": (241, "nor longer than 240 months", 240),
    "lifecycle_consent_months": (241, "at most 240 months", 240),
    "lifecycle_profile_review_months": (241, "at most 240 months", 240),
    "lifecycle_special_date_days": (61, "between 0 and 60", 60),
    "lifecycle_prediction_min_months": (241, "at most 240 months", 240),
    "lifecycle_class_b_percent": (100.5, "between 0 and 100", 100.0),
}
SETTINGS_BELOW_RANGE = {
    "lifecycle_lost_factor": (1.0, "greater than 1"),
    "lifecycle_min_lost_days": (-1, "cannot be negative"),
    "lifecycle_default_interval": (0, "at least 1 day"),
    "lifecycle_fan_referrals": (0, "at least 1"),
    "lifecycle_rfm_months": (-1, "cannot be negative"),
    "lifecycle_consent_months": (0, "at least one month"),
    "lifecycle_profile_review_months": (0, "at least 1 month and"),
    "lifecycle_special_date_days": (-1, "between 0 and 60"),
    "lifecycle_prediction_min_months": (0, "at least 1 customer"),
    "lifecycle_class_a_percent": (0.0, "between 0 and 100"),
}


class BadInputCase(LifecycleCase):
    @contextmanager
    def assertRefused(self, message):
        """Refused with this message, and rolled back as the RPC call's transaction would be
        (assertRaises wraps a savepoint; assertRaisesRegex does not)."""
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertIn(message, str(caught.exception))


@tagged("post_install", "-at_install")
class TestBadProfileInput(BadInputCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.person = cls.Partner.create(
            {"name": "Irene Bassi", "lifecycle_birthdate": "1990-04-20", "lifecycle_children": 1}
        )

    def assertProfileUnchanged(self):
        self.person.invalidate_recordset()
        self.assertEqual(self.person.lifecycle_birthdate, date(1990, 4, 20))
        self.assertEqual(self.person.lifecycle_children, 1)

    def test_a_birthdate_in_the_future_or_before_1900_is_refused(self):
        tomorrow = date.today() + timedelta(days=1)
        for born in (tomorrow, date(1899, 12, 31), "2090-01-01"):
            with (
                self.subTest(born=born),
                self.assertRefused("between 1900-01-01 and today"),
            ):
                self.person.with_user(self.sales_manager).write({"lifecycle_birthdate": born})
        self.assertProfileUnchanged()
        self.person.lifecycle_birthdate = date(1900, 1, 1)
        self.person.lifecycle_birthdate = date.today()

    def test_a_day_that_is_not_in_the_calendar_is_refused_not_a_server_error(self):
        for text in ("1990-02-30", "1990-13-01", "yesterday"):
            with self.subTest(text=text), self.assertRefused("YYYY-MM-DD"):
                self.person.write({"lifecycle_birthdate": text})
            with self.subTest(text=text), self.assertRefused("YYYY-MM-DD"):
                self.Partner.create({"name": "New", "lifecycle_birthdate": text})
        self.assertProfileUnchanged()

    def test_a_negative_or_absurd_number_of_children_is_refused(self):
        for children in (-1, 31, 10**6):
            with (
                self.subTest(children=children),
                self.assertRefused("between 0 and 30"),
            ):
                self.person.write({"lifecycle_children": children})
        self.person.lifecycle_children = 30
        self.assertEqual(self.person.lifecycle_children, 30)

    def test_a_write_with_one_bad_value_leaves_the_good_one_unwritten(self):
        with self.assertRefused("between 0 and 30"):
            self.person.write({"lifecycle_birthdate": "1991-05-05", "lifecycle_children": -2})
        self.assertProfileUnchanged()

    def test_special_dates_take_a_real_day_from_1900_to_next_year(self):
        Special = self.env["customer.special.date"]
        for day in ("2021-04-31", "2021-02-29"):
            with self.subTest(day=day), self.assertRefused("YYYY-MM-DD"):
                Special.create({"partner_id": self.person.id, "kind": "custom", "date": day})
        for day in (date(1850, 6, 1), date.today() + timedelta(days=400)):
            with self.subTest(day=day), self.assertRefused("between 1900"):
                Special.create({"partner_id": self.person.id, "kind": "custom", "date": day})
        leap = Special.create(
            {"partner_id": self.person.id, "kind": "birthday", "date": "2020-02-29"}
        )
        with self.assertRefused("YYYY-MM-DD"):
            leap.write({"date": "2020-02-30"})
        self.assertEqual(leap.date, date(2020, 2, 29))


@tagged("post_install", "-at_install")
class TestBadSettings(BadInputCase):
    def test_each_setting_has_an_upper_bound_said_in_the_message(self):
        for field, (value, message, bound) in SETTINGS_OUT_OF_RANGE.items():
            with self.subTest(field=field):
                before = self.company[field]
                with self.assertRefused(message):
                    self.env["res.config.settings"].create({field: value}).execute()
                self.company.invalidate_recordset()
                self.assertEqual(self.company[field], before)
                self.company.write({field: bound})  # the bound itself is allowed
                self.assertEqual(self.company[field], bound)
                self.company.write({field: before})

    def test_each_setting_has_a_lower_bound_said_in_the_message(self):
        for field, (value, message) in SETTINGS_BELOW_RANGE.items():
            with self.subTest(field=field), self.assertRefused(message):
                self.company.write({field: value})

    def test_values_the_date_arithmetic_cannot_hold_are_refused_before_any_sql(self):
        for field in ("lifecycle_profile_review_months", "lifecycle_rfm_months"):
            with self.subTest(field=field), self.assertRaises(ValidationError):
                self.company.write({field: 10**8})

    def test_a_settings_write_with_one_bad_value_changes_nothing(self):
        before = (self.company.lifecycle_lost_factor, self.company.lifecycle_consent_months)
        with self.assertRefused("at most 240 months"):
            self.company.write({"lifecycle_lost_factor": 2.0, "lifecycle_consent_months": 500})
        self.company.invalidate_recordset()
        self.assertEqual(
            (self.company.lifecycle_lost_factor, self.company.lifecycle_consent_months), before
        )


@tagged("post_install", "-at_install")
class TestBadReferralCodes(BadInputCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.referrer = cls.Partner.create({"name": "Referente Rossi"})
        cls.newcomer = cls.Partner.create({"name": "Nuovo Cliente"})

    def test_a_referral_code_that_is_not_text_is_a_validation_error(self):
        Partner = self.Partner.with_user(self.salesperson)
        for code in (12345678, ["7K3M-Q2XD"], {"code": "7K3M-Q2XD"}, 3.5, True):
            with self.subTest(code=code):
                with self.assertRefused("A referral code is text"):
                    Partner._lifecycle_find_by_referral_code(code)
                with self.assertRefused("A referral code is text"):
                    self.env["sale.order"].with_user(self.salesperson).create(
                        {"partner_id": self.newcomer.id, "lifecycle_referral_code": code}
                    )
        order = (
            self.env["sale.order"]
            .with_user(self.salesperson)
            .create({"partner_id": self.newcomer.id, "order_line": [Command.clear()]})
        )
        with self.assertRefused("A referral code is text"):
            order.write({"lifecycle_referral_code": 42})
        self.assertFalse(self.newcomer.lifecycle_referred_by_id)
        order.write({"lifecycle_referral_code": self.referrer.lifecycle_referral_code.lower()})
        self.assertEqual(self.newcomer.lifecycle_referred_by_id, self.referrer)
