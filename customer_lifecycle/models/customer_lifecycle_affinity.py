"""Co-purchase affinity (customer.lifecycle.affinity): which products, and which product
categories, the customers of a company buy together, as association rules "customers who buy
A also buy B" with their support, confidence and lift. The next best offer of every customer
(customer.lifecycle.offer) is ranked from them.

The baskets are CUSTOMERS, not orders: what a customer has bought at all (the 'sale' lines of
customer.lifecycle.fact._purchase_product_lines_query), so that a colour bought a month after
the cut counts as bought together. Per company c, with N the customers who bought anything:
    support(A -> B)    = customers who bought A and B / N
    confidence(A -> B) = customers who bought A and B / customers who bought A
    lift(A -> B)       = confidence(A -> B) / (customers who bought B / N)
A rule is kept when the customers who bought both are at least the company's minimum support
(res.company.lifecycle_offer_min_support, percent of N) and at least MIN_RULE_CUSTOMERS: on a
small database a pair bought by one or two customers is chance, not a pattern.
"""

import math

import numpy as np

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import affinity_rules
from .customer_lifecycle_category_mix import LINE_CATEGORY
from .customer_lifecycle_company_rows import column_definitions, copy_rows

# A rule needs at least this many customers who bought both sides, whatever the support.
MIN_RULE_CUSTOMERS = 3

RULE_COLUMNS = (
    "company_id", "kind", "antecedent_product_id", "consequent_product_id",
    "antecedent_category_id", "consequent_category_id", "offer_product_id", "customers",
    "support", "confidence", "lift", "popularity",
)  # fmt: skip
# The columns that identify a rule (NULLS NOT DISTINCT: a product rule has no categories).
RULE_KEY = (
    "company_id", "kind", "antecedent_product_id", "consequent_product_id",
    "antecedent_category_id", "consequent_category_id",
)  # fmt: skip


def offerable(product_id, company_id):
    """SQL: the product (product_product id) may be offered to a customer of the company: it
    and its template are active, it can be sold, and it belongs to no other company."""
    return SQL(
        """EXISTS (SELECT 1 FROM product_product op
                     JOIN product_template ot ON ot.id = op.product_tmpl_id
                    WHERE op.id = %(product)s AND op.active AND ot.active AND ot.sale_ok
                      AND (ot.company_id IS NULL OR ot.company_id = %(company)s))""",
        product=product_id,
        company=company_id,
    )


# The rules of one kind, from the items each customer bought (bought: rows of company_id,
# partner_id, item_id, distinct). An item bought by fewer customers than the floor is left out
# before the pairs are counted: a pair is never bought by more customers than either of its
# items (the a-priori principle), and the self-join of what each customer bought is the cost.
PAIRS = """
WITH items AS MATERIALIZED (
    SELECT b.company_id, b.item_id, count(*) AS customers
      FROM %(bought)s b
      JOIN buyers n ON n.company_id = b.company_id
  GROUP BY b.company_id, b.item_id, n.floor
    HAVING count(*) >= n.floor
),
frequent AS MATERIALIZED (
    SELECT b.company_id, b.partner_id, b.item_id
      FROM %(bought)s b
      JOIN items i ON i.company_id = b.company_id AND i.item_id = b.item_id
),
pairs AS (
    SELECT a.company_id, a.item_id AS antecedent, c.item_id AS consequent, count(*) AS customers
      FROM frequent a
      JOIN frequent c ON c.company_id = a.company_id AND c.partner_id = a.partner_id
                     AND c.item_id <> a.item_id
  GROUP BY a.company_id, a.item_id, c.item_id
)
SELECT p.company_id, p.antecedent, p.consequent, p.customers,
       p.customers::float8 / n.buyers AS support,
       p.customers::float8 / ia.customers AS confidence,
       (p.customers::float8 / ia.customers) / (ic.customers::float8 / n.buyers) AS lift,
       ic.customers AS consequent_customers
  FROM pairs p
  JOIN buyers n ON n.company_id = p.company_id
  JOIN items ia ON ia.company_id = p.company_id AND ia.item_id = p.antecedent
  JOIN items ic ON ic.company_id = p.company_id AND ic.item_id = p.consequent
 WHERE p.customers >= n.floor
"""

