# Paper Commons. `make run` serves the site with the recorded demo days; `make test` runs every test.
PYTHON := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_DATA := tests/fixtures/hf
PG_URL ?= postgres://postgres:postgres@127.0.0.1:5432/test
REDIS ?= redis://127.0.0.1:6379/0
# Parallel test workers (pytest-xdist): one per core by default; JOBS=0 runs in one process.
JOBS ?= auto

.PHONY: run setup demo test test-postgres ci lint format worker beat bench chaos check-deploy

run: setup demo  ## Serve the site on http://$(HOST):$(PORT)/ with the recorded days loaded
	$(PYTHON) manage.py runserver $(HOST):$(PORT)

setup:
	@scripts/bootstrap

demo: setup
	$(PYTHON) manage.py migrate --no-input
	$(PYTHON) manage.py import_daily_papers $(DEMO_DATA)
	$(PYTHON) manage.py split_namesakes  # a database from before author identities: one person per name until now

test: setup  ## Every test, Chromium ones included, on SQLite (or on DATABASE_URL when set)
	@scripts/ensure-chromium
	$(PYTHON) -m pytest -n $(JOBS) --dist loadscope $(PYTEST_ARGS)

test-postgres: setup  ## The same suite on PostgreSQL with Redis as cache and broker
	@scripts/ensure-services
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) $(MAKE) --no-print-directory test

ci: lint test test-postgres

lint: setup  ## ruff, template indentation (djhtml), types of the domain modules (mypy), migrations up to date
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	.venv/bin/djhtml --check --tabwidth 2 templates
	$(PYTHON) -m mypy
	$(PYTHON) manage.py makemigrations --check --dry-run
	@$(MAKE) --no-print-directory check-deploy

# Django's deployment checks with production-like settings (a fresh random SECRET_KEY each run).
DEPLOY_ENV := DEBUG=0 ALLOWED_HOSTS=papers.example.org SITE_URL=https://papers.example.org \
	CSRF_TRUSTED_ORIGINS=https://papers.example.org EMAIL_HOST=smtp.example.org

check-deploy: setup  ## manage.py check --deploy --fail-level WARNING, as in production
	$(DEPLOY_ENV) SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))') \
		$(PYTHON) manage.py check --deploy --fail-level WARNING

format: setup  ## ruff fixes and formatting, template indentation
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .
	.venv/bin/djhtml --tabwidth 2 templates

worker: setup  ## A Celery worker (needs CELERY_BROKER_URL or REDIS_URL)
	.venv/bin/celery -A config worker -l INFO

beat: setup  ## Celery beat: syncs Daily Papers every HF_SYNC_INTERVAL_MINUTES
	.venv/bin/celery -A config beat -l INFO

chaos: setup  ## The fault suite: gunicorn, Celery, its own Redis and database under load, one fault at a time
	@scripts/ensure-services
	$(PYTHON) scripts/chaos.py $(CHAOS_ARGS)

bench: setup  ## Benchmark on a synthetic corpus (see README)
	$(PYTHON) manage.py bench $(BENCH_ARGS)
