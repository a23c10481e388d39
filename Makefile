# Testarena: two commands set everything up on a fresh machine.
#   make run   - venv, runtime dependencies only, migrate the SQLite database in instance/, demo data,
#                serve with gunicorn on http://$(HOST):$(PORT)/
#   make test  - venv, runtime and test dependencies (incl. Debian's chromium and Java with the Nu Html
#                Checker for the browser and HTML tests), lint, the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Two stamps: `make run` needs the runtime dependencies only, `make test` adds the test extra.
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
# A cold start spends its time in pip, so: when the host Python has a pip that can install into
# another environment (pip >= 22.3, `--python`), the venv is made without its own copy (ensurepip
# alone takes seconds); and no byte-compiling of every installed module up front (Python compiles
# the modules it imports, once, on first use). pip runs without its progress log: a failing step
# prints its whole output, a passing one nothing.
HOST_PIP := $(shell $(PYTHON) -c "import pip, sys; sys.exit(tuple(map(int, pip.__version__.split('.')[:2])) < (22, 3))" 2>/dev/null && echo yes)
PIP    := $(if $(HOST_PIP),$(PYTHON) -m pip --python $(BIN)/python,$(BIN)/python -m pip) install \
          --no-compile --disable-pip-version-check -c requirements.lock
QUIET  := $(BIN)/python scripts/quiet.py
# The W3C Nu Html Checker (npm vnu-jar, run with Java) for tests/test_html_valid.py.
VNU_VERSION := 26.9.27
VNU_JAR     := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2
# Host names `make run` answers to (any other Host header gets a plain 400).
TRUSTED_HOSTS ?= ["127.0.0.1", "localhost"]
# Sign-in throttling and the page cache are shared by the workers through Redis where it answers
# (else one worker, and a per-process page cache).
REDIS_URL ?= redis://127.0.0.1:6379
HAVE_REDIS := $(shell $(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 6379), 1)" 2>/dev/null && echo yes)
# Two pytest workers (xdist): one per core; every worker gets its own database.
PYTEST_ARGS ?= -n 2
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FLASK  := $(BIN)/flask --app tracker
SECRET_FILE := instance/secret_key

.PHONY: install runtime run dev passwords chromium java wrk test lint i18n translations db demo audit lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(if $(HOST_PIP),--without-pip) $(VENV)

# Reinstall whenever the project metadata or the lock file changes.
$(RUN_STAMP): $(BIN)/python pyproject.toml requirements.lock
	@echo "Installing the runtime dependencies into $(VENV)"
	@$(QUIET) $(PIP) -e .
	@touch $@

$(TEST_STAMP): $(RUN_STAMP)
	@echo "Installing the test dependencies into $(VENV)"
	@$(QUIET) $(PIP) -e '.[test]'
	@touch $@

$(VNU_JAR):
	@echo "Installing the Nu Html Checker (npm vnu-jar $(VNU_VERSION)) into $(VENV)/vnu"
	@$(QUIET) npm install --no-audit --no-fund --prefix $(VENV)/vnu vnu-jar@$(VNU_VERSION)

# What `make run` needs; `install` is everything, for the tests.
runtime: $(RUN_STAMP) translations

install: runtime $(TEST_STAMP) $(VNU_JAR)

translations: $(RUN_STAMP)
	@$(BIN)/python scripts/i18n.py compile

$(SECRET_FILE):
	@mkdir -p instance
	@$(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > $(SECRET_FILE)
	@chmod 600 $(SECRET_FILE)

db: runtime $(SECRET_FILE)
	@TRACKER_SECRET_KEY=$$(cat $(SECRET_FILE)) TRACKER_BASE_URL=http://$(HOST):$(PORT) $(QUIET) $(FLASK) db upgrade

demo: db
	TRACKER_SECRET_KEY=$$(cat $(SECRET_FILE)) TRACKER_BASE_URL=http://$(HOST):$(PORT) $(FLASK) demo

# New passwords for the demo users, printed once.
passwords: db
	@TRACKER_SECRET_KEY=$$(cat $(SECRET_FILE)) TRACKER_BASE_URL=http://$(HOST):$(PORT) $(FLASK) demo --reset-passwords

# gunicorn, as in production (plain-HTTP cookies because it is loopback only), and the e-mail
# worker (`notify work`: .eml files in instance/mail/ unless TRACKER_MAIL_SERVER is set), started by
# scripts/run.py: it loads the demo data, waits until the port answers, prints the URL and the demo
# accounts in a box, and stops gunicorn and the worker with itself. `make dev` gives Flask's reloading server.
run: db
	@TRACKER_SECRET_KEY=$$(cat $(SECRET_FILE)) \
	  TRACKER_BASE_URL=http://$(HOST):$(PORT) \
	  TRACKER_SESSION_COOKIE_SECURE=false \
	  TRACKER_REMEMBER_COOKIE_SECURE=false \
	  TRACKER_TRUSTED_HOSTS='$(TRUSTED_HOSTS)' \
	  TRACKER_RATELIMIT_STORAGE_URI=$(if $(HAVE_REDIS),$(REDIS_URL),memory://) \
	  $(if $(HAVE_REDIS),TRACKER_PAGE_CACHE_URL=$(REDIS_URL)) \
	  $(BIN)/python scripts/run.py --host $(HOST) --port $(PORT) --worker "$(FLASK) notify work" -- \
	  $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(if $(HAVE_REDIS),$(WORKERS),1) --threads 4 \
	  --access-logfile - wsgi:app

dev: demo
	TRACKER_SECRET_KEY=$$(cat $(SECRET_FILE)) TRACKER_SESSION_COOKIE_SECURE=false \
	  TRACKER_REMEMBER_COOKIE_SECURE=false $(FLASK) run --debug --host $(HOST) --port $(PORT)

java:
	@if ! command -v java >/dev/null; then \
	  echo "Installing Debian's Java runtime for the Nu Html Checker"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; \
	fi

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

wrk:
	@if ! command -v wrk >/dev/null; then \
	  echo "Installing Debian's wrk, the bench's load generator"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/python scripts/i18n.py missing

test: install chromium java lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Known vulnerabilities in the locked dependency set; fails on any finding and on any package it
# cannot check (--strict). Needs the advisory service online (PyPI's JSON API by default,
# AUDIT_SERVICE=osv for OSV), so it is not part of `make test`. The lock pins every transitive
# dependency, so it is audited exactly as written (--no-deps --disable-pip: no resolver, no
# install). pip-audit lives in its own venv so it never changes the project's environment.
AUDIT_VENV    := $(VENV)/audit-tools
AUDIT_SERVICE ?= pypi
audit:
	@[ -x $(AUDIT_VENV)/bin/pip-audit ] || { $(PYTHON) -m venv $(AUDIT_VENV) && \
	  $(AUDIT_VENV)/bin/python -m pip install --quiet 'pip-audit>=2.7,<3'; }
	$(AUDIT_VENV)/bin/pip-audit --strict --no-deps --disable-pip \
	  --vulnerability-service $(AUDIT_SERVICE) -r requirements.lock

# Re-resolve the lock file from pyproject.toml in a throw-away venv.
lock:
	rm -rf /tmp/testarena-lock && $(PYTHON) -m venv /tmp/testarena-lock
	/tmp/testarena-lock/bin/pip install --quiet '.[test]'
	/tmp/testarena-lock/bin/pip freeze --exclude testarena > requirements.lock

bench: install wrk
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
