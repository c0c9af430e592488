"""The order facts (customer.lifecycle.fact) and the SQL that fills them: phase 1 of the
engine's run, the aggregation of each customer's orders per company."""

from datetime import datetime, timedelta

import numpy as np
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .customer_lifecycle_company_rows import read_integer_rows

DAILY_SHARE_LIMIT = 0.2  # a daily run touching more customers than this aggregates them all
# An order saved by a transaction that began before the last run carries that earlier time: a
# daily run looks back a little further than the last run.
DIRTY_MARGIN = timedelta(hours=1)

FACT_COLUMNS = (
    "partner_id", "company_id", "order_count", "cancel_count", "first_order", "last_order",
    "last_quotation", "revenue", "revenue_12m", "margin", "window_orders", "window_revenue",
    "median_gap", "discount", "converted", "brought", "referral_revenue", "interacted",
    "invoice_orders", "pos_orders",
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

# What a purchase is, one SELECT per kind of document (customer.lifecycle.fact._purchase_sources):
# each row a document of a customer (its commercial entity) in a company, in the columns
# PURCHASE_COLUMNS. state: 'sale' a purchase; 'cancel' a cancelled order (the cancel rate);
# 'draft'/'sent' an open quotation; 'refund' a credit note or a refund: a negative amount dated at
# the purchase it refunds, never an order. Amounts untaxed, in company currency at each
# document's own rate. The Point of Sale bridge adds its orders.
PURCHASE_COLUMNS = (
    "partner_id", "company_id", "source", "state", "date_order", "amount", "margin", "write_date",
)  # fmt: skip
SALE_ORDER_PURCHASES = """
    SELECT c.commercial_partner_id AS partner_id, o.company_id, 'sale' AS source, o.state,
           o.date_order, %(amount)s AS amount, %(margin)s AS margin, o.write_date
      FROM sale_order o
      JOIN res_partner c ON c.id = o.partner_id
     WHERE (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
"""
# A posted customer invoice made from no sale order (nor from another counted source) is a
# purchase of its own, in the companies that count direct invoices: the invoices (m) and their
# customers (c), for the purchases and for their lines.
DIRECT_INVOICES = """
      FROM account_move m
      JOIN res_partner c ON c.id = m.partner_id
      JOIN res_company rc ON rc.id = m.company_id AND rc.lifecycle_count_invoices
     WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
       AND (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
       AND NOT EXISTS (SELECT 1 FROM account_move_line l
                         JOIN sale_order_line_invoice_rel r ON r.invoice_line_id = l.id
                        WHERE l.move_id = m.id)
       AND NOT (%(other_source)s)
"""
DIRECT_INVOICE_PURCHASES = """
    SELECT c.commercial_partner_id AS partner_id, m.company_id, 'invoice' AS source,
           'sale' AS state, m.invoice_date::timestamp AS date_order,
           m.amount_untaxed_signed AS amount, 0.0 AS margin, m.write_date
    %(invoices)s
"""
# A posted credit note lowers the revenue of the purchase it refunds: the sale order its lines
# come from (counted as sale orders are, always), else the invoice it reverses, else its own
# date (both with the direct invoices).
CREDIT_NOTE_PURCHASES = """
    SELECT c.commercial_partner_id AS partner_id, m.company_id,
           CASE WHEN so.date_order IS NULL THEN 'invoice' ELSE 'sale' END AS source,
           'refund' AS state,
           COALESCE(so.date_order, inv.invoice_date::timestamp, m.invoice_date::timestamp)
               AS date_order,
           m.amount_untaxed_signed AS amount, 0.0 AS margin, m.write_date
      FROM account_move m
      JOIN res_partner c ON c.id = m.partner_id
      JOIN res_company rc ON rc.id = m.company_id
 LEFT JOIN account_move inv ON inv.id = m.reversed_entry_id AND inv.state = 'posted'
 LEFT JOIN LATERAL (
           SELECT min(o.date_order) AS date_order
             FROM account_move_line l
             JOIN sale_order_line_invoice_rel r ON r.invoice_line_id = l.id
             JOIN sale_order_line sl ON sl.id = r.order_line_id
             JOIN sale_order o ON o.id = sl.order_id
            WHERE l.move_id = m.id) so ON TRUE
     WHERE m.move_type = 'out_refund' AND m.state = 'posted'
       AND (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
       AND (so.date_order IS NOT NULL OR rc.lifecycle_count_invoices)
       AND NOT (%(other_source)s)
"""
# The product lines of the counted purchases, for the average discount: the gross amount and
# the discount's, in company currency.
SALE_ORDER_LINES = """
    SELECT c.commercial_partner_id AS partner_id, o.company_id,
           %(gross)s AS gross, %(gross)s * l.discount / 100.0 AS discounted
      FROM sale_order_line l
      JOIN sale_order o ON o.id = l.order_id
      JOIN res_partner c ON c.id = o.partner_id
     WHERE o.state = 'sale' AND l.display_type IS NULL
       AND (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
"""
DIRECT_INVOICE_LINES = """
    SELECT m.partner_id, m.company_id,
           %(gross)s AS gross, %(gross)s * l.discount / 100.0 AS discounted
      FROM account_move_line l
      JOIN (SELECT m.id, c.commercial_partner_id AS partner_id, m.company_id,
                   m.invoice_currency_rate
            %(invoices)s) m ON m.id = l.move_id
     WHERE l.display_type = 'product'
"""

# What each purchase bought, one row per product line (customer.lifecycle.fact.
# _purchase_product_lines): the category mix, the rhythm per category and the next best offer
# read it. state: 'sale' a line of a counted purchase; 'refund' a line of a credit note or a
# refund (a negative amount). document_id is the purchase's id within its source (a purchase is
# the pair). Amounts untaxed, in company currency; margin 0 where Odoo keeps no cost.
PRODUCT_LINE_COLUMNS = (
    "partner_id", "company_id", "source", "document_id", "state", "date_order", "product_id",
    "amount", "margin",
)  # fmt: skip
SALE_ORDER_PRODUCT_LINES = """
    SELECT c.commercial_partner_id AS partner_id, o.company_id, 'sale' AS source,
           o.id AS document_id, 'sale' AS state, o.date_order, l.product_id,
           %(amount)s AS amount, %(margin)s AS margin
      FROM sale_order_line l
      JOIN sale_order o ON o.id = l.order_id
      JOIN res_partner c ON c.id = o.partner_id
     WHERE o.state = 'sale' AND l.display_type IS NULL AND l.product_id IS NOT NULL
       AND (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
"""
# The product lines of direct invoices (their sign: balance is negative on an invoice's income)
# and of credit notes (dated at their own date), as their documents are counted.
INVOICE_PRODUCT_LINES = """
    SELECT m.partner_id, m.company_id, 'invoice' AS source, m.id AS document_id,
           m.state, m.date_order, l.product_id, -l.balance AS amount, 0.0 AS margin
      FROM account_move_line l
      JOIN (%(moves)s) m ON m.id = l.move_id
     WHERE l.display_type = 'product' AND l.product_id IS NOT NULL
"""
CREDIT_NOTES = """
    SELECT m.id, c.commercial_partner_id AS partner_id, m.company_id, 'refund' AS state,
           m.invoice_date::timestamp AS date_order
      FROM account_move m
      JOIN res_partner c ON c.id = m.partner_id
      JOIN res_company rc ON rc.id = m.company_id
     WHERE m.move_type = 'out_refund' AND m.state = 'posted'
       AND (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
       AND (rc.lifecycle_count_invoices
            OR EXISTS (SELECT 1 FROM account_move_line l
                         JOIN sale_order_line_invoice_rel r ON r.invoice_line_id = l.id
                        WHERE l.move_id = m.id))
       AND NOT (%(other_source)s)
"""

# Per customer of the population (or of ids) and company, what its purchases in that company
# say: a row for every customer in the lifecycle company (%(company_id)s, whose facts the stages
# and segments come from), and in each other company for the customers who bought there. The
# purchases are read for the customers of ids and the customers they referred (for the
# referral figures). The population's size is badly estimated (id = commercial_partner_id), so
# each part is MATERIALIZED: computed once, not once per customer inside a nested loop.
AGGREGATE = """
WITH population AS (%(population)s),
purchases AS (%(purchases)s),
-- one sort of the purchases by customer and date: the totals and the median gap between two
-- purchases (lag within the purchases) in the same pass
totals AS MATERIALIZED (
    SELECT partner_id, company_id,
           count(*) FILTER (WHERE state = 'sale') AS order_count,
           count(*) FILTER (WHERE state = 'sale' AND source = 'invoice') AS invoice_orders,
           count(*) FILTER (WHERE state = 'sale' AND source = 'pos') AS pos_orders,
           count(*) FILTER (WHERE state = 'cancel') AS cancel_count,
           min(date_order) FILTER (WHERE state = 'sale') AS first_order,
           max(date_order) FILTER (WHERE state = 'sale') AS last_order,
           max(date_order) FILTER (WHERE state IN ('draft', 'sent')) AS last_quotation,
           sum(amount) FILTER (WHERE state IN ('sale', 'refund')) AS revenue,
           sum(amount) FILTER (WHERE state IN ('sale', 'refund') AND date_order >= %(year_ago)s)
               AS revenue_12m,
           sum(margin) FILTER (WHERE state IN ('sale', 'refund')) AS margin,
           count(*) FILTER (WHERE state = 'sale' AND date_order >= %(window_start)s)
               AS window_orders,
           sum(amount) FILTER (WHERE state IN ('sale', 'refund')
                                 AND date_order >= %(window_start)s) AS window_revenue,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) FILTER (WHERE state = 'sale')
               AS median_gap
      FROM (SELECT p.*,
                   EXTRACT(EPOCH FROM date_order - lag(date_order) OVER (
                       PARTITION BY partner_id, company_id, state = 'sale'
                       ORDER BY date_order)) / 86400.0 AS gap
              FROM purchases p) p
  GROUP BY partner_id, company_id
),
discounts AS MATERIALIZED (
    SELECT partner_id, company_id,
           100.0 * sum(discounted) / NULLIF(sum(gross), 0) AS discount
      FROM (%(lines)s) l
  GROUP BY 1, 2
),
referrals AS MATERIALIZED (
    SELECT r.lifecycle_referred_by_id AS partner_id, count(*) AS brought,
           count(*) FILTER (WHERE t.order_count > 0) AS converted,
           COALESCE(sum(t.revenue), 0) AS referral_revenue
      FROM res_partner r
 LEFT JOIN totals t ON t.partner_id = r.id AND t.company_id = %(company_id)s
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
       i.partner_id IS NOT NULL AS interacted,
       COALESCE(t.invoice_orders, 0) AS invoice_orders,
       COALESCE(t.pos_orders, 0) AS pos_orders
  FROM keys k
 LEFT JOIN totals t ON t.partner_id = k.partner_id AND t.company_id = k.company_id
 LEFT JOIN discounts d ON d.partner_id = k.partner_id AND d.company_id = k.company_id
 LEFT JOIN referrals r ON r.partner_id = k.partner_id
 LEFT JOIN interactions i ON i.partner_id = k.partner_id
"""

# Customers whose facts changed since the last run: their purchases were written (imports that
# deferred the immediate re-evaluation), their purchases crossed the 12-month or RFM window
# boundary (and the referrers of all these), a note was logged on them, or they were created
# (or unarchived, or detached from a company) and have no facts yet. Changes made through the
# ORM (orders, referrers, contacts) re-evaluated the customer at once already; a partner
# inserted in SQL without a write date waits for the weekly full run.
DIRTY = """
WITH ordered AS (
    SELECT DISTINCT p.partner_id AS id
      FROM (%(documents)s) p
     WHERE (p.write_date >= %(since)s
            OR (p.date_order >= %(since_year_ago)s AND p.date_order < %(year_ago)s)
            OR (p.date_order >= %(since_window)s AND p.date_order < %(window_start)s))
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
    """SQL: a document's amount (in its own currency) in its company's currency, converted at
    the document's own rate (sale.order.currency_rate, account.move.invoice_currency_rate:
    document currency per company currency); a missing or zero rate counts as 1. The one
    conversion of the addon's amounts (invoices carry theirs in company currency already)."""
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
    # of order_count: the purchases from direct invoices, and from the Point of Sale (bridge)
    invoice_orders = fields.Integer(string="Purchases by Direct Invoice")
    pos_orders = fields.Integer(string="Purchases at the Counter")

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
    def _purchase_sources(self, ids):
        """The purchases of these customers (ids: a list of commercial partner ids, an SQL
        array, or None: all), one SELECT of PURCHASE_COLUMNS per kind of document: sale orders,
        direct invoices, credit notes. A bridge adds its own (the Point of Sale's orders)."""
        other_source = self._lifecycle_other_source_invoice(SQL.identifier("m"))
        return [
            SQL(
                SALE_ORDER_PURCHASES,
                ids=ids,
                amount=in_company_currency(SQL("o.amount_untaxed"), SQL("o.currency_rate")),
                margin=in_company_currency(SQL("COALESCE(o.margin, 0)"), SQL("o.currency_rate")),
            ),
            SQL(DIRECT_INVOICE_PURCHASES, invoices=self._direct_invoices(ids)),
            SQL(CREDIT_NOTE_PURCHASES, ids=ids, other_source=other_source),
        ]

    @api.model
    def _purchase_line_sources(self, ids):
        """The product lines of these customers' purchases (state 'sale'), one SELECT of
        partner_id, company_id, gross, discounted per kind of document: the average discount."""
        return [
            SQL(
                SALE_ORDER_LINES,
                ids=ids,
                gross=in_company_currency(
                    SQL("l.price_unit * l.product_uom_qty"), SQL("o.currency_rate")
                ),
            ),
            SQL(
                DIRECT_INVOICE_LINES,
                invoices=self._direct_invoices(ids),
                gross=in_company_currency(
                    SQL("l.price_unit * l.quantity"), SQL("m.invoice_currency_rate")
                ),
            ),
        ]

    @api.model
    def _purchase_product_lines(self, ids):
        """What these customers' purchases bought (ids: commercial partner ids or None: all),
        one SELECT of PRODUCT_LINE_COLUMNS per kind of document: sale order lines, direct
        invoice and credit note lines. A bridge adds its own (the Point of Sale's lines)."""
        other_source = self._lifecycle_other_source_invoice(SQL.identifier("m"))
        direct = SQL(
            """SELECT m.id, c.commercial_partner_id AS partner_id, m.company_id, 'sale' AS state,
                      m.invoice_date::timestamp AS date_order %s""",
            self._direct_invoices(ids),
        )
        credit_notes = SQL(CREDIT_NOTES, ids=ids, other_source=other_source)
        return [
            SQL(
                SALE_ORDER_PRODUCT_LINES,
                ids=ids,
                amount=in_company_currency(SQL("l.price_subtotal"), SQL("o.currency_rate")),
                margin=in_company_currency(SQL("COALESCE(l.margin, 0)"), SQL("o.currency_rate")),
            ),
            SQL(INVOICE_PRODUCT_LINES, moves=SQL("%s UNION ALL %s", direct, credit_notes)),
        ]

    @api.model
    def _purchase_product_lines_query(self, ids):
        """SQL: every product line of these customers' purchases, one relation."""
        return SQL("\nUNION ALL\n").join(self._purchase_product_lines(ids))

    @api.model
    def _bought_products(self, company_ids, lines=None):
        """What each customer bought: an int64 array (rows, 3) of the distinct (company,
        customer, product) of the counted purchases ('sale' lines) in these companies, sorted,
        from lines (a relation of PRODUCT_LINE_COLUMNS; None: every purchase's). The full run
        reads it once for the co-purchase rules and everyone's offers: the heaviest read of the
        addon (every product line). Made distinct in numpy: PostgreSQL's DISTINCT and sort of
        the lines took 2.4 s of 5.7 at L, numpy's a fraction of a second. PostgreSQL's JIT
        would compile this statement for 2.9 s of its 4.5 at L: off."""
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        rows = read_integer_rows(
            self.env.cr,
            SQL(
                """SELECT l.company_id, l.partner_id, l.product_id
                     FROM (%s) l
                    WHERE l.state = 'sale' AND l.company_id = ANY(%s)""",
                self._purchase_product_lines_query(None) if lines is None else lines,
                list(company_ids),
            ),
            3,
        )
        self.env.cr.execute(SQL("SET LOCAL jit = DEFAULT"))
        rows = rows[np.lexsort((rows[:, 2], rows[:, 1], rows[:, 0]))]
        distinct = np.ones(len(rows), dtype=bool)
        distinct[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        return rows[distinct]

    @api.model
    def _direct_invoices(self, ids):
        """SQL: FROM and WHERE of these customers' counted direct invoices (m) and their
        customers (c)."""
        other_source = self._lifecycle_other_source_invoice(SQL.identifier("m"))
        return SQL(DIRECT_INVOICES, ids=ids, other_source=other_source)

    @api.model
    def _lifecycle_other_source_invoice(self, move):
        """SQL condition: the invoice or credit note move (an alias of account_move) belongs to
        a purchase counted from another source (a Point of Sale order): it is that purchase,
        not a direct invoice. None here; a bridge adds its source."""
        return SQL("FALSE")

    @api.model
    def _purchase_documents(self):
        """The documents that may change a customer's purchases, one SELECT of partner_id (the
        commercial entity), write_date and date_order per kind: the daily run's changed
        customers (DIRTY) filter them by date, in each table with its indexes, without
        computing any amount. A superset is harmless (a customer re-aggregated for nothing);
        a bridge adds its own (the Point of Sale's orders)."""
        return [
            SQL(
                """SELECT c.commercial_partner_id AS partner_id, o.write_date, o.date_order
                     FROM sale_order o JOIN res_partner c ON c.id = o.partner_id"""
            ),
            SQL(
                """SELECT c.commercial_partner_id AS partner_id, m.write_date,
                          m.invoice_date::timestamp AS date_order
                     FROM account_move m JOIN res_partner c ON c.id = m.partner_id
                    WHERE m.move_type IN ('out_invoice', 'out_refund')"""
            ),
        ]

    @api.model
    def _purchases_query(self, ids):
        """SQL: every purchase of these customers (see _purchase_sources), one relation."""
        return SQL("\nUNION ALL\n").join(self._purchase_sources(ids))

    @api.model
    def _aggregate_query(self, ids):
        """SQL: the facts rows of these customers (None: the whole population), as of now."""
        company = self.env["res.company"]._lifecycle_company()
        # the purchases of the customers they referred too (converted, referral_revenue), as a
        # list of ids: a subquery in its place would keep the planner from the partner index
        # (a plan over every partner, 2 s for one customer at L instead of 0.05)
        scope = None
        if ids is not None:
            self.env.cr.execute(
                SQL("SELECT id FROM res_partner WHERE lifecycle_referred_by_id = ANY(%s)", ids)
            )
            scope = sorted({*ids, *(row[0] for row in self.env.cr.fetchall())})
        return SQL(
            AGGREGATE,
            population=self._population_query(ids),
            purchases=self._purchases_query(scope),
            lines=SQL("\nUNION ALL\n").join(self._purchase_line_sources(ids)),
            ids=ids,
            company_id=company.id,
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
                documents=SQL("\nUNION ALL\n").join(self._purchase_documents()),
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
