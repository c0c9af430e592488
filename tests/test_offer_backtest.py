"""The next best offers' backtest (customer.lifecycle.offer.backtest): hit rates at 3 against
the most popular products, exact on a hand-built set; run by the full run and on demand by a
manager; its figures for managers only.

The set: seven products A, B, C, D, E, F, G (one category, created in that order), 28
customers who bought something.
    one-time buyers:  o1-o3 A+B (one order)   o4-o8 D   o9-o12 E   o13-o17 F   o18-o22 G
    repeat customers (first order -> last order, hidden by the backtest):
        r1  A -> B        r2  A -> D        r3  A -> A (nothing new: not tested)
        r4  D -> E        r5  A -> B+C      r6  A+C -> A (nothing new: not tested)
Tested: r1, r2, r4, r5 (4).
History (everything but the last orders of r1-r6), customers per product: A 8 (o1-o3, r1,
r2, r3, r5, r6), D 6 (o4-o8, r4), F 5, G 5, E 4, B 3 (o1-o3), C 1 (r6). N = 28; the floor is
3 customers (1 % of 28 is less). Pairs: A+B 3 customers (o1-o3), A+C 1 (under the floor):
rules A -> B (3/8) and B -> A (3/3).
Recommendations from the history: r1, r2, r5 (bought A) get B; r4 (bought D) gets nothing.
    r1 hidden B: hit   r2 hidden D: miss   r4 hidden E: miss   r5 hidden B+C: hit
    -> 2 of 4 = 50 %.
Most popular products not bought (A 8, D 6, F 5, G 5 (F before G), E 4, B 3, C 1):
    r1 (A): D, F, G  hidden B: miss      r2 (A): D, F, G  hidden D: hit
    r4 (D): A, F, G  hidden E: miss      r5 (A): D, F, G  hidden B+C: miss
    -> 1 of 4 = 25 %.
"""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.customer_lifecycle.models.customer_lifecycle_offer_backtest import (
    MIN_TESTED_CUSTOMERS,
    offer_backtest_summary,
)

from .common import LifecycleCase

FIGURES = ["lifecycle_offer_backtest_customers", "lifecycle_offer_backtest_hit_rate",
           "lifecycle_offer_backtest_baseline_rate", "lifecycle_offer_backtest_date",
           "lifecycle_offer_backtest_summary"]  # fmt: skip


