"""The order facts (customer.lifecycle.fact) and the SQL that fills them: phase 1 of the
engine's run, the aggregation of each customer's orders per company."""

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

DAILY_SHARE_LIMIT = 0.2  # a daily run touching more customers than this aggregates them all
# An order saved by a transaction that began before the last run carries that earlier time: a
# daily run looks back a little further than the last run.
DIRTY_MARGIN = timedelta(hours=1)

FACT_COLUMNS = (
    "partner_id", "company_id", "order_count", "cancel_count", "first_order", "last_order",
    "last_quotation", "revenue", "revenue_12m", "margin", "window_orders", "window_revenue",
    "median_gap", "discount", "converted", "brought", "referral_revenue", "interacted",
)  # fmt: skip
# The population: commercial entities that are neither internal users nor companies of this
# database. Portal users are customers (they order online) and stay in. Its stage columns and
# current values (a row of the columns a daily run compares, else NULL) let the classification
# compare without reading res_partner a second time.
POPULATION = """
    SELECT p.id, p.lifecycle_referred_by_id AS referred_by, p.rfm_segment AS stored_segment,
           p.write_date, p.lifecycle_stage_id AS stage_id, p.lifecycle_stage_manual AS stage_manual,
           p.lifecycle_stage_date AS stage_date, %(current)s AS current_values,
           p.lifecycle_satisfaction_category AS satisfaction,
           p.lifecycle_satisfaction_date AS satisfaction_date
      FROM res_partner p
     WHERE p.id = p.commercial_partner_id AND p.active
       AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id AND NOT u.share)
       AND NOT EXISTS (SELECT 1 FROM res_company c WHERE c.partner_id = p.id)
       AND (%(ids)s::int[] IS NULL OR p.id = ANY(%(ids)s::int[]))
"""

