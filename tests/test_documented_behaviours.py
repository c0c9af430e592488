"""Behaviours the README and DESIGN.md promise that no other test checked: the nightly-run helper
itself, immediate re-evaluation on deleted and re-dated orders, the default interval, manual
stages against the lost threshold, and what a daily run picks up (a logged note, orders
crossing the 12-month and RFM windows), consent expiry on its last valid day, and exchange
differences that settle an invoice without counting as payments."""

from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import LOCK_KEY

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestNightlyRunHelper(LifecycleCase):
    """The helper every run-based test leans on fails when the run did not do its work."""

    def test_a_crashed_run_fails_the_test(self):
        engine_class = type(self.engine)
        with (
            patch.object(engine_class, "_classify", side_effect=RuntimeError("boom in classify")),
            self.assertLogs("odoo.addons.base.models.ir_cron", "ERROR"),
            self.assertRaisesRegex(AssertionError, "(?s)crashed.*boom in classify"),
        ):
            self.nightly_run("2026-06-30")

    def test_a_run_that_found_the_lock_taken_fails_the_test(self):
        with self.registry.cursor() as other:
            other.execute(SQL("SELECT pg_advisory_lock(%s)", LOCK_KEY))
            try:
                with self.assertRaisesRegex(AssertionError, "found the lock taken"):
                    self.nightly_run("2026-06-30")
            finally:
                other.execute(SQL("SELECT pg_advisory_unlock(%s)", LOCK_KEY))

    def test_a_good_run_reports_its_counts(self):
        marco = self.Partner.create({"name": "Marco Rossi"})
        self.order(marco, "2026-01-10")
        first = self.nightly_run("2026-06-30")
        self.assertTrue(first["full"])
        self.assertEqual(marco.lifecycle_stage_id, self.stage("buyer"))
        again = self.nightly_run("2026-06-30")
        self.assertEqual((again["full"], again["rows"], again["stages"]), (False, 0, 0))


@tagged("post_install", "-at_install")
class TestImmediateReevaluation(LifecycleCase):
    def test_a_deleted_quotation_and_a_redated_order_move_the_customer_at_once(self):
        marco = self.Partner.create({"name": "Marco Rossi"})
        quotation = self.order(marco, "2026-01-05", state="draft")
        self.assertEqual(marco.lifecycle_stage_id, self.stage("prospect"))
        with freeze_time("2026-01-06"):
            quotation.unlink()
        self.assertEqual(marco.lifecycle_stage_id, self.stage("potential"))

        self.order(marco, "2026-01-10")
        second = self.order(marco, "2026-03-10")
        self.assertEqual(marco.lifecycle_stage_id, self.stage("customer"))
        self.assertEqual(str(marco.lifecycle_last_order_date), "2026-03-10")
        self.assertEqual(marco.lifecycle_mean_interval, 59.0)
        with freeze_time("2026-03-15"):
            second.date_order = fields.Datetime.to_datetime("2026-02-10 00:00:00")
        self.assertEqual(str(marco.lifecycle_last_order_date), "2026-02-10")
        self.assertEqual(marco.lifecycle_mean_interval, 31.0)
        with freeze_time("2026-03-15"):
            second._action_cancel()
        self.assertEqual(marco.lifecycle_order_count, 1)
        self.assertEqual(marco.lifecycle_stage_id, self.stage("buyer"))

    def test_the_default_interval_when_nobody_bought_twice(self):
        self.company.write({"lifecycle_median_interval": 0.0, "lifecycle_default_interval": 45})
        once = self.Partner.create({"name": "Una Volta"})
        self.order(once, "2026-01-10")
        self.assertEqual(str(once.lifecycle_next_order_date), "2026-02-24")  # + 45 days
        # with a company median it is the median instead
        self.company.lifecycle_median_interval = 30.0
        bis = self.Partner.create({"name": "Una Volta Bis"})
        self.order(bis, "2026-01-10")
        self.assertEqual(str(bis.lifecycle_next_order_date), "2026-02-09")  # + 30 days


