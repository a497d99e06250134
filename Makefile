# onething — two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: setup run test test-postgres faults test-install lint check-catalog clean

# Creates the virtualenv and installs onething (editable) with test tools.
$(BIN)/onething: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(BIN)/onething

setup: $(BIN)/onething

# Migrates the embedded SQLite database, loads the catalogue, serves. The font (PDFs)
# and liblouis (Braille) come from Debian; without root the scripts say what to install.
run: setup
	-scripts/ensure-fonts.sh
	-scripts/ensure-louis.sh
	$(BIN)/onething setup --demo
	$(BIN)/onething serve --host $(HOST) --port $(PORT)

test: setup
	scripts/ensure-chromium.sh
	scripts/ensure-axe.sh
	scripts/ensure-fonts.sh
	scripts/ensure-louis.sh
	scripts/ensure-faketime.sh
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/onething catalog check
	$(BIN)/onething makemigrations --check --dry-run > /dev/null
	$(BIN)/pytest

# The same test suite on a throwaway PostgreSQL cluster (installed when missing).
test-postgres: setup
	scripts/ensure-chromium.sh
	scripts/ensure-axe.sh
	scripts/ensure-fonts.sh
	scripts/ensure-louis.sh
	scripts/ensure-faketime.sh
	scripts/test-postgres.sh

# The fault suite on a throwaway PostgreSQL cluster (docs/operations.md, "Surviving
# faults"): a worker killed mid-send, a database outage under the worker, PostgreSQL
# restarted (pg_ctl) under submission load, exhausted connection slots, an unreachable
# database, a full uploads volume, a node with a wrong clock, serve restarting its worker;
# and two web nodes with a worker, then backup → destroy → restore. Needs root (tmpfs and
# bind mounts, faketime).
faults: setup
	scripts/ensure-faketime.sh
	scripts/test-postgres.sh tests/production/test_workers.py tests/production/test_deliveries_retry.py \
	  tests/core/test_faults.py tests/core/test_database_restart.py tests/core/test_dbclock.py \
	  tests/core/test_serve.py tests/core/test_two_nodes.py -p no:randomly -v

# Installs a node as docs/operations.md says (a throwaway prefix, PostgreSQL cluster and
# service user) and checks that it serves; needs root.
test-install:
	scripts/test-install.sh

# Style, the import contracts between the layers and apps, types in the domain
# (docs/architecture.md, "Guards").
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis

# Benchmarks (bench/, docs/benchmarks.md): results in var/bench/summary.json.
.PHONY: bench bench-quick
bench: setup
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/run.py

bench-quick: setup
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/run.py --quick
