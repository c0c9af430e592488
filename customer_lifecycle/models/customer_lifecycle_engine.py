"""The lifecycle computation: stages, metrics and segments from sale orders, in PostgreSQL.

Three set-based phases:

1. Aggregate: one statement reads the orders of the customers that need it (all of them in a
   full run, those whose orders changed in a daily run) into customer.lifecycle.fact, the
   engine's narrow table. The nightly run reads through the read-only cursor, so a deployment
   with a replica runs the heavy part there.
2. Classify: one statement derives from the facts every customer's target values (expected
   interval, health, RFM quintiles, value class, stage) into a temporary table; a daily run
   keeps there only the customers with something to write.
3. Write: only what differs from res_partner is written, in short committed batches retried on
   a concurrent update. A customer's first stage is written in SQL; real stage changes go
   through the ORM (tracking, history, playbook activities, automation rules).

Beside them, the nightly run refreshes how customers pay (customer.lifecycle.payment, per
company) from posted customer invoices, the same way: read through the read-only cursor, only
changed rows written.

Under faults (see the README, "The engine under faults"):
- Work tables are temporary and dropped on commit, except clc_target, which lives across the
  write batches' commits: a failed run drops it (a pooled connection keeps temporary tables),
  and every work table is dropped if it exists before it is created.
- Every row of the facts and payments tables carries written_xid, the transaction that last
  wrote it (or, for the facts, re-evaluated its customer at once). A nightly upsert overwrites
  only rows written by a transaction its read saw (a replica's lag, an order confirmed after the
  read began), and a write batch skips the customers whose facts row changed since their
  classification, or who are gone (deleted, archived, merged away).
- A batch meeting a concurrent update, a lock or a deadlock is rolled back and retried. The
  nightly upserts of the facts and payments run in chunks of customers, each its own short
  READ COMMITTED transaction: a user's order re-evaluating its customer meanwhile makes the
  chunk wait for that row, then the written_xid guard decides on its newest version, instead of
  a serialization failure. A chunk that keeps failing (deadlocks, lock timeouts) is left as it
  was and the run goes on; the run then keeps its marks (last run, last full run), so that the
  next one reads those customers again.
"""

import io
import logging
import time
from datetime import datetime, timedelta
from operator import itemgetter

import numpy as np
from dateutil.relativedelta import relativedelta
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

from ..tools import clv_model
from ..tools import lifecycle_rules as rules
from .customer_lifecycle_payment import (
    PAID_WITHIN_MONTHS,
    PAYMENT_BEHAVIOUR,
    PAYMENT_COLUMNS,
    PAYMENT_DIRTY,
)
from .res_partner import METRIC_FIELDS, SCORE_FIELDS

_logger = logging.getLogger(__name__)

LOCK_KEY = 7_119_019  # pg advisory lock: one nightly run at a time, whoever starts it
BATCH_SIZE = 2000  # customers per write transaction: short enough to live beside users
RETRIES = 3  # attempts for a batch that meets a concurrent update
UPSERT_CHUNK_SIZE = 5000  # customers per transaction of the nightly facts and payments upserts
# The engine's temporary tables, all on the connection that runs it.
WORK_TABLES = (
    "customer_lifecycle_fact_new", "customer_lifecycle_payment_new", "clc_prediction", "clc_target",
)  # fmt: skip
FULL_RUN_EVERY = timedelta(days=7)  # safety net: cancellations, merges, rate fixes, deletions
DAILY_SHARE_LIMIT = 0.2  # a daily run touching more customers than this aggregates them all
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

