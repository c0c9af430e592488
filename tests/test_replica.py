"""The nightly run beside a real streaming replica.

`make test` starts a hot standby of its PostgreSQL (.ci/pg.sh standby: pg_basebackup -R,
streaming replication) and runs this file in a phase of its own with Odoo's db_replica_host and
db_replica_port pointing at it; every statement the standby runs is logged into its own log
(CLC_STANDBY_LOG). Elsewhere the tests are skipped.

The standby only sees committed data, so these tests commit their own data on separate
connections and remove it afterwards (see tests/test_lifecycle_concurrency.py).
"""

import itertools
import os
import re
import time
import unittest
from contextlib import nullcontext
from pathlib import Path

import psycopg2

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, config

from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import deferred_reevaluation

STANDBY_LOG = Path(
    os.environ.get("CLC_STANDBY_LOG")
    or Path(__file__).resolve().parents[1] / ".run" / "pg-standby" / "server.log"
)
# A line that starts an entry of the standby's log (log_line_prefix '%m [%p] db=%d ').
ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \w+ \[\d+\] db=", re.MULTILINE)
# Fragments only the engine's heavy reads contain: the order aggregation and the payments.
AGGREGATION = "WITHIN GROUP (ORDER BY gap)"
PAYMENTS = "JOIN account_partial_reconcile pr"


