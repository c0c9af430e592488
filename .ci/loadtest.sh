#!/usr/bin/env bash
# make loadtest [CLIENTS=8] [LOAD_SECONDS=30] [LOAD_REUSE=1]: CLIENTS users over JSON-RPC while the weekly full run
# goes at the L bench size, beside the same load with no run; prints requests, failures, writes
# lost and latencies (see .ci/loadtest.py). Works on clc_load_l, a copy of make bench's clc_bench_l
# (generated here when missing), served by Odoo with workers on 127.0.0.1 only, and stopped after.
# LOAD_REUSE=1 keeps the clc_load_l of the last loadtest (no copy, no steady-state run).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
prepare_odoo
BENCH_DB=clc_bench_l
DB=clc_load_l
CLIENTS=${CLIENTS:-8}
SECONDS_BASE=${LOAD_SECONDS:-30}
LOG=$RUN/log/loadtest.log
DATA=$RUN/loadtest.json
odoo=("$VENV/bin/python" "$SRC/odoo-bin" -c "$RUN/odoo.conf")

if ! psql -d postgres -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$BENCH_DB'" | grep -q 1; then
  say "Generating $BENCH_DB (as make bench SIZE=L does; a few minutes, once) ..."
  bash "$ROOT/.ci/db.sh" fresh "$BENCH_DB"
  "${odoo[@]}" -d "$BENCH_DB" -i customer_lifecycle --stop-after-init --no-http --logfile="$LOG"
  (cd "$ROOT/.ci" && "$VENV/bin/python" -c "import bench, sys; bench.Bench(sys.argv[1], sys.argv[2]).generate('L')" "$RUN/odoo.conf" "$BENCH_DB")
fi
if [ -n "${LOAD_REUSE:-}" ] && psql -d postgres -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  "$VENV/bin/python" "$ROOT/.ci/loadtest.py" prepare "$RUN/odoo.conf" "$DB" "$DATA" reuse
else
  say "Copying $BENCH_DB into $DB ..."
  dropdb --if-exists --force "$DB"
  createdb -T "$BENCH_DB" "$DB"
  "${odoo[@]}" -d "$DB" -u customer_lifecycle --stop-after-init --no-http --logfile="$LOG"
  "$VENV/bin/python" "$ROOT/.ci/loadtest.py" prepare "$RUN/odoo.conf" "$DB" "$DATA"
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${odoo[@]}" -d "$DB" --db-filter="^$DB\$" --http-interface=127.0.0.1 --http-port="$port" \
  --workers=4 --max-cron-threads=0 --limit-time-real=900 --limit-time-cpu=900 \
  --limit-memory-soft=4294967296 --limit-memory-hard=6442450944 --logfile="$LOG" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT
for _ in $(seq 120); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/web/login" && break
  sleep 0.5
done
url=http://127.0.0.1:$port
say "Load without a nightly run: $CLIENTS clients, ${SECONDS_BASE} s ..."
base=$("$VENV/bin/python" "$ROOT/.ci/loadtest.py" load "$url" "$DB" "$DATA" "$SECONDS_BASE" "$CLIENTS")
say "$base"
say "Load during the weekly full run: $CLIENTS clients ..."
night=$("$VENV/bin/python" "$ROOT/.ci/loadtest.py" load "$url" "$DB" "$DATA" 0 "$CLIENTS" \
  "$VENV/bin/python" "$ROOT/.ci/loadtest.py" nightly "$RUN/odoo.conf" "$DB")
"$VENV/bin/python" - "$base" "$night" <<'PY'
import json, sys
rows = [("no nightly run", json.loads(sys.argv[1])), ("during the weekly full run", json.loads(sys.argv[2]))]
print("\n| load | clients | seconds | requests | failed | writes lost | stale customers | p50 ms | p95 ms | order p50/p95 ms | save p50/p95 ms | funnel p50/p95 ms |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name, r in rows:
    k = r["by_kind"]
    seconds = f'{r["seconds"]}' + (f' (run {r["nightly_seconds"]})' if r["nightly_seconds"] else "")
    print(f'| {name} | {r["clients"]} | {seconds} | {r["requests"]} | {r["failed"]} | {r["lost"]} | {r["stale"]} | {r["p50_ms"]} | {r["p95_ms"]} | '
          + " | ".join(f'{k[x]["p50_ms"]}/{k[x]["p95_ms"]}' for x in ("order", "save", "funnel")) + " |")
for name, r in rows:
    for failure in r["first_failures"]:
        print(f"{name}: {failure}")
    if r.get("nightly_error"):
        print(f"{name}: the nightly run failed: {r['nightly_error']}")
failed = any(r["failed"] or r["lost"] or r["stale"] or r.get("nightly_error") for _, r in rows)
sys.exit(1 if failed else 0)
PY
