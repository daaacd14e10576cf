# Omnistore developer commands. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
LOCAL_PG := postgres://postgres@127.0.0.1:5432/omnistore

.PHONY: run test bench bench-scale worker lint format chromium migrate demo clean vendor messages

$(STAMP): pyproject.toml
	@python=$$(bin/find-python) || exit 1; \
	if [ ! -x $(BIN)/python ]; then echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV) || exit 1; fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

# Serves the shop on SQLite unless DATABASE_URL is set.
run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite. DATABASE_URL when set, else a local PostgreSQL when one answers, else SQLite.
test: $(STAMP) chromium
	@if [ -z "$$DATABASE_URL" ] && $(BIN)/python -c "import psycopg; psycopg.connect('$(LOCAL_PG:/omnistore=/postgres)', connect_timeout=2).close()" 2>/dev/null; then \
		export DATABASE_URL=$(LOCAL_PG); echo "Testing on local PostgreSQL ($$DATABASE_URL)"; \
	else echo "Testing on $${DATABASE_URL:-SQLite}"; fi; \
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports --no-cache && \
	$(BIN)/pytest -n 2 -m "not browser" $(PYTEST_ARGS) && \
	$(BIN)/pytest -p no:xdist -m browser $(PYTEST_ARGS)

# Debian's Chromium for the browser tests; installed when missing and we are root.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "No /usr/bin/chromium and cannot install it: browser tests will skip."; fi; \
	fi

# Benchmarks run on PostgreSQL: DATABASE_URL or the local server. Hot-SKU sales, complete
# flash-sale sales and checkouts of one SKU, then the storefront pages served by gunicorn (all
# on the `<name>_bench` database).
bench: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(LOCAL_PG)} $(BIN)/python -m bench.hot_sku
	DATABASE_URL=$${DATABASE_URL:-$(LOCAL_PG)} $(BIN)/python -m bench.flash_sale
	DATABASE_URL=$${DATABASE_URL:-$(LOCAL_PG)} $(BIN)/python -m bench.pages

# Every page, endpoint and admin screen on a demo-size and a retail-size database, side by
# side (`<name>_scale_small` and `<name>_scale_big`; the big one is built once and kept).
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--rebuild" or BENCH_ARGS="--only admin".
bench-scale: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(LOCAL_PG)} $(BIN)/python -m bench.scale $(BENCH_ARGS)

# A Celery worker with beat against CELERY_BROKER_URL (default: local Redis).
worker: $(STAMP)
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0} $(BIN)/celery -A shop worker --beat --loglevel=info

# ruff, and import-linter: the layers of DESIGN.md and no import cycles (pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache

# Refetch the pinned front-end packages of static/vendor/packages.txt from the npm registry
# (checked against their published integrity). The files are committed: `make run` needs no Node.
vendor:
	python3 bin/vendor

# Translations: gather the strings marked in the code and templates (django.po) and in the
# scripts (djangojs.po) into locale/fr (needs GNU gettext's xgettext: `apt-get install gettext`),
# then compile the catalogues in pure Python (babel). The compiled .mo files are committed, so
# `make run` and `make test` need neither.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages --locale fr --ignore .venv --ignore staticfiles --ignore tests --ignore bench --ignore static --no-obsolete --add-location file
	$(BIN)/python manage.py makemessages --domain djangojs --locale fr --ignore .venv --ignore staticfiles --ignore tests --ignore bench --ignore static/vendor --no-obsolete --add-location file
	$(BIN)/python manage.py compile_catalogues
