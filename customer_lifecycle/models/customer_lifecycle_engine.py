"""The lifecycle computation: stages, metrics and segments from sale orders, in PostgreSQL.

One statement reads every customer's orders and classifies them (through the read-only cursor,
so a deployment with a replica runs it there); the rows land in a temporary table on the primary,
and only what differs from res_partner is written back, in short committed batches. Stage changes
go through the ORM (tracking, history, playbook activities, automation rules); a customer's first
stage and the metrics are written in SQL.
"""

import io
import logging
import time
from datetime import datetime

from dateutil.relativedelta import relativedelta
from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import lifecycle_rules as rules
from .res_partner import METRIC_FIELDS

_logger = logging.getLogger(__name__)

LOCK_KEY = 7_119_019  # pg advisory lock: one full run at a time, whoever starts it
BATCH_SIZE = 2000  # customers per write transaction: short enough to live beside users
RETRIES = 3  # attempts for a batch that meets a concurrent update

# (column in the target table, its type). Metric and score columns mirror res_partner's.
TARGET_COLUMNS = (
    ("partner_id", "int4"),
    ("lifecycle_order_count", "int4"),
    ("lifecycle_first_order_date", "date"),
    ("lifecycle_last_order_date", "date"),
    ("lifecycle_last_quotation_date", "date"),
    ("lifecycle_revenue_total", "numeric"),
    ("lifecycle_revenue_12m", "numeric"),
    ("lifecycle_avg_order_value", "numeric"),
    ("lifecycle_mean_interval", "numeric"),
    ("lifecycle_median_interval", "numeric"),
    ("lifecycle_next_order_date", "date"),
    ("lifecycle_health", "varchar"),
    ("lifecycle_margin", "numeric"),
    ("lifecycle_margin_percent", "numeric"),
    ("lifecycle_discount_percent", "numeric"),
    ("lifecycle_cancel_rate", "numeric"),
    ("lifecycle_referrals_converted", "int4"),
    ("rfm_recency", "int4"),
    ("rfm_frequency", "int4"),
    ("rfm_monetary", "int4"),
    ("rfm_segment", "varchar"),
    ("lifecycle_value_class", "varchar"),
    ("stage_code", "varchar"),
    ("evidence", "timestamp"),
    ("mean_gap", "float8"),
)
SCORE_COLUMNS = (
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_segment",
    "lifecycle_value_class",
)

