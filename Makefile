# Two commands: `make run` (set up, migrate, install the reference data, seed the demo zone once, serve on
# http://127.0.0.1:5000)
# and `make test` (set up, then run the whole suite on SQLite and, side by side, on a throw-away PostgreSQL).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PG_PORT ?= 54329
PG_DIR ?= /tmp/incubator-pg
# An existing server can be named instead of the throw-away one (make test-postgres PG_PORT=… PG_DATABASE=…).
PG_DATABASE ?= incubator_test
PYTEST_ARGS ?=
# pytest empties its --basetemp: two checkouts running the suite on one machine give each its own.
BASETEMP ?= /tmp/incubator-pytest

.PHONY: run test setup assets translations system-packages postgres-start postgres-stop test-sqlite test-postgres bench clean screens

run: setup
	$(FLASK) db upgrade heads
	$(FLASK) init
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

# The two runs go side by side (each is one process, the machine has at least two cores); every output
# line says which database it comes from. Either run failing, or PostgreSQL not starting, fails the target.
test: setup system-packages
	@set -o pipefail; status=0; \
	( $(MAKE) --no-print-directory test-sqlite 2>&1 | sed -u 's/^/[sqlite] /' ) & sqlite_run=$$!; \
	if $(MAKE) --no-print-directory postgres-start; then \
	  ( $(MAKE) --no-print-directory test-postgres 2>&1 | sed -u 's/^/[postgresql] /' ) || status=1; \
	else \
	  echo "PostgreSQL did not start: the suite did not run on it" >&2; status=1; \
	fi; \
	wait $$sqlite_run || status=1; \
	$(MAKE) --no-print-directory postgres-stop; \
	if [ $$status = 0 ]; then echo "== test suite passed on SQLite and PostgreSQL =="; else echo "== test suite FAILED (see above) =="; fi; \
	exit $$status

# pytest exits 5 when it collected nothing: that is a failure here too (any non-zero status fails).
test-sqlite:
	@echo "== test suite on SQLite =="
	$(BIN)/pytest --basetemp=$(BASETEMP)-sqlite $(PYTEST_ARGS)

test-postgres:
	@echo "== test suite on PostgreSQL =="
	TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$(PG_PORT)/$(PG_DATABASE) $(BIN)/pytest --basetemp=$(BASETEMP)-postgresql $(PYTEST_ARGS)

setup: $(VENV)/.installed translations assets

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	$(BIN)/python -m incubator.catalogs compile

assets: $(VENV)/.installed
	$(BIN)/python -m incubator.assets

# Debian packages the suite needs: PostgreSQL, Chromium for the browser tests, CJK fonts for PDFs, Redis for
# the job tests (each test run starts its own throw-away redis-server on a free port, .ci/redis.sh).
system-packages:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

postgres-start:
	@bash .ci/postgres.sh start $(PG_DIR) $(PG_PORT)

postgres-stop:
	@bash .ci/postgres.sh stop $(PG_DIR) $(PG_PORT)

# The three README pictures (admin dashboard, founder's report, manager's calendar; Chinese, 1366×768): the
# picture test takes them into test-artifacts/screens/readme/, this copies them into docs/screens/.
screens: setup system-packages
	$(BIN)/pytest tests/browser/test_screens.py -m browser -q -p no:cacheprovider
	mkdir -p docs/screens
	cp test-artifacts/screens/readme/*.png docs/screens/

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
