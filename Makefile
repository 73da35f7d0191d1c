# The two commands of README.md: `make run` (demo dashboard) and `make test` (every test).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
CONTEXTS := $(VENV)/bin/contexts
PORT ?= 8501

.PHONY: install install-dev system-deps run test test-replica test-fast lint bench bench-browser bench-scale bench-load clean

# Debian packages: PostgreSQL with PostGIS, Chromium (browser tests), npm (Leaflet), venv,
# Pango (WeasyPrint draws the board pack's PDF with it) and fonts.
system-deps:
	@missing=""; \
	command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql postgresql-contrib"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	python3 -m venv --help >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else echo "Please install:$$missing (e.g. sudo apt-get install$$missing)"; exit 1; fi; \
	fi; \
	major=$$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1); \
	if [ -n "$$major" ] && [ ! -f /usr/share/postgresql/$$major/extension/postgis.control ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-$$major-postgis-3 || \
	    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-$$major-postgis-3; }; \
	  else echo "Please install PostGIS: sudo apt-get install postgresql-$$major-postgis-3"; exit 1; fi; \
	fi

# Runtime packages (requirements.lock) for `make run`; development packages
# (requirements-dev.lock: pytest, ruff, mypy, import-linter, Playwright) on top for `make test`.
$(VENV)/.installed: requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.lock
	$(VENV)/bin/pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(VENV)/bin/pip install -q -r requirements.lock -r requirements-dev.lock
	touch $@

install: system-deps $(VENV)/.installed
	$(PY) -c "from geo.render.assets import ensure_leaflet; ensure_leaflet()"

install-dev: install $(VENV)/.installed-dev

run: install
	$(CONTEXTS) db up
	$(CONTEXTS) migrate
	$(CONTEXTS) demo
	$(CONTEXTS) serve --port $(PORT)

# Checks that bite: ruff (with RUF100: no stale noqa), the import rules between layers
# (import-linter, pyproject.toml), types (mypy, strict for geo/stats and geo/store), dead
# code (vulture, [tool.vulture] in pyproject.toml), then
# every test, in TEST_WORKERS processes (pytest-xdist, 3 on 2 cores since workers often wait;
# the longest files first, tests/data/durations.json; each has its own databases in the
# private cluster, copied from template databases made once per run: tests/conftest.py;
# TEST_WORKERS=0 runs them in this one process), but the page tests (`-m pages`, the
# AppTests of every page and role): they run once, after, with their reads on a streaming
# standby of the cluster (`make test-replica`: CONTEXTS_TEST_READ_REPLICA=1,
# tests/conftest.py), which checks all they check on the primary and that the reads went
# to the standby; the pages with no standby are opened by the browser tests. Both runs
# share the templates (CONTEXTS_TEST_RUN); the second drops them at its end. Each run ends
# with its ten slowest tests (--durations in pyproject.toml).
# (A main run that selects nothing, TEST_ARGS naming page tests only, exits 5 and the page
# run still follows; a -m in TEST_ARGS would replace both runs' own.)
# RANDOM_ORDER=1: the tests in a random order (pytest-randomly; it prints the seed, and
# TEST_ARGS="--randomly-seed=N" with RANDOM_ORDER=1 repeats an order); TEST_ARGS: more
# pytest arguments for both runs. docs/architecture.md, "How make test runs".
# `make test-fast` runs the pure tests only (no PostgreSQL, no browser).
TEST_WORKERS ?= 3
RANDOM_ORDER ?= 0
TEST_ARGS ?=
TEST_ORDER := $(if $(filter 1,$(RANDOM_ORDER)),-p randomly,)
# the tests' bytecode (and pytest's rewritten test modules) kept in __pycache__ even where
# the environment says PYTHONDONTWRITEBYTECODE: else every worker of both runs compiles
# and rewrites the 70 test files again (about 4 s of CPU each)
test test-replica: export PYTHONDONTWRITEBYTECODE :=
test: install-dev lint
	run=make$$(date +%s)$$$$; \
	CONTEXTS_TEST_RUN=$$run CONTEXTS_TEST_KEEP_TEMPLATES=1 \
	  $(VENV)/bin/pytest -n $(TEST_WORKERS) -m "not pages" $(TEST_ORDER) $(TEST_ARGS); \
	rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc; \
	CONTEXTS_TEST_RUN=$$run CONTEXTS_TEST_READ_REPLICA=1 \
	  $(VENV)/bin/pytest -n $(TEST_WORKERS) -m pages $(TEST_ORDER) $(TEST_ARGS)

test-replica: install-dev
	CONTEXTS_TEST_READ_REPLICA=1 $(VENV)/bin/pytest -n $(TEST_WORKERS) -m pages $(TEST_ORDER) $(TEST_ARGS)

test-fast: install-dev lint
	$(VENV)/bin/pytest -m "not db and not browser"

lint: install-dev
	$(VENV)/bin/ruff check geo dashboard tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/vulture

bench: install-dev
	$(PY) -m bench

# every page as every role in Chromium (time to usable, bytes; first and second visit);
# BENCH_BROWSER_BASE=<folder of another checkout>: that code too, visit for visit (baselines)
bench-browser: install-dev
	$(PY) -m bench --only browser board_pack

bench-scale: install-dev
	$(PY) -m bench.scale

# 25 people (real Streamlit sessions over websockets, 5:3:2 partner:board:analyst) for
# 100 s against 1 M incidents, served by 1 then 2 processes behind the sticky proxy; loopback
# only, stops by itself; then 2 processes reading a streaming replica stopped half-way (the
# fault run: 0 errors, 0 sessions lost; the standby is removed at the end); then 100 people
# on 2 processes (issue #34: p95 < 1 s). BENCH_LOAD_PEOPLE / _SECONDS / _ROWS / _WORKERS=1,2
# change it, BENCH_LOAD_FAULT=0 leaves the fault run out, BENCH_LOAD_CROWD=0 the 100 people.
bench-load: install-dev
	$(PY) -m bench --only load

# The cluster's files go too, wherever they live (as root var/pg links to /var/lib/contexts/...).
# Without the venv, a cluster folder var/pg links to is stopped and deleted by hand, but only
# one the project made (it holds the file `checkout`).
clean:
	-@if [ -x $(CONTEXTS) ]; then $(CONTEXTS) db remove; \
	elif [ -L var/pg ] && [ -f var/pg/checkout ]; then \
	  t=$$(readlink -f var/pg); \
	  if [ -f "$$t/data/postmaster.pid" ]; then \
	    pid=$$(head -1 "$$t/data/postmaster.pid"); \
	    [ "$$(cat /proc/$$pid/comm 2>/dev/null)" = postgres ] && kill -INT "$$pid"; \
	    for i in $$(seq 50); do kill -0 "$$pid" 2>/dev/null || break; sleep 0.2; done; \
	  fi; \
	  rm -rf "$$t"; echo "removed: $$t"; \
	fi
	rm -rf var $(VENV) dashboard/static/vendor
