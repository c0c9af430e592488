"""How far to trust the next best offers: the offers' backtest (customer.lifecycle.offer.backtest).

Each repeat customer's last purchase is hidden; the co-purchase rules are computed again from
the history left (the rules of customer.lifecycle.affinity._rules_query, counted as the full run
counts them, on the truncated lines), every
customer is given its 3 offers from that history (customer.lifecycle.offer._ranked_query's,
ranked in numpy as the full run ranks them), and
an offer hits when the hidden purchase contains one of the offered products. The same is done
for a baseline with no intelligence at all: the 3 most popular products (bought by the most
customers, offerable) the customer had not bought. The hit rates at 3 go on res.company.

Who is tested: the repeat customers (two purchases or more) whose last purchase contains a
product they had never bought before. An offer is never a product the customer bought already,
so a last purchase of nothing new can be hit neither by the offers nor by the baseline: it
would lower both rates alike and say nothing about which is better.

One rule set for all (leave-the-last-out): the rules are computed from every customer's history
without the hidden purchases, as of today; a customer's test may thus lean on another
customer's purchases made after its own hidden one. It is the usual protocol for recommenders
and keeps the backtest one pass over the lines, like the nightly rules.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.misc import formatLang

from .customer_lifecycle_affinity import offerable
from .customer_lifecycle_fact import PRODUCT_LINE_COLUMNS

# Below this many tested customers, a difference of hit rates is chance: the sentence says so.
MIN_TESTED_CUSTOMERS = 30
OFFERS = 3  # hit rate "at 3": the offers a customer sees

# The companies' product lines of counted purchases, each marked hidden when it belongs to the
# last purchase in its company (latest date; ties by source and document) of a customer who
# made two or more there.
BACKTEST_LINES = """
WITH lines AS (
    SELECT %(columns)s FROM (%(lines)s) l
     WHERE l.state = 'sale' AND l.company_id = ANY(%(company_ids)s)
),
purchases AS (
    SELECT company_id, partner_id, source, document_id, max(date_order) AS date_order
      FROM lines
  GROUP BY company_id, partner_id, source, document_id
),
hidden AS (
    SELECT company_id, partner_id, source, document_id
      FROM (SELECT p.*,
                   row_number() OVER (PARTITION BY company_id, partner_id
                                      ORDER BY date_order DESC, source DESC, document_id DESC)
                       AS position,
                   count(*) OVER (PARTITION BY company_id, partner_id) AS purchases
              FROM purchases p) r
     WHERE r.position = 1 AND r.purchases >= 2
)
SELECT l.*, h.partner_id IS NOT NULL AS hidden
  FROM lines l
  LEFT JOIN hidden h ON h.company_id = l.company_id AND h.partner_id = l.partner_id
                    AND h.source = l.source AND h.document_id = l.document_id
