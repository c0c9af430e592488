"""The nightly run under faults, on real connections with committed data.

Each test commits its customers through a cursor of its own (the engine reads on a read-only
connection and commits batch by batch: it never sees the test's uncommitted rows), settles the
database with a full run, then runs the engine with a fault injected at a phase boundary: the
engine's code path stays real, the fault (an error raised by PostgreSQL, a partner deleted or an
order confirmed on another connection, a real deadlock) is what a production night can meet.
The committed data is removed afterwards.
"""

import threading
import time
from contextlib import contextmanager, nullcontext
from unittest.mock import patch

from psycopg2 import errors

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.customer_lifecycle.models import customer_lifecycle_company_rows as rows_module
from odoo.addons.customer_lifecycle.models import customer_lifecycle_engine as engine_module
from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import deferred_reevaluation

ENGINE_LOGGER = "odoo.addons.customer_lifecycle.models.customer_lifecycle_engine"
PHONE = "+39 333 000 2222"
BOUGHT_TWICE = [("potential", "buyer", "schedule"), ("buyer", "customer", "order")]
# The session's own temporary tables: what a pooled connection would carry to its next user.
TEMP_TABLES = """
    SELECT relname FROM pg_class
     WHERE relnamespace = pg_my_temp_schema() AND relkind = 'r' ORDER BY relname
"""


@tagged("post_install", "-at_install")
class EngineFaultCase(TransactionCase):
    """Committed customers and the engine run on registry cursors."""

    def setUp(self):
        super().setUp()
        self.created = {"sale.order": [], "res.partner": [], "product.product": []}
        self.addCleanup(self._remove_committed_data)
        with self.committed() as env:
            product = env["product.product"].create(
                {"name": "Fault Beans", "list_price": 100.0, "taxes_id": [Command.clear()]}
            )
            self.created["product.product"].append(product.id)
            self.product_id = product.id
        self.run_engine(full=True)  # settled: only this test's customers have news

    # -- helpers --------------------------------------------------------------------------------

    @contextmanager
    def committed(self, defer=True):
        """An environment on a connection of its own, committed on exit. defer: the customers'
        immediate re-evaluation is left to the nightly run (in this thread)."""
        with self.registry.cursor() as cr, deferred_reevaluation() if defer else nullcontext():
            yield api.Environment(cr, SUPERUSER_ID, {})

    def customer(self, env, name, orders=0, quotations=0):
        """A committed customer with confirmed orders and quotations; returns (id, order ids)."""
        partner = env["res.partner"].create({"name": name})
        self.created["res.partner"].append(partner.id)
        order_ids = []
        for index in range(orders + quotations):
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.product_id, "price_unit": 100.0, "tax_ids": []}
                        )
                    ],
                }
            )
            if index < orders:
                order.action_confirm()
            self.created["sale.order"].append(order.id)
            order_ids.append(order.id)
        return partner.id, order_ids

    def _remove_committed_data(self):
        with self.committed() as env:
            partner_ids = (
                env["res.partner"]
                .with_context(active_test=False)
                .browse(self.created["res.partner"])
                .exists()
            )
            orders = env["sale.order"].browse(self.created["sale.order"]).exists()
            orders._action_cancel()
            orders.unlink()
            env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "in", partner_ids.ids)]
            ).unlink()
            partner_ids.unlink()
            env["product.product"].browse(self.created["product.product"]).unlink()

    def run_engine(self, full=False):
        """The nightly run on a connection of its own (full: the weekly one)."""
        if full:
            with self.committed() as env:
                env["res.company"]._lifecycle_company().lifecycle_last_full_run = False
        with self.committed(defer=False) as env:
            return env["customer.lifecycle.engine"]._recompute_all()

    def on_another_connection(self, change):
        """A user's transaction, committed while the engine is paused at a phase boundary."""
        with self.committed(defer=False) as env:
            # the engine is paused where it is: a lock it holds fails the test, not hangs it
            env.cr.execute(SQL("SET LOCAL lock_timeout = '20s'"))
            change(env)

    def hook(self, method, before=None, after=None, model="customer.lifecycle.engine"):
        """Run before/after (once) around the real `method` of the engine (or of the model that
        owns that step): a pause at a phase boundary where another connection does something."""
        Engine = type(self.env[model])
        original = getattr(Engine, method)
        done = []

        def fire(callback, args):
            if callback and not done:
                done.append(1)  # at once: the callback's connection may run the engine too
                if not callback(*args):
                    done.clear()

        def hooked(engine, *args, **kwargs):
            fire(before, args)
            result = original(engine, *args, **kwargs)
            fire(after, args)
            return result

        return patch.object(Engine, method, hooked)

    def state(self, partner_id):
        """(order count, stage code, fact order count, active) as committed."""
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """SELECT p.lifecycle_order_count, s.code, f.order_count, p.active
                         FROM res_partner p
                    LEFT JOIN customer_lifecycle_stage s ON s.id = p.lifecycle_stage_id
                    LEFT JOIN customer_lifecycle_fact f
                           ON f.partner_id = p.id AND f.company_id = %s
                        WHERE p.id = %s""",
                    self.env.ref("base.main_company").id,
                    partner_id,
                )
            )
            return cr.fetchone()

    def history(self, partner_id):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """SELECT f.code, t.code, h.trigger
                         FROM customer_lifecycle_history h
                    LEFT JOIN customer_lifecycle_stage f ON f.id = h.stage_from_id
                         JOIN customer_lifecycle_stage t ON t.id = h.stage_to_id
                        WHERE h.partner_id = %s ORDER BY h.id""",
                    partner_id,
                )
            )
            return cr.fetchall()