# Per customer of the population (or of ids) and company, what its orders in that
# company say: a row for every customer in the lifecycle company (%(company_id)s, whose facts the
# stages and segments come from), and in each other company for the customers who ordered there.
# The population's size is badly estimated (id = commercial_partner_id), so each part is
# MATERIALIZED: computed once, not once per customer inside a nested loop.
AGGREGATE = """
WITH population AS (%(population)s),
orders AS (
    SELECT c.commercial_partner_id AS partner_id, o.company_id, o.state, o.date_order,
           %(amount)s AS amount, %(margin)s AS margin
      FROM sale_order o
      JOIN res_partner c ON c.id = o.partner_id
     WHERE (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
),
-- one sort of the orders by customer and date: the totals and the median gap between two
-- confirmed orders (lag within the confirmed ones) in the same pass
totals AS MATERIALIZED (
    SELECT partner_id, company_id,
           count(*) FILTER (WHERE state = 'sale') AS order_count,
           count(*) FILTER (WHERE state = 'cancel') AS cancel_count,
           min(date_order) FILTER (WHERE state = 'sale') AS first_order,
           max(date_order) FILTER (WHERE state = 'sale') AS last_order,
           max(date_order) FILTER (WHERE state IN ('draft', 'sent')) AS last_quotation,
           sum(amount) FILTER (WHERE state = 'sale') AS revenue,
           sum(amount) FILTER (WHERE state = 'sale' AND date_order >= %(year_ago)s) AS revenue_12m,
           sum(margin) FILTER (WHERE state = 'sale') AS margin,
           count(*) FILTER (WHERE state = 'sale' AND date_order >= %(window_start)s)
               AS window_orders,
           sum(amount) FILTER (WHERE state = 'sale' AND date_order >= %(window_start)s)
               AS window_revenue,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) FILTER (WHERE state = 'sale')
               AS median_gap
      FROM (SELECT o.*,
                   EXTRACT(EPOCH FROM date_order - lag(date_order) OVER (
                       PARTITION BY partner_id, company_id, state = 'sale'
                       ORDER BY date_order)) / 86400.0 AS gap
              FROM orders o) o
  GROUP BY partner_id, company_id
),
discounts AS MATERIALIZED (
    SELECT c.commercial_partner_id AS partner_id, o.company_id,
           100.0 * sum(l.price_unit * l.product_uom_qty * l.discount / 100.0)
               / NULLIF(sum(l.price_unit * l.product_uom_qty), 0) AS discount
      FROM sale_order_line l
      JOIN sale_order o ON o.id = l.order_id
      JOIN res_partner c ON c.id = o.partner_id
     WHERE o.state = 'sale' AND l.display_type IS NULL
       AND (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
  GROUP BY 1, 2
),
referrals AS MATERIALIZED (
    SELECT r.lifecycle_referred_by_id AS partner_id, count(*) AS brought,
           count(*) FILTER (WHERE s.revenue IS NOT NULL) AS converted,
           COALESCE(sum(s.revenue), 0) AS referral_revenue
      FROM res_partner r
 LEFT JOIN LATERAL (
           SELECT sum(%(amount)s) AS revenue
             FROM sale_order o
             JOIN res_partner c ON c.id = o.partner_id
            WHERE c.commercial_partner_id = r.id AND o.state = 'sale'
              AND o.company_id = %(company_id)s) s ON TRUE
     WHERE r.lifecycle_referred_by_id IS NOT NULL AND r.id = r.commercial_partner_id AND r.active
       AND (%(ids)s::int[] IS NULL OR r.lifecycle_referred_by_id = ANY(%(ids)s::int[]))
  GROUP BY 1
),
interactions AS MATERIALIZED (
    SELECT DISTINCT m.res_id AS partner_id
      FROM mail_message m
     WHERE m.model = 'res.partner' AND m.message_type = 'comment'
       AND (%(ids)s::int[] IS NULL OR m.res_id = ANY(%(ids)s::int[]))
),
keys AS (
    SELECT p.id AS partner_id, %(company_id)s AS company_id FROM population p
    UNION ALL
    SELECT t.partner_id, t.company_id
      FROM totals t
      JOIN population p ON p.id = t.partner_id
     WHERE t.company_id <> %(company_id)s
)
SELECT k.partner_id, k.company_id,
       COALESCE(t.order_count, 0) AS order_count,
       COALESCE(t.cancel_count, 0) AS cancel_count,
       t.first_order, t.last_order, t.last_quotation,
       round(COALESCE(t.revenue, 0)::numeric, 2) AS revenue,
       round(COALESCE(t.revenue_12m, 0)::numeric, 2) AS revenue_12m,
       round(COALESCE(t.margin, 0)::numeric, 2) AS margin,
       COALESCE(t.window_orders, 0) AS window_orders,
       round(COALESCE(t.window_revenue, 0)::numeric, 2) AS window_revenue,
       round(t.median_gap::numeric, 4) AS median_gap,
       round(d.discount::numeric, 4) AS discount,
       CASE WHEN k.company_id = %(company_id)s THEN COALESCE(r.converted, 0) ELSE 0 END
           AS converted,
       CASE WHEN k.company_id = %(company_id)s THEN COALESCE(r.brought, 0) ELSE 0 END
           AS brought,
       CASE WHEN k.company_id = %(company_id)s THEN round(COALESCE(r.referral_revenue, 0), 2)
            ELSE 0 END AS referral_revenue,
       i.partner_id IS NOT NULL AS interacted
  FROM keys k
 LEFT JOIN totals t ON t.partner_id = k.partner_id AND t.company_id = k.company_id
 LEFT JOIN discounts d ON d.partner_id = k.partner_id AND d.company_id = k.company_id
 LEFT JOIN referrals r ON r.partner_id = k.partner_id
 LEFT JOIN interactions i ON i.partner_id = k.partner_id
"""

