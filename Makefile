# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run sample-alert sample-build test lint install bench reliability clean bootstrap

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@$(PY) scripts/ensure_tools.py
	touch $(STAMP)

install: $(STAMP)

## Serve the webhook on http://127.0.0.1:8080 over a seeded Firestore emulator.
run: $(STAMP)
	$(PY) scripts/run_local.py

## With `make run` going: a sample Cloud Monitoring alert (STATE=closed closes it) and build.
sample-alert: $(STAMP)
	$(PY) scripts/sample_events.py alert $(or $(STATE),open)

sample-build: $(STAMP)
	$(PY) scripts/sample_events.py build

## Lint, type-check, then run the whole suite (starts and stops its own emulator and servers).
test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

## ruff (formatter check, lint with E501) and mypy, configured in pyproject.toml (part of `make test`).
lint: $(STAMP)
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy

## Rewrite docs/reliability.md from a run of the reliability and hostile-input tests (SOAK_SECONDS=300 for a soak).
reliability: $(STAMP)
	WRITE_RELIABILITY=1 $(PY) -m pytest tests/test_reliability.py tests/test_hostile.py -q

## One-time setup of a Google Cloud project (idempotent; docs/deploy.md).
##   make bootstrap PROJECT=my-project REGION=europe-west1 [GITHUB_REPO=owner/name] [AGENT_LOCATION=...]
bootstrap: $(STAMP)
	@test -n "$(PROJECT)" -a -n "$(REGION)" || { echo "usage: make bootstrap PROJECT=... REGION=..."; exit 2; }
	$(PY) scripts/bootstrap.py --project=$(PROJECT) --region=$(REGION) \
	    $(if $(GITHUB_REPO),--github-repo=$(GITHUB_REPO)) $(if $(AGENT_LOCATION),--agent-location=$(AGENT_LOCATION))

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .local node_modules .pytest_cache