"""

# Per company: the tested customers, and how many of them the offers and the baseline hit.
# offers: the ranked offers computed from the history (the lines not hidden); popular: the
# offerable products by the customers who bought them in the history, ranked. Joins only, no
# correlated subquery: a CTE has no index, and a probe of it per customer and product is a scan.
BACKTEST_SCORE = """
WITH hidden AS MATERIALIZED (
    SELECT DISTINCT company_id, partner_id, product_id
      FROM clc_offer_backtest_lines WHERE hidden
),
bought AS MATERIALIZED (
    SELECT DISTINCT company_id, partner_id, product_id
      FROM clc_offer_backtest_lines WHERE NOT hidden
),
-- the repeat customers whose last purchase holds a product new to them, with how many
-- products they had bought before it
tested AS MATERIALIZED (
    SELECT h.company_id, h.partner_id, COALESCE(min(n.bought), 0) AS bought
      FROM hidden h
 LEFT JOIN bought b ON b.company_id = h.company_id AND b.partner_id = h.partner_id
                   AND b.product_id = h.product_id
 LEFT JOIN (SELECT company_id, partner_id, count(*) AS bought
              FROM bought GROUP BY company_id, partner_id) n
        ON n.company_id = h.company_id AND n.partner_id = h.partner_id
     WHERE b.partner_id IS NULL
  GROUP BY h.company_id, h.partner_id
),
popular AS MATERIALIZED (
    SELECT company_id, product_id,
           row_number() OVER (PARTITION BY company_id
                              ORDER BY customers DESC, product_id) AS position
      FROM (SELECT b.company_id, b.product_id, count(*) AS customers
              FROM bought b
             WHERE %(offerable)s
          GROUP BY b.company_id, b.product_id) p
),
-- a customer's most popular products not bought are among the first (bought + limit)
baseline AS (
    SELECT company_id, partner_id, product_id
      FROM (SELECT t.company_id, t.partner_id, p.product_id,
                   row_number() OVER (PARTITION BY t.company_id, t.partner_id
                                      ORDER BY p.position) AS rank
              FROM tested t
              JOIN popular p ON p.company_id = t.company_id
                            AND p.position <= t.bought + %(offers_count)s
         LEFT JOIN bought b ON b.company_id = t.company_id AND b.partner_id = t.partner_id
                           AND b.product_id = p.product_id
             WHERE b.partner_id IS NULL) r
     WHERE r.rank <= %(offers_count)s
),
hits AS (
    SELECT DISTINCT o.company_id, o.partner_id
      FROM (%(offers)s) o
      JOIN hidden h ON h.company_id = o.company_id AND h.partner_id = o.partner_id
                   AND h.product_id = o.product_id
),
baseline_hits AS (
    SELECT DISTINCT o.company_id, o.partner_id
      FROM baseline o
      JOIN hidden h ON h.company_id = o.company_id AND h.partner_id = o.partner_id
                   AND h.product_id = o.product_id
)
SELECT c.id AS company_id, count(t.partner_id) AS tested, count(oh.partner_id) AS hits,
       count(bh.partner_id) AS baseline_hits
  FROM unnest(%(company_ids)s::int[]) AS c(id)
  LEFT JOIN tested t ON t.company_id = c.id
  LEFT JOIN hits oh ON oh.company_id = t.company_id AND oh.partner_id = t.partner_id
  LEFT JOIN baseline_hits bh ON bh.company_id = t.company_id AND bh.partner_id = t.partner_id
 GROUP BY c.id
