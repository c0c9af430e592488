"""What they buy (issue 17): the category mix per customer, exact on hand-built order lines
(several categories, a product without one, a credit note, a second company; no Point of Sale
in this database), the category level setting, the funnel card's top categories, a re-run that
writes nothing, and who may read it."""

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import LifecycleCase


class CategoryMixCase(LifecycleCase):
    """A hair salon's catalogue: Hair / Cut, Hair / Colour, Retail / Shampoo, and a gift card
    without a category; a customer of the salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.hair = Category.create({"name": "Hair"})
        cls.retail = Category.create({"name": "Retail"})
        cls.cut_category = Category.create({"name": "Cut", "parent_id": cls.hair.id})
        cls.colour_category = Category.create({"name": "Colour", "parent_id": cls.hair.id})
        cls.shampoo_category = Category.create({"name": "Shampoo", "parent_id": cls.retail.id})
        cls.cut = cls.product_of("Cut & Shampoo", cls.cut_category, 30.0, 10.0)
        cls.colour = cls.product_of("Natural Colour", cls.colour_category, 60.0, 25.0)
        cls.shampoo = cls.product_of("Shampoo 250 ml", cls.shampoo_category, 15.0, 9.0)
        cls.gift = cls.product_of("Gift Card", cls.env["product.category"], 10.0, 0.0)
        cls.customer = cls.Partner.create(
            {"name": "Marta Rossi", "user_id": cls.salesperson.id, "email": "marta@example.com"}
        )
        cls.Mix = cls.env["customer.lifecycle.category.mix"]

    @classmethod
    def product_of(cls, name, category, price, cost):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "categ_id": category.id,
                "list_price": price,
                "standard_price": cost,
                "taxes_id": [Command.clear()],
            }
        )

    def visit(self, when, *products, partner=None, company=None):
        """A confirmed sale order of one line per product (at its list price) on day when."""
        company = company or self.company
        with freeze_time(when):
            order = (
                self.env["sale.order"]
                .with_company(company)
                .create(
                    {
                        "partner_id": (partner or self.customer).id,
                        "company_id": company.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": 1,
                                    "price_unit": product.list_price,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                            for product in products
                        ],
                    }
                )
            )
            order.action_confirm()
        return order

    def credit_note(self, when, product, amount, partner=None):
        """A posted credit note of one product line (refunding nothing identifiable)."""
        with freeze_time(when):
            move = self.env["account.move"].create(
                {
                    "move_type": "out_refund",
                    "partner_id": (partner or self.customer).id,
                    "invoice_date": when,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            move.action_post()
        return move

    def three_visits(self):
        """Cut and colour in January, cut and a shampoo in February (refunded), cut, colour and
        a gift card in March."""
        self.visit("2026-01-05", self.cut, self.colour)
        self.visit("2026-02-04", self.cut, self.shampoo)
        self.credit_note("2026-02-10", self.shampoo, 15.0)
        self.visit("2026-03-06", self.cut, self.colour, self.gift)

    def mix(self, partner=None, company=None):
        """{category name: row} of the customer in the company."""
        rows = self.Mix.search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("company_id", "=", (company or self.company).id),
            ]
        )
        return {row.category_id.name: row for row in rows}

    def values(self, row):
        return (
            row.revenue,
            row.margin,
            row.orders,
            row.share,
            str(row.first_date),
            str(row.last_date),
            row.interval_days,
            str(row.next_date) if row.next_date else None,
            row.overdue,
        )


@tagged("post_install", "-at_install")
class TestCategoryMix(CategoryMixCase):
    def test_the_mix_is_exact_per_category_with_a_refund_and_a_product_without_category(self):
        self.three_visits()
        self.nightly_run("2026-03-10")
        # spend 220: cut 90, colour 120, shampoo 15 - 15, the gift card 10 (no category: no row)
        self.assertEqual(
            {name: self.values(row) for name, row in self.mix().items()},
            {
                # margin (30 - 10) x 3; (60 - 25) x 2; the shampoo's 6, a credit note has none
                "Cut": (90.0, 60.0, 3, 40.9, "2026-01-05", "2026-03-06", 30.0, "2026-04-05", False),
                "Colour": (
                    120.0,
                    70.0,
                    2,
                    54.5,
                    "2026-01-05",
                    "2026-03-06",
                    60.0,
                    "2026-05-05",
                    False,
                ),
                "Shampoo": (0.0, 6.0, 1, 0.0, "2026-02-04", "2026-02-04", 0.0, None, False),
            },
        )
        self.assertEqual(self.customer.lifecycle_top_categories, "Colour · Cut")

    def test_a_confirmed_order_updates_the_mix_at_once(self):
        self.visit("2026-01-05", self.cut)
        self.assertEqual(
            self.values(self.mix()["Cut"]),
            (30.0, 20.0, 1, 100.0, "2026-01-05", "2026-01-05", 0.0, None, False),
        )
        self.visit("2026-01-25", self.cut, self.colour)
        self.assertEqual(
            self.values(self.mix()["Cut"]),
            (60.0, 40.0, 2, 50.0, "2026-01-05", "2026-01-25", 20.0, "2026-02-14", False),
        )
        self.assertEqual(self.customer.lifecycle_top_categories, "Colour · Cut")

    def test_a_second_company_has_its_own_mix_and_shares(self):
        company_b = self.env["res.company"].create({"name": "Salone B"})
        self.env.user.company_ids |= company_b
        self.three_visits()
        self.visit("2026-02-01", self.cut, self.shampoo, company=company_b)
        self.nightly_run("2026-03-10")
        self.assertEqual(
            {name: self.values(row) for name, row in self.mix(company=company_b).items()},
            {
                # the products' cost is the main company's: none known in this one
                "Cut": (30.0, 30.0, 1, 66.7, "2026-02-01", "2026-02-01", 0.0, None, False),
                "Shampoo": (15.0, 15.0, 1, 33.3, "2026-02-01", "2026-02-01", 0.0, None, False),
            },
        )
        # the main company's mix is the same as without it
        self.assertEqual(self.mix()["Cut"].share, 40.9)
        # the card shows the lifecycle company's
        self.assertEqual(self.customer.lifecycle_top_categories, "Colour · Cut")

    def test_category_level_1_groups_the_purchases_by_the_top_of_the_tree(self):
        self.three_visits()
        self.company.lifecycle_last_full_run = "2026-03-09 00:00:00"
        self.company.lifecycle_category_level = 1
        self.assertFalse(self.company.lifecycle_last_full_run, "the next run is a full one")
        report = self.nightly_run("2026-03-10")
        self.assertTrue(report["full"])
        self.assertEqual(
            {name: self.values(row) for name, row in self.mix().items()},
            {
                # the January visit bought both cut and colour: one purchase of Hair
                "Hair": (
                    210.0,
                    130.0,
                    3,
                    95.5,
                    "2026-01-05",
                    "2026-03-06",
                    30.0,
                    "2026-04-05",
                    False,
                ),
                "Retail": (0.0, 6.0, 1, 0.0, "2026-02-04", "2026-02-04", 0.0, None, False),
            },
        )
        self.assertEqual(self.customer.lifecycle_top_categories, "Hair")
        # back to each product's own category
        self.company.lifecycle_category_level = 0
        self.nightly_run("2026-03-11")
        self.assertEqual(sorted(self.mix()), ["Colour", "Cut", "Shampoo"])

    def test_a_category_level_outside_the_tree_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "category level is 0"):
            self.company.lifecycle_category_level = -1
        with self.assertRaisesRegex(ValidationError, "from 1 \\(the top\\) to 10"):
            self.company.lifecycle_category_level = 11

    def test_a_re_run_writes_nothing(self):
        self.three_visits()
        self.nightly_run("2026-03-10")

        def versions():
            self.env.flush_all()
            self.env.cr.execute(
                "SELECT id, xmin::text FROM customer_lifecycle_category_mix ORDER BY id"
            )
            rows = self.env.cr.fetchall()
            self.env.cr.execute(
                "SELECT xmin::text FROM res_partner WHERE id = %s", [self.customer.id]
            )
            return rows, self.env.cr.fetchone()[0]

        before = versions()
        self.assertEqual(len(before[0]), 3)
        with freeze_time("2026-03-10"):
            now = fields.Datetime.now()
            self.assertEqual(self.Mix._refresh(None, self.company, now), 0)
            self.assertEqual(self.Mix._refresh([self.customer.id], self.company, now), 0)
            self.assertEqual(self.Mix._refresh_customers([self.customer.id], self.company), 0)
        self.nightly_run("2026-03-10")
        self.assertEqual(versions(), before)

    def test_a_customer_without_purchases_left_loses_the_rows_and_the_card_label(self):
        orders = self.visit("2026-01-05", self.cut) | self.visit("2026-01-25", self.colour)
        self.assertEqual(self.customer.lifecycle_top_categories, "Colour · Cut")
        for order in orders:
            order._action_cancel()
        self.assertFalse(self.mix())
        self.assertFalse(self.customer.lifecycle_top_categories)

    def test_a_page_of_funnel_cards_reads_the_top_categories_without_a_query_per_card(self):
        partners = self.Partner.create([{"name": f"Card {i:02d}"} for i in range(40)])
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_top_categories = 'Colour · Cut' WHERE id = ANY(%s)",
            [partners.ids],
        )
        spec = {
            "name": {},
            "lifecycle_top_categories": {},
            "lifecycle_stage_id": {"fields": {"display_name": {}}},
            "user_id": {"fields": {"display_name": {}}},
        }
        Partner = self.Partner.with_user(self.salesperson)
        counts = {}
        for size in (40, 10, 40):  # the first one warms the registry's caches
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            records = Partner.web_search_read([("id", "in", partners.ids)], spec, limit=size)
            counts[size] = self.env.cr.sql_log_count - before
            self.assertEqual(
                [r["lifecycle_top_categories"] for r in records["records"]],
                ["Colour · Cut"] * size,
            )
        self.assertEqual(counts[10], counts[40], counts)


@tagged("post_install", "-at_install")
class TestCategoryMixAccess(CategoryMixCase):
    """Lifecycle users read the mix of their companies' customers; nobody writes it but the
    engine; the rest read nothing of it, over every path."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, login="clc_mix_portal", groups="base.group_portal")
        cls.rep_own = new_test_user(
            cls.env, login="clc_mix_rep_own", groups="sales_team.group_sale_salesman"
        )
        cls.company_b, cls.outsider = cls.user_of_another_company(
            "clc_mix_outsider", "sales_team.group_sale_salesman", "Salone B"
        )

    def setUp(self):
        super().setUp()
        self.env.user.company_ids |= self.company_b
        self.three_visits()
        self.visit("2026-02-01", self.cut, company=self.company_b)
        self.nightly_run("2026-03-10")
        self.rows = self.Mix.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(self.rows), 4)

    def test_lifecycle_users_read_and_nobody_writes(self):
        for user in (self.salesperson, self.rep_own, self.sales_manager):
            Mix = self.Mix.with_user(user)
            rows = Mix.search_read([("partner_id", "=", self.customer.id)], ["category_id"])
            self.assertEqual(len(rows), 3, user.login)  # the main company's, theirs
            record = Mix.browse(rows[0]["id"])
            with self.assertRaises(AccessError):
                record.write({"revenue": 1.0})
            with self.assertRaises(AccessError):
                record.unlink()
            with self.assertRaises(AccessError):
                Mix.create(
                    {
                        "partner_id": self.customer.id,
                        "company_id": self.company.id,
                        "category_id": self.hair.id,
                    }
                )
        # their card shows the top categories, their form the table
        customer = self.customer.with_user(self.rep_own)
        self.assertEqual(customer.lifecycle_top_categories, "Colour · Cut")
        self.assertEqual(len(customer.lifecycle_category_mix_ids), 3)

    def test_portal_and_plain_employees_read_nothing(self):
        for user in (self.portal, self.employee):
            Mix = self.Mix.with_user(user)
            with self.assertRaises(AccessError):
                Mix.search_read([], ["category_id", "revenue"])
            with self.assertRaises(AccessError):
                Mix.web_search_read([], {"revenue": {}})
            with self.assertRaises(AccessError):
                self.rows.with_user(user).read(["share"])
        with self.assertRaises(AccessError):
            self.customer.with_user(self.employee).read(["lifecycle_top_categories"])
        with self.assertRaises(AccessError):
            self.Partner.with_user(self.employee).search(
                [("lifecycle_category_mix_ids.overdue", "=", True)]
            )

    def test_a_user_of_another_company_reads_only_that_companys_rows(self):
        Mix = self.Mix.with_user(self.outsider)
        rows = Mix.search_read([], ["company_id", "category_id", "revenue"])
        self.assertEqual(
            [(r["company_id"][0], r["category_id"][1], r["revenue"]) for r in rows],
            [(self.company_b.id, "Hair / Cut", 30.0)],
        )
        main_rows = self.rows.filtered(lambda r: r.company_id == self.company)
        with self.assertRaises(AccessError):
            main_rows.with_user(self.outsider).read(["revenue"])