# Per customer (commercial entity) of the population: what its orders say.
FACTS_QUERY = """
WITH population AS (
    SELECT p.id, p.lifecycle_referred_by_id AS referred_by, p.rfm_segment AS stored_segment
      FROM res_partner p
     WHERE p.id = p.commercial_partner_id AND p.active
       AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id)
       AND NOT EXISTS (SELECT 1 FROM res_company c WHERE c.partner_id = p.id)
       AND (%(ids)s::int[] IS NULL OR p.id = ANY(%(ids)s::int[]))
),
orders AS (
    SELECT c.commercial_partner_id AS partner_id, o.state, o.date_order,
           o.amount_untaxed / COALESCE(NULLIF(o.currency_rate, 0), 1.0) AS amount,
           COALESCE(o.margin, 0) / COALESCE(NULLIF(o.currency_rate, 0), 1.0) AS margin
      FROM sale_order o
      JOIN res_partner c ON c.id = o.partner_id
     WHERE o.company_id = %(company_id)s
       AND (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
),
facts AS (
    SELECT partner_id,
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
  GROUP BY partner_id
),
gaps AS (
    SELECT partner_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap
      FROM (SELECT partner_id,
                   EXTRACT(EPOCH FROM date_order - lag(date_order) OVER (
                       PARTITION BY partner_id ORDER BY date_order)) / 86400.0 AS gap
              FROM orders
             WHERE state = 'sale') g
     WHERE gap IS NOT NULL
  GROUP BY partner_id
),
discounts AS (
    SELECT c.commercial_partner_id AS partner_id,
           100.0 * sum(l.price_unit * l.product_uom_qty * l.discount / 100.0)
               / NULLIF(sum(l.price_unit * l.product_uom_qty), 0) AS discount
      FROM sale_order_line l
      JOIN sale_order o ON o.id = l.order_id
      JOIN res_partner c ON c.id = o.partner_id
     WHERE o.state = 'sale' AND o.company_id = %(company_id)s AND l.display_type IS NULL
       AND (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
  GROUP BY 1
),
referrals AS (
    SELECT r.lifecycle_referred_by_id AS partner_id, count(*) AS converted
      FROM res_partner r
     WHERE r.lifecycle_referred_by_id IS NOT NULL AND r.id = r.commercial_partner_id
       AND (%(ids)s::int[] IS NULL OR r.lifecycle_referred_by_id = ANY(%(ids)s::int[]))
       AND EXISTS (SELECT 1
                     FROM sale_order o
                     JOIN res_partner c ON c.id = o.partner_id
                    WHERE c.commercial_partner_id = r.id AND o.state = 'sale'
                      AND o.company_id = %(company_id)s)
  GROUP BY 1
),
interactions AS (
    SELECT DISTINCT m.res_id AS partner_id
      FROM mail_message m
     WHERE m.model = 'res.partner' AND m.message_type = 'comment'
       AND (%(ids)s::int[] IS NULL OR m.res_id = ANY(%(ids)s::int[]))
),
base AS (
    SELECT p.id AS partner_id, p.referred_by, p.stored_segment,
           COALESCE(f.order_count, 0) AS order_count, COALESCE(f.cancel_count, 0) AS cancel_count,
           f.first_order, f.last_order, f.last_quotation, f.revenue, f.revenue_12m, f.margin,
           COALESCE(f.window_orders, 0) AS window_orders,
           COALESCE(f.window_revenue, 0) AS window_revenue,
           g.median_gap, d.discount, COALESCE(r.converted, 0) AS converted,
           i.partner_id IS NOT NULL AS interacted,
           CASE WHEN f.order_count >= 2
                THEN EXTRACT(EPOCH FROM f.last_order - f.first_order) / 86400.0
                     / (f.order_count - 1) END AS mean_gap,
           %(today)s::date - f.last_order::date AS days_since
      FROM population p
 LEFT JOIN facts f ON f.partner_id = p.id
 LEFT JOIN gaps g ON g.partner_id = p.id
 LEFT JOIN discounts d ON d.partner_id = p.id
 LEFT JOIN referrals r ON r.partner_id = p.id
 LEFT JOIN interactions i ON i.partner_id = p.id
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
           GREATEST(%(min_lost_days)s, %(lost_factor)s * e.expected) AS threshold,
           e.order_count > 0
               AND e.days_since > GREATEST(%(min_lost_days)s, %(lost_factor)s * e.expected)
               AS is_lost
      FROM expected e
),
scored AS (%(scored)s)
SELECT s.partner_id,
       s.order_count,
       s.first_order::date,
       s.last_order::date,
       s.last_quotation::date,
       round(COALESCE(s.revenue, 0)::numeric, 2),
       round(COALESCE(s.revenue_12m, 0)::numeric, 2),
       round((s.revenue / NULLIF(s.order_count, 0))::numeric, 2),
       round(s.mean_gap::numeric, 1),
       round(s.median_gap::numeric, 1),
       s.last_order::date + round(s.expected)::int,
       CASE WHEN s.order_count > 0 THEN
            CASE WHEN s.days_since > %(overdue_factor)s * s.expected THEN 'overdue'
                 WHEN s.days_since > %(due_factor)s * s.expected THEN 'due'
                 ELSE 'on_track' END END,
       round(COALESCE(s.margin, 0)::numeric, 2),
       round((100.0 * s.margin / NULLIF(s.revenue, 0))::numeric, 1),
       round(s.discount::numeric, 1),
       round(100.0 * s.cancel_count / NULLIF(s.order_count + s.cancel_count, 0), 1),
       s.converted,
       s.r, s.f, s.m, s.segment, s.value_class,
       CASE WHEN s.order_count > 0 THEN
            CASE WHEN s.is_lost THEN 'lost'
                 WHEN (s.order_count >= 2 AND s.segment = %(top_segment)s)
                      OR s.converted >= %(fan_referrals)s THEN 'fan'
                 WHEN s.order_count >= 2 THEN 'customer'
                 ELSE 'buyer' END
            WHEN s.referred_by IS NOT NULL THEN 'referral'
            WHEN s.last_quotation IS NOT NULL OR s.cancel_count > 0 OR s.interacted
                THEN 'prospect'
            ELSE 'potential' END,
       GREATEST(s.last_order, s.last_quotation,
                CASE WHEN s.is_lost THEN s.last_order + s.threshold * interval '1 day' END),
       s.mean_gap
  FROM scored s
"""

