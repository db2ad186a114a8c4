# Netservers complaints portal. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-1}

.DEFAULT_GOAL := help
.PHONY: help install system-deps run demo-login test bench bench-million capacity loadtest demo lint format screenshots messages clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned dependencies into $(VENV) (a minute or two the first time)…"
	@$(PY) -m pip install -qq --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -qq --disable-pip-version-check -e '.[dev]'
	@echo "Installed: $$($(PY) -m pip list --disable-pip-version-check --format=freeze 2>/dev/null | wc -l) packages in $(VENV)."
	@touch $(STAMP)

# The Welsh catalogue, compiled with polib (pure Python: no GNU gettext needed); the .mo is not in git.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
$(CATALOGUES): %.mo: %.po $(STAMP)
	@$(PY) -m config.compile_messages

install: $(STAMP) $(CATALOGUES) ## Create .venv, install the pinned dependencies and compile the Welsh catalogue

messages: $(STAMP) ## Refresh locale/cy's msgids from the code and templates (needs GNU gettext), then compile
	@command -v xgettext >/dev/null || { echo "makemessages needs GNU gettext (apt-get install gettext); edit locale/cy/LC_MESSAGES/django.po by hand meanwhile."; exit 1; }
	@$(RUN_ENV) $(PY) manage.py makemessages --locale cy --no-location --no-obsolete \
	  --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'static/*' --ignore 'staticfiles/*' --ignore 'var/*'
	@echo "New or changed msgids have an empty (or fuzzy: a guess) msgstr in locale/cy/LC_MESSAGES/django.po: translate them; tests/notifications/test_language.py fails until every one is done."
	@$(PY) -m config.compile_messages || echo "Not compiled: the catalogue still has fuzzy entries (check each, then remove its '#, fuzzy')."

run: $(STAMP) $(CATALOGUES) ## Serve the portal on http://127.0.0.1:8000 with a Celery worker and beat, and mail in on port 2525 (Ctrl-C stops all)
	@mkdir -p var/broker/queue var/broker/processed var/broker/control var/media
	@$(RUN_ENV) $(PY) manage.py migrate --noinput --verbosity 0
	@# The worker says only what goes wrong (LOG_LEVEL=INFO for more); the e-mails it sends are printed, framed.
	@$(RUN_ENV) bash -c ' \
	  LOG_LEVEL=$${LOG_LEVEL:-WARNING} $(PY) -m celery -A config --quiet worker -B --loglevel=WARNING --without-mingle --without-gossip --pool=threads --concurrency=2 & worker=$$!; \
	  $(PY) manage.py run_inbound_smtp & smtp=$$!; \
	  ( for _ in $$(seq 240); do $(PY) -c "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8000/healthz\", timeout=1)" 2>/dev/null && break; sleep 0.5; done; \
	    $(PY) manage.py create_demo_staff --banner ) & \
	  trap "kill -INT $$worker $$smtp 2>/dev/null; wait $$worker $$smtp 2>/dev/null" EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:8000'

demo-login: $(STAMP) ## A new password for the demo staff login of `make run`, printed
	@$(RUN_ENV) $(PY) manage.py migrate --noinput --verbosity 0
	@$(RUN_ENV) $(PY) manage.py create_demo_staff --reset

system-deps: ## Install Debian's Chromium, docker-compose, Caddy and Dovecot for the browser, deployment and mailbox tests (root)
	@if ! command -v chromium >/dev/null || ! command -v docker-compose >/dev/null || ! command -v caddy >/dev/null || ! command -v dovecot >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium, docker-compose, caddy and dovecot-imapd…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium docker-compose caddy dovecot-imapd >/dev/null; \
	  else \
	    echo "WARNING: chromium, docker-compose, caddy or dovecot missing; install them (apt-get install chromium docker-compose caddy dovecot-imapd) or the browser, deployment and mailbox tests fail or are skipped."; \
	  fi; \
	fi

test: $(STAMP) $(CATALOGUES) system-deps ## Run the whole suite (real PostgreSQL and Redis when they answer)
	@eval "$$($(PY) tests/detect_services.py)" && $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP) ## Benchmarks: speed, queries, memory and capacity (never asserted in the tests); about 5 minutes
	@$(RUN_ENV) $(PY) manage.py migrate --verbosity 0
	@$(RUN_ENV) $(PY) -m bench.due_dates
	@$(PY) -W ignore -m bench.sweep 2>&1 | grep -v '^Deadline sweep'
	@$(PY) -W ignore -m bench.pages 2>&1 | grep -v -e '^Deadline sweep' -e '^{"'
	@LOG_LEVEL=WARNING $(PY) -W ignore -m bench.inbound 2>&1 | grep -v '^{"'
	@$(MAKE) --no-print-directory capacity

bench-million: $(STAMP) ## The sweep and the pages at 1,000,000 complaints (PostgreSQL; seeds its own database first, ~5 min more)
	@BENCH_COMPLAINTS=1000000 BENCH_DATABASE_NAME=complaints_bench_1m $(PY) -W ignore -m bench.sweep 2>&1 | grep -v '^Deadline sweep'
	@BENCH_COMPLAINTS=1000000 BENCH_DATABASE_NAME=complaints_bench_1m $(PY) -W ignore -m bench.pages 2>&1 | grep -v -e '^Deadline sweep' -e '^{"'

capacity: $(STAMP) ## The complaint page against a bare view, and the highest open-loop rate held (gunicorn on PostgreSQL)
	@LOG_FORMAT=text LOG_LEVEL=WARNING $(PY) -W ignore -m bench.capacity

loadtest: $(STAMP) ## 50 users for 60 s: gunicorn on PostgreSQL, loopback only (installs locust)
	@$(PY) -m pip install --quiet -e '.[dev,load]'
	@$(PY) -W ignore -m bench.loadtest

demo: $(STAMP) ## Add 300 demo complaints at every stage to the local database (then `make run`)
	@$(RUN_ENV) $(PY) manage.py migrate --verbosity 0
	@$(RUN_ENV) $(PY) manage.py seed_demo --complaints 300

lint: $(STAMP) ## ruff (lint and format check) and the import-linter contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP) ## Apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

screenshots: $(STAMP) $(CATALOGUES) ## Refresh the README's screenshots from the browser tests
	@eval "$$($(PY) tests/detect_services.py)" && SCREENSHOT_DIR=tests/browser/screenshots $(PY) -m pytest -m browser -q

clean: ## Remove the virtualenv and runtime files (database, broker folders, uploads)
	rm -rf $(VENV) var staticfiles