"""


class CustomerLifecycleOfferBacktest(models.AbstractModel):
    """The next best offers' backtest (see the module docstring): run by the engine's full run
    after the rules, and on demand by a lifecycle manager. Its figures live on res.company
    (lifecycle_offer_backtest_*), readable by lifecycle managers only."""

    _name = "customer.lifecycle.offer.backtest"
    _description = "Customer Lifecycle Next Best Offer Backtest"

    @api.model
    def action_run(self):
        """Button (settings, "Who to offer this to"): run the backtest now in the companies
        the user works in, for lifecycle managers only; the figures are written with the
        engine's rights."""
        if not self.env.user.has_group("customer_lifecycle.group_lifecycle_manager"):
            raise AccessError(
                self.env._("Only lifecycle administrators can run the next best offer backtest.")
            )
        companies = self.env.companies
        figures = self._run(companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": "\n".join(
                    company.lifecycle_offer_backtest_summary
                    if len(companies) == 1
                    else f"{company.name}: {company.lifecycle_offer_backtest_summary}"
                    for company in companies
                    if company.id in figures
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _run_in_full_run(self, full):
        """The engine's phase, after the rules: in a full run only (weekly, after a settings
        change), every company: like the rules, the backtest reads every product line, and a
        day of purchases moves its figures by a fraction of a percent."""
        if full:
            # the run flushed the ORM at its start, and none of its phases writes what the
            # lines read (documents, products, the companies' settings): no flush here, which
            # would only split the run's own pending writes into more statements
            self._run(self.env["res.company"].sudo().search([]), flush=False)

    @api.model
    def _run(self, companies, flush=True):
        """Backtest the offers of these companies on their purchases as they are now; store
        the figures on each company (sudo: the engine's write). Returns {company id: figures}:
        tested customers, hits of the offers and of the baseline, the two rates in percent."""
        if flush:
            self.env.flush_all()  # the lines are read from several models' tables
        figures = self._score(companies)
        now = fields.Datetime.now()
        for company in companies.sudo():
            tested = figures[company.id]["tested"]
            company.write(
                {
                    "lifecycle_offer_backtest_customers": tested,
                    "lifecycle_offer_backtest_hit_rate": figures[company.id]["hit_rate"],
                    "lifecycle_offer_backtest_baseline_rate": figures[company.id]["baseline_rate"],
                    "lifecycle_offer_backtest_date": now,
                }
            )
        return figures

    @api.model
    def _score(self, companies):
        """The backtest's counts on these companies' purchases, {company id: figures} (four
        statements and two temporary tables, whatever the number of customers; the history
        before each last purchase read once for the rules and the offers)."""
        cr = self.env.cr
        engine = self.env["customer.lifecycle.engine"]
        columns = SQL(", ").join(SQL.identifier(name) for name in PRODUCT_LINE_COLUMNS)
        engine._create_work_table(
            "clc_offer_backtest_lines",
            query=SQL(
                BACKTEST_LINES,
                columns=columns,
                lines=self.env["customer.lifecycle.fact"]._purchase_product_lines_query(None),
                company_ids=companies.ids,
            ),
        )
        # temporary tables have no statistics until analysed (autovacuum never sees them):
        # without them the planner nests loops over what it takes for a few rows
        cr.execute(SQL("ANALYZE clc_offer_backtest_lines"))
        history = SQL("SELECT %s FROM clc_offer_backtest_lines WHERE NOT hidden", columns)
        bought = self.env["customer.lifecycle.fact"]._bought_products(companies.ids, history)
        # the rules as the full run counts them (_rules_query's, in numpy: the SQL's
        # self-join of every customer's pairs takes minutes at L)
        self.env["customer.lifecycle.affinity"]._compute_rules_into(
            "clc_offer_backtest_rules", companies, bought=bought
        )
        cr.execute(SQL("ANALYZE clc_offer_backtest_rules"))
        # ranked as the full run ranks everyone (_ranked_query's offers, in numpy: sorting
        # every candidate in SQL takes minutes at L)
        self.env["customer.lifecycle.offer"]._rank_everyone_into(
            "clc_offer_backtest_offers",
            lines=history,
            rules=SQL("SELECT * FROM clc_offer_backtest_rules"),
            bought=bought,
        )
        offers = SQL("SELECT * FROM clc_offer_backtest_offers WHERE rank <= %s", OFFERS)
        cr.execute(
            SQL(
                BACKTEST_SCORE,
                offers=offers,
                offerable=offerable(SQL("b.product_id"), SQL("b.company_id")),
                offers_count=OFFERS,
                company_ids=companies.ids,
            )
        )
        figures = {}
        for company_id, tested, hits, baseline_hits in cr.fetchall():
            figures[company_id] = {
                "tested": tested,
                "hits": hits,
                "baseline_hits": baseline_hits,
                "hit_rate": round(100.0 * hits / tested, 2) if tested else 0.0,
                "baseline_rate": round(100.0 * baseline_hits / tested, 2) if tested else 0.0,
            }
        cr.execute(
            SQL(
                "DROP TABLE clc_offer_backtest_lines, clc_offer_backtest_rules, "
                "clc_offer_backtest_offers"
            )
        )
        return figures


def offer_backtest_summary(env, date, tested, hit_rate, baseline_rate):
    """The backtest's figures in one sentence, in env's language: whether the offers beat the
    most popular products, or that there are too few customers to tell."""
    if not date:
        return env._(
            "The next best offers have not been tested yet: the weekly full computation tests "
            "them, or run the backtest now."
        )
    figures = {
        "tested": tested,
        "hit_rate": formatLang(env, hit_rate, digits=1),
        "baseline_rate": formatLang(env, baseline_rate, digits=1),
        "minimum": MIN_TESTED_CUSTOMERS,
    }
    if tested < MIN_TESTED_CUSTOMERS:
        return env._(
            "Too few repeat customers to tell: %(tested)s could be tested (a repeat customer "
            "whose last purchase contained a product new to them), at least %(minimum)s are "
            "needed. So far the recommendations hit %(hit_rate)s %% and the most popular "
            "products %(baseline_rate)s %%.",
            **figures,
        )
    if hit_rate > baseline_rate:
        return env._(
            "The recommendations beat the most popular products: for %(tested)s repeat "
            "customers, their 3 recommendations contained a product of the hidden last "
            "purchase %(hit_rate)s %% of the time, the 3 most popular products they had not "
            "bought %(baseline_rate)s %%.",
            **figures,
        )
    return env._(
        "The recommendations do not beat the most popular products: for %(tested)s repeat "
        "customers, their 3 recommendations contained a product of the hidden last purchase "
        "%(hit_rate)s %% of the time, the 3 most popular products they had not bought "
        "%(baseline_rate)s %%. Treat the recommendations with caution.",
        **figures,
    )
