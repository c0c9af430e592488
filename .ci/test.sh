#!/usr/bin/env bash
# The whole suite, as `make test` runs it:
#   1. the tests that need no Odoo (tests/standalone), always;
#   2. with Odoo 19: a fresh database copied from the cached dependency template, the addon
#      installed into it (a warning or error in Odoo's log fails), then pytest-odoo on tests/
#      with the HTTP server; browser tours run when chromium is installed, else they skip;
#   3. with Odoo 19: the replica tests (tests/test_replica.py) against a hot standby of the
#      private PostgreSQL, and the nightly run killed at each phase (tests/test_killed_run.py);
#   4. with Odoo 19: the bridges: the main addon installed into a database with point_of_sale
#      (and pos_loyalty) brings customer_lifecycle_pos in (auto_install), then pytest-odoo on
#      tests/pos; the same with mass_mailing and mass_mailing_sms for
#      customer_lifecycle_mass_mailing and tests/mailing;
#   5. with Odoo 19: install checks on a database with demo data (install, upgrade, uninstall),
#      each with a clean log, without a bridge and with each: started in the background beside
#      2 to 4 (the suite's longest wait is on one core), reported at the end.
# Ends with one line "total: N passed, N failed, N skipped". A missing Odoo skips 2 to 4 loudly;
# a broken setup fails.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

REPORTS=$RUN/reports
TEST_DB=clc_test_$$
CHECK_DB=clc_check_$$
POS_DB=clc_pos_$$
POS_CHECK_DB=clc_pos_check_$$
MM_DB=clc_mm_$$
MM_CHECK_DB=clc_mm_check_$$
# the Odoo apps each bridge works with in the suite
POS_MODULES=point_of_sale,pos_loyalty
MM_MODULES=mass_mailing,mass_mailing_sms
passed=0 failed=0 skipped=0

rm -rf "$REPORTS" "$RUN"/log/{install,install-pos,install-mailing,install-demo,upgrade,uninstall}.log \
  "$RUN"/log/pos-*.log "$RUN"/log/mailing-*.log && mkdir -p "$REPORTS" "$RUN/log"

fail_setup() { say "ERROR: $*"; summary; exit 1; }

summary() {
  printf '\ntotal: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
}

# count_report FILE: adds a JUnit report's figures to the totals.
count_report() {
  local figures
  figures=$("$VENV/bin/python" - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
tests = fail = skip = 0
for suite in ET.parse(sys.argv[1]).getroot().iter("testsuite"):
    tests += int(suite.get("tests", 0))
    fail += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skip += int(suite.get("skipped", 0))
print(tests - fail - skip, fail, skip)
PY
  ) || fail_setup "cannot read the test report $1"
  read -r p f s <<<"$figures"
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# run_pytest NAME ARGS...: runs pytest, counts its report; exit 5 (nothing collected) is a failure.
run_pytest() {
  local name=$1 rc; shift
  "$VENV/bin/python" -m pytest -p no:cacheprovider --junitxml="$REPORTS/$name.xml" "$@"
  rc=$?
  case $rc in
    0|1) count_report "$REPORTS/$name.xml" ;;
    5) fail_setup "pytest collected no test in the $name phase" ;;
    *) [ -f "$REPORTS/$name.xml" ] && count_report "$REPORTS/$name.xml"
       fail_setup "pytest stopped with exit code $rc in the $name phase" ;;
  esac
}

# check_log NAME LOG: a step of the install checks passes when its log has no warning or error.
check_log() {
  local name=$1 log=$2 bad
  bad=$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$log")
  if [ -z "$bad" ]; then
    passed=$((passed + 1)); say "PASSED: $name"
  else
    failed=$((failed + 1)); say "FAILED: $name — Odoo logged:"; printf '%s\n' "$bad" | head -20 >&2
  fi
}

# count_odoo_tests: how many Odoo tests exist, for the SKIPPED line when Odoo is missing.
count_odoo_tests() {
  python3 - "$ROOT/tests" <<'PY'
import ast, pathlib, sys
n = 0
for path in pathlib.Path(sys.argv[1]).rglob("test_*.py"):
    if "standalone" in path.parts:
        continue
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            n += 1
print(n)
PY
}