@tagged("post_install", "-at_install")
class TestManualStageAndTheLostThreshold(LifecycleCase):
    def test_a_manual_stage_gives_way_to_a_lost_threshold_crossed_after_the_move(self):
        # one order and no repeat customer: 90 days expected, lost after max(180, 3 x 90) = 270
        # days, i.e. from 2026-10-08 for an order of 2026-01-10
        self.company.write({"lifecycle_median_interval": 0.0, "lifecycle_default_interval": 90})
        lina, nora = self.Partner.create([{"name": "Lina"}, {"name": "Nora"}])
        self.order(lina, "2026-01-10")
        self.order(nora, "2026-01-10")
        with freeze_time("2026-02-01"):
            lina.lifecycle_stage_id = self.stage("customer")
        self.nightly_run("2026-06-30")
        self.assertEqual(lina.lifecycle_stage_id, self.stage("customer"), "kept: no new evidence")
        self.assertTrue(lina.lifecycle_stage_manual)
        self.assertEqual(nora.lifecycle_stage_id, self.stage("buyer"))
        self.nightly_run("2026-10-07")
        self.assertEqual(lina.lifecycle_stage_id, self.stage("customer"), "270 days: not yet")
        with freeze_time("2026-10-20"):
            nora.lifecycle_stage_id = self.stage("fan")  # by hand after the threshold
        self.nightly_run("2026-10-25")
        self.assertEqual(lina.lifecycle_stage_id, self.stage("lost"))
        self.assertFalse(lina.lifecycle_stage_manual)
        self.assertEqual(self.history(lina)[-1].trigger, "schedule")
        self.assertEqual(nora.lifecycle_stage_id, self.stage("fan"), "moved after the crossing")
        self.assertTrue(nora.lifecycle_stage_manual)


