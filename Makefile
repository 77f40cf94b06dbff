# Two commands matter: `make run` and `make test`. Everything else helps them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgresql lint format db bench bench-render bench-search \
	bench-load bench-faults screenshots clean translations translations-report

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

db: $(STAMP)
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed-demo

run: db
	PORT=$(PORT) SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} \
		$(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r forum config.py wsgi.py --severity-level high

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suite runs on SQLite and on PostgreSQL (when TEST_DATABASE_URL names one), both at
# once: much of each run waits on servers, browsers and mail, so two share the cores well.
# Each run's output is printed whole when it ends (--output-sync).
test: lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql

test-sqlite: $(STAMP)
	@echo "== tests on SQLite"
	env -u TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

# The two runs share one Redis server but not its database: tests reset the rate limiter's
# storage, which would wipe the other run's keys. The PostgreSQL run uses database 14.
# The browser journeys (tests/browser, a third of a run) run on the SQLite pass only: what
# the database does on the pages they visit is tested on PostgreSQL by the rest of the
# suite. BROWSER_ON_POSTGRESQL=1 runs them on this pass too.
test-postgresql: $(STAMP)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== tests on PostgreSQL"; \
		if [ -n "$$REDIS_URL" ]; then export REDIS_URL="$${REDIS_URL%/*}/14"; fi; \
		skip=; if [ -z "$$BROWSER_ON_POSTGRESQL" ]; then skip=--ignore=tests/browser; \
			echo "== browser journeys: on the SQLite run (BROWSER_ON_POSTGRESQL=1 adds them here)"; fi; \
		$(BIN)/pytest $(PYTEST_ARGS) $$skip; \
	else \
		echo "== PostgreSQL run SKIPPED: TEST_DATABASE_URL is not set (CI sets it; see README)"; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# What the costliest 60,000-character posts cost to render, against ordinary prose.
bench-render: $(STAMP)
	$(BIN)/python bench/render.py $(BENCH_ARGS)

# /search against the bare FTS5 (and PostgreSQL with BENCH_DATABASE_URL) at 100k and 1M posts.
bench-search: $(STAMP)
	$(BIN)/python bench/search.py $(BENCH_ARGS)

# 16 clients replying to one topic through gunicorn (BENCH_DATABASE_URL for PostgreSQL).
bench-load: $(STAMP)
	$(BIN)/python bench/load.py $(BENCH_ARGS)

# SMTP down, database cut, worker killed, database read-only: what survives.
bench-faults: $(STAMP)
	$(BIN)/python bench/faults.py $(BENCH_ARGS)

# Extract every string (babel.cfg), bring the catalogs up to date, compile them. The .mo
# files are committed (see README, *Languages*): an install from a clean clone needs no step.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k N_ \
		--no-location --sort-output --omit-header -o forum/translations/messages.pot .
	$(BIN)/pybabel update -i forum/translations/messages.pot -d forum/translations \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d forum/translations --statistics

# Each catalog's completeness, in per cent of the messages.
translations-report: $(STAMP)
	$(BIN)/python -c 'import sys, forum.catalogs as c; sys.exit(c.main())'

# A PNG of each main page at 375 and 1280 px, light and dark, into build/screenshots/.
screenshots: $(STAMP)
	$(BIN)/python tests/browser/screenshots.py build/screenshots

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
