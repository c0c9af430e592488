"""The full run's ranking in numpy (offer._rank_everyone_into, tools/offer_ranking.py) against
the definition, offer._ranked_query, row for row: on the salon of tests/common_offers.py with
its computed rules, and with crafted rules full of ties (of confidence, lift, popularity and
basis), a NULL popularity and a category rule that a product rule outranks."""

from odoo.tests import tagged
from odoo.tools import SQL

from .common_offers import CoPurchaseCase

ORDER = "ORDER BY partner_id, company_id, rank"


@tagged("post_install", "-at_install")
class TestOfferRankingNumpy(CoPurchaseCase):
    def by_sql(self):
        facts = self.env["customer.lifecycle.fact"]
        self.env.cr.execute(
            SQL(
                "SELECT r.* FROM (%s) r JOIN (%s) p ON p.id = r.partner_id %s",
                self.env["customer.lifecycle.offer"]._ranked_query(
                    facts._purchase_product_lines_query(None),
                    SQL("SELECT * FROM customer_lifecycle_affinity"),
                ),
                facts._population_query(None),
                SQL(ORDER),
            )
        )
        return self.env.cr.fetchall()

    def by_numpy(self):
        written = self.env["customer.lifecycle.offer"]._rank_everyone_into("clc_test_numpy")
        self.env.cr.execute(SQL("SELECT * FROM clc_test_numpy %s", SQL(ORDER)))
        rows = self.env.cr.fetchall()
        self.assertEqual(written, len(rows))
        return rows

    def rule(self, antecedent, offer, confidence, lift, popularity, kind="product", **vals):
        """A crafted rule of the main company (figures chosen for their ties)."""
        if kind == "product":
            vals.update(antecedent_product_id=antecedent.id, consequent_product_id=offer.id)
        else:
            vals.update(antecedent_category_id=antecedent.id)
        return {
            "company_id": self.company.id, "kind": kind, "offer_product_id": offer.id,
            "confidence": confidence, "lift": lift, "popularity": popularity, **vals,
        }  # fmt: skip

    def test_salon_rules(self):
        self.full_run()
        rows = self.by_sql()
        self.assertEqual(len(rows), 7)  # the hand computation's 7 offers (test_next_best_offer)
        self.assertEqual(self.by_numpy(), rows)

    def test_crafted_ties(self):
        """c5 bought Cut and Shampoo Two, c6 Cut, c7 Colour and Shampoo One, c8 Diffuser and
        Shampoo Two, c9 Diffuser."""
        cut, colour, s1, s2, diffuser = (
            self.cut, self.colour, self.shampoo_one, self.shampoo_two, self.diffuser,
        )  # fmt: skip
        Affinity = self.env["customer.lifecycle.affinity"].sudo()
        Affinity.search([]).unlink()
        Affinity.create(
            [
                # Shampoo One, Diffuser and Colour tie on confidence and lift from Cut: the
                # more popular first (Colour), then the smaller id (Shampoo One, Diffuser)
                self.rule(cut, s1, 0.5, 2.0, 3),
                self.rule(cut, diffuser, 0.5, 2.0, 3),
                self.rule(cut, colour, 0.5, 2.0, 5),
                # Shampoo One from Shampoo Two ties with Cut's: the basis is the smaller id (Cut)
                self.rule(s2, s1, 0.5, 2.0, 3),
                # Colour from Shampoo Two: the higher confidence wins the basis
                self.rule(s2, colour, 0.6, 1.0, 5),
                # from Diffuser: the higher lift first; a NULL popularity sorts first
                self.rule(diffuser, cut, 0.5, 3.0, 6),
                self.rule(diffuser, colour, 0.5, 2.0, 5),
                self.rule(diffuser, s1, 0.5, 2.0, 0),
                # category rules: after every product rule's offer, never to who buys in the
                # consequent category, outranked by a product rule offering the same product
                self.rule(self.other, cut, 0.9, 1.0, 6, kind="category",
                          consequent_category_id=self.hair.id),
                self.rule(self.care, diffuser, 0.4, 1.5, 3, kind="category",
                          consequent_category_id=self.other.id),
                self.rule(self.hair, s2, 0.3, 1.2, 3, kind="category",
                          consequent_category_id=self.care.id),
                self.rule(self.hair, diffuser, 0.3, 1.2, 3, kind="category",
                          consequent_category_id=self.other.id),
            ]
        )  # fmt: skip
        # the ORM writes an Integer's None as 0: the NULL by hand
        self.env.cr.execute(
            SQL("UPDATE customer_lifecycle_affinity SET popularity = NULL WHERE popularity = 0")
        )
        rows = self.by_sql()
        c = {n: customer.id for n, customer in enumerate(self.customers, start=1)}
        company = self.company.id
        by_customer = {}
        for partner, _company, rank, product, _confidence, _lift, basis_p, basis_c in rows:
            by_customer.setdefault(partner, []).append((rank, product, basis_p, basis_c))
        # the ties as the definition breaks them (what the numpy ranking must reproduce)
        self.assertEqual(
            by_customer[c[6]],
            [(1, colour.id, cut.id, None), (2, s1.id, cut.id, None),
             (3, diffuser.id, cut.id, None)],
        )  # fmt: skip
        self.assertEqual(
            by_customer[c[5]],
            [(1, colour.id, s2.id, None), (2, s1.id, cut.id, None),
             (3, diffuser.id, cut.id, None)],
        )  # fmt: skip
        self.assertEqual(
            by_customer[c[9]],
            [(1, cut.id, diffuser.id, None), (2, s1.id, diffuser.id, None),
             (3, colour.id, diffuser.id, None)],
        )  # fmt: skip
        # Shampoo One ties from Shampoo Two and Diffuser: the basis Shampoo Two, the smaller id
        self.assertEqual(
            by_customer[c[8]],
            [(1, colour.id, s2.id, None), (2, cut.id, diffuser.id, None),
             (3, s1.id, s2.id, None)],
        )  # fmt: skip
        # no product rule: Diffuser by the category rules, the better one its basis; Hair ->
        # Care never (c7 buys in Care)
        self.assertEqual(by_customer[c[7]], [(1, diffuser.id, None, self.care.id)])
        self.assertTrue(all(row[1] == company for row in rows))
        self.assertEqual(self.by_numpy(), rows)
