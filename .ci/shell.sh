#!/usr/bin/env bash
# make shell: an Odoo shell (Python with `env`) on the demo database.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SRC=$(odoo_src) || { odoo_missing_message; exit 1; }
bash "$ROOT/.ci/venv.sh"
bash "$ROOT/.ci/pg.sh" start
bash "$ROOT/.ci/db.sh" conf
exec "$VENV/bin/python" "$SRC/odoo-bin" shell -c "$RUN/odoo.conf" -d "${DEMO_DB:-lifecycle_demo}" --no-http
