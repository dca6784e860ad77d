# Set-up and everyday commands. `make demo` runs the app; `make test` runs the suite.
# Both create the virtualenv in .venv and install the pinned requirements when needed.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_FILINGS ?= 3000
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= auto

# The first interpreter on PATH that is Python 3.12 or newer.
SYSTEM_PYTHON := $(shell for p in python3.14 python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 \
	&& { echo $$p; break; }; done)

.PHONY: demo demo-reset test lint venv help messages screenshots bench rehearsal browsers hooks docs

help:
	@echo "make demo   set up and run the app on SQLite at http://$(HOST):$(PORT)/"
	@echo "make demo-reset  start the demo over with a new database"
	@echo "make test   set up and run the whole test suite"
	@echo "make browsers  install Chromium and the CJK fonts the browser tests need (root)"
	@echo "make lint   ruff check, ruff format --check, makemigrations --check, mypy"
	@echo "make hooks  install the git hooks: ruff and mypy before each commit"
	@echo "make docs   build the manual (docs/) into site/; it works offline: open site/index.html"
	@echo "make bench  every benchmark against the local PostgreSQL and Redis -> bench/results/report.md"
	@echo "make rehearsal  nginx, two web nodes, workers, faults under load, a restore drill (needs root)"
	@echo "make screenshots  redraw docs/screenshots/ (needs chromium and fonts-noto-cjk)"
	@echo "make messages  update locale/zh_Hans/LC_MESSAGES/django.po and compile it (needs gettext)"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@if [ ! -x "$(PY)" ]; then \
		if [ -z "$(SYSTEM_PYTHON)" ]; then echo "Python 3.12 or newer is needed; none found on PATH." >&2; exit 1; fi; \
		echo "==> Creating the virtualenv in $(VENV) with $(SYSTEM_PYTHON)"; \
		$(SYSTEM_PYTHON) -m venv $(VENV); \
	fi
	@echo "==> Installing pinned requirements"
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@command -v flite >/dev/null 2>&1 || { \
		echo "==> Installing flite (reads the captcha aloud for those who cannot see it)"; \
		apt-get install -y -qq flite >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq flite >/dev/null 2>&1; } \
		|| echo "    flite could not be installed: the captcha offers no spoken alternative"; }
	@touch $(STAMP)

# The demo runs as a deployment does (DEBUG off: the project's own error pages, static
# files through whitenoise, gunicorn), on plain HTTP at HOST:PORT, its log lines in
# demo.log. One process (threads): the locmem cache holds the demo clock and throttles.
DEMO_SITE := http://$(HOST):$(PORT)
DEMO_ENV = DEBUG=false DEMO_MODE=true SECRET_KEY="$$(cat .demo-secret-key)" \
	ALLOWED_HOSTS='*' SITE_URL=$(DEMO_SITE) LOG_FILE=demo.log \
	SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false \
	SECURE_HSTS_SECONDS=0 WEBHOOKS_ALLOW_PRIVATE=true