RULES = """
WITH bought AS MATERIALIZED (
    SELECT DISTINCT l.company_id, l.partner_id, l.product_id AS item_id
      FROM (%(lines)s) l
     WHERE l.state = 'sale' AND l.company_id = ANY(%(company_ids)s)
),
bought_categories AS MATERIALIZED (
    SELECT DISTINCT b.company_id, b.partner_id, pc.category_id AS item_id
      FROM bought b
      JOIN (%(categories)s) pc ON pc.product_id = b.item_id AND pc.company_id = b.company_id
),
buyers AS MATERIALIZED (
    SELECT b.company_id, count(DISTINCT b.partner_id) AS buyers,
           GREATEST(%(min_customers)s,
                    ceil(count(DISTINCT b.partner_id) * rc.lifecycle_offer_min_support / 100.0))
               AS floor
      FROM bought b
      JOIN res_company rc ON rc.id = b.company_id
  GROUP BY b.company_id, rc.lifecycle_offer_min_support
),
-- per company and category, the product of it that most customers bought and that may be
-- offered: what a category rule offers
category_offers AS MATERIALIZED (
    SELECT DISTINCT ON (b.company_id, pc.category_id)
           b.company_id, pc.category_id, b.item_id AS product_id, count(*) AS customers
      FROM bought b
      JOIN (%(categories)s) pc ON pc.product_id = b.item_id AND pc.company_id = b.company_id
     WHERE %(offerable)s
  GROUP BY b.company_id, pc.category_id, b.item_id
  ORDER BY b.company_id, pc.category_id, count(*) DESC, b.item_id
),
product_rules AS (%(product_pairs)s),
category_rules AS (%(category_pairs)s)
SELECT r.company_id, 'product' AS kind, r.antecedent AS antecedent_product_id,
       r.consequent AS consequent_product_id, NULL::int AS antecedent_category_id,
       NULL::int AS consequent_category_id, r.consequent AS offer_product_id, r.customers,
       r.support, r.confidence, r.lift, r.consequent_customers AS popularity
  FROM product_rules r
UNION ALL
SELECT r.company_id, 'category', NULL, NULL, r.antecedent, r.consequent, o.product_id,
       r.customers, r.support, r.confidence, r.lift, o.customers
  FROM category_rules r
  LEFT JOIN category_offers o ON o.company_id = r.company_id AND o.category_id = r.consequent
"""


def _lookup(mapping, keys):
    """The values of mapping ({int: int or None}) for an int64 array of keys, 0 where absent
    or None: one indexing of an array, not a dictionary look-up per key."""
    table = np.zeros(max([*mapping, int(keys.max()) if len(keys) else 0]) + 1, dtype=np.int64)
    for key, value in mapping.items():
        table[key] = value or 0
    return table[keys]


