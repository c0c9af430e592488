# The two commands a newcomer needs are `make demo` and `make test`; README.md documents the rest.
SHELL := /bin/bash
# `make demo LANG=it_IT` loads that language; LANG only counts when given to make, since the
# shell's own LANG (en_US.UTF-8, C.UTF-8) is a locale, not a request. DEMO_LANG works as well.
# The commands themselves then run with a locale the machine has.
ifeq ($(origin LANG),command line)
DEMO_LANG := $(LANG)
override LANG := C.UTF-8
endif
export RESET POS HTTP_PORT DEMO_DB DEMO_LANG ODOO_SRC KEEP_DB SIZE RUNS CLIENTS LOAD_SECONDS LOAD_REUSE

.PHONY: demo test stop lint shell venv wheel bench loadtest screenshot pot clean mutation

demo:  ## database lifecycle_demo with demo data, served on http://127.0.0.1:8069 (LANG=it_IT|pl_PL)
	@bash .ci/demo.sh

test:  ## the whole suite; ends with one summary line
	@bash .ci/test.sh

stop:  ## stop what make demo / make test started
	@bash .ci/stop.sh

lint: venv  ## ruff, ruff format and pylint-odoo through pre-commit
	@.venv/bin/pre-commit run --all-files --show-diff-on-failure

shell:  ## Odoo shell on the demo database
	@bash .ci/shell.sh

venv:
	@bash .ci/venv.sh

wheel: venv  ## dist/odoo_addon_<addon>-<version>-py3-none-any.whl for the main addon and each bridge
	@for manifest in */__manifest__.py; do \
	  CLC_ADDON=$${manifest%%/*} .venv/bin/pip wheel --quiet --no-deps --no-build-isolation . -w dist || exit 1; \
	done

clean: stop  ## remove .run/ (databases of the private cluster included), dist/ and build/
	rm -rf .run dist build *.egg-info

bench:  ## time the engine on synthetic data: SIZE=S|L|SL|XL (default SL), RUNS=3 (1 at XL)
	@bash .ci/bench.sh

loadtest:  ## CLIENTS=8 users over JSON-RPC during the weekly full run at L, beside the same load alone (LOAD_SECONDS=30)
	@bash .ci/loadtest.sh

screenshot:  ## docs/lifecycle-funnel.png from the demo database (run make demo once first)
	@bash .ci/screenshot.sh

mutation:  ## mutation testing of customer_lifecycle/tools/ against the standalone tests (score >= 80 %)
	@bash .ci/mutation.sh

pot: venv  ## regenerate <addon>/i18n/<addon>.pot and merge its .po files (ADDON=customer_lifecycle by default; a bridge by name)
	@bash .ci/pot.sh