@tagged("post_install", "-at_install")
class TestDailyRun(LifecycleCase):
    """A daily run re-aggregates only the customers with something new; these are the kinds
    of new it must find."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a population large enough that one customer is a daily run's share
        cls.others = cls.Partner.create([{"name": f"Regular {n}"} for n in range(10)])

    def age_orders(self, day):
        """Orders look as if last written on `day`: a daily run after it does not see them as
        new (the database stamps write_date with the real time)."""
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE sale_order SET write_date = %s", day))

    def test_a_logged_note_makes_a_prospect_and_a_daily_run_picks_it_up(self):
        now = fields.Datetime.now()
        silent = self.Partner.create({"name": "Silvia Silenziosa"})
        self.assertTrue(self.nightly_run(now)["full"])
        self.assertEqual(silent.lifecycle_stage_id, self.stage("potential"))
        silent.message_post(body="Called: interested in the autumn blend.", message_type="comment")
        daily = self.nightly_run(now + timedelta(hours=2))
        self.assertEqual((daily["full"], daily["aggregated"]), (False, 1))
        self.assertEqual(silent.lifecycle_stage_id, self.stage("prospect"))

    def test_a_daily_run_picks_up_orders_leaving_the_12_month_window(self):
        for n, other in enumerate(self.others):
            self.order(other, f"2026-06-{10 + n:02d}")
        leaving = self.Partner.create({"name": "Anna Annuale"})
        self.order(leaving, "2025-07-01 10:00:00", amount=700.0)
        self.order(leaving, "2026-03-01", amount=50.0)
        self.age_orders("2026-06-25")
        self.nightly_run("2026-06-30")
        self.assertEqual(leaving.lifecycle_revenue_12m, 750.0)
        daily = self.nightly_run("2026-07-02")
        self.assertEqual((daily["full"], daily["aggregated"]), (False, 1))
        self.assertEqual(leaving.lifecycle_revenue_12m, 50.0)
        self.assertEqual(leaving.lifecycle_revenue_total, 750.0)

    def test_the_rfm_window_limits_frequency_and_monetary(self):
        # the window is 12 months: five big orders of 2024 count for nothing in F and M
        self.company.lifecycle_rfm_months = 12
        old, recent = self.Partner.create([{"name": "Vecchio"}, {"name": "Recente"}])
        for month in range(1, 6):
            self.order(old, f"2024-0{month}-15", amount=1000.0)
        self.order(old, "2026-06-01", amount=10.0)
        for day in ("2026-05-01", "2026-06-01"):
            self.order(recent, day, amount=300.0)
        for n, other in enumerate(self.others):
            for k in range(n % 3 + 1):
                self.order(other, f"2026-0{3 + k}-{10 + n:02d}", amount=100.0 * (n + 1))
        self.nightly_run("2026-06-30")
        self.assertEqual(old.lifecycle_order_count, 6)
        # in the window: old 1 order of 10, recent 2 orders of 300; the others 1-3 orders
        self.assertLess(old.rfm_frequency, recent.rfm_frequency)
        self.assertEqual((old.rfm_frequency, old.rfm_monetary), (1, 1))
        # all time: old has the most orders and the most revenue
        self.company.lifecycle_rfm_months = 0
        self.company.lifecycle_last_full_run = False
        self.nightly_run("2026-06-30")
        self.assertEqual((old.rfm_frequency, old.rfm_monetary), (5, 5))


@tagged("post_install", "-at_install")
class TestValueClassCutOffs(LifecycleCase):
    def test_the_customer_after_exactly_80_and_95_percent_is_b_then_c(self):
        # 800 + 150 + 50: before the second customer exactly 80 % of revenue is done, before
        # the third exactly 95 %; the cut-offs are strict
        customers = self.Partner.create([{"name": n} for n in ("Grande", "Medio", "Piccolo")])
        for customer, amount in zip(customers, (800.0, 150.0, 50.0), strict=True):
            self.order(customer, "2026-05-01", amount=amount)
        self.nightly_run("2026-06-30")
        self.assertEqual(customers.mapped("lifecycle_value_class"), ["A", "B", "C"])


@tagged("post_install", "-at_install")
class TestConsentExpiryBoundary(LifecycleCase):
    """A granted consent lets the business contact the customer until valid_until, or the
    validity period (res.company.lifecycle_consent_months) after the customer's last order,
    whichever is later: contactable on the last valid day, expired the day after."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.giulia = cls.Partner.create(
            {"name": "Giulia Bianchi", "email": "giulia.bianchi@example.com"}
        )

    def grant(self, valid_until):
        with freeze_time("2026-01-10 12:00:00"):
            self.env["customer.consent"].create(
                {
                    "partner_id": self.giulia.id,
                    "channel_id": self.email.id,
                    "state": "granted",
                    "valid_until": valid_until,
                }
            )

    def assert_valid_until(self, last_day, day_after):
        """Noon UTC: the same calendar day in every time zone a user may have."""
        for day, contactable in ((last_day, True), (day_after, False)):
            with self.subTest(day=day), freeze_time(f"{day} 12:00:00"):
                self.giulia.invalidate_recordset()
                reached = self.Partner.search(
                    [("lifecycle_contactable_channel_ids", "in", self.email.ids)]
                )
                expired = self.Partner.search([("lifecycle_consent_expired", "=", True)])
                states = {s["name"]: s["state"] for s in self.giulia.get_lifecycle_consent_states()}
                self.assertEqual(
                    (self.giulia in reached, self.giulia in expired, states["Email"]),
                    (True, False, "granted") if contactable else (False, True, "expired"),
                )
                self.assertEqual(
                    self.giulia.lifecycle_contactable_channel_ids,
                    self.email if contactable else self.email.browse(),
                )

    def test_valid_until_is_the_last_day_a_customer_without_orders_is_contactable(self):
        self.grant("2026-03-31")
        self.assertFalse(self.giulia.lifecycle_last_order_date)
        self.assert_valid_until("2026-03-31", "2026-04-01")

    def test_the_last_order_extends_consent_by_the_validity_period_to_the_day(self):
        self.company.lifecycle_consent_months = 13
        self.grant("2026-02-15")
        self.order(self.giulia, "2026-01-31 12:00:00")
        self.assertEqual(self.giulia.lifecycle_last_order_date, fields.Date.to_date("2026-01-31"))
        # 13 calendar months after 31 January 2026 is the last day of February 2027
        self.assert_valid_until("2027-02-28", "2027-03-01")


