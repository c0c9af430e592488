"""make loadtest: users working over JSON-RPC while the nightly run goes, at the L bench size.

Run by .ci/loadtest.sh with .venv's Python:
    loadtest.py prepare CONFIG DATABASE OUT.json   users, password, funnel request; one full run
    loadtest.py nightly CONFIG DATABASE            the weekly full run, as the scheduler starts it
    loadtest.py load URL DATABASE IN.json SECONDS CLIENTS [NIGHTLY_COMMAND...]
        CLIENTS concurrent clients for SECONDS, or, with a nightly command, for as long as that
        command runs (at most 15 minutes); then every write they made is read back.

Each client cycles through three requests, each a JSON-RPC call the web client makes: a
salesperson confirms an order (create, then action_confirm, on a bench customer), an
administrator saves a partner (write of a value unique to that request, on partners of that
client only, so that the last value written is known), and the salesperson opens the Lifecycle
Funnel (web_read_group on res.partner grouped by stage with the action's domain, 40 cards a
column). Everything stays on 127.0.0.1, and every loop is bounded in time and count.
"""

import json
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlparse

import requests

PASSWORD = "loadtest"
MAX_SECONDS = 900
MAX_REQUESTS_PER_CLIENT = 100_000
PARTNERS_PER_CLIENT = 20


# -- in Odoo: prepare and the nightly run -------------------------------------------------------


def _registry(config, database):
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", config, "-d", database, "--log-level=warn"])
    return odoo.modules.registry.Registry(database)


