# CityOps — `make demo` runs the platform with a demo district, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# One pytest worker per CPU (pytest-xdist); each worker gets a test database of its own. The minutes-long
# tests (marked `long`) start first, one per worker, beside the rest (tooling/testing.py).
PYTEST_ARGS ?= -n auto
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test mutants bench loadtest loadtest-faults lint check clean

$(VENV)/.installed: pyproject.toml
	@echo "==> creating the virtualenv in $(VENV) and installing (a minute on a fresh machine)…"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet --progress-bar on ".[dev]"
	@touch $@

# Front-end packages (htmx, Leaflet, Chart.js, Pico CSS) come from the npm registry, never a CDN.
node_modules/.installed: package.json package-lock.json
	@echo "==> installing front-end packages from the npm registry"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed

demo: install
	@echo "==> migrating the database"
	@$(PY) manage.py migrate --no-input
	@echo "==> loading the demo district (天津市河西区)"
	@$(PY) manage.py load_demo
	@echo "==> demo cases through the services (skipped when present)"
	@$(PY) manage.py demo_cases
	@echo "==> a campaign, a 回头看 rule and a hazard register (skipped when present)"
	@$(PY) manage.py demo_campaigns
	@echo "==> 门前三包 parties and a year of enforcement outcomes (skipped when present)"
	@$(PY) manage.py demo_enforcement
	@echo "==> a street sub-centre: units, street staff, 二级派遣 and a 提级 (skipped when present)"
	@$(PY) manage.py demo_streets
	@echo "==> category suggester trained on the district's generated history (skipped when one is active)"
	@$(PY) manage.py demo_suggester
	@echo "==> KPI rollups over the demo history (beat keeps them current afterwards)"
	@$(PY) manage.py kpi_rollup
	@$(PY) manage.py collectstatic --no-input --verbosity 0
	@PORT=$(PORT) $(PY) manage.py run_demo --port $(PORT)

test: install
	@$(PY) -m pytest $(PYTEST_ARGS)

# Mutation testing (mutmut) of the core modules, each with the fast tests that cover it: prints the score
# and the surviving mutants not listed in tooling/mutants_equivalent.txt (tooling/mutants.py). CPU-heavy:
# MUTANTS="dispatch/calendar.py cases/rules.py" narrows it to some modules. Deterministic Hypothesis
# examples, and a test database of its own kept between runs (--reuse-db).
MUTANTS ?=
mutants: install
	@CI= CITYOPS_MUTANTS=1 HYPOTHESIS_PROFILE=ci CITYOPS_TEST_DB_NAME=test_cityops_mutants $(PY) -m tooling.mutants $(MUTANTS)

bench: install
	@$(PY) manage.py bench

# Ten minutes of the mixed workload at ten times a large city's peak on gunicorn, a Celery worker, beat
# and a private Redis, on loopback (PostgreSQL: LOADTEST_DATABASE_URL, default cityops_load).
LOAD_MINUTES ?= 10
loadtest: install
	@$(PY) manage.py loadtest --minutes $(LOAD_MINUTES)

# The same while the worker is killed, Redis restarts and the database connections are dropped.
loadtest-faults: install
	@$(PY) manage.py loadtest --minutes $(LOAD_MINUTES) --faults

lint: install
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/lint-imports --no-cache

check: install
	@$(PY) manage.py check
	@$(PY) manage.py makemigrations --check --dry-run
	@$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

clean:
	rm -rf $(VENV) var node_modules
