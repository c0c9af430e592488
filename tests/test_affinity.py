"""Co-purchase rules (customer.lifecycle.affinity): support, confidence and lift against a hand
computation on the salon's ten customers (tests/common_offers.py), the minimum support, a re-run
that writes nothing, and who may read them."""

from odoo.exceptions import AccessError, ValidationError
from odoo.service.model import get_public_method
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from .common_offers import CoPurchaseCase


@tagged("post_install", "-at_install")
class TestAffinity(CoPurchaseCase):
    def test_product_rules_match_the_hand_computation(self):
        self.full_run()
        rules = self.rules("product")
        cut, colour, one = self.cut, self.colour, self.shampoo_one
        # (customers, support, confidence, lift, popularity) by hand, N = 10:
        # Cut 6, Colour 5, Shampoo One 3; Cut+Colour 4, Colour+Shampoo One 3
        expected = {
            (cut, colour): (4, 4 / 10, 4 / 6, (4 / 6) / (5 / 10), 5),
            (colour, cut): (4, 4 / 10, 4 / 5, (4 / 5) / (6 / 10), 6),
            (colour, one): (3, 3 / 10, 3 / 5, (3 / 5) / (3 / 10), 3),
            (one, colour): (3, 3 / 10, 3 / 3, (3 / 3) / (5 / 10), 5),
        }
        self.assertEqual(set(rules), set(expected))
        for pair, (customers, support, confidence, lift, popularity) in expected.items():
            rule = rules[pair]
            self.assertEqual(rule.customers, customers, pair)
            self.assertAlmostEqual(rule.support, support, places=6)
            self.assertAlmostEqual(rule.confidence, confidence, places=6)
            self.assertAlmostEqual(rule.lift, lift, places=6)
            self.assertEqual(rule.popularity, popularity)
            self.assertEqual(rule.offer_product_id, pair[1])

    def test_category_rules_match_the_hand_computation(self):
        self.full_run()
        rules = self.rules("category")
        # Hair 7, Care 6; Hair+Care 5; Care+Other 1 (under the floor)
        self.assertEqual(set(rules), {(self.hair, self.care), (self.care, self.hair)})
        hair_care = rules[self.hair, self.care]
        self.assertEqual(hair_care.customers, 5)
        self.assertAlmostEqual(hair_care.support, 0.5, places=6)
        self.assertAlmostEqual(hair_care.confidence, 5 / 7, places=6)
        self.assertAlmostEqual(hair_care.lift, (5 / 7) / (6 / 10), places=6)
        # the most bought product of Care: Shampoo One and Two 3 each, the first created wins
        self.assertEqual(hair_care.offer_product_id, self.shampoo_one)
        self.assertEqual(hair_care.popularity, 3)
        care_hair = rules[self.care, self.hair]
        self.assertAlmostEqual(care_hair.confidence, 5 / 6, places=6)
        self.assertAlmostEqual(care_hair.lift, (5 / 6) / (7 / 10), places=6)
        self.assertEqual(care_hair.offer_product_id, self.cut)  # Cut 6, Colour 5

    def test_minimum_support_respected(self):
        # 35 % of 10 customers: 4 must have bought both (Colour+Shampoo One, 3, goes)
        self.company.lifecycle_offer_min_support = 35.0
        self.assertFalse(self.company.lifecycle_last_full_run, "a new support: a full run next")
        self.full_run()
        self.assertEqual(
            set(self.rules("product")), {(self.cut, self.colour), (self.colour, self.cut)}
        )
        self.assertEqual(
            set(self.rules("category")), {(self.hair, self.care), (self.care, self.hair)}
        )
        # 50 %: Hair+Care (5 of 10) stays, Cut+Colour (4) goes
        self.company.lifecycle_offer_min_support = 50.0
        self.full_run()
        self.assertFalse(self.rules("product"))
        self.assertEqual(len(self.rules("category")), 2)
        with self.assertRaises(ValidationError):
            self.company.lifecycle_offer_min_support = 0.0

    def test_rules_query_reads_any_lines(self):
        """The builder the backtest uses: rules from a relation of lines it chooses (here the
        history without the customers c1 and c2: Colour+Shampoo One falls to 1 customer)."""
        Fact = self.env["customer.lifecycle.fact"]
        lines = SQL(
            "SELECT * FROM (%s) l WHERE l.partner_id <> ALL(%s)",
            Fact._purchase_product_lines_query(None),
            self.customers[:2].ids,
        )
        Affinity = self.env["customer.lifecycle.affinity"]
        self.env.cr.execute(
            SQL(
                "SELECT antecedent_product_id, consequent_product_id, customers, confidence "
                "FROM (%s) r WHERE kind = 'product' ORDER BY 1, 2",
                Affinity._rules_query(lines, self.company),
            )
        )
        # N = 8: Cut 4, Colour 3; Cut+Colour 2 (c3, c4): under the floor of 3 customers
        self.assertEqual(self.env.cr.fetchall(), [])
        self.env.cr.execute(
            SQL(
                "SELECT antecedent_category_id, consequent_category_id, customers "
                "FROM (%s) r WHERE kind = 'category' ORDER BY 1, 2",
                Affinity._rules_query(lines, self.company),
            )
        )
        # Hair 5 (c3-c7), Care 4 (c3, c5, c7, c8); Hair+Care 3 (c3, c5, c7)
        self.assertEqual(
            self.env.cr.fetchall(),
            [(self.hair.id, self.care.id, 3), (self.care.id, self.hair.id, 3)],
        )

    def test_stored_rules_equal_the_sql_definition(self):
        """The full run counts pairs by a matrix product (tools/affinity_rules.py); _rules_query
        is the definition: the same rows, both ways, on the salon with a second company whose
        customers bought other pairs (a tie for Care's most bought product there too)."""
        other = self.env["res.company"].create(
            {"name": "Salon B", "lifecycle_offer_min_support": 20.0}
        )
        self.env.user.company_ids |= other
        clients = self.Partner.create([{"name": f"Salon B client {n}"} for n in range(5)])
        for client, basket in zip(
            clients,
            [
                (self.cut, self.shampoo_two),
                (self.cut, self.shampoo_two),
                (self.cut, self.shampoo_one),
                (self.cut, self.shampoo_one),
                (self.cut, self.shampoo_one, self.shampoo_two),
            ],
            strict=True,
        ):
            for item in basket:
                order = self.buy(client, item, company_id=other.id)
                self.assertEqual(order.company_id, other)
        self.full_run()
        companies = self.env["res.company"].search([])
        columns = SQL(
            "company_id, kind, antecedent_product_id, consequent_product_id, "
            "antecedent_category_id, consequent_category_id, offer_product_id, customers, "
            "round(support::numeric, 6), round(confidence::numeric, 6), round(lift::numeric, 6), "
            "popularity"
        )
        definition = SQL(
            "SELECT %s FROM (%s) r",
            columns,
            self.env["customer.lifecycle.affinity"]._rules_query(
                self.env["customer.lifecycle.fact"]._purchase_product_lines_query(None), companies
            ),
        )
        stored = SQL("SELECT %s FROM customer_lifecycle_affinity", columns)
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) d", definition))
        # Salon B (5 clients, floor 3): Cut+Shampoo Two 3, Cut+Shampoo One 3, both ways; Hair+Care
        # 5, both ways
        self.assertEqual(self.env.cr.fetchone()[0], 6 + 6)
        for first, second in ((definition, stored), (stored, definition)):
            self.env.cr.execute(SQL("(%s) EXCEPT ALL (%s)", first, second))
            self.assertEqual(self.env.cr.fetchall(), [])

    def test_what_everyone_bought_is_read_once_distinct_and_sorted(self):
        """The full run's one read of what everyone bought (the rules and the offers share it):
        each company, customer and product once, sorted, equal to SQL's DISTINCT of the lines,
        a customer who bought a product twice included."""
        self.buy(self.customers[0], self.cut)  # bought again: still one row
        facts = self.env["customer.lifecycle.fact"]
        bought = facts._bought_products(self.env["res.company"].search([]).ids)
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT l.company_id, l.partner_id, l.product_id FROM (%s) l
                    WHERE l.state = 'sale' ORDER BY 1, 2, 3""",
                facts._purchase_product_lines_query(None),
            )
        )
        expected = self.env.cr.fetchall()
        self.assertEqual([tuple(row) for row in bought.tolist()], expected)
        self.assertIn((self.company.id, self.customers[0].id, self.cut.id), expected)

    def test_rerun_writes_nothing(self):
        self.full_run()
        Affinity = self.env["customer.lifecycle.affinity"]
        self.env.cr.execute(SQL("SELECT id, xmin::text FROM customer_lifecycle_affinity"))
        before = dict(self.env.cr.fetchall())
        self.assertEqual(len(before), 6)
        self.assertEqual(Affinity._refresh_rules(self.env["res.company"].search([])), 0)
        self.env.cr.execute(SQL("SELECT id, xmin::text FROM customer_lifecycle_affinity"))
        self.assertEqual(dict(self.env.cr.fetchall()), before)

    def test_who_reads_the_rules(self):
        self.full_run()
        Affinity = self.env["customer.lifecycle.affinity"]
        domain = [("company_id", "=", self.company.id)]
        # a salesperson (a lifecycle user) reads them, writes nothing
        rules = Affinity.with_user(self.salesperson).search(domain)
        self.assertEqual(len(rules), 6)
        with self.assertRaises(AccessError):
            rules[0].write({"confidence": 1.0})
        with self.assertRaises(AccessError):
            Affinity.with_user(self.salesperson).create(
                {"company_id": self.company.id, "kind": "product"}
            )
        with self.assertRaises(AccessError):
            rules.unlink()
        # a plain employee and a portal user read nothing, by any path
        portal = new_test_user(self.env, login="clc_affinity_portal", groups="base.group_portal")
        for user in (self.employee, portal):
            with self.assertRaises(AccessError):
                Affinity.with_user(user).search_read(domain, ["confidence"])
            with self.assertRaises(AccessError):
                Affinity.with_user(user).browse(rules.ids).read(["lift"])
        # a lifecycle user of another company sees none of this company's rules
        _company, outsider = self.user_of_another_company(
            "clc_affinity_outsider", "customer_lifecycle.group_lifecycle_user"
        )
        self.assertFalse(Affinity.with_user(outsider).search([]))
        with self.assertRaises(AccessError):
            Affinity.with_user(outsider).browse(rules.ids).read(["lift"])
        # the refresh and the builder are no RPC methods
        for name in ("_refresh_rules", "_rules_query", "_compute_rules_into"):
            with self.assertRaises(AccessError):
                get_public_method(Affinity.with_user(self.salesperson), name)
        # nor the full run's shared read and phase (every company's purchases, in sudo)
        for model, name in (
            ("customer.lifecycle.fact", "_bought_products"),
            ("customer.lifecycle.offer", "_refresh_nightly"),
        ):
            for user in (self.salesperson, self.employee):
                with self.subTest(method=name, user=user.login), self.assertRaises(AccessError):
                    get_public_method(self.env[model].with_user(user), name)
