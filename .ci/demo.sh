#!/usr/bin/env bash
# make demo: the database lifecycle_demo (created from the cached demo template on first use, or
# when RESET=1), the addon with its demo data beside the Point of Sale (its bridge comes in by
# itself; POS=0 leaves the Point of Sale out; MAILING=1 adds Email Marketing, whose bridge comes
# in too), the language DEMO_LANG if given (make demo
# LANG=it_IT), the lifecycle computation, then Odoo served on 127.0.0.1 until Ctrl-C.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DB=${DEMO_DB:-lifecycle_demo}
PORT=${HTTP_PORT:-8069}
prepare_odoo  # .run/odoo.conf takes HTTP_PORT, 8069 by default
odoo=("$VENV/bin/python" "$SRC/odoo-bin" -c "$RUN/odoo.conf")
log=$RUN/log/demo.log
apps=point_of_sale,pos_loyalty
[ "${POS:-1}" = 0 ] && apps=
[ "${MAILING:-}" = 1 ] && apps=${apps:+$apps,}mass_mailing,mass_mailing_sms

if [ -n "${RESET:-}" ] || ! psql -d postgres -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  bash "$ROOT/.ci/db.sh" fresh "$DB" demo "$apps"
  say "Installing customer_lifecycle with its demo customers and orders into $DB ..."
  "${odoo[@]}" -d "$DB" -i customer_lifecycle --stop-after-init --no-http --logfile="$log" ||
    die "install failed: see $log"
else
  say "Reusing $DB (RESET=1 recreates it); updating the addon ..."
  "${odoo[@]}" -d "$DB" -u customer_lifecycle --stop-after-init --no-http --logfile="$log" ||
    die "update failed: see $log"
fi

if [ -n "${DEMO_LANG:-}" ]; then
  [[ $DEMO_LANG =~ ^[a-z]{2,3}(_[A-Z]{2})?(@[a-z]+)?$ ]] &&
    psql -d "$DB" -XAtqc "SELECT 1 FROM res_lang WHERE code = '$DEMO_LANG'" | grep -q 1 ||
    die "unknown language '$DEMO_LANG': give a code such as it_IT or pl_PL"
  say "Loading $DEMO_LANG for every installed module and making it the admin's language ..."
  "$VENV/bin/python" "$SRC/odoo-bin" shell -c "$RUN/odoo.conf" -d "$DB" --no-http --logfile="$log" <<'PY' ||
import os
code = os.environ["DEMO_LANG"]
env["res.lang"]._activate_lang(code)
env["ir.module.module"].search([("state", "=", "installed")])._update_translations([code])
env.ref("base.user_admin").lang = code
env["customer.lifecycle.demo"]._translate_names()
# The demo's customers of that country read their consent page and mails in it too.
country = code.partition("_")[2]
env["res.partner"].search([("country_id.code", "=", country), ("lang", "=", "en_US")]).lang = code
env.cr.commit()
PY
    die "loading $DEMO_LANG failed: see $log"
fi

say "Running the lifecycle computation ..."
"$VENV/bin/python" "$SRC/odoo-bin" shell -c "$RUN/odoo.conf" -d "$DB" --no-http --logfile="$log" <<'PY'
env.ref("customer_lifecycle.ir_cron_lifecycle_recompute").method_direct_trigger()
env.cr.commit()
customers = env["res.partner"]._read_group(
    [("lifecycle_stage_id", "!=", False), ("parent_id", "=", False)], ["lifecycle_stage_id"], ["__count"]
)
print("Customers per stage:", ", ".join(f"{stage.name} {count}" for stage, count in customers))
PY

cat <<MSG

  Odoo is starting on http://127.0.0.1:$PORT  (database $DB, log in .run/log/demo.log)
  Log in as admin / admin.
  Funnel:           Sales > Customers > Lifecycle Funnel (also in Contacts); tab "Lifecycle"
                    on a customer's form
  Conversion:       Sales > Reporting > Stage Conversion
  Customer value:   Invoicing > Reporting > Customer Value (also under Sales > Reporting); a
                    customer invoice's alert line; tab "Invoicing" on a customer's form
  Stages, reasons:  Sales > Configuration > Customer Lifecycle
  Settings:         Sales > Configuration > Settings, block "Customer Lifecycle"
  Shop counter:     Point of Sale > Coffee Counter > Open Register (unless POS=0): choose a customer, see
                    their stage, value class and next special date beside the name
  Mailings:         (MAILING=1) Lifecycle Funnel, list view, select customers > Actions > Send
                    E-mail Mailing; Email Marketing > Mailing Lists > Win Back: Lost Customers
  Ctrl-C stops the server; 'make stop' also stops the private PostgreSQL.

MSG
echo $$ > "$RUN/odoo.pid"
exec "${odoo[@]}" -d "$DB" --db-filter="^$DB\$" --http-interface=127.0.0.1 --http-port="$PORT" \
  --logfile="$log"
