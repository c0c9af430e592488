"""The hand-built co-purchases of the next best offer's tests (test_affinity.py,
test_next_best_offer.py): ten customers of a salon, five products in three categories.

    customer  bought                      products: Cut (A) and Colour (C) in Hair,
    c1        Cut, Colour, Shampoo One                Shampoo One (S1) and Shampoo Two (S2)
    c2        Cut, Colour, Shampoo One                in Care, Diffuser (D) in Other
    c3        Cut, Colour, Shampoo Two
    c4        Cut, Colour
    c5        Cut, Shampoo Two
    c6        Cut
    c7        Colour, Shampoo One
    c8        Diffuser, Shampoo Two
    c9        Diffuser
    c10       Diffuser

Customers per product: Cut 6, Colour 5, Shampoo One 3, Shampoo Two 3, Diffuser 3 (N = 10).
Pairs: Cut+Colour 4 (c1-c4), Colour+Shampoo One 3 (c1, c2, c7); every other pair 2 or fewer,
under the floor of 3 customers (the default minimum support, 1 % of 10, is below it).
Categories: Hair 7 (c1-c7), Care 6 (c1, c2, c3, c5, c7, c8), Other 3; Hair+Care 5 (c1, c2, c3,
c5, c7), Care+Other 1.
"""

from freezegun import freeze_time

from odoo import Command

from .common import LifecycleCase


class CoPurchaseCase(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.hair = Category.create({"name": "Hair"})
        cls.care = Category.create({"name": "Care"})
        cls.other = Category.create({"name": "Other"})

        def product(name, category):
            return cls.env["product.product"].create(
                {
                    "name": name,
                    "type": "service",
                    "list_price": 10.0,
                    "categ_id": category.id,
                    "taxes_id": [Command.clear()],
                }
            )

        cls.cut = product("Cut", cls.hair)
        cls.colour = product("Colour", cls.hair)
        cls.shampoo_one = product("Shampoo One", cls.care)
        cls.shampoo_two = product("Shampoo Two", cls.care)
        cls.diffuser = product("Diffuser", cls.other)
        baskets = [
            (cls.cut, cls.colour, cls.shampoo_one),
            (cls.cut, cls.colour, cls.shampoo_one),
            (cls.cut, cls.colour, cls.shampoo_two),
            (cls.cut, cls.colour),
            (cls.cut, cls.shampoo_two),
            (cls.cut,),
            (cls.colour, cls.shampoo_one),
            (cls.diffuser, cls.shampoo_two),
            (cls.diffuser,),
            (cls.diffuser,),
        ]
        cls.customers = cls.Partner.create(
            [{"name": f"Salon client {n}"} for n in range(1, len(baskets) + 1)]
        )
        for customer, basket in zip(cls.customers, baskets, strict=True):
            # one order per product, on different days: the basket is the customer, not the order
            for day, item in enumerate(basket, start=1):
                cls.buy(customer, item, when=f"2026-10-{day:02d}")

    @classmethod
    def buy(cls, customer, *products, when="2026-10-01", **vals):
        """A confirmed sale order of customer for these products, on day when."""
        with freeze_time(when):
            order = cls.env["sale.order"].create(
                {
                    **vals,
                    "partner_id": customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": item.id,
                                "product_uom_qty": 1,
                                "price_unit": 10.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for item in products
                    ],
                }
            )
            order.action_confirm()
        return order

    def full_run(self, when="2026-11-01"):
        """The full run on day when, in the test's transaction (every rule and offer
        recomputed)."""
        with freeze_time(when):
            return self.engine._recompute_all(in_transaction=True)

    def rules(self, kind):
        """{(antecedent, consequent): rule} of the main company's rules of kind."""
        rules = self.env["customer.lifecycle.affinity"].search(
            [("company_id", "=", self.company.id), ("kind", "=", kind)]
        )
        if kind == "product":
            return {(r.antecedent_product_id, r.consequent_product_id): r for r in rules}
        return {(r.antecedent_category_id, r.consequent_category_id): r for r in rules}

    def offers(self, customer):
        """[(product, reason)] of the customer's offers in the main company, by rank."""
        offers = self.env["customer.lifecycle.offer"].search(
            [("partner_id", "=", customer.id), ("company_id", "=", self.company.id)],
            order="rank",
        )
        self.assertEqual(offers.mapped("rank"), list(range(1, len(offers) + 1)))
        return [(offer.product_id, offer.reason) for offer in offers]
