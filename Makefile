PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test wheel-check bench lint clean browser

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; set PYTHON=python3" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	@test -f instance/keys.json || $(BIN)/consentry init
	@test -f instance/.demo-loaded || { $(BIN)/consentry demo --customers 2000 --seed 7 && touch instance/.demo-loaded; }
	$(BIN)/consentry serve --host 127.0.0.1 --port 8000

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

# The wheel as a user installs it: built, installed non-editable into a fresh virtualenv outside the checkout, and
# run from an empty folder (init, a demo base, the shipped policies checked). See .ci/wheel-check.
wheel-check: $(BIN)/python
	bash .ci/wheel-check $(BIN)/python

# Browser tests drive Debian's chromium through playwright (executable_path): install it when we can.
# Without it (no root, no network) the browser tests skip and say why.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "chromium could not be installed: browser tests will skip"; \
	else echo "chromium not installed and not root: browser tests will skip"; fi

# Every script in bench/ except helpers, one after another. HTTP benchmarks use Debian's wrk when it can be
# installed (else a Python client) and only ever talk to 127.0.0.1.
BENCH_HELPERS := bench/__init__.py bench/machine.py bench/bare_app.py bench/febrl.py bench/splink_engine.py bench/hardcases.py
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; } \
	  || echo "wrk not installed: the HTTP benchmarks use their Python client"
	@set -e; for script in $(filter-out $(BENCH_HELPERS),$(sort $(wildcard bench/*.py))); do \
	  echo "== $(BIN)/python $$script"; $(BIN)/python $$script; done

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
