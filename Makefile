# The two commands a person needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATA_DIR ?= data

.PHONY: run test test-databases install install-test lint bench clean

# Debian packages: the venv module for `make run`; the tools the suite drives for `make test`.
RUN_DEBS := python3-venv
TEST_DEBS := ffmpeg litmus rclone chromium

$(VENV)/.installed: pyproject.toml
	@if ! $(PYTHON) -m venv --help >/dev/null 2>&1; then scripts/debian-packages.sh $(RUN_DEBS); fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	scripts/debian-packages.sh $(TEST_DEBS)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(VENV)/bin/pyreve --data-dir $(DATA_DIR) serve

test: lint
	$(PY) -m pytest -q

# The end-to-end suite again on PostgreSQL with Redis and on MariaDB (servers on loopback; CI runs it).
# Both runs mostly wait on their servers, so they run side by side; each one's report follows.
E2E_DB_RUN = $(PY) -m pytest -q -p no:cacheprovider tests/e2e --ignore=tests/e2e/ui
test-databases: install-test
	@PYREVE_TEST_DATABASE=postgres $(E2E_DB_RUN) > .test-postgres.log 2>&1 & pg=$$!; \
	PYREVE_TEST_DATABASE=mysql $(E2E_DB_RUN) > .test-mariadb.log 2>&1; mariadb=$$?; \
	wait $$pg; postgres=$$?; \
	echo "== PostgreSQL + Redis"; cat .test-postgres.log; echo "== MariaDB"; cat .test-mariadb.log; \
	test $$postgres -eq 0 && test $$mariadb -eq 0

lint: install-test
	$(PY) -m ruff check src tests bench
	$(VENV)/bin/lint-imports

bench: install-test
	$(PY) bench/api_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
