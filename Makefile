# claimrec: `make run` runs the pipeline, `make test` the tests, `make bench` the benchmarks.
# Each creates .venv and installs the locked dependencies first, on a fresh machine too.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# for the processes make starts: the defaults of claimrec.settings.DEFAULTS (tests/test_settings.py compares them)
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_TASKS_DEFAULT_NO_CACHE ?= true
export GX_ANALYTICS_ENABLED ?= False
export TQDM_DISABLE ?= 1

.PHONY: help install run test bench lint format lock clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# each step says what it does first; pip shows what it collects and installs, with its progress bars
$(STAMP): pyproject.toml requirements.lock
	@echo "creating $(VENV) with $(PYTHON)…"
	$(PYTHON) -m venv $(VENV)
	@echo "installing the locked dependencies of requirements.lock (a few minutes on a fresh machine)…"
	$(PY) -m pip install --disable-pip-version-check --progress-bar on -r requirements.lock
	@echo "installing claimrec itself (editable)…"
	$(PY) -m pip install --disable-pip-version-check --quiet --no-deps -e .
	@echo "$(VENV) is ready"
	@touch $@

install: $(STAMP)  ## create .venv and install the locked dependencies

run: $(STAMP)  ## run the Prefect pipeline flow on claims/: writes claimrec.duckdb and reports/
	@echo "running the claimrec-pipeline flow on claims/ (without PREFECT_API_URL, Prefect first starts a temporary server: 10-20 s)…"
	$(PY) flows/pipeline.py

test: $(STAMP)  ## run the whole test suite, a test file per worker on two workers
	$(PY) -m pytest -n 2 --dist loadfile

lint: $(STAMP)  ## check the code: ruff's rules and its formatting (configured in pyproject.toml)
	$(VENV)/bin/ruff check src tests bench flows
	$(VENV)/bin/ruff format --check src tests bench flows

format: $(STAMP)  ## format the code and apply ruff's safe fixes
	$(VENV)/bin/ruff format src tests bench flows
	$(VENV)/bin/ruff check --fix src tests bench flows

bench: $(STAMP)  ## run the benchmarks (10^5, 10^6, 10^7 claims) and write bench/results.md
	$(PY) bench/run.py $(BENCH_ARGS)

lock:  ## re-resolve the dependencies and rewrite requirements.lock
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -e '.[test]'
	( echo "# Exact versions installed by 'make'. Regenerate with 'make lock' after changing pyproject.toml."; \
	  .venv-lock/bin/pip freeze --exclude-editable | grep -v '^claimrec' ) > requirements.lock
	rm -rf .venv-lock

clean:  ## remove the virtual environment and generated files
	rm -rf $(VENV) .pytest_cache claimrec.duckdb