class CustomerLifecycleAffinity(models.Model):
    """One association rule of a company: customers who bought the antecedent (a product, or
    any product of a category) also bought the consequent, with its figures (see the module
    docstring). Written by the engine's full run only (_refresh_rules); lifecycle users read."""

    _name = "customer.lifecycle.affinity"
    _description = "Customer Lifecycle Co-purchase Rule"
    _order = "company_id, kind, confidence DESC, lift DESC, id"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    kind = fields.Selection([("product", "Products"), ("category", "Categories")], required=True)
    antecedent_product_id = fields.Many2one(
        "product.product", string="Customers Who Buy", ondelete="cascade"
    )
    consequent_product_id = fields.Many2one(
        "product.product", string="Also Buy", ondelete="cascade"
    )
    antecedent_category_id = fields.Many2one(
        "product.category", string="Customers Who Buy in", ondelete="cascade"
    )
    consequent_category_id = fields.Many2one(
        "product.category", string="Also Buy in", ondelete="cascade"
    )
    # what the rule offers: the consequent product, or the category's most bought product
    offer_product_id = fields.Many2one(
        "product.product", string="Product Offered", ondelete="set null"
    )
    customers = fields.Integer(help="Customers who bought both.")
    support = fields.Float(
        digits=(16, 6), help="Share of the company's buying customers who bought both."
    )
    confidence = fields.Float(
        digits=(16, 6), help="Share of the customers who bought the first who bought the second."
    )
    lift = fields.Float(
        digits=(16, 6),
        help="Confidence divided by the share of all buying customers who bought the second: "
        "how many times more likely than on average.",
    )
    popularity = fields.Integer(help="Customers who bought the product offered.")

    _rule_uniq = models.Constraint(
        "UNIQUE NULLS NOT DISTINCT (company_id, kind, antecedent_product_id, "
        "consequent_product_id, antecedent_category_id, consequent_category_id)",
        "One rule per company and pair.",
    )
    _category_idx = models.Index("(company_id, antecedent_category_id) WHERE kind = 'category'")

    # -- The rules' SQL (stable: the offers, and the backtest on truncated history, build on it)

    @api.model
    def _product_categories(self):
        """SQL relation (company_id, product_id, category_id): the category each product counts
        in for each company's rules, at the company's category level (the category mix's
        LINE_CATEGORY: its own category, or its ancestor at that level)."""
        return SQL(
            """SELECT rc.id AS company_id, pp.id AS product_id, %s AS category_id
                 FROM product_product pp
                 JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 JOIN product_category pc ON pc.id = pt.categ_id
           CROSS JOIN res_company rc""",
            SQL(LINE_CATEGORY),
        )

    @api.model
    def _rules_query(self, lines, company):
        """SQL: the rules (RULE_COLUMNS) of these companies (a res.company recordset) computed
        from lines, any relation of customer.lifecycle.fact's PRODUCT_LINE_COLUMNS (the
        backtest feeds it the history before each customer's last purchase). Each company's
        minimum support is read from res_company; MIN_RULE_CUSTOMERS applies too. Category
        rules offer the consequent category's most bought offerable product (offer_product_id,
        NULL when none may be offered); product rules offer their consequent."""
        return SQL(
            RULES,
            lines=lines,
            company_ids=list(company.ids),
            categories=self._product_categories(),
            min_customers=MIN_RULE_CUSTOMERS,
            offerable=offerable(SQL("b.item_id"), SQL("b.company_id")),
            product_pairs=SQL(PAIRS, bought=SQL("bought")),
            category_pairs=SQL(PAIRS, bought=SQL("bought_categories")),
        )

    # -- The full run's refresh -------------------------------------------------------------
    @api.model
    def _compute_rules_into(self, table, company, lines=None, bought=None):
        """Fill the temporary table (RULE_COLUMNS) with the rules of these companies: what each
        customer bought (bought: customer.lifecycle.fact._bought_products' array, read here
        from lines when not given: a relation of PRODUCT_LINE_COLUMNS, None for every
        purchase's; the backtest gives the history before each last purchase), the pairs
        counted in numpy (tools/affinity_rules.py), the rows copied in."""
        cr = self.env.cr
        types = {"kind": "varchar", "support": "float8", "confidence": "float8", "lift": "float8"}
        self.env["customer.lifecycle.engine"]._create_work_table(
            table, column_definitions(RULE_COLUMNS, types)
        )
        if bought is None:
            bought = self.env["customer.lifecycle.fact"]._bought_products(company.ids, lines)
        cr.execute(
            SQL(
                """SELECT pc.company_id, pc.product_id, pc.category_id, %s
                     FROM (%s) pc WHERE pc.company_id = ANY(%s)""",
                offerable(SQL("pc.product_id"), SQL("pc.company_id")),
                self._product_categories(),
                list(company.ids),
            )
        )
        categories, offerable_products = {}, set()
        for company_id, product_id, category_id, may_offer in cr.fetchall():
            categories[company_id, product_id] = category_id
            if may_offer:
                offerable_products.add((company_id, product_id))
        rows = []
        for record in company:
            mine = bought[bought[:, 0] == record.id]
            customers, products = mine[:, 1], mine[:, 2]
            buyers = len(np.unique(customers))
            floor = max(
                MIN_RULE_CUSTOMERS,
                math.ceil(buyers * record.lifecycle_offer_min_support / 100.0),
            )
            for a, b, together, support, confidence, lift, n_b in affinity_rules.pair_rules(
                customers, products, floor
            ):
                rows.append(
                    (record.id, "product", a, b, None, None, b, together, support,
                     confidence, lift, n_b)
                )  # fmt: skip
            # categories: what each customer bought in, and each category's most bought
            # product that may be offered (ties: the smallest id)
            in_category = _lookup(
                {p: c for (company_id, p), c in categories.items() if company_id == record.id},
                products,
            )
            # one int64 per (customer, category) pair: np.unique of rows sorts 3 times slower
            keys = np.unique((customers << 32 | in_category)[in_category > 0])
            pairs = np.stack([keys >> 32, keys & 0xFFFFFFFF], axis=1)
            popularity = affinity_rules.customers_of(products)
            offers = {}
            for product_id, count in sorted(popularity.items()):
                if (record.id, product_id) not in offerable_products:
                    continue
                category_id = categories.get((record.id, product_id))
                if category_id and count > offers.get(category_id, (None, 0))[1]:
                    offers[category_id] = (product_id, count)
            for a, b, together, support, confidence, lift, _n_b in affinity_rules.pair_rules(
                pairs[:, 0], pairs[:, 1], floor
            ):
                offer, count = offers.get(b, (None, None))
                rows.append(
                    (record.id, "category", None, None, a, b, offer, together, support,
                     confidence, lift, count)
                )  # fmt: skip
        copy_rows(cr, table, RULE_COLUMNS, rows)
        return len(rows)

    @api.model
    def _refresh_rules(self, company, bought=None):
        """Recompute the rules of these companies from every customer's purchases (bought:
        customer.lifecycle.fact._bought_products' array, when the caller read it) and write
        only what changed: new rules inserted, changed figures updated, rules gone deleted.
        Returns the number of rows written.

        Called by the engine's FULL run only (weekly, after a settings change, on demand): the
        rules are statistics over every customer's history, which a day of orders moves by a
        fraction of a percent, while counting them reads every product line of the company
        (the heaviest read of the addon). The offers of the customers whose purchases changed
        are re-ranked every day, and at once, against the rules of the last full run.

        The rules are those of _rules_query (the definition, which a test holds this equal
        to), their pairs counted by a sparse matrix product (tools/affinity_rules.py): at L the
        SQL's self-join builds 30 million pairs of products (90 s), the product a fraction of
        a second."""
        cr = self.env.cr
        self._compute_rules_into("clc_affinity_new", company, bought=bought)
        columns = SQL(", ").join(SQL.identifier(name) for name in RULE_COLUMNS)
        values = [name for name in RULE_COLUMNS if name not in RULE_KEY]
        # NULL as 0 (no id is 0): an equality the planner can hash, where IS NOT DISTINCT FROM
        # made it compare every rule with every new one (2.4 s for 10,000 rules at L)
        same_key = SQL(" AND ").join(
            SQL("COALESCE(t.%s, 0) = COALESCE(n.%s, 0)", SQL.identifier(k), SQL.identifier(k))
            if k.endswith("_id") and k != "company_id"
            else SQL("t.%s = n.%s", SQL.identifier(k), SQL.identifier(k))
            for k in RULE_KEY
        )
        cr.execute(
            SQL(
                """DELETE FROM customer_lifecycle_affinity t
                    WHERE t.company_id = ANY(%(company_ids)s)
                      AND NOT EXISTS (SELECT 1 FROM clc_affinity_new n WHERE %(same_key)s)""",
                company_ids=list(company.ids),
                same_key=same_key,
            )
        )
        written = cr.rowcount
        cr.execute(
            SQL(
                """INSERT INTO customer_lifecycle_affinity AS t (%(columns)s)
                   SELECT %(columns)s FROM clc_affinity_new
                   ON CONFLICT ON CONSTRAINT customer_lifecycle_affinity_rule_uniq DO UPDATE
                      SET (%(values)s) = ROW(%(excluded)s)
                    WHERE ROW(%(current)s) IS DISTINCT FROM ROW(%(excluded)s)""",
                columns=columns,
                values=SQL(", ").join(SQL.identifier(name) for name in values),
                excluded=SQL(", ").join(SQL.identifier("excluded", name) for name in values),
                current=SQL(", ").join(SQL.identifier("t", name) for name in values),
            )
        )
        written += cr.rowcount
        cr.execute(SQL("DROP TABLE clc_affinity_new"))
        if written:
            # the statistics of a table just filled say it is empty until autovacuum comes:
            # the next rankings in SQL (one customer, the daily run) planned for nothing took
            # minutes at L
            cr.execute(SQL("ANALYZE customer_lifecycle_affinity"))
        self.invalidate_model()
        return written
