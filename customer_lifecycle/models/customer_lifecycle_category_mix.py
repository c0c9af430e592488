"""What each customer buys, per product category (customer.lifecycle.category.mix): the category
mix, the rhythm per category and the margin per category, and the SQL that refreshes it beside
the engine's phases (the nightly run, a customer's immediate re-evaluation)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .res_partner import MONEY

MIX_COLUMNS = (
    "partner_id", "company_id", "category_id", "revenue", "margin", "orders", "share",
    "first_date", "last_date", "interval_days", "next_date", "overdue",
)  # fmt: skip
READ_MODELS = (
    "sale.order", "sale.order.line", "account.move", "account.move.line", "product.product",
    "product.template", "product.category",
)  # fmt: skip
PARTNER_FIELDS_READ = [
    "active", "commercial_partner_id", "company_id", "user_id", "lifecycle_stage_id",
]  # fmt: skip
MAX_CATEGORY_LEVEL = 10  # deeper product category trees are not met in practice
DUE_GRACE_DAYS = 7  # a category overdue for longer when first seen schedules no activity

# The category a line counts in, at the level its company sets (lifecycle_category_level): 0 the
# product's own category; n its ancestor at level n of the tree (1 = the top), read from
# product_category.parent_path ("1/5/12/": the ids from the top down); a category shallower than
# n is its own.
LINE_CATEGORY = """
    CASE WHEN rc.lifecycle_category_level > 0
         THEN COALESCE(NULLIF(split_part(pc.parent_path, '/', rc.lifecycle_category_level),
                              '')::int, pc.id)
         ELSE pc.id END
"""
# Per customer (of the population, or of ids), company and category: what they bought, from
# the product lines of their purchases (customer.lifecycle.fact._purchase_product_lines_query).
# Revenue and margin: every line (a refund line lowers them); orders, first and last purchase:
# the lines of purchases ('sale'); orders count each purchase (source, document) once. Share:
# the category's part of the customer's whole spend in that company, lines of products without
# a category included (they have no row: the shares then add up to less than 100).
# The interval is the customer's own mean days between two purchases of the category, (last -
# first) / (orders - 1), as the engine's expected interval between orders: a first-to-last
# span needs no window over the lines, and a median of two or three gaps is no steadier.
# Purchases on one day only give no rhythm.
MIX = """
WITH population AS (%(population)s),
lines AS (%(lines)s),
categorised AS (
    SELECT l.partner_id, l.company_id, l.source, l.document_id, l.state, l.date_order,
           l.amount, l.margin, %(line_category)s AS category_id
      FROM lines l
      JOIN population p ON p.id = l.partner_id
      JOIN res_company rc ON rc.id = l.company_id
 LEFT JOIN product_product pp ON pp.id = l.product_id
 LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
 LEFT JOIN product_category pc ON pc.id = pt.categ_id
),
mix AS (
    SELECT partner_id, company_id, category_id,
           sum(amount) AS revenue, sum(margin) AS margin,
           count(DISTINCT (source, document_id)) FILTER (WHERE state = 'sale') AS orders,
           min(date_order) FILTER (WHERE state = 'sale')::date AS first_date,
           max(date_order) FILTER (WHERE state = 'sale')::date AS last_date
      FROM categorised
  GROUP BY partner_id, company_id, category_id
),
-- the customer's whole spend in the company over the groups (those without a category too):
-- a window over the grouped rows, not a second pass over the lines
rhythm AS (
    SELECT m.*, sum(m.revenue) OVER (PARTITION BY m.partner_id, m.company_id) AS total,
           CASE WHEN m.orders >= 2 AND m.last_date > m.first_date
                THEN (m.last_date - m.first_date)::numeric / (m.orders - 1) END AS mean_gap
      FROM mix m
)
SELECT partner_id, company_id, category_id,
       round(revenue::numeric, 2) AS revenue, round(margin::numeric, 2) AS margin, orders,
       round((100.0 * revenue / NULLIF(total, 0))::numeric, 1) AS share,
       first_date, last_date, round(mean_gap, 1) AS interval_days,
       last_date + round(mean_gap)::int AS next_date,
       COALESCE(last_date + round(mean_gap)::int < %(today)s, FALSE) AS overdue
  FROM rhythm
 WHERE category_id IS NOT NULL AND orders > 0