class TestWorkTables(EngineFaultCase):
    """No exception path leaves a work table on a pooled connection, and an order confirmed
    on that connection afterwards goes through."""

    def test_a_run_that_fails_in_any_phase_leaves_its_connection_clean_for_the_next_order(self):
        phases = ["_upsert_facts", "_upsert_payments", "_classify", "_write_metrics"]
        owners = {
            "_upsert_facts": "customer.lifecycle.fact",
            "_upsert_payments": "customer.lifecycle.payment",
        }
        customers = {}
        with self.committed() as env:
            for phase in [*phases, "success"]:
                # news for every phase to reach (a deferred order), and a quotation to confirm
                news, _orders = self.customer(env, f"News before {phase}", orders=1)
                buyer, (quotation,) = self.customer(env, f"Buyer after {phase}", quotations=1)
                customers[phase] = (news, buyer, quotation)

        def division_by_zero(engine, *args):
            engine.env.cr.execute(SQL("SELECT 1 / 0"))  # a real error, raised by PostgreSQL

        for phase in phases:
            with self.subTest(phase=phase):
                _news, buyer, quotation = customers[phase]
                with self.committed() as env:
                    env["res.company"]._lifecycle_company().lifecycle_last_full_run = False
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    engine = env["customer.lifecycle.engine"]
                    with (
                        self.hook(
                            phase,
                            after=lambda *args, e=engine: division_by_zero(e),
                            model=owners.get(phase, "customer.lifecycle.engine"),
                        ),
                        self.assertRaises(errors.DivisionByZero),
                        mute_logger("odoo.sql_db", ENGINE_LOGGER),
                    ):
                        engine._recompute_all()
                    cr.execute(SQL(TEMP_TABLES))
                    self.assertEqual(cr.fetchall(), [], "nothing left for the pool")
                    # the same connection serves a user confirming an order
                    env.invalidate_all()
                    env["sale.order"].browse(quotation).action_confirm()
                    cr.commit()
                    cr.execute(SQL(TEMP_TABLES))
                    self.assertEqual(cr.fetchall(), [])
                self.assertEqual(self.state(buyer)[:3], (1, "buyer", 1))

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            result = env["customer.lifecycle.engine"]._recompute_all()
            cr.execute(SQL(TEMP_TABLES))
            self.assertEqual(cr.fetchall(), [], "a run that succeeds leaves nothing either")
        self.assertTrue(result)
        for news, _buyer, _quotation in customers.values():
            self.assertEqual(self.state(news)[:3], (1, "buyer", 1))


