# qbd-gateway — the two commands are `make run` and `make test`; everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SHARED ?= $(abspath ../shared)
export QBDGW_SCHEMA_DIR ?= $(SHARED)/reference/qbxml
export QBDGW_SHARED_DIR ?= $(SHARED)
ARGS ?=
PYTEST_ARGS ?=
# The suite runs in parallel, one worker per core, each test file wholly in one worker (its servers shared).
TEST_WORKERS ?= auto

.PHONY: run test unit soak lint bench generate install system-deps clean package deploy

# Programs from Debian the tests need: Node.js/npm (dynalite) and Chromium (the browser tests).
# Installed with apt-get when missing (needs root, as on CI); nothing is downloaded outside the registries.
system-deps:
	@command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed $(VENV)/.editable

# The project itself, editable, without dependencies: the `qbdgw` command (cli/).
$(VENV)/.editable: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

## Start the embedded AWS emulator, the gateway on http://127.0.0.1:8000 and the demo (Ctrl-C stops all).
## It prints the `export` lines for `qbdgw` (installed into the venv first). ARGS="--data var/local-data"
## keeps end-users, jobs and results across restarts (--fresh starts over); ARGS=--help lists the rest.
run: $(VENV)/.editable
	$(PY) -m infra.localstack $(ARGS)

## Install everything and run the whole test suite (unit, functional, end-to-end, races on dynalite, browser);
## the 30 slowest tests are listed at the end, to keep the suite short.
test: system-deps install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=30 $(PYTEST_ARGS)

## The pure layers only: fast, no network.
unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

## The seeded simulations with many examples: the queue core's (tests/unit/jobs/test_simulation.py) 50,000
## (make test runs 2,000) and the change feed's (tests/unit/feed/test_feed_simulation.py) 2,000 (make test: 60).
soak: install
	QBDGW_SIM_EXAMPLES=50000 QBDGW_FEED_SIM_EXAMPLES=2000 $(PY) -m pytest -n $(TEST_WORKERS) --dist load \
		--durations=10 tests/unit/jobs/test_simulation.py tests/unit/feed/test_feed_simulation.py

## Regenerate what is generated (the typed models for the gateway and the SDK, the edition data, the SDK's
## resources, docs/errors.md and docs/api.md); the tests fail when a committed copy is not what these write.
generate: $(VENV)/.installed
	$(PY) -m tools.gen_qbxml_models
	$(PY) -m tools.gen_qbxml_editions
	$(PY) -m tools.gen_sdk_resources
	$(PY) -m tools.gen_errors_doc
	$(PY) -m tools.gen_api_doc

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: install
	$(PY) -m bench $(ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache

## Deployment (needs AWS credentials and the AWS CLI). STAGE=dev|prod. See docs/operations.md "Deploy".
STAGE ?= dev
BUILD ?= build/$(STAGE)
DEPLOY_PARAMS ?=

## Offline: the deployable template (build/STAGE/sam.json, infra/template.json merged in) and code bundle.
package: $(VENV)/.installed
	@test -d chalicelib/vendor/qbxml || test -n "$(QBDGW_PACKAGE_SKIP_SCHEMAS)" || { echo "chalicelib/vendor/qbxml is missing: copy Intuit's qbXML schemas there (README, Deploy)"; exit 1; }
	rm -rf $(BUILD)
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} QBDGW_INGRESS_QUEUE_NAME=qbd-gateway-jobs-in-$(STAGE).fifo \
	  QBDGW_WEBHOOK_QUEUE_NAME=qbd-gateway-webhooks-$(STAGE) \
	  $(VENV)/bin/chalice package --stage $(STAGE) --merge-template infra/template.json $(BUILD)
	$(PY) -m infra.package $(BUILD)/sam.json
	$(PY) -m infra.bytecode $(BUILD)/deployment.zip
	$(VENV)/bin/cfn-lint $(BUILD)/sam.json

## One stack per stage: qbd-gateway-STAGE. DEPLOY_BUCKET=<artifact bucket>; DEPLOY_PARAMS="AlarmEmail=ops@example.com".
deploy: package
	@test -n "$(DEPLOY_BUCKET)" || { echo "DEPLOY_BUCKET=<s3 bucket for the code bundle> is required"; exit 1; }
	aws cloudformation package --template-file $(BUILD)/sam.json --s3-bucket $(DEPLOY_BUCKET) \
	  --s3-prefix qbd-gateway-$(STAGE) --output-template-file $(BUILD)/packaged.yaml
	aws cloudformation deploy --stack-name qbd-gateway-$(STAGE) --template-file $(BUILD)/packaged.yaml \
	  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset \
	  --parameter-overrides Stage=$(STAGE) $(DEPLOY_PARAMS)