# Phase 1: per customer of the population (or of ids) and company, what its orders in that
# company say: a row for every customer in the lifecycle company (%(company_id)s, whose facts the
# stages and segments come from), and in each other company for the customers who ordered there.
# The population's size is badly estimated (id = commercial_partner_id), so each part is
# MATERIALIZED: computed once, not once per customer inside a nested loop.
AGGREGATE = """
WITH population AS (%(population)s),
orders AS (
    SELECT c.commercial_partner_id AS partner_id, o.company_id, o.state, o.date_order,
           o.amount_untaxed / COALESCE(NULLIF(o.currency_rate, 0), 1.0) AS amount,
           COALESCE(o.margin, 0) / COALESCE(NULLIF(o.currency_rate, 0), 1.0) AS margin
      FROM sale_order o
      JOIN res_partner c ON c.id = o.partner_id
     WHERE (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
),
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
               AS window_revenue
      FROM orders
  GROUP BY partner_id, company_id
),
gaps AS MATERIALIZED (
    SELECT partner_id, company_id,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap
      FROM (SELECT partner_id, company_id,
                   EXTRACT(EPOCH FROM date_order - lag(date_order) OVER (
                       PARTITION BY partner_id, company_id ORDER BY date_order)) / 86400.0 AS gap
              FROM orders
             WHERE state = 'sale') g
     WHERE gap IS NOT NULL
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
           SELECT sum(o.amount_untaxed / COALESCE(NULLIF(o.currency_rate, 0), 1.0)) AS revenue
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
       round(g.median_gap::numeric, 4) AS median_gap,
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
 LEFT JOIN gaps g ON g.partner_id = k.partner_id AND g.company_id = k.company_id
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

# Phase 2: every target value, from the facts, by the names of the target table's columns.
CLASSIFY = """
INSERT INTO clc_target (%(columns)s)
SELECT %(q_columns)s FROM (
WITH population AS (%(population)s),
base AS (
    SELECT p.id AS partner_id, p.referred_by, p.stored_segment, p.stage_id, p.stage_manual,
           p.stage_date, p.current_values, p.satisfaction, p.satisfaction_date,
           cur.code AS stage_code_now,
           COALESCE(f.order_count, 0) AS order_count, COALESCE(f.cancel_count, 0) AS cancel_count,
           f.first_order, f.last_order, f.last_quotation, f.revenue, f.revenue_12m, f.margin,
           COALESCE(f.window_orders, 0) AS window_orders,
           COALESCE(f.window_revenue, 0) AS window_revenue,
           f.median_gap, f.discount, COALESCE(f.converted, 0) AS converted,
           COALESCE(f.brought, 0) AS brought, COALESCE(f.referral_revenue, 0) AS referral_revenue,
           COALESCE(f.interacted, FALSE) AS interacted,
           CASE WHEN f.order_count >= 2
                THEN date_part('epoch', f.last_order - f.first_order) / 86400
                     / (f.order_count - 1) END AS mean_gap,
           %(today)s::date - f.last_order::date AS days_since,
           pr.predicted_probability, pr.predicted_orders, pr.predicted_revenue,
           f.first_order::date + ceil(pr.lost_age)::int AS lost_on, f.written_xid
      FROM population p
 LEFT JOIN customer_lifecycle_fact f ON f.partner_id = p.id AND f.company_id = %(company_id)s
 LEFT JOIN clc_prediction pr ON pr.partner_id = p.id
 LEFT JOIN customer_lifecycle_stage cur ON cur.id = p.stage_id
),
expected AS (
    SELECT b.*,
           CASE WHEN b.order_count >= 2 AND b.mean_gap > 0 THEN b.mean_gap
                ELSE COALESCE(NULLIF(%(company_median)s, 0), %(default_interval)s) END
               AS expected
      FROM base b
),
judged AS (
    SELECT e.*,
           CASE WHEN e.lost_on IS NOT NULL THEN e.lost_on <= %(today)s::date
                ELSE e.order_count > 0
                     AND e.days_since > GREATEST(%(min_lost_days)s, %(lost_factor)s * e.expected)
           END AS is_lost,
           -- when the customer became lost: the day the rule was crossed
           COALESCE(e.lost_on::timestamp,
                    e.last_order + GREATEST(%(min_lost_days)s, %(lost_factor)s * e.expected)
                                   * interval '1 day') AS lost_since
      FROM expected e
),
scored AS (%(scored)s)
SELECT s.partner_id,
       s.order_count AS lifecycle_order_count,
       s.first_order::date AS lifecycle_first_order_date,
       s.last_order::date AS lifecycle_last_order_date,
       s.last_quotation::date AS lifecycle_last_quotation_date,
       COALESCE(s.revenue, 0) AS lifecycle_revenue_total,
       COALESCE(s.revenue_12m, 0) AS lifecycle_revenue_12m,
       round((s.revenue / NULLIF(s.order_count, 0))::numeric, 2) AS lifecycle_avg_order_value,
       round(s.mean_gap::numeric, 1) AS lifecycle_mean_interval,
       round(s.median_gap::numeric, 1) AS lifecycle_median_interval,
       s.last_order::date + round(s.expected)::int AS lifecycle_next_order_date,
       CASE WHEN s.order_count > 0 THEN
            CASE WHEN s.days_since > %(overdue_factor)s * s.expected THEN 'overdue'
                 WHEN s.days_since > %(due_factor)s * s.expected THEN 'due'
                 ELSE 'on_track' END END AS lifecycle_health,
       COALESCE(s.margin, 0) AS lifecycle_margin,
       round((100.0 * s.margin / NULLIF(s.revenue, 0))::numeric, 1) AS lifecycle_margin_percent,
       round(s.discount::numeric, 1) AS lifecycle_discount_percent,
       round(100.0 * s.cancel_count / NULLIF(s.order_count + s.cancel_count, 0), 1)
           AS lifecycle_cancel_rate,
       s.converted AS lifecycle_referrals_converted,
       s.brought AS lifecycle_referrals_brought,
       s.referral_revenue AS lifecycle_referral_revenue,
       round(s.predicted_probability::numeric, 2) AS lifecycle_probability_active,
       round(s.predicted_orders::numeric, 1) AS lifecycle_expected_orders_12m,
       round(s.predicted_revenue::numeric) AS lifecycle_predicted_revenue_12m,
       COALESCE(s.revenue, 0) + round(s.predicted_revenue::numeric) AS lifecycle_total_value,
       s.r AS rfm_recency, s.f AS rfm_frequency, s.m AS rfm_monetary,
       s.segment AS rfm_segment, s.value_class AS lifecycle_value_class,
       CASE WHEN s.order_count > 0 THEN
            CASE WHEN s.is_lost THEN 'lost'
                 -- a detractor (last satisfaction answer 0-6) is never a Fan
                 WHEN ((s.order_count >= 2 AND s.segment = %(top_segment)s)
                       OR s.converted >= %(fan_referrals)s)
                      AND s.satisfaction IS DISTINCT FROM 'detractor' THEN 'fan'
                 WHEN s.order_count >= 2 THEN 'customer'
                 ELSE 'buyer' END
            WHEN s.referred_by IS NOT NULL THEN 'referral'
            WHEN s.last_quotation IS NOT NULL OR s.cancel_count > 0 OR s.interacted
                THEN 'prospect'
            ELSE 'potential' END AS stage_code,
       -- a detractor's answer is newer evidence only against Fan (set by hand before it)
       GREATEST(s.last_order, s.last_quotation, CASE WHEN s.is_lost THEN s.lost_since END,
                CASE WHEN s.satisfaction = 'detractor' AND s.stage_code_now = 'fan'
                     THEN s.satisfaction_date END) AS evidence,
       s.written_xid,
       s.stage_id, s.stage_manual, s.stage_date, s.current_values
  FROM scored s
) q
%(keep)s
"""
# A daily run keeps only the customers with something to write: values that differ from
# res_partner's, a stage that would move, or a stage set by hand that newer evidence confirms.
# The rest, most of them, never reach the target table.
KEEP_CHANGED = """
  LEFT JOIN customer_lifecycle_stage cs ON cs.code = q.stage_code
 WHERE q.current_values IS DISTINCT FROM ROW(%(targets)s)
    OR q.stage_id IS DISTINCT FROM cs.id
    OR (q.stage_manual AND q.evidence > q.stage_date)