@tagged("post_install", "-at_install")
class TestWorkTablesInTheUsersTransaction(TransactionCase):
    def test_an_order_confirms_whatever_work_tables_its_connection_holds(self):
        cr = self.env.cr
        for table in (
            "customer_lifecycle_fact_new",
            "customer_lifecycle_payment_new",
            "clc_target",
            "clc_prediction",
        ):
            # left by something that failed before, in whatever shape
            cr.execute(SQL("CREATE TEMP TABLE %s (leftover text)", SQL.identifier(table)))
        partner = self.env["res.partner"].create({"name": "Saved Anyway"})
        product = self.env["product.product"].create({"name": "Beans", "taxes_id": []})
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create({"product_id": product.id, "price_unit": 40.0, "tax_ids": []})
                ],
            }
        )
        order.action_confirm()
        self.assertEqual(partner.lifecycle_stage_id.code, "buyer")
        self.assertEqual(partner.lifecycle_order_count, 1)
        self.assertEqual(partner.lifecycle_revenue_total, 40.0)


class TestDeadlocks(EngineFaultCase):
    def test_a_batch_that_meets_a_deadlock_is_retried_and_the_run_ends_right(self):
        with self.committed() as env:
            customer, _orders = self.customer(env, "Deadlocked Customer", orders=1)
            # outside the population (archived): the batch has nothing to write on it
            other, _orders = self.customer(env, "Locked First")
            env["res.partner"].browse(other).action_archive()
        attempts = []
        Engine = type(self.env["customer.lifecycle.engine"])
        write_metrics = Engine._write_metrics

        def write_then_lock_other(engine, partner_ids, *args):
            count = write_metrics(engine, partner_ids, *args)
            attempts.append(list(partner_ids))
            if len(attempts) == 1:  # the batch holds its customers: now it wants another row
                engine.env.cr.execute(
                    SQL("SELECT 1 FROM res_partner WHERE id = %s FOR UPDATE /* clc-lock */", other)
                )
            return count

        user_cr = self.registry.cursor()
        outcome = {}

        def run():
            try:
                outcome["result"] = self.run_engine()
            except Exception as error:  # reported by the assertions below
                outcome["error"] = error

        try:
            # the user's side is never the one PostgreSQL picks to abort
            user_cr.execute(SQL("SET LOCAL deadlock_timeout = '60s'"))
            # a user's save of a phone number, which re-evaluates nobody
            user_env = api.Environment(user_cr, SUPERUSER_ID, {})
            user_env["res.partner"].browse(other).write({"phone": PHONE})
            user_env.flush_all()  # the user holds `other`
            with patch.object(Engine, "_write_metrics", write_then_lock_other):
                engine = threading.Thread(target=run)
                engine.start()
                self._wait_for_lock("%clc-lock%")
                # and now wants the customer the batch holds: a cycle, the engine is aborted
                user_env["res.partner"].browse(customer).write({"phone": PHONE})
                user_env.flush_all()
                user_cr.commit()
                engine.join(60)
        finally:
            user_cr.close()
        self.assertNotIn("error", outcome)
        self.assertEqual(len(attempts), 2, "deadlocked once, retried once")
        self.assertEqual(attempts[0], attempts[1])
        self.assertIn(customer, attempts[0])
        self.assertEqual(self.state(customer)[:3], (1, "buyer", 1))
        with self.registry.cursor() as cr:
            cr.execute(SQL("SELECT phone FROM res_partner WHERE id = %s", customer))
            self.assertEqual(cr.fetchone()[0], PHONE, "the user's save stands")

    def _wait_for_lock(self, query_pattern):
        deadline = time.monotonic() + 20
        with self.registry.cursor() as cr:
            while time.monotonic() < deadline:
                cr.execute(
                    SQL(
                        """SELECT 1 FROM pg_stat_activity
                            WHERE wait_event_type = 'Lock' AND query LIKE %s""",
                        query_pattern,
                    )
                )
                if cr.fetchone():
                    return
                cr.rollback()
                time.sleep(0.05)
        self.fail("the engine never waited for the row locked by the user")