demo: $(STAMP)
	@test -s .demo-secret-key || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > .demo-secret-key
	@echo "==> Migrating the SQLite database (reference data included)"
	@$(DEMO_ENV) $(PY) manage.py migrate --no-input -v 0
	@echo "==> Collecting the static files"
	@$(DEMO_ENV) $(PY) manage.py collectstatic --no-input -v 0
	@echo "==> Demo data (generated once, reused afterwards)"
	@$(DEMO_ENV) $(PY) manage.py seed_demo --if-empty --filings $(DEMO_FILINGS) > /dev/null
	@$(DEMO_ENV) $(PY) manage.py import_filings samples/filings.json --skip-existing > /dev/null
	@$(DEMO_ENV) $(PY) manage.py add_standard_answers > /dev/null
	@echo "==> Training scenarios for demo-agent (built once)"
	@$(DEMO_ENV) $(PY) manage.py add_training_scenarios --if-none > /dev/null
	@echo ""
	@echo "Open $(DEMO_SITE)/demo/  (try a verification in two minutes)"
	@echo "  central pages   $(DEMO_SITE)/verify/  and /resend/"
	@echo "  a province      $(DEMO_SITE)/p/gs/   all: /provinces/"
	@echo "  demo phone      $(DEMO_SITE)/demo/phone/"
	@echo "  training        $(DEMO_SITE)/demo/training/  (staff)"
	@echo "  staff console   $(DEMO_SITE)/admin/"
	@echo "  logins          demo-agent, demo-supervisor, demo-auditor, demo-admin (every provider);"
	@echo "                  ali-agent, ali-supervisor, tencent-agent, tencent-supervisor (one provider's team);"
	@echo "                  password demo-pass-2026"
	@echo "  log lines       demo.log    (Ctrl-C stops the demo)"
	@echo ""
	@echo "API key for Alibaba Cloud (kept in .demo-api-key; docs: $(DEMO_SITE)/api/v1/docs):"
	@key=$$($(DEMO_ENV) $(PY) manage.py create_api_key aliyun --name "Demo key" --keep-in .demo-api-key | tail -n 1); \
	echo "  $$key"; \
	echo "  curl -s -X POST $(DEMO_SITE)/api/v1/filings -H \"Authorization: Bearer $$key\" -H 'Idempotency-Key: demo-1' -H 'Content-Type: application/json' -H 'Accept-Language: en' -d @samples/api-filing.json"
	@echo ""
	@$(DEMO_ENV) $(VENV)/bin/gunicorn icpportal.wsgi:application --bind $(HOST):$(PORT) \
		--workers 1 --threads 8 --timeout 120 --graceful-timeout 5 --no-control-socket \
		--access-logfile demo.log --error-logfile demo.log

demo-reset:
	@echo "==> Removing the demo database"
	@rm -f db.sqlite3 db.sqlite3-wal db.sqlite3-shm db.sqlite3.before-time-travel*
	@$(MAKE) --no-print-directory demo

test: $(STAMP)
	@$(PY) tests/preflight.py
	@echo "==> Running the test suite on $${DATABASE_URL:-SQLite} ($(TEST_WORKERS) processes)"
	@$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Chromium and the CJK fonts for the browser tests and screenshots (Debian, as root).
browsers:
	@echo "==> Installing Chromium and the CJK fonts (apt-get)"
	@apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
	@echo "    done: the browser tests will run"

lint: $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	@DEBUG=true $(VENV)/bin/mypy

# The manual (mkdocs.yml): docs/ built into site/ with MkDocs Material. Strict: a broken
# link, a missing anchor or a page left out of the navigation fails the build.
docs: $(STAMP)
	@echo "==> Building the manual into site/"
	@NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict
	@echo "    open site/index.html in a browser (no network needed),"
	@echo "    or serve it: $(PY) -m http.server -d site 8001"

# Git hooks: ruff and mypy before each commit (.pre-commit-config.yaml).
hooks: $(STAMP)
	@$(VENV)/bin/pre-commit install
	@echo "    installed: ruff and mypy run before each commit"

messages: $(STAMP)
	@DEBUG=true $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=staticfiles --ignore=site
	@DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

screenshots: $(STAMP)
	@echo "==> Drawing the verify page and the staff console into docs/screenshots/"
	@SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest -q tests/portal/browser/test_screenshots.py tests/console/browser/test_screenshots.py

# BENCH_ARGS=--quick for a short trial run; see bench/run.py.
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { \
		echo "==> Installing wrk (the HTTP load generator)"; \
		apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }; }
	@$(PY) bench/run.py $(BENCH_ARGS)

# The production topology on this machine, through faults; REHEARSAL_ARGS=--help.
rehearsal: $(STAMP)
	@$(PY) rehearsal/run.py $(REHEARSAL_ARGS)
