"""The nightly run killed at one of its phases, for tests/test_killed_run.py.

Run with .venv's Python:
    kill_driver.py seed CONFIG DATABASE        commit the small dataset the kill test uses
    kill_driver.py run CONFIG DATABASE [PHASE] one nightly run, as the scheduler starts it;
                                               with PHASE, the process kills itself (SIGKILL)
                                               on entering that phase
    kill_driver.py serve CONFIG DATABASE       the same runs, one per line read on stdin ("run",
                                               "kill PHASE"), each in a process forked from
                                               one loaded Odoo (see serve)
    kill_driver.py phases                      the phase names, one a line

The real engine runs; only the method where a phase begins is wrapped, so that the kill lands
there, and the batch size is lowered so that the write phase commits several batches and the
kill can land between two of them. A run that never reaches its phase exits with status 3.
"""

import os
import signal
import sys
from datetime import timedelta

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tools import SQL

BATCH_SIZE = 4  # 38 customers: several committed batches in every step of the write phase
ENGINE = "customer.lifecycle.engine"
FACTS = "customer.lifecycle.fact"
PAYMENTS = "customer.lifecycle.payment"
# phase: (model, method, which call kills). The second call of a batch method lands after the
# first batch was committed.
PHASES = {
    "find": (FACTS, "_dirty_customer_ids", 1),
    "aggregate": (FACTS, "_aggregate_from_replica", 1),
    "aggregate-upsert": (FACTS, "_upsert_facts", 1),
    "payments": (PAYMENTS, "_refresh_payments", 1),
    "payments-upsert": (PAYMENTS, "_upsert_payments", 1),
    "predict": ("customer.lifecycle.prediction", "_predict", 1),
    "classify": (ENGINE, "_classify", 1),
    "write": (ENGINE, "_write_targets", 1),
    "write-metrics-batch-2": (ENGINE, "_write_metrics", 2),
    "first-stages-batch-2": (ENGINE, "_write_first_stages", 2),
    "stage-changes-batch-2": (ENGINE, "_write_stage_changes", 2),
    "manual-confirmations": (ENGINE, "_confirm_manual_stages", 1),
    "after-write": (ENGINE, "_clear_excluded_partners", 1),
}


def registry(config, database):
    odoo.tools.config.parse_config(["-c", config, "-d", database, "--log-level=warn"])
    return odoo.modules.registry.Registry(database)


def seed(config, database):
    """38 customers, committed: 10 buyers who ordered again (a stage change through the ORM),
    15 new customers (a first stage in SQL, with their metrics), 8 partners who never ordered
    and have no stage (a first stage alone), 5 moved by hand whose new order confirms the move
    (the manual flag cleared). The new orders are saved as an import saves them (deferred
    re-evaluation): only the nightly run evaluates them. Six of them have posted invoices (how
    they pay)."""
    with registry(config, database).cursor() as cr:
        from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import (  # noqa: PLC0415
            deferred_reevaluation,
        )

        env = api.Environment(cr, SUPERUSER_ID, {})
        product = env["product.product"].create({"name": "Kill Test Beans"})
        stage = env["customer.lifecycle.stage"].search([("code", "=", "customer")])

        def order(partner, price):
            sale = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [Command.create({"product_id": product.id, "price_unit": price})],
                }
            )
            sale.action_confirm()

        Partner = env["res.partner"]
        again = Partner.create([{"name": f"Kill Again {i:02d}"} for i in range(10)])
        fresh = Partner.create([{"name": f"Kill New {i:02d}"} for i in range(15)])
        # partners already there at install, never ordered: a first stage, metrics unchanged
        quiet = Partner.create([{"name": f"Kill Quiet {i:02d}"} for i in range(8)])
        env["customer.lifecycle.engine"]._recompute_partners(quiet, "manual")  # their figures
        manual = Partner.create([{"name": f"Kill Manual {i:02d}"} for i in range(5)])
        for i, partner in enumerate(again | manual):
            order(partner, 40 + i)  # re-evaluated at once: a buyer
        manual.write({"lifecycle_stage_id": stage.id})  # by hand, ahead of the evidence
        with deferred_reevaluation():
            for i, partner in enumerate(again | manual):
                order(partner, 60 + i)
            for i, partner in enumerate(fresh):
                for k in range(1 + i % 3):
                    order(partner, 20 + i + k)
        # the new customers arrived as an SQL import does: without a stage yet (the ordering
        # ones get it with their metrics, the quiet ones on the first-stage path)
        cr.execute(
            SQL(
                "UPDATE res_partner SET lifecycle_stage_id = NULL WHERE id = ANY(%s)",
                (fresh | quiet).ids,
            )
        )
        today = fields.Date.context_today(env["res.partner"])
        for i, partner in enumerate(again[:6]):  # how they pay: posted invoices, some overdue
            # a direct invoice is a purchase: posted as an import posts it, the nightly run
            # counts it with the rest
            with deferred_reevaluation():
                invoice = env["account.move"].create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": today - timedelta(days=40),
                        "invoice_date_due": today - timedelta(days=10 * (i % 3)),
                        "invoice_line_ids": [
                            Command.create(
                                {"name": "Kill Test Beans", "quantity": 1, "price_unit": 30 + i}
                            )
                        ],
                    }
                )
                invoice.action_post()
        env.invalidate_all()


def recompute(reg, phase=None):
    """One nightly run, as the scheduler starts it; with phase, the process kills itself
    (SIGKILL) on entering that phase, and exits with 3 when it never gets there."""
    if phase:
        model, method, nth = PHASES[phase]
        cls = reg[model]
        original = getattr(cls, method)
        calls = []

        def wrapper(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == nth:
                os.kill(os.getpid(), signal.SIGKILL)
            return original(self, *args, **kwargs)

        setattr(cls, method, wrapper)
    with reg.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = env[ENGINE]._recompute_all()
    if phase:
        print(f"kill point {phase} not reached", file=sys.stderr)
        return 3
    return 0 if result else 4  # False: another run held the lock


def load(config, database):
    reg = registry(config, database)
    from odoo.addons.customer_lifecycle.models import customer_lifecycle_engine  # noqa: PLC0415

    customer_lifecycle_engine.BATCH_SIZE = BATCH_SIZE
    customer_lifecycle_engine.STAGE_BATCH_SIZE = BATCH_SIZE
    return reg


def serve(config, database):
    """Load Odoo once, then run every command read on stdin ("run" or "kill PHASE") in a
    process forked for it, on the database as it is at that moment: each run starts from a
    freshly loaded Odoo without paying its start-up. Nothing of the parent talks to PostgreSQL
    between commands, so the caller may drop and recreate the database meanwhile. Answers one
    line per command: the child's exit status, or -9 when it was killed."""
    reg = load(config, database)
    odoo.sql_db.close_all()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        phase = words[1] if words[0] == "kill" else None
        pid = os.fork()
        if not pid:
            code = 1
            try:
                code = recompute(reg, phase)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        answer = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(answer, flush=True)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "phases":
        print("\n".join(PHASES))
    elif command == "seed":
        seed(*args)
    elif command == "run":
        sys.exit(recompute(load(*args[:2]), *args[2:]))
    elif command == "serve":
        serve(*args)
    else:
        sys.exit(f"unknown command {command}")