@tagged("post_install", "-at_install")
class TestOfferBacktest(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        category = cls.env["product.category"].create({"name": "Backtest Goods"})
        cls.a, cls.b, cls.c, cls.d, cls.e, cls.f, cls.g = cls.env["product.product"].create(
            [
                {
                    "name": f"Product {name}",
                    "type": "service",
                    "list_price": 10.0,
                    "categ_id": category.id,
                    "taxes_id": [Command.clear()],
                }
                for name in "ABCDEFG"
            ]
        )
        a, b, c, d, e, f, g = cls.a, cls.b, cls.c, cls.d, cls.e, cls.f, cls.g
        baskets = (
            [[(a, b)]] * 3 + [[(d,)]] * 5 + [[(e,)]] * 4 + [[(f,)]] * 5 + [[(g,)]] * 5
            + [[(a,), (b,)], [(a,), (d,)], [(a,), (a,)], [(d,), (e,)], [(a,), (b, c)]]
            + [[(a, c), (a,)]]
        )  # fmt: skip
        customers = cls.Partner.create(
            [{"name": f"Backtest customer {n}"} for n in range(1, len(baskets) + 1)]
        )
        for customer, orders in zip(customers, baskets, strict=True):
            for month, products in enumerate(orders, start=3):
                cls.buy(customer, products, when=f"2026-{month:02d}-10")

    @classmethod
    def buy(cls, customer, products, when):
        """A confirmed sale order of customer for these products, on day when."""
        with freeze_time(when):
            order = cls.env["sale.order"].create(
                {
                    "partner_id": customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": 1,
                                "price_unit": 10.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for product in products
                    ],
                }
            )
            order.action_confirm()
        return order

    def test_hit_rates_match_the_hand_computation(self):
        figures = self.env["customer.lifecycle.offer.backtest"]._run(self.company)
        self.assertEqual(
            figures[self.company.id],
            {"tested": 4, "hits": 2, "baseline_hits": 1, "hit_rate": 50.0, "baseline_rate": 25.0},
        )

    def test_the_full_run_stores_them_and_says_there_are_too_few_to_tell(self):
        self.nightly_run("2026-11-01 03:00:00")
        self.assertRecordValues(
            self.company,
            [
                {
                    "lifecycle_offer_backtest_customers": 4,
                    "lifecycle_offer_backtest_hit_rate": 50.0,
                    "lifecycle_offer_backtest_baseline_rate": 25.0,
                }
            ],
        )
        self.assertEqual(str(self.company.lifecycle_offer_backtest_date), "2026-11-01 03:00:00")
        self.assertEqual(
            self.company.lifecycle_offer_backtest_summary,
            "Too few repeat customers to tell: 4 could be tested (a repeat customer whose last "
            "purchase contained a product new to them), at least 30 are needed. So far the "
            "recommendations hit 50.0 % and the most popular products 25.0 %.",
        )

    def test_the_sentence_says_whether_the_recommendations_beat_the_baseline(self):
        env, date = self.env, "2026-11-01"
        self.assertEqual(MIN_TESTED_CUSTOMERS, 30)
        self.assertEqual(
            offer_backtest_summary(env, date, 30, 50.0, 25.0),
            "The recommendations beat the most popular products: for 30 repeat customers, "
            "their 3 recommendations contained a product of the hidden last purchase 50.0 % of "
            "the time, the 3 most popular products they had not bought 25.0 %.",
        )
        for hit_rate in (25.0, 20.0):  # a tie does not beat it
            self.assertTrue(
                offer_backtest_summary(env, date, 30, hit_rate, 25.0).startswith(
                    "The recommendations do not beat the most popular products: for 30 repeat "
                    "customers"
                )
            )
        self.assertTrue(offer_backtest_summary(env, date, 29, 50.0, 25.0).startswith("Too few"))
        self.assertTrue(
            offer_backtest_summary(env, False, 0, 0.0, 0.0).startswith(
                "The next best offers have not been tested yet"
            )
        )

    def test_a_manager_runs_it_on_demand(self):
        action = (
            self.env["customer.lifecycle.offer.backtest"].with_user(self.sales_manager).action_run()
        )
        self.assertIn("recommendations hit 50.0 %", action["params"]["message"])
        company = self.company.with_user(self.sales_manager)
        self.assertEqual(company.lifecycle_offer_backtest_customers, 4)
        # the settings show it (to administrators) and run it too
        settings = self.env["res.config.settings"].create({})
        self.assertIn("50.0 %", settings.lifecycle_offer_backtest_summary)
        self.assertEqual(settings.action_lifecycle_offer_backtest()["tag"], "display_notification")

    def test_nobody_else_runs_it_or_reads_the_managers_numbers(self):
        self.env["customer.lifecycle.offer.backtest"]._run(self.company)
        portal = new_test_user(self.env, login="clc_h4_bt_portal", groups="base.group_portal")
        _company_b, manager_b = self.user_of_another_company(
            "clc_h4_bt_manager_b", "sales_team.group_sale_manager"
        )
        Backtest = self.env["customer.lifecycle.offer.backtest"]
        for user in (self.salesperson, self.employee, portal):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(AccessError, "Only lifecycle administrators"):
                    Backtest.with_user(user).action_run()
                company = self.company.with_user(user)
                for field in FIGURES:
                    with self.assertRaises(AccessError):
                        company.read([field])
                with self.assertRaises(AccessError):
                    company.search_read([("id", "=", self.company.id)], FIGURES[:3])
                with self.assertRaises(AccessError):
                    company.web_search_read(
                        [("id", "=", self.company.id)],
                        {name: {} for name in FIGURES[:3]},
                    )
        # another company's manager runs it on their own company only: ours is not theirs
        action = Backtest.with_user(manager_b).action_run()
        self.assertIn("Too few", action["params"]["message"])
        self.assertEqual(self.company.lifecycle_offer_backtest_customers, 4)
        with self.assertRaises(AccessError):
            Backtest.with_user(manager_b).with_context(
                allowed_company_ids=[self.company.id]
            ).action_run()
