PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint clean browser

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

# Browser tests drive Debian's chromium through playwright (executable_path): install it when we can.
# Without it (no root, no network) the browser tests skip and say why.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "chromium could not be installed: browser tests will skip"; \
	else echo "chromium not installed and not root: browser tests will skip"; fi

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/import.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
