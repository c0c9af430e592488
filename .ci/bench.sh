#!/usr/bin/env bash
# make bench [SIZE=S|L|SL|XL] [RUNS=3]: the engine on synthetic data, one database per size
# (clc_bench_s, clc_bench_l, clc_bench_xl), generated once and reused; RESET=1 generates them
# again; BENCH_DB=NAME uses that database instead (one size). RUNS defaults to 1 at XL (a million
# customers: each scenario once). A new database gets the data before the addon (only its
# dependencies and point_of_sale installed: 30 % of the documents are POS orders, 10 % direct
# invoices): Odoo's own screens are timed, the addon is installed (timed: it
# computes every customer), and the screens are timed again. PHASE=mailing also installs Email
# Marketing (the bridge comes in by itself).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
prepare_odoo
sizes=${SIZE:-SL}
odoo_run() { "$VENV/bin/python" "$SRC/odoo-bin" -c "$RUN/odoo.conf" --stop-after-init --no-http "$@"; }
for size in $(echo "$sizes" | grep -oE 'XL|S|L'); do
  db=${BENCH_DB:-clc_bench_$(echo "$size" | tr SLX slx)}  # BENCH_DB: another database (one size)
  runs=${RUNS:-$([ "$size" = XL ] && echo 1 || echo 3)}
  # a database generated before the POS orders and direct invoices (no point_of_sale) is
  # generated again
  if [ -n "${RESET:-}" ] || ! psql -d postgres -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
     ! psql -d "$db" -XAtqc "SELECT 1 FROM ir_module_module WHERE name = 'point_of_sale' AND state = 'installed'" | grep -q 1; then
    rm -f "$RUN/$db.json"
    bash "$ROOT/.ci/db.sh" fresh "$db" "" point_of_sale  # the data holds POS orders
    PHASE=generate "$VENV/bin/python" "$ROOT/.ci/bench.py" "$RUN/odoo.conf" "$db" "$size"
    PHASE=screens LABEL=without "$VENV/bin/python" "$ROOT/.ci/bench.py" "$RUN/odoo.conf" "$db" "$size"
    began=$(date +%s.%N)
    odoo_run -d "$db" -i customer_lifecycle,customer_lifecycle_pos --logfile="$RUN/log/bench-install.log"
    "$VENV/bin/python" - "$RUN/$db.json" "$began" "$(date +%s.%N)" <<'PY'
import json, sys
path, began, ended = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
results = json.load(open(path))
results["install_seconds"] = ended - began
json.dump(results, open(path, "w"), indent=1)
PY
    PHASE=screens LABEL=with "$VENV/bin/python" "$ROOT/.ci/bench.py" "$RUN/odoo.conf" "$db" "$size"
  else  # the addon as it is in this checkout
    odoo_run -d "$db" -u customer_lifecycle -i customer_lifecycle_pos --logfile="$RUN/log/bench-install.log"
  fi
  if [ "${PHASE:-}" = mailing ]; then  # Email Marketing and its bridge (auto_install)
    odoo_run -d "$db" -i mass_mailing,mass_mailing_sms --logfile="$RUN/log/bench-install.log"
  fi
  "$VENV/bin/python" "$ROOT/.ci/bench.py" "$RUN/odoo.conf" "$db" "$size" "$runs"
done
