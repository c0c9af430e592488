#!/usr/bin/env bash
# make pot [ADDON=name]: installs the addon into a scratch database (a bridge: with the Odoo apps
# its manifest depends on, the main addon bringing it in), exports its translation template and
# brings its .po files in line with it (.ci/po_merge.py: translations kept, new msgids listed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ADDON=${ADDON:-customer_lifecycle}
DB=clc_pot_$$
[ -f "$ROOT/$ADDON/__manifest__.py" ] || { say "No addon $ADDON in this repository"; exit 1; }
prepare_odoo
# the Odoo apps a bridge pairs with: its dependencies that are not addons of this repository
apps=$("$VENV/bin/python" - "$ROOT" "$ADDON" <<'PY'
import ast, pathlib, sys
root, addon = pathlib.Path(sys.argv[1]), sys.argv[2]
depends = ast.literal_eval((root / addon / "__manifest__.py").read_text())["depends"]
print(",".join(d for d in depends if not (root / d / "__manifest__.py").is_file()))
PY
)
[ "$ADDON" = customer_lifecycle ] && apps=
bash "$ROOT/.ci/db.sh" fresh "$DB" "" "$apps"
trap 'dropdb --if-exists --force "$DB"' EXIT
"$VENV/bin/python" "$SRC/odoo-bin" -c "$RUN/odoo.conf" -d "$DB" -i customer_lifecycle \
  --stop-after-init --no-http --logfile="$RUN/log/pot.log"
"$VENV/bin/python" "$SRC/odoo-bin" i18n export -c "$RUN/odoo.conf" -d "$DB" "$ADDON" \
  >>"$RUN/log/pot.log" 2>&1
say "Wrote $ADDON/i18n/$ADDON.pot"
"$VENV/bin/python" "$ROOT/.ci/po_merge.py" "$ROOT/$ADDON/i18n"