# Customers whose facts changed since the last run: their orders were written (imports that
# deferred the immediate re-evaluation), their orders crossed the 12-month or RFM window
# boundary (and the referrers of all these), a note was logged on them, or they were created
# (or unarchived, or detached from a company) and have no facts yet. Changes made through the
# ORM (orders, referrers, contacts) re-evaluated the customer at once already; a partner
# inserted in SQL without a write date waits for the weekly full run.
DIRTY = """
WITH ordered AS (
    SELECT DISTINCT c.commercial_partner_id AS id
      FROM sale_order o
      JOIN res_partner c ON c.id = o.partner_id
     WHERE (o.write_date >= %(since)s
            OR (o.date_order >= %(since_year_ago)s AND o.date_order < %(year_ago)s)
            OR (o.date_order >= %(since_window)s AND o.date_order < %(window_start)s))
)
    SELECT id FROM ordered
    UNION  -- their referrers: referrals converted, revenue from referrals
    SELECT r.lifecycle_referred_by_id
      FROM res_partner r
      JOIN ordered o ON o.id = r.id
     WHERE r.lifecycle_referred_by_id IS NOT NULL
    UNION
    SELECT m.res_id FROM mail_message m
     WHERE m.id > %(last_message_id)s AND m.model = 'res.partner' AND m.message_type = 'comment'
    UNION
    SELECT p.id FROM (%(population)s) p
     WHERE p.write_date >= %(since)s
       AND NOT EXISTS (SELECT 1 FROM customer_lifecycle_fact f
                        WHERE f.partner_id = p.id AND f.company_id = %(company_id)s)
"""


def in_company_currency(amount, rate):
    """SQL: an order's amount (in the order's currency) in its company's currency, converted at
    the order's own rate (sale.order.currency_rate: order currency per company currency); a
    missing or zero rate counts as 1. The one conversion of the addon's order amounts."""
    return SQL("%s / COALESCE(NULLIF(%s, 0), 1.0)", amount, rate)


def cancel_rate(cancel_count, order_count):
    """SQL: the share of a customer's orders that were cancelled, in percent with one decimal
    (NULL without any order): cancelled / (confirmed + cancelled). The one cancel rate of the
    addon (the partner's, the value report's)."""
    return SQL("round(100.0 * %s / NULLIF(%s + %s, 0), 1)", cancel_count, order_count, cancel_count)


