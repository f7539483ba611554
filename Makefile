# The two commands of the README: `make demo` and `make test`. Everything else they need
# (virtualenv, packages, PostgreSQL's binaries) is installed here when missing.

# Prefer Python 3.13 (stdlib security fixes) where pyenv has it, else the system python3.
PYTHON ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13.*/bin/python3.13) $(shell command -v python3.13 python3 2>/dev/null))
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test lint format messages venv system-deps clean bench

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

# System packages the tests use: PostgreSQL 15's server binaries and Dovecot (each test run
# starts private servers on 127.0.0.1), Debian's Chromium for the browser tests (driven
# by Playwright; Playwright's own browser download does not work everywhere), shellcheck
# for deploy/install.sh, LibreOffice Calc (blank forms saved as xls and ods, as staff
# save them), and npm (the accessibility test installs axe-core with it, into
# ~/.cache/portal-axe). Installed with apt when missing.
SYSTEM_PACKAGES := $(if $(wildcard /usr/lib/postgresql/15/bin/initdb),,postgresql-15) \
                   $(if $(wildcard /usr/sbin/dovecot),,dovecot-imapd) \
                   $(if $(wildcard /usr/bin/chromium),,chromium) \
                   $(if $(wildcard /usr/bin/shellcheck),,shellcheck) \
                   $(if $(wildcard /usr/lib/libreoffice/program/libsclo.so),,libreoffice-calc-nogui) \
                   $(if $(wildcard /usr/bin/npm),,npm)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

system-deps:
	@if [ -n "$(strip $(SYSTEM_PACKAGES))" ]; then \
	  echo "Installing $(strip $(SYSTEM_PACKAGES)) (needed by the tests)"; \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(SYSTEM_PACKAGES); \
	fi

# The demo: the admin on HOST:PORT, a local Dovecot with sample returns, the poller reading
# it, and a local SMTP server keeping what the portal sends (all stopped with the server).
demo: venv system-deps
	$(FLASK) db upgrade
	$(FLASK) load-demo --url http://$(HOST):$(PORT)
	@eval "$$($(BIN)/python -m tests.support.demo_mailbox)"; \
	  $(BIN)/python -m tests.support.demo_smtp & smtp=$$!; \
	  $(FLASK) mailin poll & poller=$$!; \
	  trap 'kill $$poller $$smtp 2>/dev/null; $(BIN)/python -m tests.support.demo_mailbox --stop' EXIT; \
	  echo "Mailbox: $$IMAP_USER on 127.0.0.1:$$IMAP_PORT (Dovecot), read by the poller."; \
	  echo "Mail the portal sends is kept as .eml files in instance/demo-mail/."; \
	  echo "Serving the admin on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

# One pytest worker per core, each test module whole on one worker (its servers and
# module fixtures shared); PYTEST_ARGS="-n 0 tests/test_x.py" runs one module alone.
PYTEST_ARGS ?= -n auto --dist loadfile

test: venv system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

# The benchmark (bench/): ingest, outbox, export and admin against their floors, measured in
# the same run; writes bench/RESULTS.md and ends with one `bench: ...` line. A few minutes.
# `make bench N=500` for a quicker run; BENCH_ARGS for more options (`python -m bench -h`);
# BENCH_PROFILE=folder writes pyinstrument profiles of each measured step there.
N ?= 2000
bench: venv system-deps
	$(BIN)/python -m bench --n $(N) $(BENCH_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# After adding or changing a translatable string: refresh the catalog, then translate
# the new entries in portal/translations/vi/LC_MESSAGES/messages.po (a test checks).
messages: venv
	$(BIN)/pybabel extract --no-location --omit-header -F babel.cfg -k _l -o /tmp/portal-messages.pot . >/dev/null
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -w 100 -i /tmp/portal-messages.pot \
	  -d portal/translations -D messages -l vi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
