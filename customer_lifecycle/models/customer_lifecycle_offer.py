"""The next best offer (customer.lifecycle.offer): per customer and company, the three products
they have not bought that the customers who bought what they bought buy most, ranked from the
co-purchase rules (customer.lifecycle.affinity), with the reason in words.

Ranking: every rule whose antecedent the customer bought proposes its consequent; a product's
score is the best confidence over those rules, and its basis the rule that gives it (ties: the
higher lift, then the smaller antecedent id). Products are ranked by score, ties by lift, then
by popularity (customers who bought the product), then by id. Where the product rules give
fewer than three, the category rules fill the rest: for a category the customer never bought
in, the most bought product of it, ranked after every product rule's offer (a weaker kind of
evidence: the customers who buy in one category also buy in the other). Only products that may
be offered (affinity.offerable: active, saleable, of no other company) and that the customer
never bought are ranked, from each antecedent's RULES_PER_ANTECEDENT best rules (by confidence,
lift, popularity) among those offering such a product.
"""

import numpy as np

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import formatLang

from ..tools import offer_ranking
from .customer_lifecycle_affinity import offerable
from .customer_lifecycle_company_rows import column_definitions, copy_rows

OFFERS_PER_CUSTOMER = 3
# Each antecedent (product or category) proposes its best rules only: at L every product bought
# proposed 24 on average, 29 million candidates to sort (170 s); 10 leave a customer's top 3
# exact unless they bought 8 or more of one antecedent's 10 best consequents.
RULES_PER_ANTECEDENT = 10
RANKED_COLUMNS = (
    "partner_id", "company_id", "rank", "product_id", "confidence", "lift", "basis_product_id",
    "basis_category_id",
)  # fmt: skip

# The rules that may propose an offer (see RANKED), of any relation of RULE_COLUMNS.
USABLE = """
    SELECT r.*
      FROM (SELECT r.*, row_number() OVER (
                       PARTITION BY r.company_id, r.kind, r.antecedent_product_id,
                                    r.antecedent_category_id
                       ORDER BY r.confidence DESC, r.lift DESC, r.popularity DESC,
                                r.offer_product_id) AS n
              FROM (%(rules)s) r
             WHERE r.offer_product_id IS NOT NULL AND %(offerable)s AND %(antecedents)s) r
     WHERE r.n <= %(per_antecedent)s
"""
# RANKED's usable rules: those of an antecedent some customer ranked bought (the window is per
# antecedent, so the others' ranks do not change): one customer's ranking sorted every rule of
# the company (30 of its 40 ms at L), now the few of what they bought, through the indexes
BOUGHT_ANTECEDENTS = """
    (r.kind = 'product' AND EXISTS (SELECT 1 FROM bought b
                                     WHERE b.company_id = r.company_id
                                       AND b.product_id = r.antecedent_product_id)
     OR r.kind = 'category' AND EXISTS (SELECT 1 FROM bought_categories b
                                         WHERE b.company_id = r.company_id
                                           AND b.category_id = r.antecedent_category_id))
"""

RANKED = """
WITH bought AS MATERIALIZED (
    SELECT DISTINCT l.company_id, l.partner_id, l.product_id
      FROM (%(lines)s) l
     WHERE l.state = 'sale'
),
bought_categories AS MATERIALIZED (
    SELECT DISTINCT b.company_id, b.partner_id, pc.category_id
      FROM bought b
      JOIN (%(categories)s) pc ON pc.product_id = b.product_id AND pc.company_id = b.company_id
),
-- the rules that may propose an offer: their product may be offered, and each antecedent's
-- best RULES_PER_ANTECEDENT only (what keeps the candidates few at L: see the module docstring)
usable AS MATERIALIZED (%(usable)s),
candidates AS (
    SELECT b.partner_id, b.company_id, r.offer_product_id AS product_id, r.confidence, r.lift,
           r.popularity, r.antecedent_product_id AS basis_product_id,
           NULL::int AS basis_category_id, 0 AS fallback
      FROM bought b
      JOIN usable r ON r.kind = 'product' AND r.company_id = b.company_id
                        AND r.antecedent_product_id = b.product_id
    UNION ALL
    SELECT b.partner_id, b.company_id, r.offer_product_id, r.confidence, r.lift, r.popularity,
           NULL::int, r.antecedent_category_id, 1
      FROM bought_categories b
      JOIN usable r ON r.kind = 'category' AND r.company_id = b.company_id
                        AND r.antecedent_category_id = b.category_id
     WHERE NOT EXISTS (SELECT 1 FROM bought_categories o
                        WHERE o.company_id = b.company_id AND o.partner_id = b.partner_id
                          AND o.category_id = r.consequent_category_id)
),
-- per customer and product, the best rule offering it: its score and basis
best AS (
    SELECT DISTINCT ON (c.partner_id, c.company_id, c.product_id) c.*
      FROM candidates c
     WHERE c.product_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM bought o
                        WHERE o.company_id = c.company_id AND o.partner_id = c.partner_id
                          AND o.product_id = c.product_id)
  ORDER BY c.partner_id, c.company_id, c.product_id, c.fallback, c.confidence DESC,
           c.lift DESC, c.basis_product_id, c.basis_category_id
),
ranked AS (
    SELECT b.*, row_number() OVER (
               PARTITION BY b.partner_id, b.company_id
               ORDER BY b.fallback, b.confidence DESC, b.lift DESC, b.popularity DESC,
                        b.product_id) AS rank
      FROM best b
)
SELECT partner_id, company_id, rank::int AS rank, product_id, confidence, lift,
       basis_product_id, basis_category_id
  FROM ranked
 WHERE rank <= %(limit)s
"""