"""
# The staged rows into the table, writing only what differs, and the rows of the customers
# refreshed (%(ids)s, NULL: all) that are gone deleted: one statement.
UPSERT = """
WITH upserted AS (
    INSERT INTO customer_lifecycle_category_mix AS t (%(columns)s)
         SELECT %(columns)s FROM clc_category_mix_new n
          WHERE EXISTS (SELECT 1 FROM res_partner p WHERE p.id = n.partner_id)
    ON CONFLICT (partner_id, company_id, category_id) DO UPDATE
            SET (%(values)s) = ROW(%(excluded)s)
          WHERE ROW(%(current)s) IS DISTINCT FROM ROW(%(excluded)s)
      RETURNING 1
), deleted AS (
    DELETE FROM customer_lifecycle_category_mix t
     WHERE (%(ids)s::int[] IS NULL OR t.partner_id = ANY(%(ids)s::int[]))
       AND NOT EXISTS (SELECT 1 FROM clc_category_mix_new n
                        WHERE n.partner_id = t.partner_id AND n.company_id = t.company_id
                          AND n.category_id = t.category_id)
 RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) + (SELECT count(*) FROM deleted)
"""
# Time moves without purchases: every night the rows whose expected purchase passed since become
# overdue (and a date moved back, by hand in the database, undoes it). One UPDATE, all rows.
OVERDUE = """
UPDATE customer_lifecycle_category_mix
   SET overdue = COALESCE(next_date < %(today)s, FALSE)
 WHERE overdue IS DISTINCT FROM COALESCE(next_date < %(today)s, FALSE)
"""
# The funnel card's "what they buy": the customer's two biggest categories (by revenue) in the
# lifecycle company, stored on the partner and written only when it changes (no query per card).
TOP_CATEGORIES = """
WITH ranked AS (
    SELECT m.partner_id, pc.name, row_number() OVER (
               PARTITION BY m.partner_id ORDER BY m.revenue DESC, pc.name, m.category_id) AS n
      FROM customer_lifecycle_category_mix m
      JOIN product_category pc ON pc.id = m.category_id
     WHERE m.company_id = %(company_id)s AND m.revenue > 0
       AND (%(ids)s::int[] IS NULL OR m.partner_id = ANY(%(ids)s::int[]))
),
top AS (
    SELECT partner_id, string_agg(name, ' · ' ORDER BY n) AS label
      FROM ranked
     WHERE n <= 2
  GROUP BY partner_id
),
target AS (
    SELECT c.id, top.label
      FROM res_partner c
 LEFT JOIN top ON top.partner_id = c.id
     WHERE CASE WHEN %(ids)s::int[] IS NULL
                THEN c.lifecycle_top_categories IS NOT NULL OR top.partner_id IS NOT NULL
                ELSE c.id = ANY(%(ids)s::int[]) END
)
UPDATE res_partner p SET lifecycle_top_categories = t.label
  FROM target t
 WHERE p.id = t.id AND p.lifecycle_top_categories IS DISTINCT FROM t.label
"""
# The playbook (a company's lifecycle_category_overdue_activity): a regular's category overdue
# whose due cycle was not announced yet. A cycle is the last purchase of the category
# (activity_last_date): a second night schedules nothing more, a new purchase starts a new one.
# Lost customers are left to their own playbook (the win-back call). Only a category that became
# overdue lately (DUE_GRACE_DAYS: a scheduler stopped for a few days still catches up) is
# announced: rows made anew (another category level, a customer merged) for a category overdue
# for long are no flood of activities.
DUE = """
SELECT m.id, m.partner_id, pc.name, m.next_date, p.user_id
  FROM customer_lifecycle_category_mix m
  JOIN res_company rc ON rc.id = m.company_id AND rc.lifecycle_category_overdue_activity
  JOIN product_category pc ON pc.id = m.category_id
  JOIN res_partner p ON p.id = m.partner_id AND p.active
 LEFT JOIN customer_lifecycle_stage s ON s.id = p.lifecycle_stage_id
 WHERE m.overdue AND m.orders >= 2
   AND m.activity_last_date IS DISTINCT FROM m.last_date
   AND m.next_date >= %(since)s
   AND s.code IS DISTINCT FROM 'lost'
   AND (%(ids)s::int[] IS NULL OR m.partner_id = ANY(%(ids)s::int[]))
 ORDER BY m.partner_id, m.id
