#!/usr/bin/env bash
# PostgreSQL for the suite and the demo.
#   pg.sh start   use the server the usual PG* variables reach, else start a private cluster under
#                 .run/pg on a free local port; writes .run/pg.env (PGHOST, PGPORT, PGUSER)
#   pg.sh standby a hot standby of the private cluster (streaming replication) under
#                 .run/pg-standby on another free local port, for the replica tests; writes
#                 .run/pg-standby.env (STANDBY_PGHOST, STANDBY_PGPORT)
#   pg.sh stop    stop the standby and the private cluster, if this checkout started them
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PGDIR=$RUN/pg
ENV_FILE=$RUN/pg.env
STANDBY_DIR=$RUN/pg-standby
STANDBY_ENV=$RUN/pg-standby.env
SLOT=clc_standby  # keeps on the primary the WAL the standby has not received yet
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
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PGDIR/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_slot_wal_keep_size=4GB" \
    start >/dev/null || die "PostgreSQL did not start: see $PGDIR/server.log"
  printf 'export PGHOST=127.0.0.1 PGPORT=%s PGUSER=odoo\n' "$port" > "$ENV_FILE"
  say "Started a private PostgreSQL on 127.0.0.1:$port (data in $PGDIR/data; 'make stop' stops it)."
}

# The standby: a base backup of the private cluster taken with pg_basebackup -R (which writes
# primary_conninfo and standby.signal) through a physical replication slot, then started in hot
# standby. initdb's pg_hba trusts replication from 127.0.0.1, and PostgreSQL 15's defaults
# (wal_level=replica, max_wal_senders=10) stream; full_page_writes=off on the primary is fine
# because a base backup forces full-page writes while it runs. A standby keeps the exclusive
# locks of the transactions it replays in its own lock table: installing a module takes
# thousands, hence max_locks_per_transaction. Every statement is logged into
# its own log, so that the tests can show what ran there. Reused when it catches up, else rebuilt.
standby() {
  [ -f "$PGDIR/data/postmaster.pid" ] && [ -f "$ENV_FILE" ] ||
    die "The standby needs the private cluster started by 'pg.sh start' (CLC_PRIVATE_PG=1)."
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  if ! { [ -f "$STANDBY_DIR/data/postmaster.pid" ] && [ -f "$STANDBY_ENV" ] && standby_streams; }; then
    standby_stop
    standby_start || { say "Rebuilding the standby."; standby_stop; standby_build && standby_start; } ||
      die "The standby did not start streaming: see $STANDBY_DIR/server.log"
    say "Started a hot standby on 127.0.0.1:$(standby_port) (data in $STANDBY_DIR/data)."
  fi
  standby_catch_up
}

standby_catch_up() {  # until the standby has replayed what the primary has written so far
  local lsn _
  lsn=$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -XAtqc 'SELECT pg_current_wal_insert_lsn()')
  for _ in $(seq 600); do
    psql -h 127.0.0.1 -p "$(standby_port)" -U "$PGUSER" -d postgres -XAtqc \
      "SELECT pg_last_wal_replay_lsn() >= '$lsn'" 2>/dev/null | grep -q t && return 0
    sleep 0.5
  done
  die "The standby did not catch up with the primary within 5 minutes: see $STANDBY_DIR/server.log"
}

standby_build() {
  as_owner rm -rf "$STANDBY_DIR"
  mkdir -p "$STANDBY_DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$STANDBY_DIR"
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -XAtqc \
    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
  as_owner "$BIN/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -D "$STANDBY_DIR/data" \
    -R -X stream -C -S "$SLOT" -c fast >"$STANDBY_DIR/basebackup.log" 2>&1 ||
    die "pg_basebackup failed: see $STANDBY_DIR/basebackup.log"
}

standby_port() { sed -n 's/.*STANDBY_PGPORT=\([0-9]*\).*/\1/p' "$STANDBY_ENV" 2>/dev/null; }

standby_start() {
  [ -f "$STANDBY_DIR/data/standby.signal" ] || return 1
  local port
  port=$(free_port)
  as_owner mkdir -p "$STANDBY_DIR/sock"
  as_owner "$BIN/pg_ctl" -D "$STANDBY_DIR/data" -l "$STANDBY_DIR/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$STANDBY_DIR/sock -c fsync=off -c hot_standby=on -c max_locks_per_transaction=1024 -c max_standby_streaming_delay=-1 -c hot_standby_feedback=on -c log_min_duration_statement=0 -c log_line_prefix='%m [%p] db=%d '" \
    start >/dev/null || return 1
  printf 'export STANDBY_PGHOST=127.0.0.1 STANDBY_PGPORT=%s\n' "$port" > "$STANDBY_ENV"
  standby_streams
}

standby_streams() {  # the primary sees the standby streaming, within 30 s
  local _
  for _ in $(seq 60); do
    psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -XAtqc \
      "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null | grep -q 1 && return 0
    sleep 0.5
  done
  return 1
}

standby_stop() {
  if [ -f "$STANDBY_DIR/data/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$STANDBY_DIR/data" -m fast -w stop >/dev/null && say "Stopped the standby."
  fi
  rm -f "$STANDBY_ENV"
}

stop() {
  standby_stop
  if [ -f "$PGDIR/data/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null && say "Stopped the private PostgreSQL."
  fi
  rm -f "$ENV_FILE"
}

case ${1:-} in
  start) start ;;
  standby) standby ;;
  stop) stop ;;
  *) die "usage: pg.sh start|standby|stop" ;;
esac