# The offers of the customers refreshed (ids; NULL: all) whose product may no longer be
# offered (archived, no longer sold, given to another company): a daily run re-ranks them.
STALE = """
    SELECT DISTINCT o.partner_id
      FROM customer_lifecycle_offer o
     WHERE NOT %(offerable)s
"""


def _in_company(ranked, company_id, counter):
    """The rows of offer_ranking.rank_offers in RANKED_COLUMNS, counted in counter[0]."""
    for partner_id, *rest in ranked:
        counter[0] += 1
        yield (partner_id, company_id, *rest)


class CustomerLifecycleOffer(models.Model):
    """One of a customer's next best offers in a company (rank 1 to 3), with the rule that
    proposes it. Written by the engine only (_refresh); lifecycle users read."""

    _name = "customer.lifecycle.offer"
    _description = "Customer Lifecycle Next Best Offer"
    _order = "partner_id, company_id, rank"
    _log_access = False

    partner_id = fields.Many2one("res.partner", string="Customer", required=True,
                                 ondelete="cascade")  # fmt: skip
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    rank = fields.Integer(required=True)
    product_id = fields.Many2one("product.product", string="Offer", required=True,
                                 ondelete="cascade")  # fmt: skip
    confidence = fields.Float(digits=(16, 6))
    lift = fields.Float(digits=(16, 6))
    basis_product_id = fields.Many2one("product.product", string="Because They Bought",
                                       ondelete="cascade")  # fmt: skip
    basis_category_id = fields.Many2one("product.category", string="Because They Buy in",
                                        ondelete="cascade")  # fmt: skip
    reason = fields.Char(compute="_compute_reason")

    _offer_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id, rank)", "One offer per customer, company and rank."
    )

    @api.depends_context("lang")
    @api.depends("confidence", "lift", "basis_product_id", "basis_category_id", "product_id")
    def _compute_reason(self):
        for offer in self:
            figures = {
                "percent": formatLang(self.env, offer.confidence * 100, digits=0),
                "lift": formatLang(self.env, offer.lift, digits=1),
            }
            if offer.basis_product_id:
                offer.reason = self.env._(
                    "Bought by %(percent)s %% of customers who buy %(basis)s; %(lift)s× the "
                    "average",
                    # the product as customers know it, without its internal reference
                    basis=offer.basis_product_id.sudo()
                    .with_context(display_default_code=False)
                    .display_name,
                    **figures,
                )
            elif offer.basis_category_id:
                offer.reason = self.env._(
                    "%(category)s: bought by %(percent)s %% of customers who buy in %(basis)s; "
                    "%(lift)s× the average",
                    category=offer.product_id.sudo().categ_id.display_name,
                    basis=offer.basis_category_id.sudo().display_name,
                    **figures,
                )
            else:
                offer.reason = False

    # -- The ranking's SQL (stable: the backtest builds on it) -------------------------------

    @api.model
    def _ranked_query(self, lines, rules, limit=OFFERS_PER_CUSTOMER):
        """SQL: the best `limit` offers (RANKED_COLUMNS) of every customer of lines (any
        relation of customer.lifecycle.fact's PRODUCT_LINE_COLUMNS) in each company of its
        lines, from rules (any relation of customer.lifecycle.affinity's RULE_COLUMNS: the
        table, or affinity._rules_query of some lines). See the module docstring for the
        ranking; basis_category_id is set (and basis_product_id NULL) on a category rule's
        offer."""
        return SQL(
            RANKED,
            lines=lines,
            rules=rules,
            limit=limit,
            categories=self.env["customer.lifecycle.affinity"]._product_categories(),
            usable=self._usable_rules_query(rules, SQL(BOUGHT_ANTECEDENTS)),
        )

    @api.model
    def _usable_rules_query(self, rules, antecedents=None):
        """SQL: the rules of the relation rules that may propose an offer (RANKED's usable):
        their product may be offered, and each antecedent's RULES_PER_ANTECEDENT best; of the
        antecedents the condition antecedents (on r) keeps, every one by default."""
        return SQL(
            USABLE,
            rules=rules,
            antecedents=antecedents or SQL("TRUE"),
            offerable=offerable(SQL("r.offer_product_id"), SQL("r.company_id")),
            per_antecedent=RULES_PER_ANTECEDENT,
        )

    @api.model
    def _rank_everyone_into(self, table, lines=None, rules=None, bought=None):
        """Fill the temporary table (RANKED_COLUMNS) with the offers of every customer of the
        population, ranked in numpy (tools/offer_ranking.py) from the stored rules: the full
        run's ranking, equal row for row to _ranked_query's (a test holds them equal), without
        sorting every candidate in SQL (12 million rows at L). Three reads whatever the data:
        the usable rules, the products' categories, what each customer bought (bought:
        customer.lifecycle.fact._bought_products' array when the caller read it, kept to the
        population). The backtest gives its own lines (a relation of PRODUCT_LINE_COLUMNS:
        every customer who has some is ranked) and rules (a relation of RULE_COLUMNS). Returns
        the number of rows."""
        cr = self.env.cr
        facts = self.env["customer.lifecycle.fact"]
        types = {"confidence": "numeric", "lift": "numeric"}
        self.env["customer.lifecycle.engine"]._create_work_table(
            table, column_definitions(RANKED_COLUMNS, types)
        )
        cr.execute(
            SQL(
                """SELECT r.company_id, r.kind = 'category', COALESCE(r.antecedent_product_id,
                          r.antecedent_category_id), COALESCE(r.consequent_category_id, 0),
                          r.offer_product_id, r.confidence, r.lift, r.popularity
                     FROM (%s) r""",
                self._usable_rules_query(
                    SQL("SELECT * FROM customer_lifecycle_affinity") if rules is None else rules
                ),
            )
        )
        given_lines, rules = lines, {}
        for company_id, *rule in cr.fetchall():
            rules.setdefault(company_id, []).append(rule)
        cr.execute(
            SQL(
                """SELECT pc.company_id, pc.product_id, pc.category_id FROM (%s) pc
                    WHERE pc.category_id IS NOT NULL AND pc.company_id = ANY(%s)""",
                self.env["customer.lifecycle.affinity"]._product_categories(),
                list(rules),
            )
        )
        categories = {}
        for company_id, product_id, category_id in cr.fetchall():
            categories.setdefault(company_id, {})[product_id] = category_id
        if bought is None:
            bought = facts._bought_products(rules, given_lines)
        if given_lines is None:  # the population's customers only
            cr.execute(SQL("SELECT array_agg(p.id) FROM (%s) p", facts._population_query(None)))
            population = np.array(cr.fetchone()[0] or [], dtype=np.int64)
            bought = bought[np.isin(bought[:, 1], population)]
        bounds = np.searchsorted(bought[:, 0], sorted(rules), side="left").tolist()
        written = 0
        for (company_id, company_rules), begin in zip(sorted(rules.items()), bounds, strict=True):
            end = int(np.searchsorted(bought[:, 0], company_id, side="right"))
            figures = np.array(
                [rule[4:] for rule in company_rules], dtype=np.float64
            )  # None (NULL) becomes nan
            ids = np.array([rule[:4] for rule in company_rules], dtype=np.int64)
            ranked = offer_ranking.rank_offers(
                bought[begin:end, 1:],
                categories.get(company_id, {}),
                {
                    "kind": ids[:, 0],
                    "antecedent": ids[:, 1],
                    "consequent_category": ids[:, 2],
                    "offer": ids[:, 3],
                    "confidence": figures[:, 0],
                    "lift": figures[:, 1],
                    "popularity": figures[:, 2],
                },
            )
            counter = [0]
            copy_rows(cr, table, RANKED_COLUMNS, _in_company(ranked, company_id, counter))
            written += counter[0]
        return written

    # -- The engine's refresh ---------------------------------------------------------------

    @api.model
    def _rank_in_sql_into(self, table, ids):
        """Fill the temporary table (RANKED_COLUMNS) with the offers of these customers of the
        population ranked by _ranked_query (one customer, a daily run's few)."""
        facts = self.env["customer.lifecycle.fact"]
        ranked = self._ranked_query(
            facts._purchase_product_lines_query(ids),
            SQL("SELECT * FROM customer_lifecycle_affinity"),
        )
        self.env["customer.lifecycle.engine"]._create_work_table(
            table,
            query=SQL(
                "SELECT r.* FROM (%s) r JOIN (%s) p ON p.id = r.partner_id",
                ranked,
                facts._population_query(ids),
            ),
        )

    @api.model
    def _refresh_nightly(self, ids, full):
        """The nightly run's phase: a full run (full) recomputes every company's co-purchase
        rules first (customer.lifecycle.affinity._refresh_rules), then re-ranks the offers of
        the customers of ids (None: everyone); both from one read of what everyone bought."""
        bought = None
        if full:
            companies = self.env["res.company"].sudo().search([])
            bought = self.env["customer.lifecycle.fact"]._bought_products(companies.ids)
            self.env["customer.lifecycle.affinity"]._refresh_rules(companies, bought)
        return self._refresh(ids, nightly=True, bought=bought if ids is None else None)

    @api.model
    def _refresh(self, ids, nightly=False, bought=None):
        """Re-rank the offers of these customers (commercial partner ids; None: all) in every
        company from the stored rules, write only what changed, and the lifecycle company's
        first offer on the customers and their contacts (the funnel card). nightly: a daily
        run also re-ranks the customers holding an offer that may no longer be offered.
        bought: what everyone bought, when the full run read it already
        (customer.lifecycle.fact._bought_products). A constant number of statements, whatever
        the number of customers."""
        cr = self.env.cr
        company = self.env["res.company"]._lifecycle_company()
        if ids is not None and nightly:
            cr.execute(SQL(STALE, offerable=offerable(SQL("o.product_id"), SQL("o.company_id"))))
            ids = sorted({*ids, *(row[0] for row in cr.fetchall())})
        if ids == []:
            return 0
        if ids is None:  # everyone: ranked in numpy (50 s in SQL at L)
            self._rank_everyone_into("clc_offer_new", bought=bought)
            # a temporary table has no statistics until analysed, and the customers
            # (id = commercial_partner_id) are estimated at a few rows: the planner nested a
            # scan of every offer in a loop over every customer (minutes at L)
            cr.execute(SQL("ANALYZE clc_offer_new"))
            cr.execute(SQL("SET LOCAL enable_nestloop = off"))
        else:
            self._rank_in_sql_into("clc_offer_new", ids)
        columns = SQL(", ").join(SQL.identifier(name) for name in RANKED_COLUMNS)
        values = RANKED_COLUMNS[3:]
        cr.execute(
            SQL(
                """DELETE FROM customer_lifecycle_offer t
                    WHERE (%(ids)s::int[] IS NULL OR t.partner_id = ANY(%(ids)s::int[]))
                      AND NOT EXISTS (SELECT 1 FROM clc_offer_new n
                                       WHERE n.partner_id = t.partner_id
                                         AND n.company_id = t.company_id
                                         AND n.rank = t.rank)""",
                ids=ids,
            )
        )
        written = cr.rowcount
        cr.execute(
            SQL(
                """INSERT INTO customer_lifecycle_offer AS t (%(columns)s)
                   SELECT %(n_columns)s FROM clc_offer_new n
                LEFT JOIN customer_lifecycle_offer t
                       ON t.partner_id = n.partner_id AND t.company_id = n.company_id
                      AND t.rank = n.rank
                    -- only what changed reaches the conflict check (0.8 s for 300,000 at L)
                    WHERE ROW(%(current)s) IS DISTINCT FROM ROW(%(new)s)
                   ON CONFLICT (partner_id, company_id, rank) DO UPDATE
                      SET (%(values)s) = ROW(%(excluded)s)
                    WHERE ROW(%(current)s) IS DISTINCT FROM ROW(%(excluded)s)""",
                columns=columns,
                values=SQL(", ").join(SQL.identifier(name) for name in values),
                excluded=SQL(", ").join(SQL.identifier("excluded", name) for name in values),
                current=SQL(", ").join(SQL.identifier("t", name) for name in values),
                new=SQL(", ").join(SQL.identifier("n", name) for name in values),
                n_columns=SQL(", ").join(SQL.identifier("n", name) for name in RANKED_COLUMNS),
            )
        )
        written += cr.rowcount
        # the funnel card's first offer, on the customer and its contacts
        cr.execute(
            SQL(
                """UPDATE res_partner p SET lifecycle_offer_product_id = n.product_id
                     FROM res_partner c
                LEFT JOIN clc_offer_new n ON n.partner_id = c.id AND n.company_id = %(company)s
                                         AND n.rank = 1
                    WHERE p.commercial_partner_id = c.id AND c.id = c.commercial_partner_id
                      AND (%(ids)s::int[] IS NULL OR c.id = ANY(%(ids)s::int[]))
                      AND p.lifecycle_offer_product_id IS DISTINCT FROM n.product_id""",
                company=company.id,
                ids=ids,
            )
        )
        cr.execute(SQL("DROP TABLE clc_offer_new"))
        if ids is None:
            cr.execute(SQL("SET LOCAL enable_nestloop = DEFAULT"))
        self.invalidate_model()
        self.env["res.partner"].invalidate_model(["lifecycle_offer_product_id"])
        return written