# replica_phase: tests/test_replica.py with Odoo's read-only cursors on a hot standby of the
# private PostgreSQL (.ci/pg.sh standby), which logs every statement it runs.
replica_phase() {
  local started=$SECONDS n
  say "== Replica: the nightly run reading from a hot standby"
  if [ ! -f "$RUN/pg/data/postmaster.pid" ]; then  # a server of its own, not the private one
    n=$(grep -c '    def test_' "$ROOT/tests/test_replica.py")
    skipped=$((skipped + n))
    printf 'SKIPPED: %d replica tests — the standby needs the private PostgreSQL (CLC_PRIVATE_PG=1)\n' "$n"
    return
  fi
  bash "$ROOT/.ci/pg.sh" standby || fail_setup "starting the hot standby failed"
  # shellcheck disable=SC1091
  . "$RUN/pg-standby.env"
  CLC_REQUIRE_STANDBY=1 CLC_STANDBY_LOG="$RUN/pg-standby/server.log" \
    run_pytest replica "$ROOT/tests/test_replica.py" -q \
    --odoo-config="$RUN/odoo.conf" --odoo-database="$TEST_DB" --odoo-log-level=warn \
    --odoo-extra "db_replica_host=$STANDBY_PGHOST" --odoo-extra "db_replica_port=$STANDBY_PGPORT"
  say "(replica phase: $((SECONDS - started)) s)"
}

# killed_phase: tests/test_killed_run.py, on copies of the test database.
killed_phase() {
  local started=$SECONDS
  say "== The nightly run killed at each phase"
  CLC_KILL_TEMPLATE="$TEST_DB" CLC_ODOO_CONF="$RUN/odoo.conf" \
    run_pytest killed "$ROOT/tests/test_killed_run.py" -p no:odoo -q
  say "(killed-run phase: $((SECONDS - started)) s)"
}

# module_state DB MODULE: the module's state in that database.
module_state() {
  psql -d "$1" -XAtqc "SELECT state FROM ir_module_module WHERE name = '$2'"
}

# check_installed NAME DB MODULE: a step passes when the module is installed in DB.
check_installed() {
  local state
  state=$(module_state "$2" "$3")
  if [ "$state" = installed ]; then
    passed=$((passed + 1)); say "PASSED: $1"
  else
    failed=$((failed + 1)); say "FAILED: $1 — $3 is '${state:-absent}'"
  fi
}

# bridge_phase NAME DB MODULES BRIDGE TITLE: the main addon installed where the bridge's Odoo
# apps are brings the bridge in, with a clean log; then the bridge's tests (tests/NAME) there.
bridge_phase() {
  local name=$1 db=$2 modules=$3 bridge=$4 title=$5 started=$SECONDS
  say "== The $title bridge ($bridge)"
  bash "$ROOT/.ci/db.sh" fresh "$db" "" "$modules" ||
    fail_setup "creating the $title database failed"
  "${odoo[@]}" -d "$db" -i customer_lifecycle --logfile="$RUN/log/install-$name.log" ||
    fail_setup "installing the addon beside $title failed: see $RUN/log/install-$name.log"
  check_log "install beside $title" "$RUN/log/install-$name.log"
  check_installed "the $title bridge installs itself (auto_install)" "$db" "$bridge"
  run_pytest "$name" "$ROOT/tests/$name" -q \
    --odoo-config="$RUN/odoo.conf" --odoo-database="$db" --odoo-log-level=warn "${http[@]}"
  say "($title phase: $((SECONDS - started)) s)"
}

# install_checks DB MODULES NAME [BRIDGE]: on a new database with demo data (and these Odoo
# apps), the main addon's install (bringing the bridge of those apps), an upgrade and an
# uninstall (of the bridge, when there is one: the main addon stays), each with a clean log.
install_checks() {
  local db=$1 modules=$2 name=$3 log=$RUN/log/${3:+$3-} target=${4:-customer_lifecycle}
  bash "$ROOT/.ci/db.sh" fresh "$db" demo "$modules" || fail_setup "creating the demo database failed"
  if ! "${odoo[@]}" -d "$db" -i customer_lifecycle --logfile="${log}install-demo.log"; then
    failed=$((failed + 3)); say "FAILED: install with demo data${name:+ ($name)} — see ${log}install-demo.log"
    return
  fi
  check_log "install with demo data${name:+ ($name)}" "${log}install-demo.log"
  "${odoo[@]}" -d "$db" -u "$target" --logfile="${log}upgrade.log"
  check_log "upgrade of $target (-u)${name:+ ($name)}" "${log}upgrade.log"
  "$VENV/bin/python" "$SRC/odoo-bin" shell -c "$RUN/odoo.conf" -d "$db" --no-http \
    --logfile="${log}uninstall.log" >/dev/null <<PY
env["ir.module.module"].search([("name", "=", "$target")]).button_immediate_uninstall()
state = env["ir.module.module"].search([("name", "=", "$target")]).state
if state != "uninstalled":
    import logging
    logging.getLogger("customer_lifecycle.checks").error("module state after uninstall: %s", state)
PY
  check_log "uninstall of $target${name:+ ($name)}" "${log}uninstall.log"
  if [ "$target" != customer_lifecycle ]; then
    check_installed "the main addon stays after the bridge's uninstall${name:+ ($name)}" "$db" customer_lifecycle
  fi
}

