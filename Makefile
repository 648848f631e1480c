# One target per thing a contributor does; see README.md.
VENV := .venv
PYTHON := $(VENV)/bin/python
PIP := $(PYTHON) -m pip install --quiet --disable-pip-version-check
DEMO_STAMP := $(VENV)/.installed-demo
STAMP := $(VENV)/.installed
BASE_PYTHON := $(shell command -v python3.11 || command -v python3)

# schema_safety's tests that depend on Django's internals (introspection, schema editor,
# migration loader and writer), run again on Django 6.0 (Python 3.12) by `make test-django6`.
VENV6 := .venv-django6
STAMP6 := $(VENV6)/.installed
SCHEMA_SAFETY_TESTS := tests/test_verify_schema_backends.py tests/test_verify_schema_fix.py \
	tests/test_verify_schema_postgresql.py tests/test_verify_schema_settings.py \
	tests/test_verify_schema_usage.py tests/test_verify_schema_command.py \
	tests/test_compare.py tests/test_conf.py tests/test_matching.py tests/test_types.py \
	tests/test_introspection_mysql_types.py tests/test_sqlite_checks.py \
	tests/test_migration_plan.py tests/test_predeploy_report.py \
	tests/test_verify_schema_fix_hidden.py tests/test_rehearse_migrations.py \
	tests/test_locked_migrate.py

.PHONY: venv demo-venv system-packages test test-django6 faults lint format demo bench

# Everything a contributor needs: the demo's packages, the test tools, the system packages.
venv: $(STAMP)

# Python packages only: what `make demo` needs.
demo-venv: $(DEMO_STAMP)

system-packages:
	@bash scripts/system-packages.sh

$(DEMO_STAMP): requirements.txt pyproject.toml
	test -x $(PYTHON) || $(BASE_PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) -e .
	touch $(DEMO_STAMP)

$(STAMP): requirements-test.txt $(DEMO_STAMP) | system-packages
	$(PIP) -r requirements-test.txt
	touch $(STAMP)

$(STAMP6): requirements-test.txt requirements.txt requirements-django6.txt | system-packages
	test -x $(VENV6)/bin/python || \
		{ python312=$$(bash scripts/python312.sh) && "$$python312" -m venv $(VENV6); }
	$(VENV6)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	$(VENV6)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-django6.txt
	touch $(STAMP6)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# A worker per core, each test file whole on one worker (its module fixtures, its order).
test: lint test-django6
	$(PYTHON) -m pytest -n auto --dist loadfile

# Every cell of the fault matrix (tests/fault_cases.py), then the matrix printed.
faults: venv
	$(PYTHON) -m pytest tests/test_faults.py -m faults -q

test-django6: $(STAMP6)
	$(VENV6)/bin/python -m pytest -q -n auto --dist loadfile $(SCHEMA_SAFETY_TESTS)

demo: demo-venv
	$(PYTHON) scripts/demo.py

bench: venv
	$(VENV)/bin/pip install -q -r requirements-bench.txt
	$(PYTHON) bench/verify_schema.py
	$(PYTHON) bench/predeploy.py
	$(PYTHON) bench/deploy.py
	$(PYTHON) bench/live_migration.py
	$(PYTHON) bench/deploy_vs_hand.py
