# Tillidspuls: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Printed links, QR cards and e-mails must point at the server `make run` starts: the public
# address follows PORT unless it is set explicitly.
PULSE_BASE_URL ?= http://127.0.0.1:$(PORT)
export FLASK_APP := wsgi

.PHONY: install install-test run test lint translations chromium oidc-provider clean

# `make install`: a virtual environment with the app and its pinned dependencies.
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Tillidspuls needs Python 3.11 or newer (found: $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	$(BIN)/pybabel compile -d pulse/translations
	@touch $@

install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

# `make run`: migrate the SQLite database under instance/, seed the demo once, print sign-in
# links for each kind of user, and serve on http://127.0.0.1:$(PORT).
run: install
	$(BIN)/pybabel compile -d pulse/translations
	PULSE_ENV=development $(BIN)/flask db upgrade
	PULSE_ENV=development $(BIN)/flask pulse demo --if-empty
	@echo
	@echo "Sign-in links (each works once; open them in separate browsers or private windows):"
	@PULSE_ENV=development PULSE_BASE_URL=$(PULSE_BASE_URL) $(BIN)/flask pulse links --demo | awk -F '\t' '{ printf "  %-28s %-22s %s\n", $$2 ":", $$1, $$4 }'
	@echo
	PULSE_ENV=development PULSE_BASE_URL=$(PULSE_BASE_URL) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# `make test`: test dependencies, Chromium for the browser tests, `make lint`, then the whole
# suite. Set PULSE_TEST_POSTGRES_URL to run the database tests on PostgreSQL as well.
test: install-test chromium oidc-provider lint
	$(BIN)/pybabel compile -d pulse/translations
	$(BIN)/pytest

chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium from the system packages for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is missing: install it with your system package manager (e.g. 'sudo apt-get install chromium')."; \
		echo "The browser tests need it at /usr/bin/chromium (or set PULSE_CHROMIUM)."; \
		exit 1; \
	fi

# The OpenID Provider the sign-in tests run against (tests/oidc_provider, panva's oidc-provider
# under Node.js): Node.js from the system packages where missing, then the locked packages.
# Without Node.js those tests skip and say why; nothing else depends on it.
oidc-provider: tests/oidc_provider/node_modules/.package-lock.json

tests/oidc_provider/node_modules/.package-lock.json: tests/oidc_provider/package-lock.json
	@if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Node.js from the system packages for the identity-provider tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null || true; \
	fi
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/oidc_provider && npm ci --no-audit --no-fund --silent; \
	else \
		echo "Node.js is missing: the identity-provider tests will skip."; \
	fi

# `make lint`: ruff's checks and its formatting (the same two the review runs).
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# After changing user-facing text: extract, merge into every catalogue, then translate the
# new empty entries in pulse/translations/{da,nb}/LC_MESSAGES/messages.po and run this again
# (or just `pybabel compile`). tests/unit/test_translations.py fails until every string is
# translated. The .po files keep their header (without it Babel treats a catalogue as fuzzy and
# `compile` skips it); --ignore-pot-creation-date keeps that header from changing on every run.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o pulse/translations/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i pulse/translations/messages.pot -d pulse/translations --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d pulse/translations --statistics

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
