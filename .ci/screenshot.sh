#!/usr/bin/env bash
# make screenshot: docs/lifecycle-funnel.png from the demo database (make demo creates it), with
# Odoo started on a free port for the time of the shot.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DB=${DEMO_DB:-lifecycle_demo}
prepare_odoo
psql -d postgres -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
  die "database $DB not found: run 'make demo' once first"
port=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$RUN/log/screenshot.log
"$VENV/bin/python" "$SRC/odoo-bin" -c "$RUN/odoo.conf" -d "$DB" --db-filter="^$DB\$" \
  --http-interface=127.0.0.1 --http-port="$port" --max-cron-threads=0 --logfile="$log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  curl -fs "http://127.0.0.1:$port/web/health" >/dev/null 2>&1 && break
  sleep 1
done
mkdir -p "$ROOT/docs"
"$VENV/bin/python" "$ROOT/.ci/screenshot.py" "http://127.0.0.1:$port" "$DB" "$ROOT/docs/lifecycle-funnel.png"
