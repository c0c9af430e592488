#!/usr/bin/env bash
# make bench [SIZE=S|L|SL] [RUNS=3]: the engine on synthetic data, one database per size
# (clc_bench_s, clc_bench_l), generated once and reused; RESET=1 generates them again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
prepare_odoo
sizes=${SIZE:-SL}
for size in $(echo "$sizes" | grep -o .); do
  db=clc_bench_$(echo "$size" | tr 'SL' 'sl')
  if [ -n "${RESET:-}" ] || ! psql -d postgres -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    bash "$ROOT/.ci/db.sh" fresh "$db"
    "$VENV/bin/python" "$SRC/odoo-bin" -c "$RUN/odoo.conf" -d "$db" -i customer_lifecycle \
      --stop-after-init --no-http --logfile="$RUN/log/bench-install.log"
  else  # the addon as it is in this checkout
    "$VENV/bin/python" "$SRC/odoo-bin" -c "$RUN/odoo.conf" -d "$db" -u customer_lifecycle \
      --stop-after-init --no-http --logfile="$RUN/log/bench-install.log"
  fi
  "$VENV/bin/python" "$ROOT/.ci/bench.py" "$RUN/odoo.conf" "$db" "$size" "${RUNS:-3}"
done
