# Testarena: two commands set everything up on a fresh machine.
#   make run   - venv, install, migrate the SQLite database in instance/, demo data, serve on 127.0.0.1:5000
#   make test  - venv, install (incl. Debian's chromium for browser tests), lint, the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2
# Host names `make run` answers to (any other Host header gets a plain 400).
TRUSTED_HOSTS ?= ["127.0.0.1", "localhost"]
# Sign-in throttling must be shared by the workers: Redis where it answers, else one worker.
REDIS_URL ?= redis://127.0.0.1:6379
HAVE_REDIS := $(shell $(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 6379), 1)" 2>/dev/null && echo yes)
# Two pytest workers (xdist): one per core; every worker gets its own database.
PYTEST_ARGS ?= -n 2
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FLASK  := $(BIN)/flask --app tracker
SECRET_FILE := instance/secret_key

.PHONY: install run dev chromium test lint i18n translations db demo audit lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the project metadata or the lock file changes.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/python scripts/i18n.py compile

$(SECRET_FILE):
	@mkdir -p instance
	@$(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > $(SECRET_FILE)
	@chmod 600 $(SECRET_FILE)

db: install $(SECRET_FILE)
	TRACKER_SECRET_KEY=$$(cat $(SECRET_FILE)) TRACKER_BASE_URL=http://$(HOST):$(PORT) $(FLASK) db upgrade

demo: db
	TRACKER_SECRET_KEY=$$(cat $(SECRET_FILE)) TRACKER_BASE_URL=http://$(HOST):$(PORT) $(FLASK) demo

# gunicorn, as in production (plain-HTTP cookies because it is loopback only). `make dev` gives
# Flask's reloading development server instead.
run: demo
	@echo "Testarena on http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	TRACKER_SECRET_KEY=$$(cat $(SECRET_FILE)) TRACKER_BASE_URL=http://$(HOST):$(PORT) \
	  TRACKER_SESSION_COOKIE_SECURE=false \
	  TRACKER_REMEMBER_COOKIE_SECURE=false TRACKER_TRUSTED_HOSTS='$(TRUSTED_HOSTS)' \
	  TRACKER_RATELIMIT_STORAGE_URI=$(if $(HAVE_REDIS),$(REDIS_URL),memory://) \
	  $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(if $(HAVE_REDIS),$(WORKERS),1) --threads 4 \
	  --access-logfile - wsgi:app

dev: demo
	TRACKER_SECRET_KEY=$$(cat $(SECRET_FILE)) TRACKER_SESSION_COOKIE_SECURE=false \
	  TRACKER_REMEMBER_COOKIE_SECURE=false $(FLASK) run --debug --host $(HOST) --port $(PORT)

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/python scripts/i18n.py missing

test: install chromium lint
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

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
