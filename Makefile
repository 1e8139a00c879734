# Two commands for a fresh machine with Python 3 and make:
#   make lab    set up .venv and open JupyterLab on the tutorials
#   make test   set up .venv and run every test (unit, integration, notebooks, lint)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# uv installs the ~100 packages in seconds where pip takes half a minute;
# compiled bytecode halves import time (PYTHONDONTWRITEBYTECODE may be set).
UV     := UV_COMPILE_BYTECODE=1 $(BIN)/uv pip install --python $(BIN)/python
LAB_PORT ?= 8888
# More options for `jupyter lab`, e.g. make lab LAB_ARGS="--ip=0.0.0.0 --no-browser"
LAB_ARGS ?=
# Jupyter refuses to start as root unless told; root is normal in containers
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test browser-deps lint pytest notebooks build-notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.lab-installed: pyproject.toml | $(BIN)/python
	$(UV) -e '.[lab]'
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(UV) -e '.[lab,test]'
	touch $@

# node-oidc-provider, the second third-party server of the tests (tests/thirdparty),
# from its lock file (npm ci; as root, node itself from apt-get). Without node the
# tests that use it are skipped, or fail when CI is set.
NODE_OIDC := tests/thirdparty/node_oidc
$(NODE_OIDC)/node_modules/.installed: $(NODE_OIDC)/package.json $(NODE_OIDC)/package-lock.json
	@if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing node and npm for the third-party server tests (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	fi
	@if command -v npm >/dev/null 2>&1; then \
	  cd $(NODE_OIDC) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
	  echo "The third-party server tests need node and npm (Node 20.19 or later):"; \
	  echo "apt-get install nodejs npm. Until then they are skipped, or fail when CI is set."; \
	fi

lab: $(VENV)/.lab-installed
	@if [ -n "$(ROOT_ARGS)" ]; then echo "Running as root: passing --allow-root to jupyter lab"; fi
	$(BIN)/jupyter lab --notebook-dir=notebooks --port=$(LAB_PORT) $(ROOT_ARGS) $(LAB_ARGS)

test: browser-deps $(VENV)/.test-installed $(NODE_OIDC)/node_modules/.installed
	$(MAKE) lint pytest notebooks

# The browser tests drive Debian's Chromium (Playwright's own download cannot work
# here); without it they are skipped, or fail when CI is set.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing chromium for the browser tests (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "The browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium'"; \
	  echo "(Debian; as root, 'make browser-deps' does it). Until then they are skipped,"; \
	  echo "or fail when CI is set."; \
	fi

lint: $(VENV)/.test-installed
	$(BIN)/ruff check codegrant_kit tests benchmarks
	$(BIN)/mypy

pytest: $(VENV)/.test-installed $(NODE_OIDC)/node_modules/.installed
	$(BIN)/python -m pytest -q -p no:cacheprovider -p no:nbval tests

notebooks: $(VENV)/.test-installed
	$(BIN)/python -m pytest -q -p no:cacheprovider --nbval \
	  --nbval-sanitize-with notebooks/sanitize.cfg notebooks

# Build the tutorials from notebooks/src, run each on a fresh kernel and save the
# outputs nbval compares. After editing a source: make build-notebooks, then commit.
build-notebooks: $(VENV)/.test-installed
	$(BIN)/python notebooks/build.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