class TestPartnersGoneUnderTheRun(EngineFaultCase):
    """Partners deleted, archived or merged between the read and the write do not abort the
    run: what is gone is skipped, the rest is written."""

    def merge(self, env, source, destination):
        wizard = env["base.partner.merge.automatic.wizard"]
        wizard._merge([source, destination], env["res.partner"].browse(destination), False)

    def test_customers_deleted_or_merged_after_the_read_are_skipped(self):
        with self.committed() as env:
            deleted, _orders = self.customer(env, "Deleted After The Read")
            merged, _orders = self.customer(env, "Merged After The Read", orders=1)
            kept, _orders = self.customer(env, "Kept After The Read")
            written, _orders = self.customer(env, "Written After The Read", orders=1)

        def delete_and_merge(*args):
            self.on_another_connection(
                lambda env: (
                    env["res.partner"].browse(deleted).unlink(),
                    self.merge(env, merged, kept),
                )
            )
            return True

        with (
            self.hook("_stage_rows", before=delete_and_merge, model="customer.lifecycle.fact"),
            mute_logger(ENGINE_LOGGER),
        ):
            result = self.run_engine()
        self.assertTrue(result)
        self.assertEqual(self.state(written)[:3], (1, "buyer", 1))
        self.assertEqual(self.history(written), [("potential", "buyer", "schedule")])
        self.assertIsNone(self.state(deleted))
        self.assertIsNone(self.state(merged))

    def test_customers_deleted_archived_or_merged_before_the_stage_moves_are_skipped(self):
        with self.committed() as env:
            first_deleted, _orders = self.customer(env, "First Stage, Deleted")
            env.cr.execute(
                SQL("UPDATE res_partner SET lifecycle_stage_id = NULL WHERE id = %s", first_deleted)
            )
            moved_deleted, _orders = self.customer(env, "Moving, Deleted")
            env["res.partner"].browse(moved_deleted).message_post(
                body="Called, interested", message_type="comment"
            )
            archived, _orders = self.customer(env, "Moving, Archived", orders=1)
            merged, _orders = self.customer(env, "Moving, Merged", orders=1)
            kept, _orders = self.customer(env, "Merged Into")
            first_written, _orders = self.customer(env, "First Stage, Written")
            env.cr.execute(
                SQL("UPDATE res_partner SET lifecycle_stage_id = NULL WHERE id = %s", first_written)
            )
            written, _orders = self.customer(env, "Moving, Written", orders=1)

        def remove(*args):
            def change(env):
                env["res.partner"].browse([first_deleted, moved_deleted]).unlink()
                env["res.partner"].browse(archived).action_archive()
                self.merge(env, merged, kept)

            self.on_another_connection(change)
            return True

        # after the customers to write were listed: a first stage is written with the metrics
        # (or, metrics unchanged, with the stage moves), a move with the stage moves
        with self.hook("_changed_partner_ids", after=remove), mute_logger(ENGINE_LOGGER):
            result = self.run_engine()
        self.assertTrue(result)
        self.assertEqual(result["stages"], 2, "the two customers still there moved")
        self.assertEqual(self.state(written)[:3], (1, "buyer", 1))
        self.assertEqual(self.history(written), [("potential", "buyer", "schedule")])
        self.assertEqual(self.state(first_written)[:3], (0, "potential", 0))
        self.assertEqual(self.history(first_written), [(None, "potential", "schedule")])
        self.assertEqual(self.state(archived)[1:], ("potential", 1, False), "left as it was")
        self.assertEqual(self.history(archived), [])
        self.assertIsNone(self.state(first_deleted))
        self.assertIsNone(self.state(moved_deleted))
        self.assertIsNone(self.state(merged))


