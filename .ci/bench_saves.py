"""How long a user's save waits while the engine runs: the clients of bench.py's save scenario.

    bench_saves.py CONFIG DATABASE STOP_FILE MAX_SECONDS

Two clients, each a thread with its own cursor, as two users of the server: one saves a random
bench customer every 0.2 s (an ORM write of the street, committed), the other confirms a small
order for a random bench customer every second (create with one line, action_confirm, committed;
the addon re-evaluates that customer at once). Each save is timed from its first statement to its
commit. They run until STOP_FILE exists (or MAX_SECONDS have passed); then the timings are printed
as JSON on stdout: {"saves": [ms, ...], "orders": [ms, ...], "errors": [text, ...]}. bench.py
starts them once with no run going (the baseline) and once during the weekly full run.
"""

import json
import os
import random
import sys
import threading
import time

import odoo
from odoo import SUPERUSER_ID, Command, api

SAVE_EVERY = 0.2
ORDER_EVERY = 1.0


def client(registry, every, act, stop, timings, errors, seed):
    rng = random.Random(seed)
    with registry.cursor() as cr:
        cr.execute("SELECT min(id), max(id) FROM res_partner WHERE name LIKE 'Bench Customer %%'")
        first, last = cr.fetchone()
    while not stop():
        began = time.perf_counter()
        try:
            with registry.cursor() as cr:
                act(api.Environment(cr, SUPERUSER_ID, {}), rng.randint(first, last), rng)
        except Exception as error:  # a failed save is a result, reported
            errors.append(f"{type(error).__name__}: {error}")
        took = time.perf_counter() - began
        timings.append(took * 1000)
        time.sleep(max(0.0, every - took))


def save_street(env, partner_id, rng):
    env["res.partner"].browse(partner_id).write({"street": f"Via Bench {rng.randint(1, 999)}"})


def confirm_order(env, partner_id, rng):
    product = env["product.product"].search([("name", "=", "Bench product")], limit=1)
    order = env["sale.order"].create(
        {
            "partner_id": partner_id,
            "order_line": [Command.create({"product_id": product.id, "price_unit": 100})],
        }
    )
    order.action_confirm()


def main(config, database, stop_file, max_seconds):
    odoo.tools.config.parse_config(["-c", config, "-d", database, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(database)
    deadline = time.monotonic() + float(max_seconds)

    def stop():
        return os.path.exists(stop_file) or time.monotonic() > deadline

    results = {"saves": [], "orders": [], "errors": []}
    threads = [
        threading.Thread(
            target=client,
            args=(registry, every, act, stop, results[kind], results["errors"], seed),
        )
        for kind, every, act, seed in (
            ("saves", SAVE_EVERY, save_street, 1),
            ("orders", ORDER_EVERY, confirm_order, 2),
        )
    ]
    for thread in threads:
        thread.start()
    print("ready", file=sys.stderr, flush=True)
    for thread in threads:
        thread.join()
    print(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:5])