"""


class CustomerLifecycleCategoryMix(models.Model):
    """What a customer buys in one company, per product category: revenue, margin and share of
    their spend, the purchases and their rhythm (the customer's own mean interval, the next
    purchase expected, overdue). One row per customer, company and category, written only by
    the engine (_refresh), read by lifecycle users.

    The category is the product's own or its ancestor at the level the company sets
    (res.company.lifecycle_category_level)."""

    _name = "customer.lifecycle.category.mix"
    _description = "Customer Category Mix"
    _order = "partner_id, revenue desc, id"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    category_id = fields.Many2one(
        "product.category", string="Category", required=True, readonly=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    revenue = fields.Monetary(readonly=True, help="Untaxed, refunds deducted.")
    margin = fields.Monetary(
        readonly=True, groups=MONEY, help="Where Odoo knows the products' cost (sale orders)."
    )
    orders = fields.Integer(string="Purchases", readonly=True)
    share = fields.Float(
        string="Share (%)",
        digits=(16, 1),
        readonly=True,
        help="The category's part of what the customer spent in this company.",
    )
    first_date = fields.Date(string="First Purchase", readonly=True)
    last_date = fields.Date(string="Last Purchase", readonly=True)
    interval_days = fields.Float(
        string="Every (Days)",
        digits=(16, 1),
        readonly=True,
        help="The customer's own mean days between two purchases of the category (two "
        "purchases on different days at least).",
    )
    next_date = fields.Date(string="Expected", readonly=True)
    overdue = fields.Boolean(readonly=True, index=True)
    days_overdue = fields.Integer(compute="_compute_days_overdue")
    # the last purchase whose due cycle was announced by the playbook activity (DUE)
    activity_last_date = fields.Date(readonly=True)

    _partner_company_category_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id, category_id)",
        "One row per customer, company and category.",
    )

    @api.depends("next_date", "overdue")
    def _compute_days_overdue(self):
        today = fields.Date.context_today(self)
        for row in self:
            row.days_overdue = (today - row.next_date).days if row.overdue else 0

    # -- The refresh (the engine's phase) ------------------------------------------------------

    @api.model
    def _refresh(self, ids, company, now, commit=False):
        """The nightly run's phase: refresh the mix of these customers (ids: commercial
        partner ids, [] none, None everyone) in every company (MIX, upserted writing only the
        rows that differ, the gone deleted: UPSERT); then everybody's overdue flag as of now
        (OVERDUE: time moves without purchases), the funnel card's top categories of these
        customers in the lifecycle company (TOP_CATEGORIES), and everybody's playbook
        activities of the categories newly overdue (DUE). commit: a transaction of its own,
        retried on a concurrent update (the engine's _in_batch). Returns the rows written."""

        def refresh():
            today = now.date()  # UTC, as the nightly run and a user's re-evaluation see it
            written = self._refresh_customers(ids, company, today) if ids != [] else 0
            self.env.cr.execute(SQL(OVERDUE, today=today))
            written += self.env.cr.rowcount
            self._schedule_due_activities(None, today)
            self.invalidate_model()
            return written

        return self.env["customer.lifecycle.engine"]._in_batch(commit, refresh)

    @api.model
    def _refresh_customers(self, ids, company, today=None):
        """These customers' mix (ids: commercial partner ids; None: everyone), in the current
        transaction: a customer's immediate re-evaluation (an order confirmed), and the first
        part of the nightly _refresh. Their rows (MIX, UPSERT: overdue as of today) and their
        top categories (TOP_CATEGORIES); nobody else's, and no activity (the nightly run
        schedules them). A constant number of statements. Returns the rows written."""
        today = today or fields.Datetime.now().date()
        # what the statements read, pending in the ORM (a flush of everything would also
        # write what the engine writes later in one statement)
        for model in READ_MODELS:
            self.env[model].flush_model()
        self.env["res.partner"].flush_model(PARTNER_FIELDS_READ)
        self.env["res.company"].flush_model(
            ["lifecycle_category_level", "lifecycle_category_overdue_activity"]
        )
        written = self._upsert_mix(ids, today)
        self.env.cr.execute(SQL(TOP_CATEGORIES, company_id=company.id, ids=ids))
        self.invalidate_model()
        self.env["res.partner"].invalidate_model(["lifecycle_top_categories"])
        return written

    def _upsert_mix(self, ids, today):
        """The mix rows of these customers (None: all) computed and upserted; returns the rows
        inserted, updated or deleted."""
        cr = self.env.cr
        cr.execute(SQL("DROP TABLE IF EXISTS pg_temp.clc_category_mix_new"))
        # Everyone's: the population filter (id = commercial_partner_id) is estimated at a few
        # rows, and the planner then joined every purchase line to it in a nested loop (20,000
        # customers: minutes instead of a second). Hash joins for this statement only, without
        # JIT (it compiles longer than it saves), as the engine's classification does; in the
        # statement's own round trip, so that the run's statement count stays as it is.
        planner, reset = SQL(), SQL()
        if ids is None:
            planner = SQL("SET LOCAL enable_nestloop = off; SET LOCAL jit = off;")
            reset = SQL("; SET LOCAL enable_nestloop = DEFAULT; SET LOCAL jit = DEFAULT")
        cr.execute(
            SQL(
                "%s CREATE TEMP TABLE clc_category_mix_new ON COMMIT DROP AS %s %s",
                planner,
                self._mix_query(ids, today),
                reset,
            )
        )
        columns = SQL(", ").join(SQL.identifier(name) for name in MIX_COLUMNS)
        values = MIX_COLUMNS[3:]
        cr.execute(
            SQL(
                UPSERT,
                columns=columns,
                values=SQL(", ").join(SQL.identifier(name) for name in values),
                excluded=SQL(", ").join(SQL.identifier("excluded", name) for name in values),
                current=SQL(", ").join(SQL.identifier("t", name) for name in values),
                ids=ids,
            )
        )
        written = cr.fetchone()[0]
        cr.execute(SQL("DROP TABLE clc_category_mix_new"))
        return written

    @api.model
    def _mix_query(self, ids, today):
        """SQL: the mix rows (MIX_COLUMNS) of these customers (None: the population)."""
        facts = self.env["customer.lifecycle.fact"]
        return SQL(
            MIX,
            population=facts._population_query(ids),
            lines=facts._purchase_product_lines_query(ids),
            line_category=SQL(LINE_CATEGORY),
            today=today,
        )

    def _schedule_due_activities(self, ids, today):
        """One activity per regular's category newly overdue (DUE) in the companies that ask
        for it, for the customer's salesperson, then the cycle marked announced."""
        cr = self.env.cr
        cr.execute(SQL(DUE, ids=ids, since=today - timedelta(days=DUE_GRACE_DAYS)))
        due = cr.fetchall()
        if not due:
            return
        activity_type = self.env.ref("customer_lifecycle.activity_type_category_due")
        model_id = self.env["ir.model"]._get_id("res.partner")
        # many at once in the nightly run: no "assigned to you" e-mail per activity
        Activity = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True)
        Activity.create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner_id,
                    "activity_type_id": activity_type.id,
                    "summary": self.env._("Due for %(category)s", category=category),
                    "date_deadline": today,
                    "user_id": user_id or self.env.uid,
                }
                for _row_id, partner_id, category, _next_date, user_id in due
            ]
        )
        cr.execute(
            SQL(
                """UPDATE customer_lifecycle_category_mix SET activity_last_date = last_date
                    WHERE id = ANY(%s)""",
                [row[0] for row in due],
            )
        )

    @api.model
    def _announce_current(self, companies):
        """A company switching the playbook activity on: the categories already overdue count
        as announced, so that only those becoming overdue from now on schedule one (not a
        flood of activities for customers overdue for years)."""
        self.env.cr.execute(
            SQL(
                """UPDATE customer_lifecycle_category_mix SET activity_last_date = last_date
                    WHERE company_id = ANY(%s) AND overdue
                      AND activity_last_date IS DISTINCT FROM last_date""",
                companies.ids,
            )
        )
        self.invalidate_model(["activity_last_date"])
