import io
import itertools
import logging

import numpy as np

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

UPSERT_CHUNK_SIZE = 5000  # customers per transaction of the nightly facts and payments upserts
READ_BATCH = 10_000  # rows fetched at a time from the read-only cursor


def column_definitions(columns, types):
    """SQL: the definitions of a work table's columns, int4 unless types ({name: SQL type})
    says otherwise."""
    return SQL(", ").join(
        SQL("%s %s", SQL.identifier(name), SQL(types.get(name, "int4"))) for name in columns
    )


def copy_rows(cr, table, columns, rows):
    """COPY rows (tuples in the order of columns; None is NULL) into table."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(r"\N" if value is None else str(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    cr._obj.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def read_integer_rows(cr, query, width):
    """The rows of query (SQL, `width` integer columns, no NULL) as an int64 array (rows,
    width), streamed by COPY and parsed a few MB of text at a time: a fetch would hold every
    row in the client's result (some 200 MB for a million rows) before the first is read."""
    sink, copy = IntegerRows(width), SQL("COPY (%s) TO STDOUT", query)
    cr._obj.copy_expert(cr._obj.mogrify(copy.code, copy.params).decode(), sink)
    return sink.array()


class IntegerRows:
    """A file for COPY ... TO STDOUT of rows of `width` integers: parsed into int64 arrays
    ROWS_PER_PARSE rows at a time (every write a whole row, as PostgreSQL sends them: a write
    per row, so it does as little as it can)."""

    ROWS_PER_PARSE = 200_000  # a few MB of text

    def __init__(self, width):
        self.width, self.parts, self.arrays = width, [], []

    def write(self, data):  # pylint: disable=method-required-super
        self.parts.append(data)
        if len(self.parts) >= self.ROWS_PER_PARSE:
            self._parse()

    def _parse(self):
        if self.parts:
            text = self.parts[0][:0].join(self.parts)
            self.arrays.append(np.fromstring(text, dtype=np.int64, sep=" ").reshape(-1, self.width))
            self.parts = []

    def array(self):
        """The rows read, as an int64 array (rows, width)."""
        self._parse()
        if not self.arrays:
            return np.zeros((0, self.width), dtype=np.int64)
        return np.concatenate(self.arrays)


