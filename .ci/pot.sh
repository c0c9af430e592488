#!/usr/bin/env bash
# make pot: installs the addon into a scratch database, exports its translation template and brings
# the .po files in line with it (.ci/po_merge.py: translations kept, new msgids listed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DB=clc_pot_$$
prepare_odoo
bash "$ROOT/.ci/db.sh" fresh "$DB"
trap 'dropdb --if-exists --force "$DB"' EXIT
"$VENV/bin/python" "$SRC/odoo-bin" -c "$RUN/odoo.conf" -d "$DB" -i customer_lifecycle \
  --stop-after-init --no-http --logfile="$RUN/log/pot.log"
"$VENV/bin/python" "$SRC/odoo-bin" i18n export -c "$RUN/odoo.conf" -d "$DB" customer_lifecycle \
  >>"$RUN/log/pot.log" 2>&1
say "Wrote customer_lifecycle/i18n/customer_lifecycle.pot"
"$VENV/bin/python" "$ROOT/.ci/po_merge.py" "$ROOT/customer_lifecycle/i18n"