class TestStaleReads(EngineFaultCase):
    """A read that began before a user's order confirmation committed never overwrites the
    fresher facts that confirmation wrote, nor moves the customer's stage back."""

    def setUp(self):
        super().setUp()
        with self.committed() as env:
            self.buyer, (_order, self.quotation) = self.customer(
                env, "Ordering During The Run", orders=1, quotations=1
            )
        self.run_engine()  # a daily run: a buyer with one order
        self.assertEqual(self.state(self.buyer)[:3], (1, "buyer", 1))

    def confirm_the_quotation(self, *args):
        self.on_another_connection(
            lambda env: env["sale.order"].browse(self.quotation).action_confirm()
        )
        # the customer's immediate re-evaluation ran in that transaction
        self.assertEqual(self.state(self.buyer)[:3], (2, "customer", 2))
        self.assertEqual(self.history(self.buyer), BOUGHT_TWICE)
        return True

    def assert_never_moved_back(self):
        """Two orders, and after the two moves a repeat customer may only have become a fan
        (the run's RFM scores make the top cell's repeat customers fans)."""
        state, history = self.state(self.buyer), self.history(self.buyer)
        self.assertEqual(history[:2], BOUGHT_TWICE)
        self.assertIn(history[2:], ([], [("customer", "fan", "schedule")]))
        self.assertEqual(state[:3], (2, history[-1][1], 2))

    def assert_the_next_runs_agree(self):
        self.assert_never_moved_back()
        result = self.run_engine()  # the next daily run
        self.assertFalse(result["full"])
        self.assert_never_moved_back()
        settled = self.state(self.buyer), self.history(self.buyer)
        self.assertTrue(self.run_engine(full=True))
        self.assertEqual((self.state(self.buyer), self.history(self.buyer)), settled)

    def test_an_order_confirmed_after_the_read_is_kept(self):
        with self.hook(
            "_stage_rows", before=self.confirm_the_quotation, model="customer.lifecycle.fact"
        ):
            self.assertTrue(self.run_engine(full=True))
        # classified on the fresh facts: the next runs have nothing to change
        self.assert_never_moved_back()
        settled = self.state(self.buyer), self.history(self.buyer)
        self.assert_the_next_runs_agree()
        self.assertEqual((self.state(self.buyer), self.history(self.buyer)), settled)

    def test_an_order_confirmed_after_the_classification_is_kept(self):
        def after_the_classification(ids, *args, **kwargs):
            return ids is None and self.confirm_the_quotation()

        with self.hook("_classify", after=after_the_classification):
            self.assertTrue(self.run_engine(full=True))
        # classified before the order: the customer was left as its re-evaluation wrote it
        self.assertEqual(self.state(self.buyer)[:3], (2, "customer", 2))
        self.assertEqual(self.history(self.buyer), BOUGHT_TWICE)
        self.assert_the_next_runs_agree()


