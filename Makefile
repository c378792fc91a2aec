# The two commands a person needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATA_DIR ?= data

.PHONY: run test install install-test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(VENV)/bin/pyreve --data-dir $(DATA_DIR) serve

test: lint
	$(PY) -m pytest -q

lint: install-test
	$(PY) -m ruff check src tests bench
	$(VENV)/bin/lint-imports

bench: install-test
	$(PY) bench/api_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