@tagged("post_install", "-at_install")
class TestExchangeDifferenceIsNotAPayment(LifecycleCase):
    """An exchange difference settles part of a foreign-currency invoice in the company's
    currency but is no payment: it never makes the invoice late nor weighs in days to pay."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Brasserie Dupont"})
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        # 1 EUR = 2.00 dollars in January, 1.60 from the 21st, 2.00 again from 10 February
        for day, rate in (("2026-01-01", 0.5), ("2026-01-21", 0.625), ("2026-02-10", 0.5)):
            cls.env["res.currency.rate"].create(
                {"currency_id": cls.eur.id, "name": day, "rate": rate, "company_id": cls.company.id}
            )

    def receive(self, when, amount):
        """A posted customer payment in EUR, not yet matched with any invoice."""
        with freeze_time(when):
            payment = self.env["account.payment"].create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": self.customer.id,
                    "amount": amount,
                    "currency_id": self.eur.id,
                    "date": when,
                }
            )
            payment.action_post()
        return payment

    def test_a_payment_on_time_matched_after_closing_the_month_is_not_late(self):
        invoice = self.invoice(
            "2026-01-01", "2026-01-31", 1000.0, currency=self.eur
        )  # 2,000 dollars
        payment = self.receive("2026-01-21", 1000.0)  # 10 days early, 1,600 dollars
        # January is closed before the accountant matches them: Odoo dates the exchange
        # difference (400 dollars) in the first open period, 15 days after the due date
        self.company.fiscalyear_lock_date = "2026-01-31"
        with freeze_time("2026-02-15"):
            (invoice.line_ids | payment.move_id.line_ids).filtered(
                lambda line: line.account_id == invoice.partner_id.property_account_receivable_id
            ).reconcile()
        self.assertEqual(invoice.payment_state, "paid")
        partials = invoice.line_ids.matched_credit_ids
        self.assertEqual(
            sorted((p.amount, str(p.max_date), p.credit_move_id.journal_id.id) for p in partials),
            [
                (400.0, "2026-02-15", self.company.currency_exchange_journal_id.id),
                (1600.0, "2026-01-21", payment.journal_id.id),
            ],
        )
        self.nightly_run("2026-03-01")
        self.assertRecordValues(
            self.env["customer.lifecycle.payment"].search([("partner_id", "=", self.customer.id)]),
            [
                {
                    "paid_invoice_count": 1,
                    "days_to_pay": -10.0,  # the payment alone, not (1600 x -10 + 400 x 15) / 2000
                    "late_share": 0.0,
                    "overdue_amount": 0.0,
                }
            ],
        )

    def test_an_exchange_difference_beside_an_early_payment_weighs_nothing(self):
        invoice = self.invoice(
            "2026-01-01", "2026-01-31", 1000.0, currency=self.eur
        )  # 2,000 dollars
        for when in ("2026-01-21", "2026-02-10"):  # 10 days early, then 10 days late
            with freeze_time(when):
                self.env["account.payment.register"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                ).create({"payment_date": when, "amount": 500.0})._create_payments()
        self.assertEqual(invoice.payment_state, "paid")
        # 500 EUR are 800 dollars on the 21st: a 200-dollar exchange difference that day
        self.assertEqual(
            sorted(
                (p.amount, str(p.max_date), p.credit_move_id.journal_id.type)
                for p in invoice.line_ids.matched_credit_ids
            ),
            [
                (200.0, "2026-01-21", "general"),
                (800.0, "2026-01-21", "bank"),
                (1000.0, "2026-02-10", "bank"),
            ],
        )
        self.nightly_run("2026-03-01")
        self.assertRecordValues(
            self.env["customer.lifecycle.payment"].search([("partner_id", "=", self.customer.id)]),
            [
                {
                    "paid_invoice_count": 1,
                    # (800 x -10 + 1000 x 10) / 1800; with the 200 counted: 0 days
                    "days_to_pay": 1.1,
                    "late_share": 100.0,
                    "overdue_amount": 0.0,
                }
            ],
        )