class TestReevaluatedWithoutNewOrders(EngineFaultCase):
    def test_a_referrer_set_after_the_classification_is_kept(self):
        """Setting a referrer re-evaluates the customer at once without changing its order
        facts: the re-evaluation itself marks it as fresher than the classification."""
        with self.committed() as env:
            referrer, _orders = self.customer(env, "Bringing A Friend", orders=1)
            friend, _orders = self.customer(env, "Brought By A Friend")
        self.assertEqual(self.state(friend)[:3], (None, "potential", None))  # not evaluated yet
        after_referral = {}

        def set_the_referrer(ids, *args, **kwargs):
            if ids is not None:
                return False
            self.on_another_connection(
                lambda env: (
                    env["res.partner"].browse(friend).write({"lifecycle_referred_by_id": referrer})
                )
            )
            after_referral.update(state=self.state(friend), history=self.history(friend))
            return True

        with self.hook("_classify", after=set_the_referrer):
            self.assertTrue(self.run_engine(full=True))
        self.assertEqual(after_referral["state"][:3], (0, "referral", 0))
        self.assertEqual([to for _from, to, _trigger in after_referral["history"]], ["referral"])
        self.assertEqual(self.state(friend), after_referral["state"], "not moved back")
        self.assertEqual(self.history(friend), after_referral["history"])
        self.assertTrue(self.run_engine())  # and the next run agrees
        self.assertEqual(self.state(friend), after_referral["state"])
        self.assertEqual(self.history(friend), after_referral["history"])