# install_checks_in_background: both install checks (without and with the Point of Sale) run
# beside the Odoo tests, on a core the tests leave idle; their report is printed at the end.
install_checks_in_background() {
  rm -f "$RUN/install-checks.counts"
  (
    passed=0 failed=0
    install_checks "$CHECK_DB" "" ""
    install_checks "$MM_CHECK_DB" "$MM_MODULES" mailing customer_lifecycle_mass_mailing
    install_checks "$POS_CHECK_DB" "$POS_MODULES" pos customer_lifecycle_pos
    echo "$passed $failed" >"$RUN/install-checks.counts"
  ) >"$RUN/log/install-checks.out" 2>&1 &
  checks_pid=$!
}

# install_checks_report: waits for the install checks and adds their figures.
install_checks_report() {
  local p f
  say "== Install checks on a database with demo data (run beside the Odoo tests)"
  wait "$checks_pid"
  checks_pid=
  cat "$RUN/log/install-checks.out" >&2
  if read -r p f 2>/dev/null <"$RUN/install-checks.counts"; then
    passed=$((passed + p)) failed=$((failed + f))
  else
    failed=$((failed + 1)); say "FAILED: the install checks stopped (see above)"
  fi
}

cleanup() {
  if [ -n "${checks_pid:-}" ]; then  # stopped early: the install checks stop too
    pkill -TERM -P "$checks_pid" 2>/dev/null; kill "$checks_pid" 2>/dev/null; wait "$checks_pid"
  fi
  [ -n "${KEEP_DB:-}" ] && return
  [ -f "$RUN/pg.env" ] || return
  (. "$RUN/pg.env"
   for db in "$TEST_DB" "$CHECK_DB" "$POS_DB" "$POS_CHECK_DB" "$MM_DB" "$MM_CHECK_DB"; do dropdb --if-exists --force "$db"; done
  ) 2>/dev/null
}
trap cleanup EXIT

bash "$ROOT/.ci/venv.sh" || fail_setup "preparing .venv failed (see above)"

say "== Tests without Odoo"
run_pytest standalone "$ROOT/tests/standalone" -p no:odoo -q

SRC=$(odoo_src || true)
if [ -z "$SRC" ]; then
  n=$(count_odoo_tests)
  skipped=$((skipped + n + 3))
  printf 'SKIPPED: %d Odoo tests — Odoo 19 source not found (set ODOO_SRC)\n' "$((n + 3))"
  summary
  exit $((failed > 0))
fi

say "== Odoo tests (Odoo from $SRC)"
bash "$ROOT/.ci/pg.sh" start || fail_setup "no PostgreSQL"
bash "$ROOT/.ci/db.sh" fresh "$TEST_DB" || fail_setup "creating the test database failed"
. "$RUN/pg.env"
odoo=("$VENV/bin/python" "$SRC/odoo-bin" -c "$RUN/odoo.conf" --stop-after-init --no-http)

"${odoo[@]}" -d "$TEST_DB" -i customer_lifecycle --logfile="$RUN/log/install.log" ||
  fail_setup "installing the addon failed: see $RUN/log/install.log"
check_log "install on a database without demo data" "$RUN/log/install.log"
install_checks_in_background

# The HTTP server always runs: url_open tests (consent links, translations) need no browser.
# Without chromium, Odoo 19 skips only the browser tours themselves ("Chrome executable not found").
http=(--odoo-http)
# Odoo's replica dev mode, the "replica" being the same server: read-only cursors are then
# real read-only connections of their own, as in a deployment with db_replica_host.
replica=(--odoo-dev=replica)
[ -n "${PGHOST:-}" ] && replica+=(--odoo-extra "db_replica_host=$PGHOST")
[ -n "${PGPORT:-}" ] && replica+=(--odoo-extra "db_replica_port=$PGPORT")
run_pytest odoo "$ROOT/tests" --ignore="$ROOT/tests/standalone" --ignore="$ROOT/tests/pos" -q \
  --ignore="$ROOT/tests/mailing" \
  --ignore="$ROOT/tests/test_replica.py" --ignore="$ROOT/tests/test_killed_run.py" \
  --odoo-config="$RUN/odoo.conf" --odoo-database="$TEST_DB" --odoo-log-level=warn \
  "${replica[@]}" "${http[@]}"
browser=$(grep -c 'Chrome executable not found' "$REPORTS/odoo.xml")
if [ "$browser" -gt 0 ]; then
  printf 'SKIPPED: %d browser tests — chromium not found (apt-get install chromium)\n' "$browser"
fi

replica_phase
killed_phase

bridge_phase pos "$POS_DB" "$POS_MODULES" customer_lifecycle_pos "Point of Sale"
bridge_phase mailing "$MM_DB" "$MM_MODULES" customer_lifecycle_mass_mailing "Email Marketing"

install_checks_report

summary
exit $((failed > 0))
