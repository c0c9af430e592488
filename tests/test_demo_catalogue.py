"""The demo's catalogue: a coffee roaster's products in categories two levels deep, and orders
whose lines follow each customer's taste (services that go together, supplies restocked about
every other order), so that every customer who bought has next best offers."""

import random
from collections import defaultdict
from itertools import pairwise
from statistics import median

from odoo import fields
from odoo.tests import tagged

from odoo.addons.customer_lifecycle.demo.customer_demo import PRODUCTS, SEED

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestDemoCatalogue(LifecycleCase):
    def test_catalogue_co_purchases_rhythm_and_offers(self):
        demo = self.env["customer.lifecycle.demo"]
        products = demo._products()
        people, orders = demo._customers_and_orders(
            random.Random(SEED), self.env.ref("base.user_admin"), products, fields.Date.today()
        )
        catalogue = self.env["product.product"].concat(*products.values())
        self.assertEqual(len(catalogue), len(PRODUCTS))
        self.assertEqual(len(catalogue), 27)
        self.assertTrue(all(catalogue.mapped("sale_ok")), "every product can be offered")
        categories = catalogue.categ_id
        self.assertEqual(len(categories), 7)
        self.assertEqual(
            sorted(categories.parent_id.mapped("name")), ["Café Supplies", "Coffee", "Equipment"]
        )
        self.assertFalse(categories.parent_id.parent_id, "two levels")

        confirmed = orders.filtered(lambda o: o.state == "sale")
        self.assertEqual(set(confirmed.order_line.product_id), set(catalogue), "all sold")
        codes = {o: set(o.order_line.product_id.mapped("default_code")) for o in confirmed}

        def lift(basis, item):
            """How much likelier item is in an order with basis than in any order."""
            with_basis = [held for held in codes.values() if basis in held]
            confidence = sum(item in held for held in with_basis) / len(with_basis)
            return confidence / (sum(item in held for held in codes.values()) / len(codes))

        # services that go together: a maintenance visit with the descaling, a machine with the
        # barista training
        self.assertGreater(lift("CLC-MAINT", "CLC-DESC"), 10)
        self.assertGreater(lift("CLC-ESP", "CLC-TRAIN"), 10)
        self.assertLess(lift("CLC-BEAN", "CLC-TAKE"), 1, "bars do not buy takeaway cups")

        # a rhythm per category: the counter's supplies about every other order, the coffee
        # every order (the customers with ten orders or more who restock supplies)
        ratios = []
        for _kind, partner in people:
            dates = defaultdict(list)
            for order in confirmed.filtered(lambda o, p=partner: o.partner_id == p).sorted(
                "date_order"
            ):
                for category in order.order_line.product_id.categ_id.mapped("name"):
                    dates[category].append(order.date_order)
            coffee = dates["Coffee Beans"] or dates["Capsules"]
            if len(coffee) >= 10 and len(dates["Counter Supplies"]) >= 3:
                ratios.append(
                    self._median_gap(dates["Counter Supplies"]) / self._median_gap(coffee)
                )
        self.assertGreater(len(ratios), 20)
        self.assertTrue(1.5 <= median(ratios) <= 2.5, median(ratios))

        # the nightly run: every customer who bought has offers, none of a product it bought;
        # some regulars are overdue for a category
        self.engine._recompute_all(in_transaction=True)
        buyers = confirmed.partner_id.commercial_partner_id
        offers = self.env["customer.lifecycle.offer"].search(
            [("partner_id", "in", buyers.ids), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(set(offers.partner_id), set(buyers))
        for offer in offers:
            bought = confirmed.filtered(lambda o, p=offer.partner_id: o.partner_id == p)
            self.assertNotIn(offer.product_id, bought.order_line.product_id)
        regulars = self.Partner.concat(
            *(partner for kind, partner in people if kind in ("big", "regular"))
        )
        overdue = self.env["customer.lifecycle.category.mix"].search(
            [("partner_id", "in", regulars.ids), ("overdue", "=", True)]
        )
        self.assertGreater(len(overdue.partner_id), 5)

    @staticmethod
    def _median_gap(dates):
        return median((b - a).days for a, b in pairwise(dates))
