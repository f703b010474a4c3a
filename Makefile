# The two commands of the README: `make synth` (main job on the embedded sample data) and
# `make test`. Both bootstrap everything they need on a fresh machine (.venv, CDK CLI).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CHECKOV_STAMP := .venv-checkov/.installed
CDK := npx --no-install cdk
ENV ?= dev

export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: synth test check lint typecheck cfn-lint checkov format review bench integ diff deploy destroy clean

$(PY_STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@test -x $(VENV)/bin/uv || $(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip >/dev/null
	@test -x $(VENV)/bin/uv || $(PY) -m pip install -q --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip install -q -p $(PY) --compile-bytecode -r requirements-dev.txt
	$(VENV)/bin/uv pip install -q -p $(PY) --no-deps -e .
	@touch $@

$(CHECKOV_STAMP): requirements-checkov.txt $(PY_STAMP)
	$(VENV)/bin/uv venv -q --allow-existing .venv-checkov
	$(VENV)/bin/uv pip install -q -p .venv-checkov/bin/python -r requirements-checkov.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## synth: synthesize every environment's stack into cdk.out (offline, validated, cdk-nag gated)
synth: $(PY_STAMP) $(NODE_STAMP)
	$(CDK) synth --no-notices --no-lookups -q $(if $(CDK_ENV),-c env=$(CDK_ENV))

## test: run the test suite, on two workers (figures in docs/performance.md)
# PYTHONDONTWRITEBYTECODE= lets Python and pytest cache compiled and assertion-rewritten modules:
# without it every run recompiles the tests, our packages and the pytest plugins (hypothesis alone
# ~1.3 s per worker). Handler assets exclude __pycache__, so the cache never reaches a template.
PYTEST_WORKERS ?= 2
test: $(PY_STAMP)
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup

## check: everything CI gates on: lint, types, synth (cdk-nag: AwsSolutions, HIPAA, NIST 800-53 r5,
## PCI DSS 3.2.1), cfn-lint, checkov, tests
check: lint typecheck cfn-lint checkov test

lint: $(PY_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(PY_STAMP)
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --config-file mypy-lambda.ini

cfn-lint: synth
	$(VENV)/bin/cfn-lint -i W3005 -- cdk.out/*.template.json

# Skips are per resource, in template Metadata, with reasons (stacks/nag_register.py).
checkov: synth $(CHECKOV_STAMP)
	.venv-checkov/bin/checkov -d cdk.out --framework cloudformation --skip-download --compact --quiet

## review: PR review pages in docs/review (commit them); BASE=<git ref> adds build/review/<stack>.diff.md
review: synth
	$(PY) -m review summary --templates cdk.out --out docs/review
	$(if $(BASE),$(PY) -m review diff --base $(BASE) --templates cdk.out --out build/review)

## integ: the live test against AWS (deploys, about an hour or more, a few dollars): docs/integration-test.md
integ: $(PY_STAMP) $(NODE_STAMP)
	PERSONALIZE_LIVE_TEST=1 PERSONALIZE_LIVE_ENV=$(ENV) $(PY) -m pytest -m live tests/integ -s

## bench: the validator benchmark on a generated 250 MB file (figures in docs/data-validation.md)
bench: $(PY_STAMP)
	$(VENV)/bin/uv pip install -q -p $(PY) -r requirements-bench.txt
	$(PY) scripts/bench_validator.py

format: $(PY_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## diff / deploy / destroy one environment: make deploy ENV=prod (needs AWS credentials)
diff: $(PY_STAMP) $(NODE_STAMP)
	$(CDK) diff --no-notices -c env=$(ENV)

deploy: $(PY_STAMP) $(NODE_STAMP)
	$(CDK) deploy --no-notices -c env=$(ENV)

destroy: $(PY_STAMP) $(NODE_STAMP)
	$(CDK) destroy --no-notices -c env=$(ENV)

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
