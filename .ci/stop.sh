#!/usr/bin/env bash
# make stop: stops the demo server and the private PostgreSQL that make demo or make test started.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

if [ -f "$RUN/odoo.pid" ]; then
  pid=$(cat "$RUN/odoo.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" && say "Stopped the Odoo server (pid $pid)."
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -f "$RUN/odoo.pid"
fi
bash "$ROOT/.ci/pg.sh" stop
