"""The nightly run killed (SIGKILL) at each of its phases, then run again.

Not a pytest-odoo test: every run is its own Odoo process (.ci/kill_driver.py) on its own copy of
one committed database, and the process really dies. `make test` runs this file in a phase of its
own (see .ci/test.sh), with:
    CLC_KILL_TEMPLATE  a database with the addon installed (the suite's test database), copied
    CLC_ODOO_CONF      the Odoo configuration file
and the PG* variables of the suite's PostgreSQL. Without them the tests are skipped.

Each run is a process of its own, forked from one Odoo loaded once (.ci/kill_driver.py serve),
so that the thirteen kills and reruns do not pay Odoo's start-up each.

What it shows: a run killed on entering any phase (and between two committed batches of each
step of the write phase) leaves no connection and no advisory lock behind, and the next run ends
in exactly the state an uninterrupted run reaches on an identical copy: every lifecycle column of
res_partner, the facts, the payment rows, the stage history, the activities and chatter messages.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / ".ci" / "kill_driver.py"
TEMPLATE = os.environ.get("CLC_KILL_TEMPLATE")
CONF = os.environ.get("CLC_ODOO_CONF")
LOCK_KEY = 7_119_019  # customer_lifecycle_engine.LOCK_KEY

pytestmark = pytest.mark.skipif(
    not (TEMPLATE and CONF), reason="run by make test (CLC_KILL_TEMPLATE, CLC_ODOO_CONF)"
)


def phases():
    if not (TEMPLATE and CONF):
        return ["unset"]
    out = subprocess.run(
        [sys.executable, DRIVER, "phases"], capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def connect(dbname="postgres"):
    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    return conn


def sql(query, params=None, dbname="postgres"):
    conn = connect(dbname)
    try:
        with conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


def copy_database(source, name):
    sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')


def drop_database(name):
    sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def columns(dbname, table, exclude=()):
    """Every column of table worth comparing between two runs made at different moments: not
    the ids, the audit columns, the transaction stamps; timestamps of the run itself as
    set/unset."""
    rows = sql(
        """SELECT column_name, data_type FROM information_schema.columns
            WHERE table_name = %s ORDER BY column_name""",
        [table],
        dbname,
    )
    picked = []
    for name, kind in rows:
        if name in ("id", "create_uid", "create_date", "write_uid", "write_date", *exclude):
            continue
        if kind.startswith("xid"):
            continue
        picked.append(name)
    return picked


def state(dbname):
    """The whole lifecycle state of a database, as comparable values."""
    partner_cols = [
        c for c in columns(dbname, "res_partner") if c.startswith(("lifecycle_", "rfm_"))
    ]
    moment = {"lifecycle_stage_date"}  # when the run wrote it: compared as set or not
    select = ", ".join(f"{c} IS NULL" if c in moment else c for c in partner_cols)
    result = {"res_partner": sql(f"SELECT id, {select} FROM res_partner ORDER BY id", None, dbname)}
    for table in ("customer_lifecycle_fact", "customer_lifecycle_payment"):
        cols = ", ".join(columns(dbname, table))
        result[table] = sorted(sql(f"SELECT {cols} FROM {table}", None, dbname), key=repr)
    result["history"] = sql(
        """SELECT partner_id, stage_from_id, stage_to_id, trigger, user_id, won_back,
                  lost_reason_id, reason, round(days_in_stage), count(*)
             FROM customer_lifecycle_history GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
         ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9""",
        None,
        dbname,
    )
    result["activities"] = sql(
        """SELECT res_id, activity_type_id, summary, date_deadline, user_id, count(*)
             FROM mail_activity WHERE res_model = 'res.partner'
         GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5""",
        None,
        dbname,
    )
    result["messages"] = sql(
        """SELECT m.res_id, m.message_type, m.subtype_id, count(DISTINCT m.id), count(v.id)
             FROM mail_message m LEFT JOIN mail_tracking_value v ON v.mail_message_id = m.id
            WHERE m.model = 'res.partner' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
        None,
        dbname,
    )
    result["company"] = sql(
        "SELECT id, lifecycle_median_interval FROM res_company ORDER BY id", None, dbname
    )
    return result


def leftovers(dbname):
    """Connections to the database, and holders of the engine's advisory lock."""
    return sql(
        """SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = %s),
                  (SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                    WHERE l.locktype = 'advisory' AND d.datname = %s AND l.objid = %s)""",
        [dbname, dbname, LOCK_KEY],
    )[0]


def settled(dbname):
    """leftovers, once the backends of a process that just ended had the time to notice (a
    backend ends when it next reads its closed socket)."""
    deadline = time.monotonic() + 15
    while (found := leftovers(dbname)) != (0, 0) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


class Driver:
    """.ci/kill_driver.py serve: Odoo loaded once, each run in a process forked from it."""

    def __init__(self, database):
        self.process = subprocess.Popen(
            [sys.executable, DRIVER, "serve", CONF, database],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __call__(self, command):
        """The exit status of the run, -9 when it was killed."""
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, f"the driver stopped (exit {self.process.poll()})"
        return int(answer)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def databases():
    """The seeded database (committed customers and orders that only the nightly run evaluates),
    the database the runs work on, the driver and the state an uninterrupted run reaches."""
    base, work = f"{TEMPLATE}_kill_base", f"{TEMPLATE}_kill_work"
    copy_database(TEMPLATE, base)
    run = None
    try:
        seeded = subprocess.run(
            [sys.executable, DRIVER, "seed", CONF, base],
            check=False,
            capture_output=True,
            text=True,
        )
        assert seeded.returncode == 0, seeded.stderr[-2000:]
        copy_database(base, work)
        run = Driver(work)
        assert run("run") == 0
        yield base, work, run, state(work)
    finally:
        if run:
            run.close()
        drop_database(work)
        drop_database(base)


@pytest.mark.parametrize("phase", phases())
def test_killed_run_then_next_run_matches_uninterrupted(databases, phase):
    base, work, run, expected = databases
    copy_database(base, work)
    # the uninterrupted run changed something: the comparison below is not between no-ops
    assert state(work) != expected
    assert run(f"kill {phase}") == -9, f"the run was not killed in phase {phase}"
    assert settled(work) == (0, 0), "a connection or the advisory lock stayed behind"
    assert run("run") == 0
    got = state(work)
    for part in expected:
        assert got[part] == expected[part], f"{part} differs after a kill in phase {phase}"
    assert settled(work) == (0, 0)
