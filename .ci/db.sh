#!/usr/bin/env bash
# Odoo configuration and databases for the suite and the demo.
#   db.sh conf                 write .run/odoo.conf for the current PostgreSQL (.run/pg.env)
#   db.sh template [demo] [MODULES]
#                              print the name of a template database holding the addon's
#                              dependencies (with demo data when asked, and the Odoo modules
#                              MODULES, comma-separated: a bridge's apps), building it when missing
#   db.sh fresh NAME [demo] [MODULES]
#                              (re)create database NAME as a copy of that template
# Templates are keyed on the Odoo revision, the dependency list and the phonenumbers version, and kept as dumps under
# ~/.cache/customer_lifecycle so that a new clone or a new cluster restores them in seconds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SRC=$(odoo_src) || { odoo_missing_message; exit 1; }
# shellcheck disable=SC1091
. "$RUN/pg.env"
CONF=$RUN/odoo.conf
odoo() {  # odoo [COMMAND] ARGS...: Odoo's CLI from the source tree, with our configuration
  case ${1:-} in
    shell|i18n|module|db) local cmd=$1; shift; "$VENV/bin/python" "$SRC/odoo-bin" "$cmd" -c "$CONF" "$@" ;;
    *) "$VENV/bin/python" "$SRC/odoo-bin" -c "$CONF" "$@" ;;
  esac
}
DUMPS=$CACHE/customer_lifecycle/templates

write_conf() {
  mkdir -p "$RUN/data" "$RUN/log"
  # written aside, then moved: a suite phase may be reading it meanwhile
  cat > "$CONF.$$" <<CONF
[options]
addons_path = $SRC/addons,$ROOT
data_dir = $RUN/data
db_host = ${PGHOST:-False}
db_port = ${PGPORT:-False}
db_user = ${PGUSER:-False}
${PGPASSWORD:+db_password = $PGPASSWORD}
http_interface = 127.0.0.1
http_port = ${HTTP_PORT:-8069}
max_cron_threads = 1
CONF
  mv "$CONF.$$" "$CONF"
}

db_exists() { psql -d postgres -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; }

template() {
  local demo=${1:-} extra=${2:-} deps phonenumbers key name dump log
  deps=$(addon_depends)${extra:+,$extra}
  # phonenumbers decides how phone_validation stores numbers (E.164 or as typed) in the
  # template's own partners: a template built without it (or with another version) is stale.
  phonenumbers=$("$VENV/bin/python" -c 'import phonenumbers; print(phonenumbers.__version__)' 2>/dev/null || echo none)
  key=$(printf '%s %s %s %s' "$(odoo_revision "$SRC")" "$deps" "$demo" "phonenumbers=$phonenumbers" |
    sha1sum | cut -c1-10)
  name=clc_tpl_${demo:+demo_}$key
  dump=$DUMPS/$name.dump
  if db_exists "$name"; then echo "$name"; return; fi
  if [ -f "$dump" ]; then
    say "Restoring template $name from $dump"
    createdb -T template0 "$name" && pg_restore --no-owner -d "$name" "$dump" >/dev/null 2>&1 &&
      { echo "$name"; return; }
    say "Restore failed; rebuilding."; dropdb --if-exists "$name"
  fi
  local build=${name}_build
  log=$RUN/log/$name.log
  say "Building template $name (Odoo with $deps${demo:+, demo data}; a few minutes, once) ..."
  dropdb --if-exists "$build"
  odoo -d "$build" -i "$deps" ${demo:+--with-demo} --stop-after-init --no-http \
    --logfile="$log" || die "building $name failed: see $log"
  # Attachments (the compiled assets among them) go into the database, so a copy of the
  # database is complete without copying a filestore.
  odoo shell -d "$build" --no-http --logfile="$log" >/dev/null <<'PY' || die "attachment storage switch failed: see $log"
env["ir.config_parameter"].set_param("ir_attachment.location", "db")
env["ir.attachment"].force_storage()
env.cr.commit()
PY
  psql -d postgres -XAtqc "ALTER DATABASE \"$build\" RENAME TO \"$name\""
  rm -rf "$RUN/data/filestore/$build"
  mkdir -p "$DUMPS"
  pg_dump -Fc -f "$dump.tmp" "$name" && mv "$dump.tmp" "$dump"
  echo "$name"
}

fresh() {
  local db=$1 demo=${2:-} extra=${3:-} tpl
  tpl=$(template "$demo" "$extra")
  dropdb --if-exists --force "$db"
  createdb -T "$tpl" "$db"
  rm -rf "$RUN/data/filestore/$db"
}

case ${1:-} in
  conf) write_conf ;;
  template) write_conf; template "${2:-}" "${3:-}" ;;
  fresh) write_conf; fresh "$2" "${3:-}" "${4:-}" ;;
  *) die "usage: db.sh conf | template [demo] [MODULES] | fresh NAME [demo] [MODULES]" ;;
esac
