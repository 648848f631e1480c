# One target per thing a contributor does; see README.md.
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BASE_PYTHON := $(shell command -v python3.11 || command -v python3)

.PHONY: venv system-packages test faults lint format demo bench

venv: $(STAMP)

system-packages:
	@bash scripts/system-packages.sh

$(STAMP): requirements.txt pyproject.toml | system-packages
	test -x $(PYTHON) || $(BASE_PYTHON) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e .
	touch $(STAMP)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	$(PYTHON) -m pytest

# Every cell of the fault matrix (tests/fault_matrix.py), then the matrix printed.
faults: venv
	$(PYTHON) -m pytest tests/test_faults.py -m faults -q

demo: venv
	$(PYTHON) scripts/demo.py

bench: venv
	$(VENV)/bin/pip install -q -r requirements-bench.txt
	$(PYTHON) bench/verify_schema.py
	$(PYTHON) bench/predeploy.py
	$(PYTHON) bench/deploy.py
