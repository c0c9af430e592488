import sys
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import (
    LOCK_KEY,
    deferred_reevaluation,
)
from odoo.addons.customer_lifecycle.tools import lifecycle_rules as rules

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestLifecycleStages(LifecycleCase):
    """A customer's journey through the stages, as a rep would see it."""

    def test_from_potential_to_customer_as_evidence_arrives(self):
        with freeze_time("2026-01-05"):
            marco = self.Partner.create({"name": "Marco Rossi"})
        self.assertEqual(marco.lifecycle_stage_id.code, "potential")

        quotation = self.order(marco, "2026-01-10", state="draft")
        self.assertEqual(marco.lifecycle_stage_id.code, "prospect", "a quotation shows interest")

        with freeze_time("2026-01-12"):
            quotation.action_confirm()
        self.assertEqual(marco.lifecycle_stage_id.code, "buyer", "at once, not at night")
        self.assertEqual(marco.lifecycle_order_count, 1)

        self.order(marco, "2026-02-12")
        self.assertEqual(marco.lifecycle_stage_id.code, "customer")
        self.assertEqual(marco.lifecycle_mean_interval, 31.0)
        history = self.history(marco)
        self.assertEqual(
            [(h.stage_from_id.code, h.stage_to_id.code, h.trigger) for h in history],
            [
                ("potential", "prospect", "order"),
                ("prospect", "buyer", "order"),
                ("buyer", "customer", "order"),
            ],
        )

    def test_referred_by_makes_a_referral_until_it_buys(self):
        anna = self.Partner.create({"name": "Anna Nowak"})
        piotr = self.Partner.create({"name": "Piotr Kowalski"})
        piotr.lifecycle_referred_by_id = anna
        self.assertEqual(piotr.lifecycle_stage_id.code, "referral")
        self.order(piotr, "2026-03-01")
        self.assertEqual(piotr.lifecycle_stage_id.code, "buyer")
        self.assertEqual(anna.lifecycle_referrals_converted, 1)
        thank = self.env.ref("customer_lifecycle.activity_type_thank_referrer")
        thanks = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", anna.id),
                ("activity_type_id", "=", thank.id),
            ]
        )
        self.assertEqual(len(thanks), 1, "the referrer is thanked when its referral buys")

    def test_enough_converted_referrals_make_a_fan(self):
        self.company.lifecycle_fan_referrals = 2
        anna = self.Partner.create({"name": "Anna Nowak"})
        self.order(anna, "2026-03-01")
        for name in ("Ewa", "Jakub"):
            friend = self.Partner.create({"name": name, "lifecycle_referred_by_id": anna.id})
            self.order(friend, "2026-03-10")
        self.assertEqual(anna.lifecycle_stage_id.code, "fan")

    def test_lost_at_the_nightly_run_and_won_back_by_an_order(self):
        bar = self.Partner.create({"name": "Bar Sport", "is_company": True})
        for day in ("2025-01-10", "2025-02-10", "2025-03-10"):
            self.order(bar, day)
        self.assertEqual(bar.lifecycle_stage_id.code, "customer")
        # mean interval 29.5 days; lost after max(180, 3 x 29.5) = 180 days
        self.nightly_run("2025-09-05")
        self.assertEqual(bar.lifecycle_stage_id.code, "customer", "179 days: not yet")
        self.nightly_run("2025-09-08")
        self.assertEqual(bar.lifecycle_stage_id.code, "lost")
        self.assertEqual(self.history(bar)[-1].trigger, "schedule")

        self.order(bar, "2025-10-01")
        self.assertEqual(bar.lifecycle_stage_id.code, "customer")
        last = self.history(bar)[-1]
        self.assertTrue(last.won_back)
        self.assertEqual((last.stage_from_id.code, last.trigger), ("lost", "order"))

    def test_a_quotation_never_demotes_a_buyer(self):
        giulia = self.Partner.create({"name": "Giulia Bianchi"})
        self.order(giulia, "2026-01-10")
        self.order(giulia, "2026-02-01", state="draft")
        self.assertEqual(giulia.lifecycle_stage_id.code, "buyer")

    def test_a_manual_move_holds_until_an_order_dated_after_it(self):
        luca = self.Partner.create({"name": "Luca Conti"})
        self.order(luca, "2026-01-10")
        with freeze_time("2026-01-20"):
            luca.with_user(self.sales_manager).lifecycle_stage_id = self.stage("fan")
        self.assertTrue(luca.lifecycle_stage_manual)
        self.assertEqual(self.history(luca)[-1].trigger, "manual")
        self.assertEqual(self.history(luca)[-1].user_id, self.sales_manager)

        self.nightly_run("2026-01-21")
        self.assertEqual(luca.lifecycle_stage_id.code, "fan", "the data is older than the move")

        self.order(luca, "2026-02-15")
        self.assertEqual(luca.lifecycle_stage_id.code, "customer", "newer evidence wins")
        self.assertFalse(luca.lifecycle_stage_manual)

    def test_moving_to_lost_by_hand_needs_a_reason(self):
        luca = self.Partner.create({"name": "Luca Conti"})
        with self.assertRaisesRegex(UserError, "needs a reason"):
            luca.lifecycle_stage_id = self.stage("lost")
        luca._lifecycle_move(self.stage("lost"), reason="Went to a competitor")
        self.assertEqual(self.history(luca)[-1].reason, "Went to a competitor")

    def test_a_company_and_its_contacts_are_one_customer(self):
        hotel = self.Partner.create({"name": "Hotel Roma S.r.l.", "is_company": True})
        chiara = self.Partner.create({"name": "Chiara Rizzo", "parent_id": hotel.id})
        self.order(chiara, "2026-01-10", amount=300.0)
        self.assertEqual(hotel.lifecycle_stage_id.code, "buyer", "the contact's order counts")
        self.assertEqual(hotel.lifecycle_revenue_total, 300.0)
        self.assertEqual(chiara.lifecycle_stage_id, hotel.lifecycle_stage_id)
        self.assertEqual(chiara.lifecycle_revenue_total, 300.0)
        self.assertEqual(
            self.history(chiara), self.history(chiara).browse(), "history is the company's"
        )

        # A contact joining the company shows the company's lifecycle at once.
        marco = self.Partner.create({"name": "Marco Greco"})
        marco.parent_id = hotel
        self.assertEqual(marco.lifecycle_stage_id, hotel.lifecycle_stage_id)
        self.assertEqual(marco.lifecycle_revenue_total, 300.0)

        # A move on the contact moves the company.
        with freeze_time("2026-02-01"):
            chiara.lifecycle_stage_id = self.stage("fan")
        self.assertEqual(hotel.lifecycle_stage_id.code, "fan")

    def test_the_playbook_schedules_an_activity_on_entering_a_stage(self):
        buyer = self.stage("buyer")
        buyer.activity_user_id = self.salesperson
        marco = self.Partner.create({"name": "Marco Rossi"})
        with freeze_time("2026-03-01"):
            self.order(marco, "2026-03-01")
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", marco.id)]
        )
        self.assertEqual(activity.activity_type_id, buyer.activity_type_id)
        self.assertEqual(str(activity.date_deadline), "2026-03-31")
        self.assertEqual(activity.user_id, self.salesperson)


