#!/usr/bin/env bash
# make shell: an Odoo shell (Python with `env`) on the demo database.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
prepare_odoo
exec "$VENV/bin/python" "$SRC/odoo-bin" shell -c "$RUN/odoo.conf" -d "${DEMO_DB:-lifecycle_demo}" --no-http
