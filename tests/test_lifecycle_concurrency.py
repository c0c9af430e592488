"""The nightly run beside users: real transactions on separate connections, committed.

These tests commit their own data (two transactions cannot see each other's uncommitted rows)
and remove it afterwards.
"""

import threading
import time
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import deferred_reevaluation

PHONE = "+39 333 000 1111"


@tagged("post_install", "-at_install")
class TestLifecycleBesideUsers(TransactionCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr, deferred_reevaluation():
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "Concurrent Customer"})
            product = env["product.product"].create({"name": "Concurrency Beans"})
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [Command.create({"product_id": product.id, "price_unit": 50})],
                }
            )
            order.action_confirm()
            self.ids = {"partner": partner.id, "product": product.id, "order": order.id}
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr, deferred_reevaluation():
            env = api.Environment(cr, SUPERUSER_ID, {})
            order = env["sale.order"].browse(self.ids["order"])
            order._action_cancel()
            order.unlink()
            env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.ids["partner"])]
            ).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()
            env["product.product"].browse(self.ids["product"]).unlink()

    def _run_engine(self, outcome):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                outcome["result"] = env["customer.lifecycle.engine"]._recompute_all()
        except Exception as error:
            outcome["error"] = error

    def _committed_partner(self):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """SELECT p.phone, p.lifecycle_order_count, s.code
                         FROM res_partner p
                    LEFT JOIN customer_lifecycle_stage s ON s.id = p.lifecycle_stage_id
                        WHERE p.id = %s""",
                    self.ids["partner"],
                )
            )
            return cr.fetchone()

    def _wait_for_blocked_update(self):
        deadline = time.monotonic() + 20
        with self.registry.cursor() as cr:
            while time.monotonic() < deadline:
                cr.execute(
                    SQL("""SELECT 1 FROM pg_stat_activity
                            WHERE wait_event_type = 'Lock'
                              AND (query LIKE 'UPDATE res_partner%%'
                                   -- the metrics batch (its first stages' CTE comes first)
                                   OR query LIKE 'WITH first_stage AS%%')""")
                )
                if cr.fetchone():
                    return
                cr.rollback()
                time.sleep(0.05)
        self.fail("the engine never reached the customer locked by the user")

    def test_a_user_saving_the_customer_during_a_batch_keeps_the_save_and_the_batch_retries(self):
        user_cr = self.registry.cursor()
        try:
            # a user's save of a phone number, which re-evaluates nobody
            user_env = api.Environment(user_cr, SUPERUSER_ID, {})
            user_env["res.partner"].browse(self.ids["partner"]).write({"phone": PHONE})
            user_env.flush_all()  # the row is now locked by the user's open transaction
            outcome = {}
            engine = threading.Thread(target=self._run_engine, args=(outcome,))
            engine.start()
            self._wait_for_blocked_update()
            user_cr.commit()  # the user saves while the batch waits for the row
        finally:
            user_cr.close()
        engine.join(60)
        self.assertNotIn("error", outcome)
        self.assertTrue(outcome["result"], "the run completed")
        self.assertEqual(self._committed_partner(), (PHONE, 1, "buyer"))

    def test_a_user_save_that_meets_a_committed_batch_is_retried_by_odoo_and_succeeds(self):
        user_cr = self.registry.cursor()
        try:
            user_env = api.Environment(user_cr, SUPERUSER_ID, {})  # saves a phone number below
            partner = user_env["res.partner"].browse(self.ids["partner"])
            partner.name  # noqa: B018  the user's transaction has read the customer
            outcome = {}
            engine = threading.Thread(target=self._run_engine, args=(outcome,))
            engine.start()
            engine.join(60)
            self.assertNotIn("error", outcome)

            attempts = []

            def save():
                attempts.append(1)
                user_env["res.partner"].browse(self.ids["partner"]).write({"phone": PHONE})

            retrying(save, user_env)  # what Odoo does around every request
            user_cr.commit()
        finally:
            user_cr.close()
        self.assertEqual(len(attempts), 2, "the first save met the batch, the retry went through")
        self.assertEqual(self._committed_partner(), (PHONE, 1, "buyer"))

    def test_the_nightly_aggregation_reads_on_a_read_only_connection(self):
        if self.registry._db_readonly is None:
            self.skipTest("needs Odoo's replica dev mode (make test runs with --odoo-dev=replica)")
        connections = []
        open_cursor = type(self.registry).cursor

        def watched_cursor(registry, readonly=False):
            cursor = open_cursor(registry, readonly=readonly)
            connections.append((readonly, cursor.readonly))
            return cursor

        outcome = {}
        with patch.object(type(self.registry), "cursor", watched_cursor):
            self._run_engine(outcome)
        self.assertNotIn("error", outcome)
        self.assertIn((True, True), connections, "asked for, and got, a read-only connection")
        self.assertEqual(self._committed_partner()[1:], (1, "buyer"))
