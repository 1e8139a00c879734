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

.PHONY: lab test lint pytest notebooks execute-notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.lab-installed: pyproject.toml | $(BIN)/python
	$(UV) -e '.[lab]'
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(UV) -e '.[lab,test]'
	touch $@

lab: $(VENV)/.lab-installed
	$(BIN)/jupyter lab --notebook-dir=notebooks --port=$(LAB_PORT)

test: $(VENV)/.test-installed
	$(MAKE) lint pytest notebooks

lint: $(VENV)/.test-installed
	$(BIN)/ruff check codegrant_kit tests benchmarks
	$(BIN)/mypy

pytest: $(VENV)/.test-installed
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

notebooks: $(VENV)/.test-installed
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then \
	  $(BIN)/python -m pytest -q -p no:cacheprovider --nbval \
	    --nbval-sanitize-with notebooks/sanitize.cfg notebooks; \
	else echo "no notebooks yet"; fi

# Run every tutorial on a fresh kernel and save its outputs (what nbval compares).
execute-notebooks: $(VENV)/.test-installed
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace notebooks/*.ipynb

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
