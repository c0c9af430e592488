"""The lifecycle engine's run: stages, metrics and segments from sale orders, in PostgreSQL.

Each table's model owns its SQL; this module owns the run (_recompute_all nightly, and
_recompute_partners for a few customers at once): the lock, the phases, the classification,
the write-back and the retries.
1. Aggregate: customer.lifecycle.fact re-aggregates the customers whose orders changed (all of
   them once a week); beside it customer.lifecycle.payment refreshes how customers pay and
   customer.lifecycle.prediction fills the predictions.
2. Classify: one statement (CLASSIFY, at the bottom of this module) derives every customer's
   target values from the facts into the temporary table clc_target.
3. Write: only what differs from res_partner, in short committed batches retried on a
   concurrent update (_in_batch); first stages in SQL with the metrics, real moves through
   the ORM, 200 per batch.
Faults (README, "The engine under faults"): _recompute_all, _in_batch, _still_as_classified,
and customer.lifecycle.company.rows for the upserts guarded by written_xid.
"""

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

from ..tools import lifecycle_rules as rules
from .customer_lifecycle_fact import DIRTY_MARGIN, cancel_rate
from .res_partner import METRIC_FIELDS, SCORE_FIELDS

_logger = logging.getLogger(__name__)

# Set by a bulk loader around its writes (deferred_reevaluation): _recompute_partners then leaves
# the customers to the nightly run. A ContextVar, not a context key: an RPC caller chooses every
# context key (with_context travels in a call's kwargs), never a ContextVar. Per thread.
_DEFERRED = ContextVar("customer_lifecycle_deferred_reevaluation", default=False)


