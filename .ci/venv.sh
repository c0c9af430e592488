#!/usr/bin/env bash
# Builds .venv: the test and lint tools always; when an Odoo 19 tree is found, also Odoo's Python
# requirements and Odoo itself (a .pth pointing at the tree: nothing of Odoo is copied). The addon is
# found through addons_path (the repo root): an editable install (pip install -e .) would put a path
# hook into odoo.addons.__path__, which Odoo 19 logs as a warning at every start.
# A stamp keyed on every input makes a re-run with nothing changed take a second.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$(odoo_src || true)
py=${PYTHON:-python3}
# The CLV tests read the CDNOW sample that ships inside lifetimes as data (CSV files); lifetimes
# is never imported, so its own dependencies (pandas, autograd) are not needed: --no-deps.
cdnow_data=lifetimes==0.11.3

key=$( { "$py" --version; cat "$ROOT/.ci/requirements-tools.txt"; echo "$cdnow_data";
         echo "$src"; if [ -n "$src" ]; then cat "$src/requirements.txt"; fi; } 2>&1 | sha1sum | cut -c1-16)
stamp=$VENV/.stamp
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then exit 0; fi

say "Preparing $VENV ${src:+with Odoo from $src}"
[ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" --upgrade pip setuptools wheel
"${pip[@]}" -r "$ROOT/.ci/requirements-tools.txt"
"${pip[@]}" --no-deps "$cdnow_data"
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

if [ -z "$src" ]; then
  rm -f "$site/odoo-src.pth"  # no Odoo: the venv must not pretend to have one
else
  # Odoo pins per Python version; some of its 3.11 pins (cbor2 5.4.2, ...) no longer build, while
  # the pins it gives for 3.12 install on 3.11. python-ldap is left out: it needs LDAP headers and
  # only auth_ldap uses it.
  "$VENV/bin/python" - "$src/requirements.txt" > "$VENV/odoo-requirements.txt" <<'PY'
import sys
from pip._vendor.packaging.requirements import Requirement
env = {"python_version": "3.12", "python_full_version": "3.12.0", "sys_platform": sys.platform,
       "platform_system": "Linux", "os_name": "posix"}
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    req = Requirement(line)
    if req.name.lower() == "python-ldap" or (req.marker and not req.marker.evaluate(env)):
        continue
    req.marker = None
    print(req)
PY
  "${pip[@]}" -r "$VENV/odoo-requirements.txt"
  printf '%s\n' "$src" > "$site/odoo-src.pth"
  "$VENV/bin/python" -c 'import odoo.release as r; assert r.version_info[:2] == (19, 0), r.version_info'
fi
printf '%s\n' "$key" > "$stamp"
say "$VENV ready"