class TestUsersOrderingDuringTheUpserts(EngineFaultCase):
    """The weekly full run's facts upsert meets users' orders re-evaluating their customers
    (issue 14): it upserts in chunks of customers, each its own transaction retried on a
    concurrent update, so that no number of orders over the whole run makes it give up."""

    def setUp(self):
        super().setUp()
        with self.committed() as env:
            # each a buyer after the settling run, with a quotation left to confirm
            self.customers = {}
            for index in range(5):
                partner_id, (_order, quotation) = self.customer(
                    env, f"Ordering During The Upsert {index}", orders=1, quotations=1
                )
                self.customers[partner_id] = quotation
        self.run_engine(full=True)
        for partner_id in self.customers:
            self.assertEqual(self.state(partner_id)[:3], (1, "buyer", 1))
        # one customer per chunk: every customer's chunk is a transaction of its own
        self.enterContext(patch.object(rows_module, "UPSERT_CHUNK_SIZE", 1))

    @staticmethod
    def chunk_holds(partner_id, args):
        """Whether the chunk _upsert_facts(ids, snapshot, low, high) was called for holds
        the customer (no bounds: the whole set, as before the chunks)."""
        low, high = (*args[2:], None, None)[:2]
        return (low is None or low <= partner_id) and (high is None or partner_id < high)

    def fact_revenue(self, partner_id):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT revenue FROM customer_lifecycle_fact "
                    "WHERE partner_id = %s AND company_id = %s",
                    partner_id,
                    self.env.ref("base.main_company").id,
                )
            )
            return cr.fetchone()[0]

    def test_an_order_confirmed_in_each_chunk_is_kept_and_the_run_completes(self):
        """More orders during the upsert than a transaction has attempts: each meets only its
        customer's chunk once, which is retried; the run completes, the orders stand."""
        confirmed = []

        def confirm_an_order_in_this_chunk(*args):
            waiting = [
                (partner_id, quotation)
                for partner_id, quotation in self.customers.items()
                if partner_id not in confirmed and self.chunk_holds(partner_id, args)
            ]
            if waiting:  # a user confirms an order: its customer is re-evaluated at once
                partner_id, quotation = waiting[0]
                confirmed.append(partner_id)
                self.on_another_connection(
                    lambda env: env["sale.order"].browse(quotation).action_confirm()
                )
            return False  # at every chunk, every attempt

        with (
            self.hook(
                "_upsert_facts",
                before=confirm_an_order_in_this_chunk,
                model="customer.lifecycle.fact",
            ),
            mute_logger(ENGINE_LOGGER),
        ):
            result = self.run_engine(full=True)
        self.assertEqual(len(confirmed), 5, "five orders, more than RETRIES")
        self.assertTrue(result["full"])
        self.assertEqual(result["left"], 0)
        for partner_id in self.customers:
            self.assertEqual(self.state(partner_id), (2, "customer", 2, True))
            self.assertEqual(self.history(partner_id), BOUGHT_TWICE)
            self.assertEqual(self.fact_revenue(partner_id), 200.0)
        with self.committed() as env:
            self.assertTrue(env["res.company"]._lifecycle_company().lifecycle_last_full_run)

    def reevaluated(self, partner_id):
        """What a customer's re-evaluation that changes no figure writes (_mark_reevaluated),
        committed on another connection."""
        company_id = self.env.ref("base.main_company").id
        self.on_another_connection(
            lambda env: env.cr.execute(
                SQL(
                    """UPDATE customer_lifecycle_fact SET written_xid = pg_current_xact_id()
                        WHERE partner_id = %s AND company_id = %s""",
                    partner_id,
                    company_id,
                )
            )
        )

    def import_the_second_orders(self):
        with self.committed() as env:  # news for the nightly run: a second order, imported
            env["sale.order"].browse(list(self.customers.values())).action_confirm()

    def assert_all_repeat_customers(self, trigger="schedule"):
        for partner_id in self.customers:
            self.assertEqual(self.state(partner_id), (2, "customer", 2, True))
            self.assertEqual(
                self.history(partner_id),
                [("potential", "buyer", "schedule"), ("buyer", "customer", trigger)],
            )
            self.assertEqual(self.fact_revenue(partner_id), 200.0)

    def test_a_customer_reevaluated_at_every_chunk_is_right_after_the_next_run(self):
        """One customer's facts row re-evaluated at every chunk boundary of the upsert, more
        times than a transaction has attempts: the run completes, every other customer is
        right, the touched one keeps what its re-evaluation wrote, and the next run reads it
        again."""
        self.import_the_second_orders()
        touched = list(self.customers)[2]
        updates = []

        def reevaluate_the_touched_customer(*args):
            self.reevaluated(touched)
            updates.append(touched)
            return False  # at every chunk, every attempt

        with (
            self.hook(
                "_upsert_facts",
                before=reevaluate_the_touched_customer,
                model="customer.lifecycle.fact",
            ),
            mute_logger(ENGINE_LOGGER),
        ):
            result = self.run_engine(full=True)
        self.assertGreater(len(updates), engine_module.RETRIES, "more updates than attempts")
        self.assertEqual(result["left"], 0)
        for partner_id in self.customers:
            if partner_id == touched:  # re-evaluated after the read: fresher, kept
                self.assertEqual(self.state(partner_id), (1, "buyer", 1, True))
                self.assertEqual(self.history(partner_id), BOUGHT_TWICE[:1])
                self.assertEqual(self.fact_revenue(partner_id), 100.0)
            else:
                self.assertEqual(self.state(partner_id), (2, "customer", 2, True))
                self.assertEqual(self.history(partner_id)[1], ("buyer", "customer", "schedule"))
                self.assertEqual(self.fact_revenue(partner_id), 200.0)

        result = self.run_engine()  # the next night reads its new order again
        self.assertFalse(result["full"])
        self.assert_all_repeat_customers()

    def test_a_chunk_that_keeps_failing_is_left_for_the_next_run(self):
        """A facts row locked by another transaction for the whole run, the engine's lock
        timeout short: the chunk holding it fails on every attempt and is left as it was; every
        other customer is written; the run does not record itself, so the next one is full
        again and writes the one left."""
        self.import_the_second_orders()
        locked = list(self.customers)[2]
        holder = self.registry.cursor()
        try:
            holder.execute(
                SQL(
                    "SELECT 1 FROM customer_lifecycle_fact WHERE partner_id = %s FOR UPDATE",
                    locked,
                )
            )
            with (
                self.registry.cursor() as cr,
                mute_logger("odoo.sql_db"),
                # the run's warning (the engine's) and the chunk's (the upsert toolkit's)
                self.assertLogs("odoo.addons.customer_lifecycle.models", "WARNING") as logs,
            ):
                cr.execute(SQL("SET lock_timeout = '1s'"))  # the session's, through its commits
                cr.commit()
                try:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env["res.company"]._lifecycle_company().lifecycle_last_full_run = False
                    result = env["customer.lifecycle.engine"]._recompute_all()
                finally:
                    cr.execute(SQL("RESET lock_timeout"))
        finally:
            holder.rollback()
            holder.close()
        self.assertEqual(result["left"], 1)
        self.assertEqual(len([line for line in logs.output if "stay as they were" in line]), 1)
        self.assertEqual(len([line for line in logs.output if "next run reads" in line]), 1)
        for partner_id in self.customers:
            if partner_id == locked:
                self.assertEqual(self.state(partner_id), (1, "buyer", 1, True), "as it was")
                self.assertEqual(self.history(partner_id), BOUGHT_TWICE[:1])
            else:
                self.assertEqual(self.state(partner_id), (2, "customer", 2, True))
        with self.committed() as env:
            self.assertFalse(env["res.company"]._lifecycle_company().lifecycle_last_full_run)

        result = self.run_engine()  # the next night: full again
        self.assertTrue(result["full"])
        self.assertEqual(result["left"], 0)
        self.assert_all_repeat_customers()
        with self.committed() as env:
            self.assertTrue(env["res.company"]._lifecycle_company().lifecycle_last_full_run)