@contextmanager
def deferred_reevaluation():
    """For trusted Python code that loads data in bulk (the demo generator, imports of
    history): within the block, orders, referrers and answers do not re-evaluate their
    customers at once; the next nightly run does, once for all. Seen by this thread only."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


LOCK_KEY = 7_119_019  # pg advisory lock: one nightly run at a time, whoever starts it
BATCH_SIZE = 2000  # customers per write transaction: short enough to live beside users
# stage moves per write transaction: each goes through the ORM (history, activity, chatter), a
# few milliseconds apiece; 200 hold their customers' rows well under a second
STAGE_BATCH_SIZE = 200
RETRIES = 3  # attempts for a batch that meets a concurrent update
MEDIAN_HOLD_DAYS = 1.0  # the company median interval in use changes when it moves this much
FULL_RUN_EVERY = timedelta(days=7)  # safety net: cancellations, merges, rate fixes, deletions
# The run's temporary tables, all on the connection that runs it.
WORK_TABLES = (
    "customer_lifecycle_fact_read", "customer_lifecycle_fact_new",
    "customer_lifecycle_payment_read", "customer_lifecycle_payment_new",
    "clc_prediction", "clc_target",
)  # fmt: skip


class CustomerLifecycleEngine(models.AbstractModel):
    """The run: lock, phases, classification, write-back, retries (see the module docstring)."""

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
        Bulk loaders leave it to the nightly run: see deferred_reevaluation (no context key of
        the addon does, whoever sets it). So does Odoo's import (base_import's own import_file):
        a file of orders is loaded in one transaction, and each re-evaluation's temporary tables
        hold their locks until it commits: a few hundred orders exhausted PostgreSQL's lock
        table. The nightly run finds the imported orders by their write date."""
        if _DEFERRED.get() or self.env.context.get("import_file"):
            return
        commercial = partners.commercial_partner_id
        commercial |= commercial.lifecycle_referred_by_id  # their referrers may become fans
        if not commercial:
            return
        self.env.flush_all()
        company = self.env["res.company"]._lifecycle_company()
        facts = self.env["customer.lifecycle.fact"]
        facts._aggregate(commercial.ids)
        facts._mark_reevaluated(commercial.ids, company)
        self.env["customer.lifecycle.prediction"]._predict(commercial.ids, company)
        self._classify(commercial.ids)
        self._write_targets(trigger, full=False, commit=False)
        self.env["customer.lifecycle.category.mix"]._refresh_customers(commercial.ids, company)
        self.env["customer.lifecycle.offer"]._refresh(commercial.ids)

    @api.model
    def _recompute_all(self, trigger="schedule", in_transaction=False):
        """Every customer: re-aggregates those whose orders changed (all of them once a week),
        re-classifies everyone. Reads through the read-only cursor and commits batch by batch,
        unless in_transaction (module install). Returns the counts, or False when another run
        holds the lock (LOCK_KEY: one run at a time, whoever starts it).

        Under faults (see the README, "The engine under faults"): the work tables are temporary
        and dropped on commit, except clc_target, which lives across the write batches' commits;
        a failed run drops them all (a pooled connection keeps temporary tables). A chunk of the
        facts or payments upserts that keeps failing is left as it was and the run goes on
        (_upsert_in_chunks); the run then keeps its marks (last run, last full run), so that
        the next one reads those customers again."""
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
            facts = self.env["customer.lifecycle.fact"]
            ids = None if full else facts._dirty_customer_ids(company, now)
            phases = {"find": time.monotonic() - started}
            if in_transaction:
                aggregated, left = facts._aggregate(ids), 0
            else:
                aggregated, left = facts._aggregate_from_replica(ids)
            phases["aggregate"] = time.monotonic() - started - sum(phases.values())
            payers, payments_left = self.env["customer.lifecycle.payment"]._refresh_payments(
                None if full else company.lifecycle_last_run - DIRTY_MARGIN, in_transaction
            )
            left += payments_left
            phases["payments"] = time.monotonic() - started - sum(phases.values())
            self.env["customer.lifecycle.prediction"]._predict(None, company, fit=full)
            phases["predict"] = time.monotonic() - started - sum(phases.values())
            median = self._classify(None, changed_only=not full, across_commits=not in_transaction)
            phases["classify"] = time.monotonic() - started - sum(phases.values())
            written = self._write_targets(trigger, full=True, commit=not in_transaction)
            phases["write"] = time.monotonic() - started - sum(phases.values())
            phases.update(self._refresh_what_they_buy(ids, company, now, full, in_transaction))
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

    def _refresh_what_they_buy(self, ids, company, now, full, in_transaction):
        """The run's phases of what customers buy, after the stages, which do not read them:
        the category mix, the next best offers and, in a full run, their backtest. Returns the
        seconds of each."""
        started = time.monotonic()
        self.env["customer.lifecycle.category.mix"]._refresh(
            ids, company, now, commit=not in_transaction
        )
        mixed = time.monotonic()
        self.env["customer.lifecycle.offer"]._refresh_nightly(ids, full)
        offered = time.monotonic()
        self.env["customer.lifecycle.offer.backtest"]._run_in_full_run(full)
        return {
            "category_mix": mixed - started,
            "offers": offered - mixed,
            "offer_backtest": time.monotonic() - offered,
        }

    # -- Work tables: temporary, on the connection that runs -----------------------------------

    def _drop_work_tables(self):
        """Drop every work table of the run (WORK_TABLES) left on this connection."""
        self.env.cr.execute(
            SQL(
                "DROP TABLE IF EXISTS %s",
                SQL(", ").join(SQL.identifier("pg_temp", name) for name in WORK_TABLES),
            )
        )

    @api.model
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

    # -- Phase 2: classify ----------------------------------------------------------------------

    def _classify(self, ids, changed_only=False, across_commits=False):
        """Fill clc_target with the target values of these customers (None: everyone, with the
        population-wide scores), clc_prediction being filled for them
        (customer.lifecycle.prediction).
        changed_only: only those with something to write; their contacts are then assumed in
        step with them (a weekly full run checks them too). across_commits: clc_target outlives
        the commits of the write batches. Returns the company median interval used."""
        cr = self.env.cr
        company = self.env["res.company"]._lifecycle_company()
        settings = company._lifecycle_settings()
        population = self.env["customer.lifecycle.fact"]._population_query
        if ids is None:
            segments = [
                rules.rfm_segment(r, f, m)
                for r in range(1, 6)
                for f in range(1, 6)
                for m in range(1, 6)
            ]
            cr.execute(SQL(BUYERS, population=population(None), company_id=company.id))
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
            stored = company.lifecycle_median_interval
            if median is not None and stored and abs(median - stored) < MEDIAN_HOLD_DAYS:
                # the median of thousands of intervals drifts by a fraction of a day each night;
                # every one-time buyer's next order date is rounded from it, and a median
                # hovering about x.5 days rewrote 30,000 customers at L every other night
                median = stored
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
                manual_released=manual_stage_released(
                    SQL("q.stage_manual"), SQL("q.stage_date"), SQL("q.evidence")
                ),
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
                population=population(ids, [name for name, _kind in compared]),
                today=fields.Date.context_today(self),
                company_median=SQL("%s::float8", median),
                overdue_factor=rules.HEALTH_OVERDUE_FACTOR,
                due_factor=rules.HEALTH_DUE_FACTOR,
                top_segment=rules.TOP_RFM_SEGMENT,
                fan_hold=SQL("%s::varchar[]", sorted(rules.FAN_HOLD_SEGMENTS)),
                cancel_rate=cancel_rate(SQL("s.cancel_count"), SQL("s.order_count")),
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

    # -- Phase 3: write -------------------------------------------------------------------------

    def _write_targets(self, trigger, full, commit):
        """Write what differs between clc_target and res_partner; returns the counts of rows
        written and of stage moves. full: scores included. commit: each batch is its own
        transaction."""
        try:
            if commit:  # the target table must outlive a batch that is rolled back and retried
                self.env["ir.cron"]._commit_progress(0)
            written, first_stages = 0, {}
            for index, batch in enumerate(self._batches(self._changed_partner_ids(full))):
                written += self._in_batch(
                    commit,
                    lambda b=batch, i=index: self._write_metrics(b, full, trigger, first_stages, i),
                )
            stages = sum(first_stages.values())
            moving = [partner_id for partner_id, _old, _new in self._stage_moves()]
            for batch in self._batches(moving, STAGE_BATCH_SIZE):
                stages += self._in_batch(commit, lambda b=batch: self._write_stages(b, trigger))
            self._in_batch(commit, self._confirm_manual_stages)
        finally:
            self.env["res.partner"].invalidate_model()
        # (a failure leaves it to the transaction's rollback, or to _recompute_all)
        self.env.cr.execute(SQL("DROP TABLE pg_temp.clc_target"))
        return {"rows": written, "stages": stages}

    @staticmethod
    def _batches(items, size=None):
        """items in lists of size (BATCH_SIZE, read when called): one write transaction each."""
        size = size or BATCH_SIZE
        return [items[i : i + size] for i in range(0, len(items), size)]

    @api.model
    def _in_batch(self, commit, write, leave=False, read_committed=False):
        """Run one write step. With commit, each step is its own transaction, committed through
        the cron progress API and retried when a user saved the same customers meanwhile (a
        concurrent update, a lock or a deadlock: what Odoo retries a request on); without, it
        is part of the current transaction (an immediate re-evaluation). leave: a step still
        failing after its retries is rolled back and None returned, instead of failing the run.
        read_committed: the step's transaction is READ COMMITTED (Odoo's are REPEATABLE READ),
        for the upserts guarded by written_xid (customer.lifecycle.company.rows): a user's order
        re-evaluating its customer meanwhile makes the step wait for that row instead of a
        serialization failure."""
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
                     JOIN res_partner p ON %s
                    WHERE ROW(%s) IS DISTINCT FROM ROW(%s)
                 ORDER BY t.partner_id""",
                customer_rows(SQL("p"), SQL("t.partner_id")),
                SQL(", ").join(SQL.identifier("p", name) for name in names),
                SQL(", ").join(SQL.identifier("t", name) for name in names),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _write_metrics(self, partner_ids, full, trigger, first_stages, batch_index):
        """Metrics (and, in a nightly run, scores) of these customers and their contacts
        (customer_rows), skipping the customers re-evaluated since their classification
        (_still_as_classified). A customer without a stage yet gets its first one in the same
        statement, with its history row (as _write_first_stages): at install every customer
        is written once, not twice. With the scores (full), each segment change is recorded
        first (customer.lifecycle.segment.history), and its hook runs after the update.
        first_stages[batch_index] is set to how many (a retried batch sets it again). Returns
        the rows written."""
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
        now = fields.Datetime.now()
        entered = self.env["customer.lifecycle.segment.history"]
        if full:  # the segment changes, recorded as the segments are written
            entered = entered._record_changes(partner_ids, self._still_as_classified(), now)
        self.env.cr.execute(
            SQL(
                """WITH first_stage AS (
                       SELECT t.partner_id, s.id AS stage_id
                         FROM clc_target t
                         JOIN customer_lifecycle_stage s ON s.code = t.stage_code
                         JOIN res_partner c ON c.id = t.partner_id
                        WHERE t.partner_id = ANY(%(ids)s) AND c.lifecycle_stage_id IS NULL
                          AND %(still)s
                   ), history AS (%(history)s)
                   UPDATE res_partner p
                      SET %(assignments)s,
                          lifecycle_stage_id = COALESCE(f.stage_id, p.lifecycle_stage_id),
                          lifecycle_stage_date = CASE WHEN f.stage_id IS NULL
                                                      THEN p.lifecycle_stage_date
                                                      ELSE %(now)s END,
                          lifecycle_stage_manual = CASE WHEN f.stage_id IS NULL
                                                        THEN p.lifecycle_stage_manual
                                                        ELSE FALSE END
                     FROM clc_target t
                LEFT JOIN first_stage f ON f.partner_id = t.partner_id
                    WHERE %(customer_rows)s
                      AND t.partner_id = ANY(%(ids)s)
                      AND (ROW(%(current)s) IS DISTINCT FROM ROW(%(targets)s)
                           OR f.stage_id IS NOT NULL)
                      AND %(still)s
                RETURNING f.stage_id IS NOT NULL AND p.id = t.partner_id""",
                assignments=assignments,
                history=self._first_stage_history(SQL("first_stage"), trigger, now),
                customer_rows=customer_rows(SQL("p"), SQL("t.partner_id")),
                ids=partner_ids,
                current=current,
                targets=targets,
                now=now,
                still=self._still_as_classified(),
            ),
            log_exceptions=False,  # a concurrent update is retried, not an error
        )
        returned = self.env.cr.fetchall()
        entered._segments_entered()
        first_stages[batch_index] = sum(1 for (first,) in returned if first)
        return len(returned)

    def _still_as_classified(self):
        """SQL on clc_target t: the customer is still one (not deleted, archived or merged
        away) and was not re-evaluated since its classification: its facts row in the lifecycle
        company carries the written_xid classified (customer.lifecycle.fact, _mark_reevaluated).
        A user's order confirmed meanwhile has already written fresher values than t's: a
        write batch leaves that customer alone."""
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
        exists (manual_stage_holds)."""
        self.env.cr.execute(
            SQL(
                """SELECT t.partner_id, p.lifecycle_stage_id, s.id
                     FROM clc_target t
                     JOIN res_partner p ON p.id = t.partner_id
                     JOIN customer_lifecycle_stage s ON s.code = t.stage_code
                    WHERE p.lifecycle_stage_id IS DISTINCT FROM s.id
                      AND NOT %(holds)s
                      AND (%(ids)s::int[] IS NULL OR t.partner_id = ANY(%(ids)s::int[]))
                      AND %(still)s
                 ORDER BY t.partner_id""",
                holds=manual_stage_holds(
                    SQL("p.lifecycle_stage_manual"),
                    SQL("p.lifecycle_stage_id"),
                    SQL("p.lifecycle_stage_date"),
                    SQL("t.evidence"),
                ),
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
        """Customers without a stage yet get one in SQL, on them and their contacts
        (customer_rows): no activity, no chatter message."""
        cr = self.env.cr
        now = fields.Datetime.now()
        values = SQL(", ").join(SQL("(%s, %s)", pid, stage) for pid, stage in moves)
        cr.execute(
            SQL(
                """UPDATE res_partner p
                      SET lifecycle_stage_id = v.stage, lifecycle_stage_date = %(now)s,
                          lifecycle_stage_manual = FALSE
                     FROM (VALUES %(values)s) AS v(partner_id, stage)
                    WHERE %(customer_rows)s""",
                customer_rows=customer_rows(SQL("p"), SQL("v.partner_id")),
                now=now,
                values=values,
            ),
            log_exceptions=False,
        )
        cr.execute(
            self._first_stage_history(
                SQL("(SELECT * FROM (VALUES %s) AS v(partner_id, stage_id))", values),
                trigger,
                now,
            ),
            log_exceptions=False,  # a customer deleted meanwhile: retried, then left out
        )
        return len(moves)

    def _first_stage_history(self, moves, trigger, now):
        """SQL: the history rows of first stages, from moves (rows of partner_id, stage_id)."""
        return SQL(
            """INSERT INTO customer_lifecycle_history
                   (partner_id, stage_to_id, date, trigger, user_id, won_back,
                    create_uid, create_date, write_uid, write_date)
               SELECT m.partner_id, m.stage_id, %(now)s, %(trigger)s, %(uid)s, FALSE,
                      %(uid)s, %(now)s, %(uid)s, %(now)s
                 FROM %(moves)s m""",
            moves=moves,
            now=now,
            trigger=trigger,
            uid=self.env.uid,
        )

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
        """A stage set by hand that newer evidence confirms is no longer 'set by hand' (on the
        customer and its contacts)."""
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner p SET lifecycle_stage_manual = FALSE
                     FROM clc_target t
                     JOIN customer_lifecycle_stage s ON s.code = t.stage_code
                    WHERE %(customer_rows)s AND %(released)s AND p.lifecycle_stage_id = s.id
                      AND %(still)s""",
                customer_rows=customer_rows(SQL("p"), SQL("t.partner_id")),
                released=manual_stage_released(
                    SQL("p.lifecycle_stage_manual"),
                    SQL("p.lifecycle_stage_date"),
                    SQL("t.evidence"),
                ),
                still=self._still_as_classified(),
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


# -- The rules written once, as SQL fragments on the callers' aliases ---------------------------


def manual_stage_released(manual, stage_date, evidence):
    """SQL: a stage set by hand gives way: evidence newer than that move exists. Where the
    rule "a stage set by hand holds until newer evidence" is written: KEEP_CHANGED (something
    to write), _stage_moves (through manual_stage_holds), _confirm_manual_stages."""
    return SQL("(%s AND %s > %s)", manual, evidence, stage_date)


def manual_stage_holds(manual, stage_id, stage_date, evidence):
    """SQL: the customer's stage was set by hand and no newer evidence exists: it stays."""
    return SQL(
        "(COALESCE(%s, FALSE) AND %s IS NOT NULL AND NOT COALESCE(%s, FALSE))",
        manual,
        stage_id,
        manual_stage_released(manual, stage_date, evidence),
    )


def customer_rows(partner, customer_id):
    """SQL: the res_partner rows (alias partner) that carry the lifecycle values of the
    customer customer_id: the commercial entity and its contacts, whose lifecycle is their
    company's (as res.partner._lifecycle_sync_contacts mirrors them)."""
    return SQL("%s.commercial_partner_id = %s", partner, customer_id)


# -- The classification's SQL (phase 2) ---------------------------------------------------------

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
           -- NaN: not predicted (customer.lifecycle.prediction._copy_predictions)
           NULLIF(pr.predicted_probability, 'NaN') AS predicted_probability,
           NULLIF(pr.predicted_orders, 'NaN') AS predicted_orders,
           NULLIF(pr.predicted_revenue, 'NaN') AS predicted_revenue,
           f.first_order::date + ceil(NULLIF(pr.lost_age, 'NaN'))::int AS lost_on, f.written_xid
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
       %(cancel_rate)s AS lifecycle_cancel_rate,
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
                 -- a Fan stays one while champions or loyal (lifecycle_rules.stage_for)
                 WHEN ((s.order_count >= 2
                        AND (s.segment = %(top_segment)s
                             OR (s.stage_code_now = 'fan' AND s.segment = ANY(%(fan_hold)s))))
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
    OR %(manual_released)s
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