class CustomerLifecycleFact(models.Model):
    """What a customer's orders in one company say, aggregated: one row per commercial entity
    and company (in the lifecycle company, one for every customer, orders or not).

    The engine's own narrow table: written by the nightly run, and by a customer's immediate
    re-evaluation in the user's transaction (an order confirmed), which also stamps the
    customer's row (written_xid, see customer.lifecycle.company.rows) so that a nightly run
    that read or classified before it keeps its fresher values. A day's run re-aggregates only
    the customers whose orders changed. The stages, scores and metrics users see are derived
    from the lifecycle company's rows onto res.partner; the accounting views read each
    company's own rows.
    """

    _name = "customer.lifecycle.fact"
    _inherit = ["customer.lifecycle.company.rows"]
    _description = "Customer Lifecycle Order Facts"
    order_count = fields.Integer()
    cancel_count = fields.Integer()
    first_order = fields.Datetime()
    last_order = fields.Datetime()
    last_quotation = fields.Datetime()
    revenue = fields.Float(digits=(16, 2))
    revenue_12m = fields.Float(digits=(16, 2))
    margin = fields.Float(digits=(16, 2))
    window_orders = fields.Integer()
    window_revenue = fields.Float(digits=(16, 2))
    median_gap = fields.Float(digits=(16, 4))
    discount = fields.Float(digits=(16, 4))
    converted = fields.Integer()
    brought = fields.Integer()
    referral_revenue = fields.Float(digits=(16, 2))
    interacted = fields.Boolean()

    _staged_columns = FACT_COLUMNS

    # -- The population and the aggregation -------------------------------------------------

    @api.model
    def _population_query(self, ids, compared=()):
        """SQL: the population (ids: only these customers), carrying the current values of the
        compared res_partner columns (current_values)."""
        current = SQL("ROW(%s)", SQL(", ").join(SQL.identifier("p", n) for n in compared))
        return SQL(POPULATION, ids=ids, current=current if compared else SQL("NULL::int"))

    @api.model
    def _time_bounds(self, company, now):
        """The windows the aggregation counts in, seen at now: the last 12 months (revenue_12m)
        and the company's RFM window (window_orders, window_revenue; no limit when 0)."""
        months = company.lifecycle_rfm_months
        return {
            "year_ago": now - relativedelta(months=12),
            "window_start": now - relativedelta(months=months) if months else datetime(1900, 1, 1),
        }

    @api.model
    def _aggregate_query(self, ids):
        """SQL: the facts rows of these customers (None: the whole population), as of now."""
        company = self.env["res.company"]._lifecycle_company()
        return SQL(
            AGGREGATE,
            population=self._population_query(ids),
            ids=ids,
            company_id=company.id,
            amount=in_company_currency(SQL("o.amount_untaxed"), SQL("o.currency_rate")),
            margin=in_company_currency(SQL("COALESCE(o.margin, 0)"), SQL("o.currency_rate")),
            **self._time_bounds(company, fields.Datetime.now()),
        )

    @api.model
    def _dirty_customer_ids(self, company, now):
        """Customers a daily run re-aggregates (DIRTY), or None when so many that all should
        be."""
        since = company.lifecycle_last_run - DIRTY_MARGIN
        bounds = self._time_bounds(company, now)
        before = self._time_bounds(company, since)
        self.env.cr.execute(
            SQL(
                DIRTY,
                company_id=company.id,
                since=since,
                since_year_ago=before["year_ago"],
                since_window=before["window_start"],
                last_message_id=company.lifecycle_last_message_id,
                population=self._population_query(None),
                **bounds,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall() if row[0]]
        population = self.search_count([("company_id", "=", company.id)]) or 1
        return None if len(ids) > DAILY_SHARE_LIMIT * population else ids

    # -- Writing the facts --------------------------------------------------------------------

    @api.model
    def _aggregate(self, ids):
        """Aggregate these customers (None: all) in the current transaction: the query's rows
        staged and upserted (a customer's immediate re-evaluation, the module install)."""
        if ids == []:
            return 0
        self.env["customer.lifecycle.engine"]._create_work_table(
            self._staging_table(), query=self._aggregate_query(ids)
        )
        count = self._upsert_facts(ids)
        if ids is None:
            self._analyze_facts()
        return count

    @api.model
    def _aggregate_from_replica(self, ids):
        """Aggregate for the nightly run: the heavy read through the read-only cursor (a replica
        where one is configured), the rows copied into the primary and upserted chunk by chunk
        (_upsert_in_chunks). Returns how many customers were aggregated and how many chunks
        were left."""
        if ids == []:
            return 0, 0
        snapshot = self._read_elsewhere(self._aggregate_query(ids), work_mem="64MB")
        _rows, count, left = self._upsert_in_chunks(
            lambda low, high: self._upsert_facts(ids, snapshot, low, high)
        )
        if ids is None:
            self.env["customer.lifecycle.engine"]._in_batch(True, self._analyze_facts)
        return count, left

    @api.model
    def _upsert_facts(self, ids, snapshot=None, low=None, high=None):
        """Move the staged facts into the table (_upsert_staged; low, high: the chunk's
        partner ids), dropping the rows of customers gone from the population (archived,
        merged, now a user) or from a company. Returns how many customers were aggregated."""
        cr = self.env.cr
        cr.execute(
            SQL("SELECT count(DISTINCT partner_id) FROM %s", SQL.identifier(self._staging_table()))
        )
        count = cr.fetchone()[0]
        self._upsert_staged(ids, snapshot, low, high)
        return count

    @api.model
    def _analyze_facts(self):
        """After a full aggregation: the classification's plans need fresh statistics."""
        self.env.cr.execute(SQL("ANALYZE customer_lifecycle_fact"))
        return 0

    @api.model
    def _mark_reevaluated(self, ids, company):
        """Stamp these customers' facts rows in company with the current transaction, changed or
        not: a nightly run that classified them before must not write its older targets over
        what this re-evaluation writes (the engine's _still_as_classified)."""
        self.env.cr.execute(
            SQL(
                """UPDATE customer_lifecycle_fact SET written_xid = pg_current_xact_id()
                    WHERE company_id = %s AND partner_id = ANY(%s)
                      AND written_xid IS DISTINCT FROM pg_current_xact_id()""",
                company.id,
                ids,
            )
        )
