#!/usr/bin/env bash
# make mutation: mutation testing of the Odoo-free rules (customer_lifecycle/tools/) against the
# standalone tests, with cosmic-ray (pinned in requirements-tools.txt). Each file is mutated in a
# scratch copy (.run/mutation/), so the work tree is never touched, even when the run is killed.
# Prints the surviving mutants and the score, and fails when the score is under MIN_SCORE (80).
#   MODULES="referral_code" make mutation    only some of the files
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bash "$ROOT/.ci/venv.sh"
MODULES=${MODULES:-lifecycle_rules referral_code clv_model}
MIN_SCORE=${MIN_SCORE:-80}
work=$RUN/mutation
rm -rf "$work" && mkdir -p "$work/customer_lifecycle/tools" "$work/tests/standalone"
cp "$ROOT"/customer_lifecycle/tools/*.py "$work/customer_lifecycle/tools/"
cp "$ROOT"/tests/standalone/{__init__.py,conftest.py} "$ROOT"/tests/standalone/test_{lifecycle,rules,referral,clv}*.py \
   "$work/tests/standalone/"
export PATH=$VENV/bin:$PATH

tests_of() {  # the standalone tests that check one file of tools/
  case $1 in
    lifecycle_rules) echo "tests/standalone/test_rules_pinned.py tests/standalone/test_lifecycle_rules.py tests/standalone/test_lifecycle_segments.py" ;;
    referral_code) echo "tests/standalone/test_referral_code_pinned.py tests/standalone/test_referral_code.py" ;;
    # the 100,000-customer timing test checks speed, not values: left out of each mutant's run
    clv_model) echo "tests/standalone/test_clv_pinned.py tests/standalone/test_clv_model.py -k 'not 100000'" ;;
    *) die "no tests known for tools/$1.py" ;;
  esac
}

started=$SECONDS
cd "$work"
for module in $MODULES; do
  sed -e "s|@MODULE@|$module|" -e "s|@TESTS@|$(tests_of "$module")|" "$ROOT/.ci/mutation.toml" \
    > "$module.toml"
  say "mutating tools/$module.py ..."
  cosmic-ray init "$module.toml" "$module.sqlite" >/dev/null
  cr-filter-operators "$module.sqlite" "$module.toml" 2>/dev/null
  cosmic-ray baseline "$module.toml" >/dev/null 2>&1 || die "the tests of tools/$module.py fail unmutated"
  cosmic-ray exec "$module.toml" "$module.sqlite" >/dev/null 2>&1
done
python - "$MIN_SCORE" "$((SECONDS - started))" $MODULES <<'PY'
import sys
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome

min_score, seconds, modules = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
total_killed = total_run = 0
for module in modules:
    with use_db(f"{module}.sqlite", WorkDB.Mode.open) as db:
        killed = survived = 0
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue  # an operator left out by the filter
            if result.test_outcome == TestOutcome.SURVIVED and result.worker_outcome == WorkerOutcome.NORMAL:
                survived += 1
                mutation = item.mutations[0]
                print(f"SURVIVED {module}.py:{mutation.start_pos[0]} {mutation.operator_name}")
                print("".join(f"    {line}\n" for line in result.diff.splitlines()[2:] if line[:1] in "+-"))
            else:  # killed, a timeout or a mutant that cannot even load: the tests noticed
                killed += 1
        pending = db.num_work_items - db.num_results
        total = killed + survived
        print(f"tools/{module}.py: {killed} of {total} mutants killed ({100 * killed / max(total, 1):.1f} %)"
              + (f", {pending} not run" if pending else ""))
        total_killed += killed
        total_run += total
score = 100 * total_killed / max(total_run, 1)
print(f"mutation score: {score:.1f} % ({total_killed} of {total_run} mutants killed) in {seconds // 60} min {seconds % 60} s")
sys.exit(0 if score >= min_score else 1)
PY
