# xinfang — the two commands of the quick start are `make demo` and `make test`.
# Everything runs from .venv/, created from the machine's Python with the pinned lock file.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
X := $(BIN)/xinfang
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes per database run (pytest-xdist): `auto` is one per core, at most 4 (each PostgreSQL worker
# migrates a test database of its own); `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto
PYTEST_XDIST := -n $(PYTEST_WORKERS) --maxprocesses=4
# The ten slowest tests close each run's log (where the suite's time goes, run after run).
PYTEST_ARGS ?= --durations=10
export UV_PYTHON_DOWNLOADS := never

.PHONY: help venv demo serve test test-sqlite test-postgres lint bench lock clean

help:
	@echo "make demo   - create the environment, load a demo district, start server + worker on http://$(HOST):$(PORT)"
	@echo "make test   - create the environment and run the whole suite (SQLite, then PostgreSQL)"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - run the benchmarks, JSON reports in reports/"
	@echo "make lock   - re-pin requirements.lock from pyproject.toml (needs uv)"

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "xinfang needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: venv
	$(X) genkeys
	$(X) migrate --noinput
	$(X) seed-demo --if-empty
	$(X) serve --demo --host $(HOST) --port $(PORT)

serve: venv
	$(X) serve --demo --host $(HOST) --port $(PORT)

# The suite runs once on SQLite and once on PostgreSQL. Without a PostgreSQL server the second run is
# skipped with a warning, except under CI=true where a missing server fails the run.
test: venv
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: venv
	@echo "== suite on SQLite"
	DATABASE_URL=sqlite:///:memory: $(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

test-postgres: venv
	@if $(BIN)/python scripts/wait_for_postgres.py "$(PG_URL)"; then \
		echo "== suite on PostgreSQL"; \
		DATABASE_URL="$(PG_URL)" XINFANG_TEST_DB=postgres $(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is not reachable at $(PG_URL) and CI=true: failing." >&2; exit 1; \
	else \
		echo "WARNING: PostgreSQL is not reachable at $(PG_URL); the PostgreSQL run was skipped (see README)." >&2; \
	fi

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy xinfang config

bench: venv
	mkdir -p reports
	$(X) bench lifecycle --json reports/bench-lifecycle.json
	$(X) bench pages --json reports/bench-pages.json
	$(X) bench import --json reports/bench-import.json
	$(X) bench nlp --cases 100000 --json reports/bench-nlp-100k.json

lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# English catalogue (the msgids are the Chinese texts): extract, compile, then list the entries still
# untranslated or fuzzy (exit 1). Needs GNU gettext on the developer's machine; the .po and the compiled
# .mo are both committed, so `make demo` does not need gettext.
.PHONY: i18n
i18n: venv
	$(X) makemessages -l en --ignore=.venv --ignore=tests --ignore=var --no-obsolete
	$(X) compilemessages -l en --ignore=.venv
	$(BIN)/python scripts/i18n_check.py
