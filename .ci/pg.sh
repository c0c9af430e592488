#!/usr/bin/env bash
# PostgreSQL for the suite and the demo.
#   pg.sh start   use the server the usual PG* variables reach, else start a private cluster under
#                 .run/pg on a free local port; writes .run/pg.env (PGHOST, PGPORT, PGUSER)
#   pg.sh stop    stop the private cluster, if this checkout started one
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PGDIR=$RUN/pg
ENV_FILE=$RUN/pg.env
BIN=$(pg_config --bindir 2>/dev/null || true)
[ -x "$BIN/initdb" ] || BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

# The private cluster runs as the postgres system user when we are root (initdb refuses root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

server_answers() {  # the server that the current PG* variables reach, with a user Odoo accepts
  local user
  user=$(PGCONNECT_TIMEOUT=3 psql -d postgres -XAtqc 'SELECT current_user WHERE (SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user)' 2>/dev/null) || return 1
  [ -n "$user" ] && [ "$user" != postgres ]  # Odoo refuses to run as "postgres"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  mkdir -p "$RUN"
  if [ -f "$ENV_FILE" ]; then
    # shellcheck disable=SC1090
    (. "$ENV_FILE"; server_answers) && return 0
  fi
  if [ -z "${CLC_PRIVATE_PG:-}" ] && server_answers; then
    printf 'export PGHOST=%q PGPORT=%q PGUSER=%q\n' "${PGHOST:-}" "${PGPORT:-}" \
      "$(psql -d postgres -XAtqc 'SELECT current_user')" > "$ENV_FILE"
    say "Using the PostgreSQL server reached by the PG* variables."
    return 0
  fi
  [ -x "$BIN/initdb" ] || die "No PostgreSQL server answers and initdb is not installed (apt-get install postgresql)."
  if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
    mkdir -p "$PGDIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$PGDIR"
    as_owner test -w "$PGDIR" ||
      die "The postgres system user cannot write to $PGDIR (a parent folder is not readable by it)."
    as_owner "$BIN/initdb" -D "$PGDIR/data" -U odoo --auth=trust -E UTF8 --locale=C.UTF-8 >"$PGDIR/initdb.log" 2>&1 ||
      die "initdb failed: see $PGDIR/initdb.log"
  fi
  local port
  port=$(free_port)
  as_owner mkdir -p "$PGDIR/sock"
  as_owner "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PGDIR/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || die "PostgreSQL did not start: see $PGDIR/server.log"
  printf 'export PGHOST=127.0.0.1 PGPORT=%s PGUSER=odoo\n' "$port" > "$ENV_FILE"
  say "Started a private PostgreSQL on 127.0.0.1:$port (data in $PGDIR/data; 'make stop' stops it)."
}

stop() {
  if [ -f "$PGDIR/data/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null && say "Stopped the private PostgreSQL."
  fi
  rm -f "$ENV_FILE"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) die "usage: pg.sh start|stop" ;;
esac