@tagged("post_install", "-at_install")
class TestReplica(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        in_recovery = False
        if config["db_replica_host"]:
            with cls.registry.cursor(readonly=True) as cr:
                cr.execute("SELECT pg_is_in_recovery()")
                in_recovery = cr.fetchone()[0]
        if not in_recovery:
            message = "the read-only cursor does not reach a hot standby (db_replica_host)"
            if os.environ.get("CLC_REQUIRE_STANDBY"):  # make test's replica phase: never skip
                raise AssertionError(message)
            raise unittest.SkipTest(message)

    def setUp(self):
        super().setUp()
        self.ids = {"partners": [], "orders": []}
        self.company_id = self.env["res.company"]._lifecycle_company().id
        self.addCleanup(self._remove_committed_data)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.ids["product"] = env["product.product"].create({"name": "Replica Beans"}).id

    # -- helpers --------------------------------------------------------------------------------

    def _standby(self):
        """A connection of our own to the standby, outside Odoo's pool."""
        conn = psycopg2.connect(
            host=config["db_replica_host"],
            port=config["db_replica_port"],
            user=config["db_user"] or None,
            password=config["db_password"] or None,
            dbname=self.env.cr.dbname,
        )
        conn.autocommit = True
        return conn

    def _standby_query(self, query, params=None):
        conn = self._standby()
        try:
            with conn.cursor() as cr:
                cr.execute(query, params)
                return cr.fetchall()
        finally:
            conn.close()

    def _wait_for_replay(self):
        """Until the standby has replayed everything the primary has written so far."""
        with self.registry.cursor() as cr:
            cr.execute("SELECT pg_current_wal_insert_lsn()")
            target = cr.fetchone()[0]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            (done,) = self._standby_query(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
            )[0]
            if done:
                return
            time.sleep(0.1)
        self.fail("the standby did not replay the primary's changes within 30 s")

    def _committed(self, **context):
        """A cursor that commits on the primary, and its environment."""
        cr = self.registry.cursor()
        return cr, api.Environment(cr, SUPERUSER_ID, context)

    def _customer(self, name, orders, defer=True):
        """A customer with confirmed orders, committed on the primary."""
        cr, env = self._committed()
        with cr, deferred_reevaluation() if defer else nullcontext():
            partner = env["res.partner"].create({"name": name})
            self.ids["partners"].append(partner.id)
            for _ in range(orders):
                self._order(env, partner)
        return partner.id

    def _order(self, env, partner_id):
        order = env["sale.order"].create(
            {
                "partner_id": int(partner_id),
                "order_line": [
                    Command.create({"product_id": self.ids["product"], "price_unit": 50})
                ],
            }
        )
        order.action_confirm()
        self.ids["orders"].append(order.id)

    def _nightly_run(self, full=False):
        """The scheduler's run, committed; full: the weekly one (every customer, payments
        included)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if full:
                env["res.company"].browse(self.company_id).lifecycle_last_full_run = False
            return env["customer.lifecycle.engine"]._recompute_all()

    def _lifecycle(self, partner_id):
        """(facts' order count, partner's order count, stage code), committed on the primary."""
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """SELECT f.order_count, p.lifecycle_order_count, s.code
                         FROM res_partner p
                    LEFT JOIN customer_lifecycle_stage s ON s.id = p.lifecycle_stage_id
                    LEFT JOIN customer_lifecycle_fact f
                           ON f.partner_id = p.id AND f.company_id = %s
                        WHERE p.id = %s""",
                    self.company_id,
                    partner_id,
                )
            )
            return cr.fetchone()

    def _standby_entries(self, offset):
        """The standby's log entries for this database written after offset."""
        with STANDBY_LOG.open(encoding="utf-8", errors="replace") as log:
            log.seek(offset)
            text = log.read()
        starts = [m.start() for m in ENTRY.finditer(text)] + [len(text)]
        entries = [text[a:b] for a, b in itertools.pairwise(starts)]
        return [e for e in entries if e.split("db=", 1)[1].startswith(self.env.cr.dbname + " ")]

    def _remove_committed_data(self):
        self._standby_query("SELECT pg_wal_replay_resume()")
        cr, env = self._committed()
        with cr, deferred_reevaluation():
            orders = env["sale.order"].browse(self.ids["orders"])
            orders._action_cancel()
            orders.unlink()
            env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "in", self.ids["partners"])]
            ).unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()
            env["product.product"].browse(self.ids["product"]).unlink()

    # -- tests ----------------------------------------------------------------------------------

    def test_the_heavy_reads_run_on_the_standby_and_every_write_on_the_primary(self):
        partner_id = self._customer("Replica Customer", orders=2)
        self._wait_for_replay()
        self.assertEqual(self._lifecycle(partner_id), (None, None, "potential"))
        offset = STANDBY_LOG.stat().st_size

        self.assertTrue(self._nightly_run(full=True))

        entries = self._standby_entries(offset)
        self.assertEqual(
            sum(AGGREGATION in e for e in entries), 1, "the order aggregation ran on the standby"
        )
        self.assertEqual(sum(PAYMENTS in e for e in entries), 1, "so did the payments read")
        # the standby cannot have written anything: it is read-only by construction
        self.assertEqual(self._standby_query("SELECT pg_is_in_recovery()"), [(True,)])
        writes = [e for e in entries if re.search(r"\b(INSERT|UPDATE|DELETE)\b", e)]
        self.assertEqual(writes, [])
        # the facts and the customer were written on the primary ...
        self.assertEqual(self._lifecycle(partner_id), (2, 2, "customer"))
        # ... and reached the standby by replication
        self._wait_for_replay()
        replicated = self._standby_query(
            """SELECT p.lifecycle_order_count, s.code FROM res_partner p
                 JOIN customer_lifecycle_stage s ON s.id = p.lifecycle_stage_id
                WHERE p.id = %s""",
            [partner_id],
        )
        self.assertEqual(replicated, [(2, "customer")])

    def test_a_paused_standby_writes_nothing_stale(self):
        partner_id = self._customer("Lagging Replica Customer", orders=1)
        self._wait_for_replay()
        self.assertTrue(self._nightly_run())
        self.assertEqual(self._lifecycle(partner_id), (1, 1, "buyer"))
        self._wait_for_replay()
        self._standby_query("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while self._standby_query("SELECT pg_get_wal_replay_pause_state()") != [("paused",)]:
            self.assertLess(time.monotonic(), deadline, "the standby did not pause")
            time.sleep(0.05)

        # a user confirms a second order on the primary: re-evaluated at once, committed
        cr, env = self._committed()
        with cr:
            self._order(env, partner_id)
        self.assertEqual(self._lifecycle(partner_id), (2, 2, "customer"))
        stale = self._standby_query(
            "SELECT lifecycle_order_count FROM res_partner WHERE id = %s", [partner_id]
        )
        self.assertEqual(stale, [(1,)], "the standby still has the customer of before the order")

        # the nightly run reads from the paused standby: nothing it read may overwrite the order
        self.assertTrue(self._nightly_run())
        self.assertEqual(self._lifecycle(partner_id), (2, 2, "customer"))
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """SELECT s.code FROM customer_lifecycle_history h
                         JOIN customer_lifecycle_stage s ON s.id = h.stage_to_id
                        WHERE h.partner_id = %s ORDER BY h.id""",
                    partner_id,
                )
            )
            moves = [code for (code,) in cr.fetchall()]
        self.assertEqual(moves[-1], "customer", "no move back to the stale stage")
        self.assertEqual(moves.count("customer"), 1)

        # replay resumes: the standby catches up, and the next run agrees with the primary
        self._standby_query("SELECT pg_wal_replay_resume()")
        self._wait_for_replay()
        self.assertTrue(self._nightly_run())
        self.assertEqual(self._lifecycle(partner_id), (2, 2, "customer"))
