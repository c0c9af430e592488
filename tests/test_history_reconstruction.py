"""The stage history rebuilt from the orders at install, and from the administrators' button."""

import random
from datetime import datetime

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.customer_lifecycle.demo.customer_demo import SEED
from odoo.addons.customer_lifecycle.hooks import post_init_hook
from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import deferred_reevaluation

from .common import LifecycleCase

INSTALL = "2023-06-20 12:00:00"
COLUMNS = (
    "partner_id", "stage_from_id", "stage_to_id", "date", "trigger", "user_id", "days_in_stage",
    "won_back", "reconstructed", "lost_reason_id", "reason",
)  # fmt: skip


@tagged("post_install", "-at_install")
class TestHistoryReconstruction(LifecycleCase):
    """A hand-built order history, with the settings fixed: lost factor 2, at least 30 days,
    default interval 30. The company median interval at install is that of the two repeat
    customers, Alpha (51 days) and Bravo (108 days): 79.5, so a one-order customer is lost after
    159 days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "lifecycle_lost_factor": 2.0,
                "lifecycle_min_lost_days": 30,
                "lifecycle_default_interval": 30,
                "lifecycle_fan_referrals": 2,
                "lifecycle_lost_rule": "interval",
            }
        )
        cls.manager = new_test_user(
            cls.env,
            login="clc_lifecycle_manager",
            name="Lara Lifecycle",
            groups="sales_team.group_sale_manager,customer_lifecycle.group_lifecycle_manager",
        )
        cls.rep = new_test_user(
            cls.env,
            login="clc_rep_own_docs",
            name="Rita Rep",
            groups="sales_team.group_sale_salesman,customer_lifecycle.group_lifecycle_user",
        )
        cls.portal = new_test_user(cls.env, login="clc_portal", groups="base.group_portal")
        cls.company_b, cls.user_b = cls.user_of_another_company(
            "clc_manager_b",
            "base.group_user,customer_lifecycle.group_lifecycle_manager",
            company_name="Torrefazione B",
        )

    def setUp(self):
        super().setUp()
        # A database with years of orders, loaded before the addon (no stage, no history).
        with deferred_reevaluation():
            with freeze_time("2022-12-01"):  # (the creation date is set below)
                names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]
                partners = self.env["res.partner"].create([{"name": name} for name in names])
                self.alpha, self.bravo, self.charlie, self.delta, self.echo, self.foxtrot = partners
                self.r1, self.r2 = self.env["res.partner"].create(
                    [
                        {"name": "Referred One", "lifecycle_referred_by_id": self.bravo.id},
                        {"name": "Referred Two", "lifecycle_referred_by_id": self.bravo.id},
                    ]
                )
            self.customers = (
                self.alpha | self.bravo | self.charlie | self.delta | self.echo | self.foxtrot
            ) | (self.r1 | self.r2)
            # repeat, lost after a long gap (threshold 2 x its own mean 20 = 40 days), won back
            for day in ("2023-01-01", "2023-01-21", "2023-02-10", "2023-06-03"):
                self.order(self.alpha, day)
            self.order(self.alpha, "2023-04-01", company_id=self.company_b.id)  # not counted
            # bought once, then its second referral bought (fan), then ordered again
            self.order(self.bravo, "2023-02-01")
            self.order(self.r1, "2023-03-01")
            self.order(self.r2, "2023-04-15")
            self.order(self.bravo, "2023-05-20")
            # asked for a quotation first
            self.order(self.charlie, "2023-01-10", state="draft")
            self.order(self.charlie, "2023-02-01")
            # bought once, long ago: lost on the 159th day
            self.order(self.delta, "2022-12-10")
            self.order(self.echo, "2023-03-01")
            # orders of another company only
            self.order(self.foxtrot, "2023-03-01", company_id=self.company_b.id)
        # created on 2022-12-01 (Odoo stamps the transaction's time), all but Echo, imported
        # after its orders; no stage yet
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET lifecycle_stage_id = NULL, lifecycle_stage_date = NULL, "
                "create_date = CASE WHEN id = %s THEN create_date ELSE '2022-12-01' END "
                "WHERE commercial_partner_id = ANY(%s)",
                self.echo.id,
                self.customers.ids,
            )
        )
        self.env.invalidate_all()

    def install(self, reconstruct=True):
        """The install hook as this version runs it, or as the previous one did (its stages and
        one row per customer, nothing rebuilt)."""
        with freeze_time(INSTALL):
            if reconstruct:
                post_init_hook(self.env)
            else:
                self.engine._recompute_all(trigger="schedule", in_transaction=True)
        self.env.invalidate_all()

    def rows(self, partner):
        """The history of partner, oldest first; days in stage as stored (NULL: not known, left
        out of the averages, where the ORM would read 0)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT f.code, t.code, h.date, h.trigger, h.days_in_stage::float8,
                          h.won_back, h.reconstructed IS TRUE, h.user_id
                     FROM customer_lifecycle_history h
                     JOIN customer_lifecycle_stage t ON t.id = h.stage_to_id
                LEFT JOIN customer_lifecycle_stage f ON f.id = h.stage_from_id
                    WHERE h.partner_id = %s ORDER BY h.date, h.id""",
                partner.id,
            )
        )
        return self.env.cr.fetchall()

    def snapshot(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM customer_lifecycle_history WHERE partner_id = ANY(%s) "
                "ORDER BY id",
                SQL(", ").join(SQL.identifier(name) for name in COLUMNS),
                self.customers.ids,
            )
        )
        history = self.env.cr.fetchall()
        self.env.cr.execute(
            SQL(
                "SELECT id, lifecycle_stage_id, lifecycle_stage_date FROM res_partner "
                "WHERE id = ANY(%s) ORDER BY id",
                self.customers.ids,
            )
        )
        return history, self.env.cr.fetchall()

    def test_install_rebuilds_each_customers_history_exactly(self):
        self.install()
        self.assertEqual(self.company.lifecycle_median_interval, 79.5)
        d = datetime.fromisoformat
        self.assertEqual(
            self.rows(self.alpha),
            [
                ("potential", "buyer", d("2023-01-01"), "order", 31.0, False, True, None),
                ("buyer", "customer", d("2023-01-21"), "order", 20.0, False, True, None),
                # 2023-02-10 + 2 x 20 days
                ("customer", "lost", d("2023-03-22"), "schedule", 60.0, False, True, None),
                ("lost", "customer", d("2023-06-03"), "order", 73.0, True, True, None),
                # the install made it a fan (the top RFM cell): the orders do not say so
                ("customer", "fan", d(INSTALL), "schedule", 17.5, False, True, None),
            ],
        )
        self.assertEqual(
            self.rows(self.bravo),
            [
                ("potential", "buyer", d("2023-02-01"), "order", 62.0, False, True, None),
                # the day its second referral placed its first order
                ("buyer", "fan", d("2023-04-15"), "order", 73.0, False, True, None),
            ],
        )
        self.assertEqual(
            self.rows(self.r1),
            [
                ("referral", "buyer", d("2023-03-01"), "order", 90.0, False, True, None),
            ],
        )
        self.assertEqual(
            self.rows(self.charlie),
            [
                ("prospect", "buyer", d("2023-02-01"), "order", 62.0, False, True, None),
            ],
        )
        self.assertEqual(
            self.rows(self.delta),
            [
                ("potential", "buyer", d("2022-12-10"), "order", 9.0, False, True, None),
                # 159 days after its only order, before the install
                ("buyer", "lost", d("2023-05-18"), "schedule", 159.0, False, True, None),
            ],
        )
        # the last rebuilt row lands on the stage the install computed, since its day
        expected_stages = {
            self.alpha: ("fan", d(INSTALL)),
            self.bravo: ("fan", d("2023-04-15")),
            self.r1: ("buyer", d("2023-03-01")),
            self.r2: ("buyer", d("2023-04-15")),
            self.charlie: ("buyer", d("2023-02-01")),
            self.delta: ("lost", d("2023-05-18")),
        }
        for partner, (code, since) in expected_stages.items():
            self.assertEqual(
                (partner.lifecycle_stage_id.code, partner.lifecycle_stage_date),
                (code, since),
                partner.name,
            )
        # orders of another company make no history: Foxtrot keeps its install row
        self.assertEqual(
            self.rows(self.foxtrot),
            [(None, "potential", d(INSTALL), "schedule", None, False, False, self.env.uid)],
        )

    def test_a_stage_the_orders_do_not_explain_gets_a_closing_row_on_the_install_day(self):
        self.install(reconstruct=False)
        # Echo's install row said Fan (say, the top RFM cell): the orders cannot rebuild it
        fan = self.stage("fan")
        self.env.cr.execute(
            SQL(
                "UPDATE customer_lifecycle_history SET stage_to_id = %s WHERE partner_id = %s;"
                "UPDATE res_partner SET lifecycle_stage_id = %s WHERE id = %s",
                fan.id,
                self.echo.id,
                fan.id,
                self.echo.id,
            )
        )
        self.env["customer.lifecycle.history"].with_user(self.manager)._reconstruct_from_orders()
        self.env.invalidate_all()
        d = datetime.fromisoformat
        self.assertEqual(
            self.rows(self.echo),
            [
                # created after its first order: since when it was a potential customer is
                # not known
                ("potential", "buyer", d("2023-03-01"), "order", None, False, True, None),
                ("buyer", "fan", d(INSTALL), "schedule", 111.5, False, True, None),
            ],
        )
        self.assertEqual(self.echo.lifecycle_stage_date, d(INSTALL))

    def test_the_button_keeps_real_moves_and_a_second_press_changes_nothing(self):
        self.install(reconstruct=False)  # a database installed before this version
        lost = self.stage("lost")
        with freeze_time("2023-07-01 10:00:00"):
            self.alpha.with_user(self.manager)._lifecycle_move(lost, reason="Closed the bar")
        real = self.history(self.alpha)[-1]
        # a customer created after the install: its first row is its first order's
        with freeze_time("2023-07-02"):
            golf = self.env["res.partner"].create({"name": "Golf"})
        self.customers |= golf
        self.order(golf, "2023-07-03")
        golf_rows = self.rows(golf)

        History = self.env["customer.lifecycle.history"].with_user(self.manager)
        with freeze_time("2023-07-10"):
            action = History.action_reconstruct_from_orders()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("7 customers got their stage history", action["params"]["message"])
        self.assertIn("(13 rows", action["params"]["message"])
        self.assertIn("1 customers with orders were left", action["params"]["message"])
        self.env.invalidate_all()
        d = datetime.fromisoformat
        self.assertEqual(
            self.rows(self.alpha)[-2:],
            [
                ("customer", "fan", d(INSTALL), "schedule", 17.5, False, True, None),
                # the real move stays as it was, days counted from the install row it followed
                ("fan", "lost", d("2023-07-01 10:00:00"), "manual", 10.9, False, False,
                 self.manager.id),
            ],
        )  # fmt: skip
        self.assertEqual(self.history(self.alpha)[-1], real)
        self.assertEqual(real.reason, "Closed the bar")
        # moved since: the stage date is the move's
        self.assertEqual(self.alpha.lifecycle_stage_date, d("2023-07-01 10:00:00"))
        self.assertEqual(self.rows(golf), golf_rows)

        before = self.snapshot()
        with freeze_time("2023-07-11"):
            again = History.action_reconstruct_from_orders()
        self.assertEqual(again["params"]["type"], "info")
        self.assertIn("0 customers got", again["params"]["message"])
        self.assertEqual(self.snapshot(), before)

    def test_only_lifecycle_administrators_may_rebuild(self):
        self.install(reconstruct=False)
        before = self.snapshot()
        History = self.env["customer.lifecycle.history"]
        for user in (self.salesperson, self.rep, self.employee, self.portal, self.user_b):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                History.with_user(user).action_reconstruct_from_orders()
        self.assertEqual(self.snapshot(), before)
        History.with_user(self.manager).action_reconstruct_from_orders()
        self.assertEqual(len(self.history(self.alpha)), 5)

    def test_the_button_is_in_the_stage_history_list_for_administrators_only(self):
        view = self.env.ref("customer_lifecycle.customer_lifecycle_history_view_list")
        History = self.env["customer.lifecycle.history"]
        for user, shown in ((self.manager, True), (self.rep, False)):
            arch = History.with_user(user).get_views([(view.id, "list")])["views"]["list"]["arch"]
            self.assertEqual('name="action_reconstruct_from_orders"' in arch, shown, user.login)

    def test_a_customer_created_after_the_install_is_rebuilt_from_its_potential_row(self):
        # created after the addon: Potential without a row, moved by the install-time run
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET lifecycle_stage_id = %s WHERE id = %s",
                self.stage("potential").id,
                self.charlie.id,
            )
        )
        self.env.invalidate_all()
        self.install(reconstruct=False)
        self.assertEqual(
            self.rows(self.charlie),
            [("potential", "buyer", datetime.fromisoformat(INSTALL), "schedule", 0.0, False,
              False, self.env.uid)],
        )  # fmt: skip
        self.env["customer.lifecycle.history"]._reconstruct_from_orders(self.charlie)
        d = datetime.fromisoformat
        self.assertEqual(
            self.rows(self.charlie),
            [
                ("prospect", "buyer", d("2023-02-01"), "order", 62.0, False, True, None),
            ],
        )
        # partners: only these customers
        self.assertEqual(len(self.history(self.alpha)), 1)


@tagged("post_install", "-at_install")
class TestDemoHistory(LifecycleCase):
    """The demo, installed as the install hook runs: conversion and won-back figures from day
    one, and no company name twice."""

    def test_the_demo_shows_its_years_of_moves(self):
        # the demo's customers and orders as _generate makes them (its invoices and payments,
        # the slow part, play no part in the stages)
        demo = self.env["customer.lifecycle.demo"]
        with freeze_time("2026-03-02 08:00:00"):
            people, _orders = demo._customers_and_orders(
                random.Random(SEED),
                self.env.ref("base.user_admin"),
                demo._products(),
                fields.Date.today(),
            )
            self.engine._recompute_all(trigger="schedule", in_transaction=True)
            counts = self.env["customer.lifecycle.history"]._reconstruct_from_orders()
        customers = self.env["res.partner"].concat(*(partner for _kind, partner in people))
        companies = customers.filtered("is_company").mapped("name")
        self.assertEqual(len(companies), len(set(companies)), "a company name repeats")
        self.assertEqual(len(companies), 83)

        history = self.env["customer.lifecycle.history"].search(
            [("partner_id", "in", customers.ids)], order="partner_id, date, id"
        )
        buyers = customers.filtered("lifecycle_first_order_date")
        self.assertEqual(counts["customers"], len(buyers))
        self.assertEqual(set(history.filtered("reconstructed").partner_id), set(buyers))
        # every customer's history is one chain that ends on its stage
        for partner in buyers:
            rows = history.filtered(lambda h, p=partner: h.partner_id == p)
            self.assertIn(rows[0].stage_from_id.code, ("potential", "prospect", "referral"))
            self.assertEqual(rows[1:].stage_from_id.ids, rows[:-1].stage_to_id.ids, partner.name)
            self.assertEqual(rows[-1].stage_to_id, partner.lifecycle_stage_id, partner.name)
        moves = history.filtered("stage_from_id")
        won_back = moves.filtered("won_back")
        # the eight customers who paused for most of a year, at least
        paused = {partner for kind, partner in people if kind == "won_back"}
        self.assertEqual(len(paused), 8)
        self.assertLessEqual(paused, set(won_back.partner_id))
        self.assertGreater(len(moves.filtered(lambda h: h.stage_to_id.code == "lost")), 30)
        self.assertTrue(moves.filtered(lambda h: h.stage_from_id.code == "prospect"))
        self.assertTrue(moves.filtered(lambda h: h.stage_from_id.code == "referral"))
        self.assertGreater(len(moves.filtered(lambda h: h.stage_to_id.code == "customer")), 80)