class CustomerLifecycleCompanyRows(models.AbstractModel):
    """The key of the engine's per-company tables (order facts, payment behaviour): one row per
    customer and company, written only by the engine, read by company.

    Beside the fields, a column written_xid (xid8, not an ORM field): the transaction that last
    wrote the row. The nightly run overwrites a row only if its read saw that transaction
    (_upsert_staged).

    And the toolkit that refreshes such a table from rows computed elsewhere, relying on its
    unique key: read through the read-only cursor with its snapshot and streamed with COPY into
    a temporary table of the run (_read_elsewhere), staged chunk by chunk (_stage_rows),
    upserted guarded by written_xid with the rows gone deleted (_upsert_staged), each chunk a
    short transaction of its own (_upsert_in_chunks).
    The inheriting model names its columns in _staged_columns (partner_id, company_id first).
    """

    _name = "customer.lifecycle.company.rows"
    _description = "Customer Lifecycle Per-Company Rows"
    _log_access = False
    _staged_columns = ()  # the columns the toolkit stages and upserts, in the rows' order

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=False)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")

    # also the index the engine's upserts and the reads by customer use
    _partner_company_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id)", "One row per customer and company."
    )

    def init(self):
        super().init()
        if self._abstract:
            return
        # a volatile default: every existing row gets the installing transaction, every row
        # inserted later its own
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s ADD COLUMN IF NOT EXISTS written_xid xid8 "
                "DEFAULT pg_current_xact_id()",
                SQL.identifier(self._table),
            )
        )

    def _for(self, partner_ids, company):
        """{partner id: row} of these customers in this company (sudo: derived figures that
        the callers show to users who may read the customer)."""
        rows = self.sudo().search_fetch(
            [("partner_id", "in", partner_ids), ("company_id", "=", company.id)],
            [name for name in self._fields if name not in ("id", "company_id", "display_name")],
        )
        return {row.partner_id.id: row for row in rows}

    # -- The refresh toolkit ----------------------------------------------------------------------

    @api.model
    def _read_table(self):
        """The temporary table the rows read elsewhere are streamed into: <table>_read."""
        return f"{self._table}_read"

    @api.model
    def _staging_table(self):
        """The temporary table one chunk's rows are staged in: <table>_new."""
        return f"{self._table}_new"

    @api.model
    def _read_elsewhere(self, query, work_mem=None):
        """Stream the rows of query, read through the read-only cursor, into <table>_read, a
        temporary table of this connection that outlives the chunks' commits (dropped by
        _upsert_in_chunks, or with the run's work tables when it fails). READ_BATCH rows at a
        time: the population never sits in Python (a million customers would take gigabytes).
        Returns the snapshot of the read: a row written by a transaction it does not see is
        fresher than the rows read (see _upsert_staged). pg_current_snapshot() works on a hot
        standby too."""
        cr = self.env.cr
        read_table = SQL.identifier(self._read_table())
        self._create_rows_table(self._read_table(), across_commits=True)
        with self.env.registry.cursor(readonly=True) as read_cr:
            if work_mem:
                read_cr.execute(SQL("SET LOCAL work_mem = %s", work_mem))
            read_cr.execute(SQL("SET LOCAL jit = off"))  # compiling costs more than it saves
            # the first statement: the transaction's snapshot (repeatable read), the query's too
            read_cr.execute(SQL("SELECT pg_current_snapshot()::text"))
            snapshot = read_cr.fetchone()[0]
            if read_cr._cnx is cr._cnx:
                # Odoo's test mode: one connection, and closing the read-only cursor rolls back
                # what was done since it opened, the rows copied included
                read_cr.execute(query)
                rows = read_cr.fetchall()
            else:
                rows = ()
                # a server-side cursor in the read's transaction: READ_BATCH rows at a time
                with read_cr._cnx.cursor(name="clc_read") as stream:
                    stream.execute(query.code, query.params)
                    while batch := stream.fetchmany(READ_BATCH):
                        copy_rows(cr, self._read_table(), self._staged_columns, batch)
        if rows:
            copy_rows(cr, self._read_table(), self._staged_columns, rows)
        cr.execute(SQL("CREATE INDEX ON %s (partner_id)", read_table))
        cr.execute(SQL("ANALYZE %s", read_table))
        return snapshot

    @api.model
    def _create_rows_table(self, name, across_commits=False):
        """A temporary table of this table's columns but id, for rows computed elsewhere."""
        self.env["customer.lifecycle.engine"]._create_work_table(
            name, SQL("LIKE %s", SQL.identifier(self._table)), across_commits=across_commits
        )
        self.env.cr.execute(SQL("ALTER TABLE %s DROP COLUMN id", SQL.identifier(name)))

    @api.model
    def _stage_rows(self, low=None, high=None):
        """Stage the rows read (<table>_read) of partner ids in [low, high) (None: unbounded)
        in the staging table, dropped at the latest on commit."""
        self.env["customer.lifecycle.engine"]._create_work_table(
            self._staging_table(),
            query=SQL(
                """SELECT * FROM %(read)s
                    WHERE (%(low)s::int IS NULL OR partner_id >= %(low)s::int)
                      AND (%(high)s::int IS NULL OR partner_id < %(high)s::int)""",
                read=SQL.identifier(self._read_table()),
                low=low,
                high=high,
            ),
        )

    @api.model
    def _upsert_staged(self, ids, snapshot=None, low=None, high=None):
        """Move the staging table into this table, keyed by (partner_id, company_id): insert
        new rows, update only rows whose values differ, delete the rows of the customers read
        (ids None: all; only partner ids in [low, high), None: unbounded) that are gone from it.
        Rows of partners deleted since the read are left out.
        snapshot: the read's (_read_elsewhere); a row written by a transaction it does not see
        is fresher than the read and kept as it is. Each row written is stamped written_xid."""
        cr = self.env.cr
        table = SQL.identifier(self._table)
        staging = SQL.identifier(self._staging_table())
        columns = self._staged_columns
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
                table=table,
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
                table=table,
                staging=staging,
                ids=ids,
                low=low,
                high=high,
                seen=seen,
            ),
            log_exceptions=False,
        )
        cr.execute(SQL("DROP TABLE %s", staging))
        self.invalidate_model()

    @api.model
    def _upsert_in_chunks(self, upsert):
        """Stage and upsert the rows read elsewhere (_read_elsewhere) in chunks of
        UPSERT_CHUNK_SIZE customers, each in a READ COMMITTED transaction of its own, committed
        and retried on Odoo's concurrency errors (the engine's _in_batch). A user's order
        re-evaluating its customer meanwhile upserts that customer's row: in REPEATABLE READ the
        chunk would fail on it (and the whole table in one transaction failed on every order
        confirmed during it); in READ COMMITTED the chunk waits for that user's transaction,
        then its upsert and delete see the row's newest version, which the written_xid guard
        keeps (see _upsert_staged). Its row locks last one chunk. upsert(low, high) moves the
        staged rows into this table and deletes its rows gone of partner ids in [low, high)
        (None: unbounded); the chunks' ranges cover every id. A chunk still failing after its
        retries is left as it was (last values; rows written since the read are fresher
        anyway), logged, and counted. Returns the rows read, the sum of upsert's results and
        the chunks left."""
        engine = self.env["customer.lifecycle.engine"]
        cr = self.env.cr
        read_table = SQL.identifier(self._read_table())
        cr.execute(SQL("SELECT count(*) FROM %s", read_table))
        rows = cr.fetchone()[0]
        # where each chunk begins: every UPSERT_CHUNK_SIZE-th customer (a customer's rows in
        # several companies stay together)
        cr.execute(
            SQL(
                """SELECT partner_id
                     FROM (SELECT partner_id, row_number() OVER (ORDER BY partner_id) AS n
                             FROM (SELECT DISTINCT partner_id FROM %s) customers) numbered
                    WHERE n > 1 AND mod(n - 1, %s) = 0
                 ORDER BY partner_id""",
                read_table,
                UPSERT_CHUNK_SIZE,
            )
        )
        bounds = [None, *(row[0] for row in cr.fetchall()), None]
        total, left = 0, 0
        # each chunk a transaction of its own from its first statement (READ COMMITTED)
        self.env["ir.cron"]._commit_progress()
        for low, high in itertools.pairwise(bounds):

            def step(low=low, high=high):
                self._stage_rows(low, high)
                return upsert(low, high)

            done = engine._in_batch(True, step, leave=True, read_committed=True)
            if done is None:
                left += 1
                _logger.warning(
                    "Lifecycle computation: the %s rows of partner ids from %s to %s kept "
                    "meeting concurrent updates and stay as they were until the next run.",
                    self._table, low or "the first", high or "the last",
                )  # fmt: skip
            else:
                total += done
        cr.execute(SQL("DROP TABLE %s", read_table))  # committed with the run's next batch
        return rows, total, left
