"""The company's POS setting, and POS orders in a foreign currency."""

from datetime import datetime

from odoo.tests import tagged

from .pos_common import PosLifecycleCase


@tagged("post_install", "-at_install")
class TestPosSources(PosLifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Fioraio Verde"})

    def test_switching_pos_orders_off_removes_their_revenue_at_the_next_run(self):
        self.sell(self.customer, 120.0, when=datetime(2026, 11, 3, 10, 0))
        self.order(self.customer, "2026-11-10", amount=30.0)
        self.assertEqual(self.figures(self.customer), ("customer", 2, 150.0))
        self.nightly_run(datetime(2026, 11, 28, 2, 0))
        self.assertEqual(self.figures(self.customer), ("customer", 2, 150.0))
        self.assertTrue(self.company.lifecycle_last_full_run)

        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.lifecycle_count_pos)
        settings.lifecycle_count_pos = False
        settings.execute()
        self.assertFalse(self.company.lifecycle_count_pos)
        # what counts changed: the next run is a full one
        self.assertFalse(self.company.lifecycle_last_full_run)
        # nothing moves before the run
        self.assertEqual(self.figures(self.customer), ("customer", 2, 150.0))
        report = self.nightly_run(datetime(2026, 11, 29, 2, 0))
        self.assertTrue(report["full"])
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 30.0))
        fact = self.env["customer.lifecycle.fact"].search(
            [("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(fact.pos_orders, 0)
        # and a sale at the counter now counts for nobody's figures
        self.sell(self.customer, 10.0)
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 30.0))

        self.company.lifecycle_count_pos = True
        self.assertFalse(self.company.lifecycle_last_full_run)
        self.nightly_run(datetime(2026, 11, 30, 2, 0))
        self.assertEqual(self.figures(self.customer), ("customer", 3, 160.0))

    def test_an_order_in_a_foreign_currency_counts_at_its_own_rate(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create(
            [
                {"currency_id": eur.id, "name": "2026-10-01", "rate": 2.0},
                {"currency_id": eur.id, "name": "2026-11-01", "rate": 4.0},
            ]
        )
        shop = self.pos_shop("Negozio Euro", "EUSH", currency=eur)
        self.assertEqual(shop.currency_id, eur)
        first = self.sell(self.customer, 200.0, when=datetime(2026, 10, 15, 10, 0), shop=shop)
        second = self.sell(self.customer, 200.0, when=datetime(2026, 11, 15, 10, 0), shop=shop)
        self.assertEqual((first.currency_rate, second.currency_rate), (2.0, 4.0))
        # 200 EUR at 2 EUR a dollar, then 200 EUR at 4 EUR a dollar
        self.assertEqual(self.figures(self.customer), ("customer", 2, 150.0))
        fact = self.env["customer.lifecycle.fact"].search(
            [("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)]
        )
        # the product costs 60 dollars, at each order's rate in euros: 120 then 240
        self.assertEqual(fact.margin, 150.0 - 120.0)