def prepare(config, database, out, steady="run"):
    from odoo import SUPERUSER_ID, Command, api  # noqa: PLC0415
    from odoo.tools.safe_eval import safe_eval  # noqa: PLC0415

    registry = _registry(config, database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env.ref("base.user_admin").password = PASSWORD
        seller = env["res.users"].search([("login", "=", "load_salesperson")])
        if not seller:
            seller = env["res.users"].create(
                {
                    "name": "Load Salesperson",
                    "login": "load_salesperson",
                    "password": PASSWORD,
                    "group_ids": [Command.link(env.ref("sales_team.group_sale_salesman").id)],
                }
            )
        action = env.ref("customer_lifecycle.res_partner_action_lifecycle_funnel")
        kanban = env.ref("customer_lifecycle.res_partner_view_kanban_lifecycle_funnel")
        views = env["res.partner"].with_user(seller).get_views([(kanban.id, "kanban")])
        fields = views["models"]["res.partner"]["fields"]
        spec = {
            name: {"fields": {"display_name": {}}} if field["type"] == "many2one" else {}
            for name, field in fields.items()
        }
        product = env["product.product"].search([("name", "=", "Bench product")], limit=1)
        cr.execute(
            "SELECT id FROM res_partner WHERE name LIKE 'Bench Customer %%' ORDER BY id LIMIT %s",
            [PARTNERS_PER_CLIENT * 64],
        )
        partners = [row[0] for row in cr.fetchall()]
        data = {
            "domain": safe_eval(action.domain),
            "context": {"read_group_expand": True, "bin_size": True},
            "spec": spec,
            "product_id": product.id,
            "partner_ids": partners,
            "users": {"admin": "admin", "seller": "load_salesperson"},
            "password": PASSWORD,
        }
    with open(out, "w", encoding="utf-8") as file:
        json.dump(data, file)
    if steady != "run":  # the database is in its steady state already (LOAD_REUSE)
        return
    started = time.monotonic()
    nightly(config, database, registry)
    print(f"steady state: one full run in {time.monotonic() - started:.1f} s", file=sys.stderr)


def nightly(config, database, registry=None):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    registry = registry or _registry(config, database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["res.company"]._lifecycle_company().lifecycle_last_full_run = False
        cr.commit()
        result = env["customer.lifecycle.engine"]._recompute_all()
    print(f"nightly run: {result}", file=sys.stderr)
    # a run that left chunks to the next one did not finish its work: that is a failure here
    if not result or not result.get("full") or result.get("left"):
        sys.exit(f"the weekly full run did not complete: {result}")


# -- the clients --------------------------------------------------------------------------------


class Client(threading.Thread):
    def __init__(self, number, url, database, data, stop, ready=None):
        super().__init__(daemon=True)
        self.ready = ready  # a barrier passed once logged in: logging in is not measured
        self.number, self.url, self.database, self.data, self.stop = (
            number,
            url,
            database,
            data,
            stop,
        )
        self.latencies = {"order": [], "save": [], "funnel": []}
        self.failures = []
        self.orders = []  # ids of the orders confirmed
        self.saved = {}  # partner id: last value written
        first = number * PARTNERS_PER_CLIENT
        self.partners = data["partner_ids"][first : first + PARTNERS_PER_CLIENT]

    def session(self, login):
        session = requests.Session()
        credentials = {"db": self.database, "login": login, "password": self.data["password"]}
        self.rpc(session, "/web/session/authenticate", credentials)
        return session

    def rpc(self, session, path, params):
        response = session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params, "id": 1},
            timeout=300,
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise RuntimeError(body["error"].get("data", {}).get("message") or body["error"])
        return body["result"]

    def call(self, session, model, method, args, kwargs=None):
        return self.rpc(
            session,
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def run(self):
        admin = self.session(self.data["users"]["admin"])
        seller = self.session(self.data["users"]["seller"])
        if self.ready:
            self.ready.wait(timeout=300)
        for step in range(MAX_REQUESTS_PER_CLIENT):
            if self.stop.is_set():
                return
            kind = ("order", "save", "funnel")[(step + self.number) % 3]
            partner = self.partners[step % len(self.partners)]
            started = time.monotonic()
            try:
                if kind == "order":
                    order_id = self.call(seller, "sale.order", "create", [{
                        "partner_id": partner,
                        "order_line": [[0, 0, {"product_id": self.data["product_id"],
                                               "product_uom_qty": 1, "price_unit": 25}]],
                    }])  # fmt: skip
                    order_id = order_id[0] if isinstance(order_id, list) else order_id
                    self.call(seller, "sale.order", "action_confirm", [[order_id]])
                    self.orders.append(order_id)
                elif kind == "save":
                    value = f"load {self.number}-{step}"
                    self.call(admin, "res.partner", "write", [[partner], {"comment": value}])
                    self.saved[partner] = value
                else:
                    self.call(seller, "res.partner", "web_read_group", [], {
                        "domain": self.data["domain"],
                        "groupby": ["lifecycle_stage_id"],
                        "aggregates": ["lifecycle_revenue_12m:sum"],
                        "auto_unfold": True,
                        "unfold_read_specification": self.data["spec"],
                        "unfold_read_default_limit": 40,
                        "context": self.data["context"],
                    })  # fmt: skip
            except Exception as error:
                self.failures.append(f"{kind}: {error}")
            self.latencies[kind].append(time.monotonic() - started)


def check_writes(url, database, data, clients):
    """Every confirmed order and every saved value, read back; and every customer who ordered
    counts all of its confirmed orders. Returns (lost writes, stale customers)."""
    reader = Client(0, url, database, data, threading.Event())
    admin = reader.session(data["users"]["admin"])
    lost = 0
    orders = [order for client in clients for order in client.orders]
    if orders:
        states = reader.call(admin, "sale.order", "read", [orders, ["state"]])
        lost += len(orders) - sum(1 for row in states if row["state"] == "sale")
    saved = {pid: value for client in clients for pid, value in client.saved.items()}
    if saved:
        rows = reader.call(admin, "res.partner", "read", [list(saved), ["comment"]])
        lost += sum(1 for row in rows if _text(row["comment"]) != saved[row["id"]])
    ordered = sorted({pid for client in clients for pid in client.partners if client.orders})
    stale = 0
    if ordered:
        rows = reader.call(admin, "res.partner", "read", [ordered, ["lifecycle_order_count"]])
        counts = reader.call(admin, "sale.order", "read_group", [], {
            "domain": [("partner_id", "in", ordered), ("state", "=", "sale")],
            "fields": ["partner_id"], "groupby": ["partner_id"], "lazy": False,
        })  # fmt: skip
        confirmed = {row["partner_id"][0]: row["__count"] for row in counts}
        stale = sum(
            1 for row in rows if row["lifecycle_order_count"] != confirmed.get(row["id"], 0)
        )
    return lost, stale


def _text(html):
    import re  # noqa: PLC0415

    return re.sub(r"<[^>]+>", "", html or "").strip()


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def load(url, database, data_file, seconds, clients_count, *nightly_command):
    assert urlparse(url).hostname == "127.0.0.1", "the load stays on the loopback"
    with open(data_file, encoding="utf-8") as file:
        data = json.load(file)
    stop = threading.Event()
    ready = threading.Barrier(int(clients_count) + 1)
    clients = [Client(n, url, database, data, stop, ready) for n in range(int(clients_count))]
    for client in clients:
        client.start()
    ready.wait(timeout=300)  # every client logged in
    started = time.monotonic()
    nightly_seconds = nightly_error = None
    if nightly_command:
        time.sleep(2)  # the clients are working when the run starts
        begun = time.monotonic()
        ran = subprocess.run(
            list(nightly_command), check=False, capture_output=True, text=True, timeout=MAX_SECONDS
        )
        nightly_seconds = time.monotonic() - begun
        if ran.returncode:  # reported beside the figures, not hidden
            nightly_error = (ran.stderr.strip().splitlines() or ["?"])[-1]
    else:
        stop.wait(min(float(seconds), MAX_SECONDS))
    stop.set()
    for client in clients:
        client.join(310)
    elapsed = time.monotonic() - started
    lost, stale = check_writes(url, database, data, clients)
    latencies = [s for client in clients for values in client.latencies.values() for s in values]
    failures = [f for client in clients for f in client.failures]
    result = {
        "clients": len(clients),
        "seconds": round(elapsed, 1),
        "nightly_seconds": nightly_seconds and round(nightly_seconds, 1),
        "nightly_error": nightly_error,
        "requests": len(latencies),
        "failed": len(failures),
        "lost": lost,
        "stale": stale,
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(1000 * percentile(latencies, 0.95), 1),
        "by_kind": {
            kind: {
                "requests": len(values),
                "p50_ms": round(1000 * statistics.median(values), 1) if values else None,
                "p95_ms": round(1000 * percentile(values, 0.95), 1),
            }
            for kind in ("order", "save", "funnel")
            for values in [[s for client in clients for s in client.latencies[kind]]]
        },
        "first_failures": failures[:5],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"prepare": prepare, "nightly": nightly, "load": load}[command](*arguments)