@tagged("post_install", "-at_install")
class TestLifecycleValues(LifecycleCase):
    """Metrics computed from the orders."""

    def test_a_cancelled_order_counts_in_the_cancel_rate_not_in_the_value(self):
        pawel = self.Partner.create({"name": "Paweł Wójcik"})
        self.order(pawel, "2026-01-10", amount=100.0)
        self.order(pawel, "2026-01-20", amount=900.0, state="cancel")
        self.assertEqual(pawel.lifecycle_order_count, 1)
        self.assertEqual(pawel.lifecycle_revenue_total, 100.0)
        self.assertEqual(pawel.lifecycle_cancel_rate, 50.0)
        self.assertEqual(pawel.lifecycle_margin, 40.0)
        self.assertEqual(pawel.lifecycle_margin_percent, 40.0)

    def test_an_order_in_another_currency_is_converted_at_its_own_rate(self):
        other = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search(
                [("id", "!=", self.company.currency_id.id), ("name", "in", ("EUR", "PLN", "CHF"))],
                limit=1,
            )
        )
        other.active = True
        self.env["res.currency.rate"].create(
            [
                {"currency_id": other.id, "name": day, "rate": rate, "company_id": self.company.id}
                for day, rate in (("2026-01-01", 2.0), ("2026-02-01", 4.0))
            ]
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": f"In {other.name}", "currency_id": other.id}
        )
        ewa = self.Partner.create({"name": "Ewa Mazur"})
        self.order(ewa, "2026-01-15", amount=200.0, pricelist_id=pricelist.id)
        self.order(ewa, "2026-02-15", amount=200.0, pricelist_id=pricelist.id)
        self.assertEqual(ewa.lifecycle_revenue_total, 150.0, "200 / 2 + 200 / 4")

    def test_discount_and_interval_figures(self):
        zofia = self.Partner.create({"name": "Zofia Lewandowska"})
        order = self.order(zofia, "2026-01-01", state="draft")
        order.order_line.discount = 10.0
        with freeze_time("2026-01-01"):
            order.action_confirm()
        for day in ("2026-01-11", "2026-01-31"):
            self.order(zofia, day)
        self.assertEqual(zofia.lifecycle_discount_percent, 3.3)
        self.assertEqual(zofia.lifecycle_mean_interval, 15.0)
        self.assertEqual(zofia.lifecycle_median_interval, 15.0)
        self.assertEqual(str(zofia.lifecycle_next_order_date), "2026-02-15")

    def test_the_nightly_playbook_does_not_send_one_message_per_activity(self):
        marco = self.Partner.create({"name": "Marco Rossi", "user_id": self.salesperson.id})
        notifications = [
            ("model", "=", "res.partner"),
            ("res_id", "=", marco.id),
            ("message_type", "=", "user_notification"),
        ]
        assigned = self.env["mail.message"].search_count(notifications)  # "you are assigned"
        self.order(marco, "2025-01-10")  # buyer at once; its activity is announced
        announced = self.env["mail.message"].search_count(notifications)
        # each move in the day announces its activity: the quotation's follow-up (prospect),
        # then the order's second purchase call (buyer)
        self.assertEqual(announced - assigned, 2, "a move in the day announces its activity")
        self.nightly_run("2026-06-30")
        self.assertEqual(marco.lifecycle_stage_id.code, "lost")
        win_back = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", marco.id),
                ("activity_type_id", "=", self.stage("lost").activity_type_id.id),
            ]
        )
        self.assertEqual(win_back.user_id, self.salesperson)
        self.assertEqual(self.env["mail.message"].search_count(notifications), announced)