"""

# Population-wide scores (nightly run): quintiles with ties in one bucket, segment and value
# class, ranked among the customers who bought, then joined to everyone. What keeps it fast at
# L: the four rankings sort narrow rows of the facts table, not the wide rows being classified;
# the buyers' count and revenue are two numbers read once (%(buyers)s, %(buyers_revenue)s);
# amounts are sorted and summed as float8 (exact for cents), not numeric; the segment is looked
# up in an array of the 125 cells (%(segments)s, index 25 (r - 1) + 5 (f - 1) + m).
FULL_SCORES = """
    SELECT j.*, k.r, k.f, k.m, k.value_class,
           (%(segments)s)[25 * (k.r - 1) + 5 * (k.f - 1) + k.m] AS segment
      FROM judged j
 LEFT JOIN (SELECT f.partner_id,
                   1 + floor(5 * (rank() OVER (ORDER BY f.last_order) - 1) / %(buyers)s)::int
                       AS r,
                   1 + floor(5 * (rank() OVER (ORDER BY f.window_orders) - 1)
                             / %(buyers)s)::int AS f,
                   1 + floor(5 * (rank() OVER (ORDER BY f.window_revenue::float8) - 1)
                             / %(buyers)s)::int AS m,
                   CASE WHEN COALESCE(f.revenue, 0) <= 0 THEN 'C'
                        WHEN 100 * COALESCE(sum(GREATEST(f.revenue, 0)::float8) OVER w_before, 0)
                             / NULLIF(%(buyers_revenue)s, 0) < %(class_a)s
                            THEN 'A'
                        WHEN 100 * COALESCE(sum(GREATEST(f.revenue, 0)::float8) OVER w_before, 0)
                             / NULLIF(%(buyers_revenue)s, 0) < %(class_b)s
                            THEN 'B'
                        ELSE 'C' END AS value_class
              FROM customer_lifecycle_fact f
              JOIN population p ON p.id = f.partner_id
             WHERE f.order_count > 0 AND f.company_id = %(company_id)s
            WINDOW w_before AS (ORDER BY COALESCE(f.revenue, 0)::float8 DESC, f.partner_id
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
           ) k ON k.partner_id = j.partner_id
"""
# Between two nightly runs: the stored segment stands, nothing population-wide is computed.
PARTIAL_SCORES = """
    SELECT j.*, NULL::int AS r, NULL::int AS f, NULL::int AS m,
           j.stored_segment AS segment, NULL::varchar AS value_class
      FROM judged j
"""
# How many customers of the population bought, and their revenue: the denominators of the
# quintiles and of the value classes.
BUYERS = """
    SELECT count(*), COALESCE(sum(GREATEST(f.revenue, 0)), 0)
      FROM (%(population)s) p
      JOIN customer_lifecycle_fact f ON f.partner_id = p.id
     WHERE f.order_count > 0 AND f.company_id = %(company_id)s
"""
# The median of the repeat customers' own mean intervals.
COMPANY_MEDIAN = """
    SELECT percentile_cont(0.5) WITHIN GROUP (
               ORDER BY EXTRACT(EPOCH FROM f.last_order - f.first_order) / 86400.0
                        / (f.order_count - 1))
      FROM customer_lifecycle_fact f
     WHERE f.order_count >= 2 AND f.last_order > f.first_order AND f.company_id = %(company_id)s
"""
# What the purchase and spend models see of each customer who ordered in the lifecycle company,
# in days: repeat orders, age at the last order, age today, mean order value.
OBSERVATIONS = """
    SELECT f.partner_id, f.order_count - 1,
           f.last_order::date - f.first_order::date,
           %(today)s::date - f.first_order::date,
           f.revenue::float8 / f.order_count
      FROM customer_lifecycle_fact f
      JOIN (%(population)s) p ON p.id = f.partner_id
     WHERE f.company_id = %(company_id)s AND f.order_count > 0
"""
PREDICTION_DAYS = 365
DAYS_PER_MONTH = 365.25 / 12


class CustomerLifecycleEngine(models.AbstractModel):
    _name = "customer.lifecycle.engine"
    _description = "Customer Lifecycle Engine"

    # -- Entry points ---------------------------------------------------------------------------

    @api.model
    def _cron_recompute(self):
        """The nightly run: every customer, batches committed as it goes."""
        self._recompute_all(trigger="schedule")

    @api.model
    def action_recompute_now(self):
        """Settings button: a full computation now, in the scheduler."""
        if not self.env.user.has_group("customer_lifecycle.group_lifecycle_manager"):
            raise UserError(self.env._("Only lifecycle administrators can start a recomputation."))
        self.env["res.company"]._lifecycle_company().sudo().lifecycle_last_full_run = False
        self.env.ref("customer_lifecycle.ir_cron_lifecycle_recompute").sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "The lifecycle computation starts in a moment; stages and segments update "
                    "when it ends."
                ),
            },
        }

    @api.model
    def _recompute_partners(self, partners, trigger):
        """Re-evaluate these customers at once, in the current transaction (an order confirmed,
        a quotation created, a referrer set). Population-wide scores (RFM, value class) keep
        their last nightly values; the stage, metrics and history are up to date on return.
        Bulk loaders set the context key lifecycle_defer and leave it to the nightly run."""
        if self.env.context.get("lifecycle_defer"):
            return
        commercial = partners.commercial_partner_id
        commercial |= commercial.lifecycle_referred_by_id  # their referrers may become fans
        if not commercial:
            return
        self.env.flush_all()
        company = self.env["res.company"]._lifecycle_company()
        self._aggregate(self.env.cr, commercial.ids)
        self._mark_reevaluated(commercial.ids, company)
        self._predictions(commercial.ids, company)
        self._classify(commercial.ids)
        self._write_targets(trigger, full=False, commit=False)

    def _mark_reevaluated(self, ids, company):
        """Stamp these customers' facts rows with the current transaction, changed or not: a
        nightly run that classified them before must not write its older targets over what
        this re-evaluation writes (see _still_as_classified)."""
        self.env.cr.execute(
            SQL(
                """UPDATE customer_lifecycle_fact SET written_xid = pg_current_xact_id()
                    WHERE company_id = %s AND partner_id = ANY(%s)
                      AND written_xid IS DISTINCT FROM pg_current_xact_id()""",
                company.id,
                ids,
            )
        )

    @api.model
    def _recompute_all(self, trigger="schedule", in_transaction=False):
        """Every customer: re-aggregates those whose orders changed (all of them once a week),
        re-classifies everyone. Reads through the read-only cursor and commits batch by batch,
        unless in_transaction (module install). Returns the counts, or False when another run
        holds the lock."""
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_lock(%s)", LOCK_KEY))
        if not cr.fetchone()[0]:
            _logger.info("Lifecycle computation already running elsewhere: this run stops.")
            return False
        try:
            started = time.monotonic()
            self.env.flush_all()
            company = self.env["res.company"]._lifecycle_company()
            now = fields.Datetime.now()
            cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM mail_message"))
            last_message_id = cr.fetchone()[0]
            full = (
                in_transaction
                or not company.lifecycle_last_full_run
                or (company.lifecycle_last_full_run < now - FULL_RUN_EVERY)
            )
            ids = None if full else self._dirty_partner_ids(company, now)
            phases = {"find": time.monotonic() - started}
            if in_transaction:
                aggregated, left = self._aggregate(cr, ids), 0
            else:
                aggregated, left = self._aggregate_from_replica(ids)
            phases["aggregate"] = time.monotonic() - started - sum(phases.values())
            payers, payments_left = self._refresh_payments(
                None if full else company.lifecycle_last_run - DIRTY_MARGIN, in_transaction
            )
            left += payments_left
            phases["payments"] = time.monotonic() - started - sum(phases.values())
            self._predictions(None, company, fit=full)
            phases["predict"] = time.monotonic() - started - sum(phases.values())
            median = self._classify(None, changed_only=not full, across_commits=not in_transaction)
            phases["classify"] = time.monotonic() - started - sum(phases.values())
            written = self._write_targets(trigger, full=True, commit=not in_transaction)
            phases["write"] = time.monotonic() - started - sum(phases.values())
            self._clear_excluded_partners()
            marks = {
                "lifecycle_last_run": now,
                "lifecycle_last_message_id": last_message_id,
                **({"lifecycle_last_full_run": now} if full else {}),
            }
            if left:  # the next run starts from the same marks: it reads those customers again
                _logger.warning(
                    "Lifecycle computation: %d chunks of customers kept meeting concurrent "
                    "updates and were left as they were; the next run reads them again.",
                    left,
                )
                marks = {}
            company.sudo().write({"lifecycle_median_interval": median or 0.0, **marks})
            if not in_transaction:
                self.env["ir.cron"]._commit_progress(remaining=0)
            _logger.info(
                "Lifecycle computation (%s): %s customers aggregated, %d rows written, "
                "%d stage changes, %.2fs (%s)",
                "full" if full else "daily", aggregated, written["rows"], written["stages"],
                time.monotonic() - started,
                ", ".join(f"{phase} {seconds:.2f}s" for phase, seconds in phases.items()),
            )  # fmt: skip
            return {
                **written, "aggregated": aggregated, "payers": payers, "full": full, "left": left,
            }  # fmt: skip
        except Exception:
            cr.rollback()
            if not in_transaction:
                # clc_target was committed with the first batch: the rollback kept it, and the
                # pooled connection would keep it for its next user
                self._drop_work_tables()
                self.env["ir.cron"]._commit_progress()
            raise
        finally:
            cr.execute(SQL("SELECT pg_advisory_unlock(%s)", LOCK_KEY))

    def _drop_work_tables(self):
        self.env.cr.execute(
            SQL(
                "DROP TABLE IF EXISTS %s",
                SQL(", ").join(SQL.identifier("pg_temp", name) for name in WORK_TABLES),
            )
        )

    def _create_work_table(self, name, columns=None, query=None, across_commits=False):
        """A temporary table of these columns (SQL), or of the rows of query, dropped on commit
        unless across_commits (then dropped by its user, or by a failed run: _recompute_all).
        A table of that name left on the connection by anything else is dropped first."""
        cr = self.env.cr
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier("pg_temp", name)))
        on_commit = SQL() if across_commits else SQL("ON COMMIT DROP")
        if query is None:
            cr.execute(
                SQL("CREATE TEMP TABLE %s (%s) %s", SQL.identifier(name), columns, on_commit)
            )
        else:
            cr.execute(SQL("CREATE TEMP TABLE %s %s AS %s", SQL.identifier(name), on_commit, query))

    # -- Phase 1: aggregate ---------------------------------------------------------------------

    def _time_bounds(self, company, now):
        months = company.lifecycle_rfm_months
        return {
            "year_ago": now - relativedelta(months=12),
            "window_start": now - relativedelta(months=months) if months else datetime(1900, 1, 1),
        }

    def _dirty_partner_ids(self, company, now):
        """Customers to re-aggregate in a daily run, or None when so many that all should be."""
        # An order saved by a transaction that began before the last run carries that earlier
        # time: look back a little further than the last run.
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
                population=self._population(None),
                **bounds,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall() if row[0]]
        population = (
            self.env["customer.lifecycle.fact"].search_count([("company_id", "=", company.id)]) or 1
        )
        return None if len(ids) > DAILY_SHARE_LIMIT * population else ids

    @staticmethod
    def _population(ids, compared=()):
        """The population (ids: only these customers), carrying the current values of the
        compared columns."""
        current = SQL("ROW(%s)", SQL(", ").join(SQL.identifier("p", n) for n in compared))
        return SQL(POPULATION, ids=ids, current=current if compared else SQL("NULL::int"))

    def _aggregate_query(self, ids):
        company = self.env["res.company"]._lifecycle_company()
        return SQL(
            AGGREGATE,
            population=self._population(ids),
            ids=ids,
            company_id=company.id,
            **self._time_bounds(company, fields.Datetime.now()),
        )

    def _aggregate(self, cr, ids):
        """Phase 1 in the current transaction: upsert the facts of these customers (None: all)."""
        if ids == []:
            return 0
        self._create_work_table("customer_lifecycle_fact_new", query=self._aggregate_query(ids))
        count = self._upsert_facts(ids)
        if ids is None:
            self._analyze_facts()
        return count

    def _aggregate_from_replica(self, ids):
        """Phase 1 for the nightly run: the heavy read through the read-only cursor (a replica
        where one is configured), the rows copied into the primary and upserted chunk by chunk
        (_upsert_in_chunks). Returns how many customers were aggregated and how many chunks
        were left."""
        if ids == []:
            return 0, 0
        rows, snapshot = self._read_elsewhere(self._aggregate_query(ids), work_mem="64MB")
        count, left = self._upsert_in_chunks(
            "customer_lifecycle_fact",
            FACT_COLUMNS,
            rows,
            lambda low, high: self._upsert_facts(ids, snapshot, low, high),
        )
        if ids is None:
            self._in_batch(True, self._analyze_facts)
        return count, left

    def _analyze_facts(self):
        """After a full aggregation: the classification's plans need fresh statistics."""
        self.env.cr.execute(SQL("ANALYZE customer_lifecycle_fact"))
        return 0

    def _upsert_in_chunks(self, table, columns, rows, upsert):
        """Stage and upsert rows read elsewhere (partner_id first) in chunks of about
        UPSERT_CHUNK_SIZE customers, each in a READ COMMITTED transaction of its own, committed
        and retried on Odoo's concurrency errors (_in_batch). A user's order re-evaluating its
        customer meanwhile upserts that customer's row: in REPEATABLE READ the chunk would fail
        on it (and the whole table in one transaction failed on every order confirmed during
        it); in READ COMMITTED the chunk waits for that user's transaction, then its upsert and
        delete see the row's newest version, which the written_xid guard keeps (see _upsert).
        Its row locks last one chunk. upsert(low, high) moves the staged rows
        into table and deletes its rows gone of partner ids in [low, high) (None: unbounded);
        the chunks' ranges cover every id. A chunk still failing after its retries is left as
        it was (last values; rows written since the read are fresher anyway, see _upsert),
        logged, and counted. Returns the sum of upsert's results and the chunks left."""
        rows.sort(key=itemgetter(0))
        starts = [0]  # where each chunk begins in rows; a customer's rows stay together
        while (start := starts[-1] + UPSERT_CHUNK_SIZE) < len(rows):
            while start < len(rows) and rows[start][0] == rows[start - 1][0]:
                start += 1  # a customer's rows in several companies
            if start == len(rows):
                break
            starts.append(start)
        ends = [*starts[1:], len(rows)]
        total, left = 0, 0
        # each chunk a transaction of its own from its first statement (READ COMMITTED)
        self.env["ir.cron"]._commit_progress()
        for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
            low = rows[start][0] if index else None
            high = rows[end][0] if end < len(rows) else None

            def step(chunk=rows[start:end], low=low, high=high):
                self._stage(table, columns, chunk)
                return upsert(low, high)

            done = self._in_batch(True, step, leave=True, read_committed=True)
            if done is None:
                left += 1
                _logger.warning(
                    "Lifecycle computation: the %s rows of partner ids from %s to %s kept "
                    "meeting concurrent updates and stay as they were until the next run.",
                    table, low or "the first", high or "the last",
                )  # fmt: skip
            else:
                total += done
        return total, left

    def _read_elsewhere(self, query, work_mem=None):
        """The rows of query, read through the read-only cursor, and the snapshot they were
        read in: a row written by a transaction that snapshot does not see is fresher than
        them (see _upsert). pg_current_snapshot() works on a hot standby too."""
        with self.env.registry.cursor(readonly=True) as read_cr:
            if work_mem:
                read_cr.execute(SQL("SET LOCAL work_mem = %s", work_mem))
            read_cr.execute(SQL("SET LOCAL jit = off"))  # compiling costs more than it saves
            # the first statement: the transaction's snapshot (repeatable read), the query's too
            read_cr.execute(SQL("SELECT pg_current_snapshot()::text"))
            snapshot = read_cr.fetchone()[0]
            read_cr.execute(query)
            return read_cr.fetchall(), snapshot

    def _upsert_facts(self, ids, snapshot=None, low=None, high=None):
        """Move the staged facts into the facts table (see _upsert; low, high: the chunk's
        partner ids); returns how many customers were aggregated."""
        cr = self.env.cr
        cr.execute(SQL("SELECT count(DISTINCT partner_id) FROM customer_lifecycle_fact_new"))
        count = cr.fetchone()[0]
        # customers gone from the population (archived, merged, now a user), or from a company
        self._upsert("customer_lifecycle_fact", FACT_COLUMNS, ids, snapshot, low, high)
        self.env["customer.lifecycle.fact"].invalidate_model()
        return count

    def _stage(self, table, columns, rows):
        """Copy rows read elsewhere (the read-only cursor) into <table>_new, a temporary table
        shaped like the target, dropped at the latest on commit."""
        self._create_work_table(f"{table}_new", SQL("LIKE %s", SQL.identifier(table)))
        self.env.cr.execute(SQL("ALTER TABLE %s DROP COLUMN id", SQL.identifier(f"{table}_new")))
        self._copy(self.env.cr, f"{table}_new", columns, rows)

    def _upsert(self, table, columns, ids, snapshot=None, low=None, high=None):
        """Move <table>_new into table, keyed by (partner_id, company_id): insert new rows,
        update only rows whose values differ, delete the rows of the customers read (ids None:
        all; only partner ids in [low, high), None: unbounded) that are gone from it. Rows of
        partners deleted since the read are left out.
        snapshot: the read's (_read_elsewhere); a row written by a transaction it does not see
        is fresher than the read and kept as it is. Each row written is stamped written_xid."""
        cr = self.env.cr
        staging = SQL.identifier(f"{table}_new")
        values = columns[2:]
        seen = SQL("TRUE")
        if snapshot:
            # (rows of the current transaction: the read shared it, as in Odoo's test mode)
            seen = SQL(
                """(t.written_xid IS NULL OR t.written_xid = pg_current_xact_id()
                    OR pg_visible_in_snapshot(t.written_xid, %s::pg_snapshot))""",
                snapshot,
            )
        cr.execute(
            SQL(
                """INSERT INTO %(table)s AS t (%(columns)s)
                   SELECT %(columns)s FROM %(staging)s n
                    WHERE EXISTS (SELECT 1 FROM res_partner p WHERE p.id = n.partner_id)
                   ON CONFLICT (partner_id, company_id) DO UPDATE
                      SET (%(values)s, written_xid) = ROW(%(excluded)s, pg_current_xact_id())
                    WHERE ROW(%(current)s) IS DISTINCT FROM ROW(%(excluded)s) AND %(seen)s""",
                table=SQL.identifier(table),
                staging=staging,
                columns=SQL(", ").join(SQL.identifier(name) for name in columns),
                values=SQL(", ").join(SQL.identifier(name) for name in values),
                excluded=SQL(", ").join(SQL.identifier("excluded", name) for name in values),
                current=SQL(", ").join(SQL.identifier("t", name) for name in values),
                seen=seen,
            ),
            log_exceptions=False,  # a concurrent update is retried, not an error
        )
        cr.execute(
            SQL(
                """DELETE FROM %(table)s t
                    WHERE (%(ids)s::int[] IS NULL OR t.partner_id = ANY(%(ids)s::int[]))
                      AND (%(low)s::int IS NULL OR t.partner_id >= %(low)s::int)
                      AND (%(high)s::int IS NULL OR t.partner_id < %(high)s::int)
                      AND NOT EXISTS (SELECT 1 FROM %(staging)s n
                                       WHERE n.partner_id = t.partner_id
                                         AND n.company_id = t.company_id)
                      AND %(seen)s""",
                table=SQL.identifier(table),
                staging=staging,
                ids=ids,
                low=low,
                high=high,
                seen=seen,
            ),
            log_exceptions=False,
        )
        cr.execute(SQL("DROP TABLE %s", staging))

    @staticmethod
    def _copy(cr, table, columns, rows):
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(r"\N" if value is None else str(value) for value in row))
            buffer.write("\n")
        buffer.seek(0)
        cr._obj.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)

    # -- Beside: payment behaviour -------------------------------------------------------------

    def _refresh_payments(self, since, in_transaction):
        """Refresh customer.lifecycle.payment: every customer (since None), or those whose
        invoices may have changed since then. Returns how many customers were read, and how
        many chunks of them were left (_upsert_in_chunks)."""
        today = fields.Date.context_today(self)
        paid_since = today - relativedelta(months=PAID_WITHIN_MONTHS)
        cr = self.env.cr
        ids = None
        if since:
            cr.execute(
                SQL(
                    PAYMENT_DIRTY,
                    since=since,
                    paid_since=paid_since,
                    paid_since_before=since.date() - relativedelta(months=PAID_WITHIN_MONTHS),
                )
            )
            ids = [row[0] for row in cr.fetchall() if row[0]]
            if not ids:
                return 0, 0
        query = SQL(PAYMENT_BEHAVIOUR, ids=ids, today=today, paid_since=paid_since)
        if in_transaction:
            cr.execute(query)
            rows = cr.fetchall()
            self._stage("customer_lifecycle_payment", PAYMENT_COLUMNS, rows)
            self._upsert_payments(ids, None)
            return len(rows), 0
        rows, snapshot = self._read_elsewhere(query)
        _count, left = self._upsert_in_chunks(
            "customer_lifecycle_payment",
            PAYMENT_COLUMNS,
            rows,
            lambda low, high: self._upsert_payments(ids, snapshot, low, high),
        )
        return len(rows), left

    def _upsert_payments(self, ids, snapshot, low=None, high=None):
        """Move the staged payment rows into the payments table (see _upsert)."""
        self._upsert("customer_lifecycle_payment", PAYMENT_COLUMNS, ids, snapshot, low, high)
        self.env["customer.lifecycle.payment"].invalidate_model()
        return 0

    # -- Phase 2: classify ----------------------------------------------------------------------

    def _classify(self, ids, changed_only=False, across_commits=False):
        """Fill clc_target with the target values of these customers (None: everyone, with the
        population-wide scores), clc_prediction being filled for them (_predictions).
        changed_only: only those with something to write; their contacts are then assumed in
        step with them (a weekly full run checks them too). across_commits: clc_target outlives
        the commits of the write batches. Returns the company median interval used."""
        cr = self.env.cr
        company = self.env["res.company"]._lifecycle_company()
        settings = company._lifecycle_settings()
        if ids is None:
            segments = [
                rules.rfm_segment(r, f, m)
                for r in range(1, 6)
                for f in range(1, 6)
                for m in range(1, 6)
            ]
            cr.execute(SQL(BUYERS, population=self._population(None), company_id=company.id))
            buyers, buyers_revenue = cr.fetchone()
            scored = SQL(
                FULL_SCORES,
                company_id=company.id,
                segments=SQL("%s::varchar[]", segments),
                buyers=SQL("%s::float8", max(buyers, 1)),
                buyers_revenue=SQL("%s::float8", buyers_revenue),
                **settings,
            )
            cr.execute(SQL(COMPANY_MEDIAN, company_id=company.id))
            median = cr.fetchone()[0]
        else:
            scored = SQL(PARTIAL_SCORES)
            median = company.lifecycle_median_interval
        # The targets: res_partner's own columns (same types), the stage rule's code, the
        # time of the newest evidence and the facts row's written_xid (_still_as_classified).
        fields_ = self.env["res.partner"]._fields
        target = [
            ("partner_id", "int4"),
            *((name, fields_[name].column_type[1]) for name in (*METRIC_FIELDS, *SCORE_FIELDS)),
            ("stage_code", "varchar"),
            ("evidence", "timestamp"),
            ("written_xid", "xid8"),
        ]
        self._create_work_table(
            "clc_target",
            SQL(
                "%s, PRIMARY KEY (partner_id)",
                SQL(", ").join(SQL("%s %s", SQL.identifier(n), SQL(kind)) for n, kind in target),
            ),
            across_commits=across_commits,
        )
        if ids is None:
            # Four sorts of every customer, in memory. And the population filter
            # (id = commercial_partner_id) is estimated at a few hundred rows, so the planner
            # probes the facts once per customer: hash joins save 0.2 s at L. PostgreSQL's JIT
            # (on by default) would spend up to a second compiling this statement, to save less.
            cr.execute(SQL("SET LOCAL work_mem = '64MB'"))
            cr.execute(SQL("SET LOCAL enable_nestloop = off"))
            cr.execute(SQL("SET LOCAL jit = off"))
        keep, compared = SQL(), ()
        if changed_only:
            compared = [(n, kind) for n, kind in target if n in (*METRIC_FIELDS, *SCORE_FIELDS)]
            keep = SQL(
                KEEP_CHANGED,
                # as res_partner would store them
                targets=SQL(", ").join(
                    SQL("%s::%s", SQL.identifier("q", n), SQL(kind)) for n, kind in compared
                ),
            )
        cr.execute(
            SQL(
                CLASSIFY,
                company_id=company.id,
                columns=SQL(", ").join(SQL.identifier(name) for name, _kind in target),
                q_columns=SQL(", ").join(SQL.identifier("q", name) for name, _kind in target),
                keep=keep,
                population=self._population(ids, [name for name, _kind in compared]),
                today=fields.Date.context_today(self),
                company_median=SQL("%s::float8", median),
                overdue_factor=rules.HEALTH_OVERDUE_FACTOR,
                due_factor=rules.HEALTH_DUE_FACTOR,
                top_segment=rules.TOP_RFM_SEGMENT,
                scored=scored,
                **settings,
            )
        )
        if ids is None:
            cr.execute(SQL("SET LOCAL work_mem = DEFAULT"))
            cr.execute(SQL("SET LOCAL enable_nestloop = DEFAULT"))
            cr.execute(SQL("SET LOCAL jit = DEFAULT"))
            cr.execute(SQL("ANALYZE clc_target"))
        return median

    def _predictions(self, ids, company, fit=False):
        """Fill clc_prediction with each customer's probability of still buying, expected
        orders and revenue in the next 12 months, and (with the probability lost rule) the age
        at which a repeat customer became lost. fit: the weekly full run (ids None) fits the
        models first; the daily runs and the re-evaluation of a few customers use the last fit."""
        cr = self.env.cr
        self._create_work_table(
            "clc_prediction",
            SQL(
                "partner_id int4 PRIMARY KEY, predicted_probability float8, "
                "predicted_orders float8, predicted_revenue float8, lost_age float8"
            ),
        )
        fit = fit or (ids is None and not company.lifecycle_prediction_params)
        params = not company.lifecycle_prediction_status and company.lifecycle_prediction_params
        if not (fit or params):  # nothing to fit, nothing to score with: no need to read
            return
        cr.execute(
            SQL(
                OBSERVATIONS,
                today=fields.Date.context_today(self),
                company_id=company.id,
                population=self._population(ids),
            )
        )
        observed = np.array(cr.fetchall(), dtype=float).reshape(-1, 5).T
        if fit:
            params = self._fit_predictions(company, *observed[1:])
        if not params or not observed.shape[1]:
            return
        partner_ids, x, t_x, age, mean_value = observed
        purchases = clv_model.BgNbdParams(**params["purchases"])
        spend = clv_model.GammaGammaParams(**params["spend"])
        probability = clv_model.probability_alive(purchases, x, t_x, age)
        orders = clv_model.expected_purchases(purchases, PREDICTION_DAYS, x, t_x, age)
        revenue = orders * clv_model.expected_average_spend(
            spend, x, np.maximum(np.nan_to_num(mean_value), 0.0)
        )
        lost_age = np.full_like(x, np.nan)
        if company.lifecycle_lost_rule == "probability":
            lost_age = self._lost_age(purchases, company.lifecycle_lost_probability / 100, x, t_x)
        columns = np.column_stack([partner_ids, probability, orders, revenue, lost_age])
        self._copy(
            cr,
            "clc_prediction",
            ("partner_id", "predicted_probability", "predicted_orders", "predicted_revenue",
             "lost_age"),
            (
                (int(row[0]), *(float(value) if np.isfinite(value) else None for value in row[1:]))
                for row in columns
            ),
        )  # fmt: skip

    @staticmethod
    def _lost_age(purchases, threshold, x, t_x):
        """The age in days at which each repeat customer's probability of still buying falls
        below the threshold (NaN for one-time buyers: the model keeps them at 1, the interval
        rule judges them). P(alive) = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x))
        ** (r + x)) solved for T; the classification turns it into a day."""
        r, alpha, a, b = purchases.r, purchases.alpha, purchases.a, purchases.b
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = (1 / threshold - 1) * (b + x - 1) / a
            lost_age = (alpha + t_x) * odds ** (1 / (r + x)) - alpha
        return np.where(x > 0, lost_age, np.nan)

    def _fit_predictions(self, company, x, t_x, age, mean_value):
        """Fit the purchase (BG/NBD) and spend (Gamma-Gamma) models on these observations when
        the history is long enough; store the parameters and why nothing is predicted on the
        company. A fit that does not converge keeps the previous parameters. Returns the
        parameters to predict with, or None."""
        customers, repeat = len(x), int(np.count_nonzero(x))
        months = (age.max() if customers else 0) / DAYS_PER_MONTH
        needs = {
            "customers": company.lifecycle_prediction_min_customers,
            "repeat": company.lifecycle_prediction_min_repeat,
            "months": company.lifecycle_prediction_min_months,
        }
        previous = company.lifecycle_prediction_params or None
        params, status = previous, ""
        if customers < needs["customers"] or repeat < needs["repeat"] or months < needs["months"]:
            params = None
            status = self.env._(
                "Nothing is predicted until the company has %(customers)s customers with orders, "
                "%(repeat)s of them repeat customers, and %(months)s months of orders; it has "
                "%(have_customers)s, %(have_repeat)s and %(have_months)s.",
                **needs,
                have_customers=customers,
                have_repeat=repeat,
                have_months=int(months),
            )
        else:
            purchases = clv_model.fit_bgnbd(x, t_x, age)
            spend = clv_model.fit_gamma_gamma(x, np.nan_to_num(mean_value))
            if purchases.converged and spend.converged:
                params = {
                    "purchases": {
                        name: float(value) for name, value in vars(purchases.params).items()
                    },
                    "spend": {name: float(value) for name, value in vars(spend.params).items()},
                    "log_likelihood": float(purchases.log_likelihood),
                    "customers": customers,
                    "fitted_on": fields.Date.to_string(fields.Date.context_today(self)),
                }
            else:
                _logger.warning(
                    "Lifecycle predictions: the models did not converge (%s; %s); %s",
                    purchases.message, spend.message,
                    "the previous parameters stay" if previous else "nothing is predicted",
                )  # fmt: skip
                if not previous:
                    status = self.env._(
                        "The purchase and spend models did not converge on this company's "
                        "orders yet: nothing is predicted."
                    )
        values = {"lifecycle_prediction_params": params, "lifecycle_prediction_status": status}
        if any(company[name] != value for name, value in values.items()):
            company.sudo().write(values)
        return params

    # -- Phase 3: write -------------------------------------------------------------------------

    def _write_targets(self, trigger, full, commit):
        """Write what differs between clc_target and res_partner; returns the counts of rows
        written and of stage moves. full: scores included. commit: each batch is its own
        transaction."""
        try:
            if commit:  # the target table must outlive a batch that is rolled back and retried
                self.env["ir.cron"]._commit_progress(0)
            written = 0
            for batch in self._batches(self._changed_partner_ids(full)):
                written += self._in_batch(commit, lambda b=batch: self._write_metrics(b, full))
            stages = 0
            moving = [partner_id for partner_id, _old, _new in self._stage_moves()]
            for batch in self._batches(moving):
                stages += self._in_batch(commit, lambda b=batch: self._write_stages(b, trigger))
            self._in_batch(commit, self._confirm_manual_stages)
        finally:
            self.env["res.partner"].invalidate_model()
        # (a failure leaves it to the transaction's rollback, or to _recompute_all)
        self.env.cr.execute(SQL("DROP TABLE pg_temp.clc_target"))
        return {"rows": written, "stages": stages}

    @staticmethod
    def _batches(items):
        return [items[i : i + BATCH_SIZE] for i in range(0, len(items), BATCH_SIZE)]

    def _in_batch(self, commit, write, leave=False, read_committed=False):
        """Run one write step. With commit, each step is its own transaction, committed through
        the cron progress API and retried when a user saved the same customers meanwhile;
        without, it is part of the current transaction (an immediate re-evaluation). leave: a
        step still failing after its retries is rolled back and None returned, instead of
        failing the run. read_committed: the step's transaction is READ COMMITTED (Odoo's are
        REPEATABLE READ), for upserts guarded by written_xid (_upsert_in_chunks)."""
        if not commit:
            return write()
        cr = self.env.cr
        for attempt in range(1, RETRIES + 1):
            try:
                # only as the first statement of a transaction (in Odoo's test mode, the
                # cursor's commits are savepoints of one transaction: it stays as it is)
                if read_committed and cr.connection.get_transaction_status() == (
                    TRANSACTION_STATUS_IDLE
                ):
                    cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
                with self.env.cr.savepoint(flush=False):
                    count = write()
                self.env["ir.cron"]._commit_progress(count)
                return count
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:  # what Odoo retries a request on
                self.env.cr.rollback()
                self.env.invalidate_all()
                _logger.info(
                    "Lifecycle batch met a concurrent update (%s), attempt %d",
                    type(error).__name__,
                    attempt,
                )
                time.sleep(0.2 * attempt)
        if leave:
            return None
        raise UserError(self.env._("The lifecycle computation kept meeting concurrent updates."))

    def _changed_partner_ids(self, full):
        """Customers whose metrics (or scores, in a nightly run) differ from their targets, on
        themselves or on one of their contacts: one read, so that the write batches touch only
        rows that change."""
        names = [*METRIC_FIELDS, *(SCORE_FIELDS if full else ())]
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT t.partner_id
                     FROM clc_target t
                     JOIN res_partner p ON p.commercial_partner_id = t.partner_id
                    WHERE ROW(%s) IS DISTINCT FROM ROW(%s)
                 ORDER BY t.partner_id""",
                SQL(", ").join(SQL.identifier("p", name) for name in names),
                SQL(", ").join(SQL.identifier("t", name) for name in names),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _write_metrics(self, partner_ids, full):
        """Metrics (and, in a nightly run, scores) of these customers and their contacts."""
        names = [*METRIC_FIELDS, *(SCORE_FIELDS if full else ())]
        targets = SQL(", ").join(SQL.identifier("t", name) for name in names)
        current = SQL(", ").join(SQL.identifier("p", name) for name in names)
        assignments = SQL(", ").join(
            SQL("%s = %s", SQL.identifier(name), SQL.identifier("t", name)) for name in names
        )
        if full:
            assignments = SQL(
                """%s,
                   rfm_segment_previous = CASE WHEN p.rfm_segment IS DISTINCT FROM t.rfm_segment
                                               THEN p.rfm_segment ELSE p.rfm_segment_previous END,
                   rfm_segment_date = CASE WHEN p.rfm_segment IS DISTINCT FROM t.rfm_segment
                                           THEN %s::date ELSE p.rfm_segment_date END""",
                assignments,
                fields.Date.context_today(self),
            )
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner p SET %(assignments)s
                     FROM clc_target t
                    WHERE p.commercial_partner_id = t.partner_id
                      AND t.partner_id = ANY(%(ids)s)
                      AND ROW(%(current)s) IS DISTINCT FROM ROW(%(targets)s)
                      AND %(still)s""",
                assignments=assignments,
                ids=partner_ids,
                current=current,
                targets=targets,
                still=self._still_as_classified(),
            ),
            log_exceptions=False,  # a concurrent update is retried, not an error
        )
        return self.env.cr.rowcount

    def _still_as_classified(self):
        """SQL on clc_target t: the customer is still one (not deleted, archived or merged
        away) and was not re-evaluated since its classification (its facts row in the lifecycle
        company is the one classified: _mark_reevaluated). A user's order confirmed meanwhile
        has already written fresher values than t's."""
        return SQL(
            """EXISTS (SELECT 1 FROM res_partner c
                  LEFT JOIN customer_lifecycle_fact f
                         ON f.partner_id = c.id AND f.company_id = %s
                      WHERE c.id = t.partner_id AND c.active
                        AND f.written_xid IS NOT DISTINCT FROM t.written_xid)""",
            self.env["res.company"]._lifecycle_company().id,
        )

    def _stage_moves(self, partner_ids=None):
        """(customer, current stage, new stage) where the evidence moves the stage (of these
        customers; None: all). A stage set by hand holds until evidence newer than that move
        exists."""
        self.env.cr.execute(
            SQL(
                """SELECT t.partner_id, p.lifecycle_stage_id, s.id
                     FROM clc_target t
                     JOIN res_partner p ON p.id = t.partner_id
                     JOIN customer_lifecycle_stage s ON s.code = t.stage_code
                    WHERE p.lifecycle_stage_id IS DISTINCT FROM s.id
                      AND NOT (COALESCE(p.lifecycle_stage_manual, FALSE)
                               AND p.lifecycle_stage_id IS NOT NULL
                               AND (t.evidence IS NULL OR t.evidence <= p.lifecycle_stage_date))
                      AND (%(ids)s::int[] IS NULL OR t.partner_id = ANY(%(ids)s::int[]))
                      AND %(still)s
                 ORDER BY t.partner_id""",
                ids=partner_ids,
                still=self._still_as_classified(),
            )
        )
        return self.env.cr.fetchall()

    def _write_stages(self, partner_ids, trigger):
        """The stage moves of these customers, as they stand in this batch's transaction (a
        customer deleted, merged or moved by hand since the moves were listed is left out)."""
        moves = self._stage_moves(partner_ids)
        first = [(pid, to) for pid, old, to in moves if not old]
        changes = [(pid, to) for pid, old, to in moves if old]
        return (self._write_first_stages(first, trigger) if first else 0) + (
            self._write_stage_changes(changes, trigger) if changes else 0
        )

    def _write_first_stages(self, moves, trigger):
        """Customers without a stage yet get one in SQL: no activity, no chatter message."""
        cr = self.env.cr
        now = fields.Datetime.now()
        values = SQL(", ").join(SQL("(%s, %s)", pid, stage) for pid, stage in moves)
        cr.execute(
            SQL(
                """UPDATE res_partner p
                      SET lifecycle_stage_id = v.stage, lifecycle_stage_date = %(now)s,
                          lifecycle_stage_manual = FALSE
                     FROM (VALUES %(values)s) AS v(partner_id, stage)
                    WHERE p.commercial_partner_id = v.partner_id""",
                now=now,
                values=values,
            ),
            log_exceptions=False,
        )
        cr.execute(
            SQL(
                """INSERT INTO customer_lifecycle_history
                       (partner_id, stage_to_id, date, trigger, user_id, won_back,
                        create_uid, create_date, write_uid, write_date)
                   SELECT v.partner_id, v.stage, %(now)s, %(trigger)s, %(uid)s, FALSE,
                          %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM (VALUES %(values)s) AS v(partner_id, stage)""",
                now=now,
                trigger=trigger,
                uid=self.env.uid,
                values=values,
            ),
            log_exceptions=False,  # a customer deleted meanwhile: retried, then left out
        )
        return len(moves)

    def _write_stage_changes(self, moves, trigger):
        """Real moves go through the ORM: tracking, history, playbook, automation rules."""
        Partner = self.env["res.partner"]
        Stage = self.env["customer.lifecycle.stage"]
        by_stage = {}
        for partner_id, stage_id in moves:
            by_stage.setdefault(stage_id, []).append(partner_id)
        for stage_id, partner_ids in by_stage.items():
            Partner.browse(partner_ids)._lifecycle_move(
                Stage.browse(stage_id), trigger=trigger, automatic=True
            )
        self.env.flush_all()
        return len(moves)

    def _confirm_manual_stages(self):
        """A stage set by hand that newer evidence confirms is no longer 'set by hand'."""
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner p SET lifecycle_stage_manual = FALSE
                     FROM clc_target t
                     JOIN customer_lifecycle_stage s ON s.code = t.stage_code
                    WHERE p.commercial_partner_id = t.partner_id AND p.lifecycle_stage_manual
                      AND p.lifecycle_stage_id = s.id AND t.evidence > p.lifecycle_stage_date
                      AND %s""",
                self._still_as_classified(),
            ),
            log_exceptions=False,
        )
        return self.env.cr.rowcount

    def _clear_excluded_partners(self):
        """Internal users and companies are not customers: no stage, whatever their defaults
        said."""
        self.env.cr.execute(
            SQL("""
                UPDATE res_partner p SET lifecycle_stage_id = NULL
                 WHERE p.lifecycle_stage_id IS NOT NULL
                   AND p.id IN (SELECT u.partner_id FROM res_users u WHERE NOT u.share
                                 UNION
                                SELECT c.partner_id FROM res_company c)
            """)
        )
