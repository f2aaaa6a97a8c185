# Two commands: `make demo` and `make test`. Both set up everything they need themselves.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint typecheck unit notebooks browser stress bench lab app clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[notebook,dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright may not download a browser here).
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	else \
	  echo "Chromium is missing: run 'sudo apt-get install chromium' for the browser tests"; exit 1; \
	fi

demo: $(STAMP)
	$(BIN)/matchkit demo

lint: $(STAMP)
	$(BIN)/ruff check matchkit tests bench
	$(BIN)/mypy

# Unit, loopback integration, contract, browser tests, and the notebooks under nbval.
test: $(STAMP) $(CHROMIUM) lint
	MATCHKIT_CHROMIUM=$(CHROMIUM) $(BIN)/pytest -p no:cacheprovider tests notebooks \
	  --nbval-lax --nbval-current-env

stress: $(STAMP)
	MATCHKIT_STRESS=1 $(BIN)/pytest -q -p no:cacheprovider -m stress tests

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

lab: $(STAMP)
	$(BIN)/matchkit lab

app: $(STAMP)
	$(BIN)/matchkit lab --app

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