# Population-wide scores (full run): quintiles with ties in one bucket, segment, value class.
FULL_SCORES = """
    SELECT j.*, sc.r, sc.f, sc.m, seg.code AS segment, sc.value_class
      FROM judged j
      JOIN (SELECT j2.partner_id,
                   1 + floor(5.0 * (rank() OVER (ORDER BY j2.last_order) - 1)
                       / count(*) OVER ())::int AS r,
                   1 + floor(5.0 * (rank() OVER (ORDER BY j2.window_orders) - 1)
                       / count(*) OVER ())::int AS f,
                   1 + floor(5.0 * (rank() OVER (ORDER BY j2.window_revenue) - 1)
                       / count(*) OVER ())::int AS m,
                   CASE WHEN COALESCE(j2.revenue, 0) <= 0 THEN 'C'
                        WHEN 100.0 * COALESCE(sum(GREATEST(j2.revenue, 0)) OVER w_before, 0)
                             / NULLIF(sum(GREATEST(j2.revenue, 0)) OVER (), 0) < %(class_a)s
                            THEN 'A'
                        WHEN 100.0 * COALESCE(sum(GREATEST(j2.revenue, 0)) OVER w_before, 0)
                             / NULLIF(sum(GREATEST(j2.revenue, 0)) OVER (), 0) < %(class_b)s
                            THEN 'B'
                        ELSE 'C' END AS value_class
              FROM judged j2
             WHERE j2.order_count > 0
            WINDOW w_before AS (ORDER BY COALESCE(j2.revenue, 0) DESC, j2.partner_id
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
           ) sc ON sc.partner_id = j.partner_id
 LEFT JOIN (VALUES %(segment_cells)s) AS seg(r, f, m, code)
        ON seg.r = sc.r AND seg.f = sc.f AND seg.m = sc.m
 UNION ALL
    SELECT j.*, NULL, NULL, NULL, NULL, NULL
      FROM judged j
     WHERE j.order_count = 0
"""
# Between two full runs: the stored segment stands, nothing population-wide is computed.
PARTIAL_SCORES = """
    SELECT j.*, NULL::int AS r, NULL::int AS f, NULL::int AS m,
           j.stored_segment AS segment, NULL::varchar AS value_class
      FROM judged j
"""
# The median of the repeat customers' own mean intervals.
COMPANY_MEDIAN = """
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY mean_gap) FROM base WHERE mean_gap > 0)
"""


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
        """Settings button: run the nightly computation now, in the scheduler."""
        if not self.env.user.has_group("customer_lifecycle.group_lifecycle_manager"):
            raise UserError(self.env._("Only lifecycle administrators can start a recomputation."))
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
        rows = self._read_targets(self.env.cr, commercial.ids)
        self._write_targets(rows, trigger, full=False, commit=False)

    @api.model
    def _recompute_all(self, trigger="schedule", in_transaction=False):
        """Every customer. Reads through the read-only cursor (a replica where there is one)
        and commits batch by batch, unless in_transaction (module install), where it reads and
        writes in the current transaction. Returns the counts, or False when another run holds
        the lock."""
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_lock(%s)", LOCK_KEY))
        if not cr.fetchone()[0]:
            _logger.info("Lifecycle computation already running elsewhere: this run stops.")
            return False
        try:
            self.env.flush_all()
            started = time.monotonic()
            if in_transaction:
                rows = self._read_targets(cr, None)
            else:
                with self.env.registry.cursor(readonly=True) as read_cr:
                    rows = self._read_targets(read_cr, None)
            read_seconds = time.monotonic() - started
            written = self._write_targets(rows, trigger, full=True, commit=not in_transaction)
            self._clear_excluded_partners()
            median = self._company_median(rows)
            self._lifecycle_company().sudo().write(
                {
                    "lifecycle_median_interval": median,
                    "lifecycle_last_run": fields.Datetime.now(),
                }
            )
            if not in_transaction:
                self.env["ir.cron"]._commit_progress(remaining=0)
            _logger.info(
                "Lifecycle computation: %d customers read in %.2fs, %d rows written, "
                "%d stage changes, %.2fs in all",
                len(rows), read_seconds, written["rows"], written["stages"],
                time.monotonic() - started,
            )  # fmt: skip
            return written
        except Exception:
            cr.rollback()
            raise
        finally:
            cr.execute(SQL("SELECT pg_advisory_unlock(%s)", LOCK_KEY))

    # -- Reading --------------------------------------------------------------------------------

    def _lifecycle_company(self):
        """The company whose orders the lifecycle counts (see the README: one company)."""
        return self.env.ref("base.main_company")

    def _read_targets(self, cr, partner_ids):
        """Target values of every customer (partner_ids None) or of these, as tuples in the
        order of TARGET_COLUMNS."""
        company = self._lifecycle_company()
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        months = company.lifecycle_rfm_months
        full = partner_ids is None
        if full:
            cells = SQL(", ").join(
                SQL("(%s, %s, %s, %s)", r, f, m, rules.rfm_segment(r, f, m))
                for r in range(1, 6)
                for f in range(1, 6)
                for m in range(1, 6)
            )
            scored = SQL(
                FULL_SCORES,
                class_a=company.lifecycle_class_a_percent,
                class_b=company.lifecycle_class_b_percent,
                segment_cells=cells,
            )
            company_median = SQL(COMPANY_MEDIAN)
        else:
            scored = SQL(PARTIAL_SCORES)
            company_median = SQL("%s::float8", company.lifecycle_median_interval)
        query = SQL(
            FACTS_QUERY,
            ids=partner_ids,
            company_id=company.id,
            today=today,
            year_ago=now - relativedelta(months=12),
            window_start=now - relativedelta(months=months) if months else datetime(1900, 1, 1),
            company_median=company_median,
            default_interval=company.lifecycle_default_interval,
            min_lost_days=company.lifecycle_min_lost_days,
            lost_factor=company.lifecycle_lost_factor,
            overdue_factor=rules.HEALTH_OVERDUE_FACTOR,
            due_factor=rules.HEALTH_DUE_FACTOR,
            top_segment=rules.TOP_RFM_SEGMENT,
            fan_referrals=company.lifecycle_fan_referrals,
            scored=scored,
        )
        cr.execute(SQL("SET LOCAL work_mem = '64MB'"))
        cr.execute(query)
        return cr.fetchall()

    def _company_median(self, rows):
        gaps = sorted(row[-1] for row in rows if row[-1])
        if not gaps:
            return 0.0
        middle = len(gaps) // 2
        return gaps[middle] if len(gaps) % 2 else (gaps[middle - 1] + gaps[middle]) / 2

    # -- Writing --------------------------------------------------------------------------------

    def _write_targets(self, rows, trigger, full, commit):
        """Write what differs from res_partner; returns counts of rows written and stage moves.
        full: the rows are every customer, scores included. commit: each batch is its own
        transaction."""
        cr = self.env.cr
        self._load_target_table(rows)
        if commit:
            self.env["ir.cron"]._commit_progress(0, remaining=len(rows))
        try:
            ids = sorted(row[0] for row in rows)
            batches = [ids[i : i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]
            written = 0
            for batch in batches:
                written += self._in_batch(commit, lambda b=batch: self._write_metrics(b, full))
            stages = 0
            moves = self._stage_moves()
            first = [(pid, to) for pid, old, to in moves if not old]
            for i in range(0, len(first), BATCH_SIZE):
                chunk = first[i : i + BATCH_SIZE]
                stages += self._in_batch(
                    commit, lambda c=chunk: self._write_first_stages(c, trigger)
                )
            changes = [(pid, to) for pid, old, to in moves if old]
            for i in range(0, len(changes), BATCH_SIZE):
                chunk = changes[i : i + BATCH_SIZE]
                stages += self._in_batch(
                    commit, lambda c=chunk: self._write_stage_changes(c, trigger)
                )
            self._in_batch(commit, self._confirm_manual_stages)
            return {"rows": written, "stages": stages}
        finally:
            cr.execute(SQL("DROP TABLE IF EXISTS clc_target"))
            self.env["res.partner"].invalidate_model()

    def _load_target_table(self, rows):
        cr = self.env.cr
        columns = SQL(", ").join(
            SQL("%s %s", SQL.identifier(name), SQL(kind)) for name, kind in TARGET_COLUMNS
        )
        cr.execute(SQL("DROP TABLE IF EXISTS clc_target"))
        cr.execute(SQL("CREATE TEMP TABLE clc_target (%s, PRIMARY KEY (partner_id))", columns))
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(r"\N" if value is None else str(value) for value in row))
            buffer.write("\n")
        buffer.seek(0)
        cr._obj.copy_expert("COPY clc_target FROM STDIN", buffer)
        cr.execute(SQL("ANALYZE clc_target"))

    def _in_batch(self, commit, write):
        """Run one write step. With commit, each step is its own transaction, committed through
        the cron progress API and retried when a user saved the same customers meanwhile;
        without, it is part of the current transaction (an immediate re-evaluation)."""
        if not commit:
            return write()
        for attempt in range(1, RETRIES + 1):
            try:
                with self.env.cr.savepoint(flush=False):
                    count = write()
                self.env["ir.cron"]._commit_progress(count)
                return count
            except (errors.SerializationFailure, errors.LockNotAvailable):
                self.env.cr.rollback()
                self.env.invalidate_all()
                _logger.info("Lifecycle batch met a concurrent update, attempt %d", attempt)
                time.sleep(0.2 * attempt)
        raise UserError(self.env._("The lifecycle computation kept meeting concurrent updates."))

    def _write_metrics(self, partner_ids, full):
        """Metrics (and, in a full run, scores) of these customers and their contacts."""
        names = [*METRIC_FIELDS, *(SCORE_COLUMNS if full else ())]
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
                      AND ROW(%(current)s) IS DISTINCT FROM ROW(%(targets)s)""",
                assignments=assignments,
                ids=partner_ids,
                current=current,
                targets=targets,
            )
        )
        return self.env.cr.rowcount

    def _stage_moves(self):
        """(customer, current stage, new stage) where the evidence moves the stage. A stage set
        by hand holds until evidence newer than that move exists."""
        self.env.cr.execute(
            SQL("""
                SELECT t.partner_id, p.lifecycle_stage_id, s.id
                  FROM clc_target t
                  JOIN res_partner p ON p.id = t.partner_id
                  JOIN customer_lifecycle_stage s ON s.code = t.stage_code
                 WHERE p.lifecycle_stage_id IS DISTINCT FROM s.id
                   AND NOT (COALESCE(p.lifecycle_stage_manual, FALSE)
                            AND p.lifecycle_stage_id IS NOT NULL
                            AND (t.evidence IS NULL OR t.evidence <= p.lifecycle_stage_date))
              ORDER BY t.partner_id
            """)
        )
        return self.env.cr.fetchall()

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
            )
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
            )
        )
        return len(moves)

    def _write_stage_changes(self, moves, trigger):
        """Real moves go through the ORM: tracking, history, playbook, automation rules."""
        Partner = self.env["res.partner"].with_context(lifecycle_trigger=trigger)
        by_stage = {}
        for partner_id, stage_id in moves:
            by_stage.setdefault(stage_id, []).append(partner_id)
        for stage_id, partner_ids in by_stage.items():
            Partner.browse(partner_ids).write({"lifecycle_stage_id": stage_id})
        self.env.flush_all()
        return len(moves)

    def _confirm_manual_stages(self):
        """A stage set by hand that newer evidence confirms is no longer 'set by hand'."""
        self.env.cr.execute(
            SQL("""
                UPDATE res_partner p SET lifecycle_stage_manual = FALSE
                  FROM clc_target t
                  JOIN customer_lifecycle_stage s ON s.code = t.stage_code
                 WHERE p.commercial_partner_id = t.partner_id AND p.lifecycle_stage_manual
                   AND p.lifecycle_stage_id = s.id AND t.evidence > p.lifecycle_stage_date
            """)
        )
        return self.env.cr.rowcount

    def _clear_excluded_partners(self):
        """Users and companies are not customers: no stage, whatever their defaults said."""
        self.env.cr.execute(
            SQL("""
                UPDATE res_partner p SET lifecycle_stage_id = NULL
                 WHERE p.lifecycle_stage_id IS NOT NULL
                   AND (EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id)
                        OR EXISTS (SELECT 1 FROM res_company c WHERE c.partner_id = p.id))
            """)
        )