@tagged("post_install", "-at_install")
class TestLifecycleNightlyRun(LifecycleCase):
    """The scheduled computation over every customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.Partner.create([{"name": f"Customer {n:02d}"} for n in range(10)])
        # Customer n bought n + 1 times for n x 100 each, the last time n days before the run.
        for n, customer in enumerate(cls.customers):
            for k in range(n + 1):
                cls.order_in(cls.env, customer, f"2026-0{1 + k % 5}-{10 + n:02d}", amount=100.0 * n)

    def test_scores_and_classes_match_the_plain_rules(self):
        self.nightly_run("2026-06-30")
        buyers = self.customers.filtered("lifecycle_order_count").sorted("id")
        revenue = buyers.mapped("lifecycle_revenue_total")
        self.assertEqual(buyers.mapped("lifecycle_value_class"), rules.value_classes(revenue))
        self.assertEqual(
            buyers.mapped("rfm_frequency"),
            rules.quintile_scores(buyers.mapped("lifecycle_order_count")),
        )
        self.assertEqual(buyers.mapped("rfm_monetary"), rules.quintile_scores(revenue))
        for buyer in buyers:
            self.assertEqual(
                buyer.rfm_segment,
                rules.rfm_segment(buyer.rfm_recency, buyer.rfm_frequency, buyer.rfm_monetary),
            )

    def test_stages_and_health_match_the_plain_rules(self):
        newcomer = self.Partner.create({"name": "Potential newcomer"})
        curious = self.Partner.create({"name": "Curious prospect"})
        self.order(curious, "2026-06-01", state="draft")
        friend = self.Partner.create(
            {"name": "Referred friend", "lifecycle_referred_by_id": self.customers[0].id}
        )
        self.nightly_run("2026-06-30")
        today = fields.Date.to_date("2026-06-30")
        settings = self.company._lifecycle_settings()
        for partner in self.customers | newcomer | curious | friend:
            days = (
                partner.lifecycle_last_order_date
                and (today - partner.lifecycle_last_order_date).days
            )
            expected = rules.expected_interval_days(
                partner.lifecycle_order_count,
                partner.lifecycle_mean_interval,
                self.company.lifecycle_median_interval,
                settings["default_interval"],
            )
            expected_stage = rules.stage_for(
                order_count=partner.lifecycle_order_count,
                days_since_last_order=days or None,
                expected_days=expected,
                lost_factor=settings["lost_factor"],
                min_lost_days=settings["min_lost_days"],
                rfm_segment=partner.rfm_segment,
                converted_referrals=partner.lifecycle_referrals_converted,
                fan_referrals=settings["fan_referrals"],
                referred=bool(partner.lifecycle_referred_by_id),
                showed_interest=bool(partner.lifecycle_last_quotation_date),
            )
            with self.subTest(partner=partner.name):
                self.assertEqual(partner.lifecycle_stage_id.code, expected_stage)
                self.assertEqual(
                    partner.lifecycle_health or None,
                    rules.health(days, expected) if partner.lifecycle_order_count else None,
                )
        self.assertEqual(
            (newcomer | curious | friend).mapped("lifecycle_stage_id.code"),
            ["potential", "prospect", "referral"],
        )

    def test_a_second_run_with_no_new_data_changes_nothing(self):
        self.nightly_run("2026-06-30")
        history_count = self.env["customer.lifecycle.history"].search_count([])
        rows = SQL(
            "SELECT id, xmin::text FROM res_partner WHERE id = ANY(%s) ORDER BY id",
            self.customers.ids,
        )
        before = self.env.execute_query(rows)
        self.nightly_run("2026-06-30")
        self.assertEqual(self.env["customer.lifecycle.history"].search_count([]), history_count)
        self.assertEqual(self.env.execute_query(rows), before, "no partner row rewritten")

    def test_a_run_while_another_holds_the_lock_does_nothing(self):
        with self.registry.cursor() as other:
            other.execute(SQL("SELECT pg_advisory_lock(%s)", LOCK_KEY))
            try:
                with freeze_time("2026-06-30"):
                    self.assertFalse(self.engine._recompute_all())
            finally:
                other.execute(SQL("SELECT pg_advisory_unlock(%s)", LOCK_KEY))
        self.assertFalse(any(self.customers.mapped("rfm_segment")), "nothing was computed")

    def test_a_daily_run_aggregates_only_what_changed_and_a_weekly_run_everything(self):
        # Unfrozen: the daily run finds changed orders by their write_date, which the
        # database stamps with the real time.
        today = fields.Datetime.now()
        first = self._run_engine(today)
        self.assertTrue(first["full"])
        self.assertGreaterEqual(first["aggregated"], len(self.customers))

        # Orders carry their transaction's start time; this test is one transaction: age the
        # orders the first run has seen, so that only the new one is new.
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE sale_order SET write_date = write_date - interval '2 days'")
        )
        self.order(self.customers[3], today, state="draft")
        daily = self._run_engine(today)
        self.assertFalse(daily["full"])
        self.assertEqual(daily["aggregated"], 1, "only the customer with a new quotation")

        weekly = self._run_engine(today + timedelta(days=8))
        self.assertTrue(weekly["full"], "a week after the last full run")

    def test_a_daily_run_writes_an_imported_order_onto_its_customer_and_contacts(self):
        today = fields.Datetime.now()
        self._run_engine(today)
        buyer = self.customers[0]
        contact = self.Partner.create({"name": "Giulia at Customer 00", "parent_id": buyer.id})
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE sale_order SET write_date = write_date - interval '2 days'")
        )
        # An import: the order is written without the immediate re-evaluation.
        with freeze_time(today), deferred_reevaluation():
            order = self.env["sale.order"].create(
                {
                    "partner_id": contact.id,
                    "order_line": [Command.create({"product_id": self.product.id, "tax_ids": []})],
                }
            )
            order.action_confirm()
        self.assertEqual(buyer.lifecycle_order_count, 1, "not re-evaluated yet")
        daily = self._run_engine(today)
        self.assertFalse(daily["full"])
        self.assertEqual((buyer | contact).mapped("lifecycle_order_count"), [2, 2])
        self.assertEqual((buyer | contact).lifecycle_stage_id, self.stage("customer"))

    def _run_engine(self, when):
        """The engine in its own transaction, as the scheduler runs it."""
        with freeze_time(when), self.enter_registry_test_mode(), self.registry.cursor() as cr:
            result = self.engine.with_env(self.env(cr=cr))._recompute_all()
        self.env.invalidate_all()
        return result

    def test_the_nightly_run_reads_through_the_read_only_cursor(self):
        """In test mode a read-only cursor is a read-only transaction, as on a replica: the
        aggregation must ask for one and must not write through it."""
        readonly_callers = []  # which engine method opened each read-only cursor
        with freeze_time("2026-06-30"), self.enter_registry_test_mode():
            test_mode_cursor = self.registry.cursor

            def watched_cursor(readonly=False):
                if readonly:
                    # the engine's reader, _read_elsewhere, and the phase that called it
                    readonly_callers.append(sys._getframe(2).f_code.co_name)
                return test_mode_cursor(readonly=readonly)

            with patch.object(self.registry, "cursor", watched_cursor):
                with self.registry.cursor() as cr:
                    self.engine.with_env(self.env(cr=cr))._recompute_all()
        self.env.invalidate_all()
        self.assertIn("_aggregate_from_replica", readonly_callers, "the aggregation asked")
        # and the run completed: the most recent, most frequent, biggest spender is a champion
        self.assertEqual(self.customers[9].rfm_segment, "champions")

    def test_the_median_interval_of_repeat_customers_is_kept_for_the_day(self):
        self.nightly_run("2026-06-30")
        # the repeat customers' own means, (last - first) / (orders - 1), are 31, 29.5, 30, 30,
        # 24 (customer 5: 2026-01-15 to 05-15 over 5 gaps), 20, 17.1, 15 and 13.3: median 24
        self.assertEqual(self.company.lifecycle_median_interval, 24.0)
        newcomer = self.Partner.create({"name": "Newcomer"})
        self.order(newcomer, "2026-06-30")
        self.assertEqual(
            (newcomer.lifecycle_next_order_date - newcomer.lifecycle_last_order_date).days,
            round(self.company.lifecycle_median_interval),
        )

    def test_the_median_interval_in_use_moves_only_by_a_whole_day(self):
        """One-time buyers' next order dates come from the company median: a median drifting by
        a fraction of a day around x.5 would rewrite them all every other night."""
        one_time_buyer = self.customers[0]  # one order, on 2026-01-10
        self.nightly_run("2026-06-30")
        self.company.lifecycle_median_interval = 23.4  # last night's, 0.6 day from today's 24
        self.nightly_run("2026-07-01")
        self.assertEqual(self.company.lifecycle_median_interval, 23.4, "held")
        self.assertEqual(str(one_time_buyer.lifecycle_next_order_date), "2026-02-02")
        self.company.lifecycle_median_interval = 22.9  # 1.1 days from today's: taken
        self.nightly_run("2026-07-02")
        self.assertEqual(self.company.lifecycle_median_interval, 24.0)
        self.assertEqual(str(one_time_buyer.lifecycle_next_order_date), "2026-02-03")


@tagged("post_install", "-at_install")
class TestLifecycleSettings(LifecycleCase):
    def test_recompute_now_is_for_lifecycle_administrators(self):
        cron = self.env.ref("customer_lifecycle.ir_cron_lifecycle_recompute")
        Settings = self.env["res.config.settings"]
        with self.assertRaisesRegex(UserError, "Only lifecycle administrators can start"):
            Settings.with_user(self.salesperson).action_lifecycle_recompute_now()
        action = Settings.with_user(self.sales_manager).action_lifecycle_recompute_now()
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        self.assertFalse(self.company.lifecycle_last_full_run, "the next run aggregates all")

    def test_impossible_settings_are_refused_with_what_is_allowed(self):
        cases = {
            "lifecycle_lost_factor": (1.0, "greater than 1"),
            "lifecycle_min_lost_days": (-5, "cannot be negative"),
            "lifecycle_default_interval": (0, "at least 1 day"),
            "lifecycle_fan_referrals": (0, "at least 1"),
            "lifecycle_rfm_months": (-1, "cannot be negative"),
            "lifecycle_class_a_percent": (97.0, "class A below class B"),
            "lifecycle_class_b_percent": (120.0, "between 0 and 100"),
        }
        for field, (value, message) in cases.items():
            with self.subTest(field=field), self.assertRaisesRegex(ValidationError, message):
                self.env["res.config.settings"].create({field: value}).execute()

    def test_good_settings_are_saved(self):
        settings = {"lifecycle_lost_factor": 2.5, "lifecycle_class_a_percent": 70.0}
        self.env["res.config.settings"].create(settings).execute()
        self.assertEqual(self.company.lifecycle_lost_factor, 2.5)
        self.assertEqual(self.company.lifecycle_class_a_percent, 70.0)