@tagged("post_install", "-at_install")
class TestBulkTracking(TransactionCase):
    maxDiff = None

    def test_the_nightly_stage_message_is_what_odoo_tracking_writes(self):
        Stage = self.env["customer.lifecycle.stage"]
        potential, buyer = (Stage.search([("code", "=", code)]) for code in ("potential", "buyer"))
        company = self.env.ref("base.main_company")
        by_hand, by_engine = self.env["res.partner"].create(
            [
                {"name": "Moved Through Tracking", "company_id": company.id},
                {"name": "Moved In Bulk", "company_id": company.id},
            ]
        )
        self.assertEqual((by_hand | by_engine).lifecycle_stage_id, potential)
        self.env.flush_all()
        self.env.cr.precommit.run()  # "Contact created": later changes are tracked apart
        by_hand.write({"lifecycle_stage_id": buyer.id})  # Odoo's own tracking
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env["customer.lifecycle.engine"]._write_stage_changes(
            [(by_engine.id, buyer.id)], "schedule"
        )
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.assertEqual((by_hand | by_engine).lifecycle_stage_id, buyer)

        def rows(table, where, partner):
            self.env.cr.execute(
                SQL(
                    "SELECT * FROM %s WHERE %s ORDER BY id",
                    SQL.identifier(table),
                    SQL(where, partner.id),
                )
            )
            return self.env.cr.dictfetchall()

        messages, trackings = {}, {}
        for partner in (by_hand, by_engine):
            (messages[partner],) = rows(
                "mail_message",
                "model = 'res.partner' AND res_id = %s AND message_type = 'notification' "
                "AND body NOT LIKE '%%created%%'",
                partner,
            )
            trackings[partner] = rows(
                "mail_tracking_value",
                "mail_message_id IN (SELECT id FROM mail_message WHERE model = 'res.partner' "
                "AND res_id = %s)",
                partner,
            )
        own = {"id", "res_id", "date", "create_date", "write_date", "message_id"}
        hand, engine = ({k: v for k, v in messages[p].items() if k not in own} for p in messages)
        self.assertEqual(engine, hand)
        self.assertRegex(
            messages[by_engine]["message_id"], r"^<\d+\.\d+\.\d+-openerp-message-notify@.+>$"
        )
        self.assertNotEqual(messages[by_engine]["message_id"], messages[by_hand]["message_id"])
        own = {"id", "mail_message_id", "create_date", "write_date"}
        hand, engine = (
            [{k: v for k, v in row.items() if k not in own} for row in trackings[p]]
            for p in trackings
        )
        self.assertEqual(len(hand), 1)
        self.assertEqual(engine, hand)
