# Shared helpers for the scripts in .ci/ and the Makefile. Source it; it defines, it runs nothing.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=$ROOT/.venv
RUN=$ROOT/.run
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}
DEFAULT_ODOO_SRC=$CACHE/odoo-src/19.0
# The official source release; only tried when ODOO_SRC is unset and the default cache is empty.
ODOO_RELEASE_URL=${ODOO_RELEASE_URL:-https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz}

# Quiet "does not exist, skipping" notices from dropdb --if-exists and friends.
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

say() { printf '%s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# odoo_src: prints the Odoo 19.0 source tree to use, or nothing when there is none.
# $ODOO_SRC wins when set (and is then the only place looked at); else the cache, which is filled
# from the official release when a network allows it.
odoo_src() {
  local src=${ODOO_SRC:-$DEFAULT_ODOO_SRC}
  if is_odoo19 "$src"; then printf '%s\n' "$src"; return 0; fi
  [ -z "${ODOO_SRC:-}" ] && download_odoo "$src" && is_odoo19 "$src" && printf '%s\n' "$src"
}

is_odoo19() {
  [ -f "$1/odoo/release.py" ] && [ -f "$1/odoo-bin" ] &&
    grep -q "^version_info = (19, 0," "$1/odoo/release.py"
}

download_odoo() {
  local dest=$1 tmp
  command -v curl >/dev/null || return 1
  tmp=$(mktemp -d) || return 1
  say "Odoo 19.0 not found in $dest; trying the official source release ..."
  if curl -fsSL --connect-timeout 10 --max-time 900 "$ODOO_RELEASE_URL" -o "$tmp/odoo.tar.gz" &&
     mkdir -p "$tmp/x" && tar -xzf "$tmp/odoo.tar.gz" -C "$tmp/x" --strip-components=1; then
    mkdir -p "$(dirname "$dest")" && rm -rf "$dest" && mv "$tmp/x" "$dest"
    rm -rf "$tmp"; say "Odoo 19.0 source unpacked into $dest"
  else
    rm -rf "$tmp"; say "Download failed (no network?)."; return 1
  fi
}

odoo_missing_message() {
  cat >&2 <<MSG
Odoo 19.0 source not found.
  Looked at: ${ODOO_SRC:-$DEFAULT_ODOO_SRC}${ODOO_SRC:+ (from ODOO_SRC)}
  Fix: put a full Odoo 19.0 community tree (with odoo-bin, odoo/ and addons/) there, or
       export ODOO_SRC=/path/to/odoo-19.0 and run the command again.
MSG
}

# odoo_revision SRC: a short fingerprint of the Odoo tree, to key caches on.
odoo_revision() {
  local src=$1
  if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
    git -C "$src" rev-parse HEAD
  else
    { cat "$src/odoo/release.py" "$src/requirements.txt"
      find "$src/odoo" "$src/addons" -maxdepth 2 -name '__manifest__.py' -newer "$src/odoo/release.py" 2>/dev/null | sort
    } | sha1sum | cut -c1-12
  fi
}

# addon_depends: the addon's manifest dependencies, comma-separated.
addon_depends() {
  python3 - "$ROOT/customer_lifecycle/__manifest__.py" <<'PY'
import ast, sys
print(",".join(ast.literal_eval(open(sys.argv[1]).read())["depends"]))
PY
}

# prepare_odoo: Odoo found (or a clear stop), .venv ready, PostgreSQL up, .run/odoo.conf written;
# sets SRC and exports the PG* variables of .run/pg.env.
prepare_odoo() {
  SRC=$(odoo_src) || { odoo_missing_message; exit 1; }
  bash "$ROOT/.ci/venv.sh"
  bash "$ROOT/.ci/pg.sh" start
  bash "$ROOT/.ci/db.sh" conf
  # shellcheck disable=SC1091
  . "$RUN/pg.env"
}
