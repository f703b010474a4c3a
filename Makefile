# The two commands of the README: `make synth` (main job on the embedded sample data) and
# `make test`. Both bootstrap everything they need on a fresh machine (.venv, CDK CLI).
# Every target takes the same variables: ENV=<environment in cdk.json> (synth and review: all
# of them when unset) and ARGS='<more CDK CLI arguments>', e.g. ARGS='--require-approval never'.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CHECKOV_STAMP := .venv-checkov/.installed
CDK := npx --no-install cdk
ENV ?=
ARGS ?=
# One variable for every target: synth used to read CDK_ENV and silently synthesized everything
# when given ENV. Refuse the old name rather than ignore it.
ifdef CDK_ENV
$(error CDK_ENV is no longer read: use ENV=$(CDK_ENV))
endif
# diff, deploy and destroy act on one environment, named on purpose; then they check AWS
# credentials before the CDK CLI, which would print "Unable to resolve AWS account" instead.
REQUIRE_ENV = $(if $(ENV),,$(error ENV is not set: make $@ ENV=<environment in cdk.json>))
CHECK_CREDENTIALS = $(VENV)/bin/personalize-shop check-credentials --env $(ENV)
# With ENV, synth writes that stack alone: review it alone, not the others as removed.
REVIEW_ONLY = $(if $(ENV),--stack PersonalizeShop-$(ENV))

export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: synth test check lint typecheck cfn-lint checkov format review bench mutation integ diff deploy destroy clean

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

## synth: synthesize every environment's stack (or ENV's) into cdk.out (offline, validated,
## cdk-nag gated)
synth: $(PY_STAMP) $(NODE_STAMP)
	$(CDK) synth --no-notices --no-lookups -q $(if $(ENV),-c env=$(ENV)) $(ARGS)

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

# Skips are per resource, in template Metadata, with reasons (personalize_constructs/acknowledgments.py).
checkov: synth $(CHECKOV_STAMP)
	.venv-checkov/bin/checkov -d cdk.out --framework cloudformation --skip-download --compact --quiet

## review: PR review pages in docs/review (commit them); BASE=<git ref> adds build/review/<stack>.diff.md
review: synth
	$(PY) -m review summary --templates cdk.out --out docs/review $(REVIEW_ONLY)
	$(if $(BASE),$(PY) -m review diff --base $(BASE) --templates cdk.out --out build/review $(REVIEW_ONLY))

## integ: the live test against AWS (deploys, about an hour or more, a few dollars): docs/integration-test.md
integ: $(PY_STAMP) $(NODE_STAMP)
	PERSONALIZE_LIVE_TEST=1 PERSONALIZE_LIVE_ENV=$(or $(ENV),dev) $(PY) -m pytest -m live tests/integ -s

## bench: the validator benchmark on a generated 250 MB file (figures in docs/data-validation.md)
bench: $(PY_STAMP)
	$(VENV)/bin/uv pip install -q -p $(PY) -r requirements-bench.txt
	$(PY) scripts/bench_validator.py

## mutation: mutation testing of the custom-resource handlers (hours on 2 busy cores; docs/mutation-testing.md).
## MUTATION_KEEP=1 keeps .mutmut-cache: only the mutants that survived are run again.
## MUTATION_SAMPLE=0.1 runs a fixed uniform tenth of the mutants (an estimate, with its interval).
# The handler tests, then every other test that imports a handler module (they check names the
# constructs, the review and the CLI share with the handlers; they synthesize, so they run last).
MUTATION_TESTS := tests/handlers \
	tests/stacks/test_isolation.py \
	tests/stacks/test_batch_solution.py::test_the_solution_is_ours_and_never_trains_unasked \
	tests/cli/test_day_two_metrics.py::test_the_table_shows_the_metrics_the_stack_records \
	tests/cli/test_day_two_cleanup.py::test_the_owner_tag_is_the_one_the_recommender_handler_sets \
	tests/personalize_simulator_tests/test_sim_lifecycle.py::test_model_metrics_appear_once_active_with_the_eight_documented_keys
# Hypothesis and syrupy are not used by these tests; not loading them saves 1.5 s per mutant.
MUTATION_PYTEST := $(PY) scripts/mutation_pytest.py -x -q -p no:hypothesispytest -p no:syrupy
mutation: $(PY_STAMP)
	$(VENV)/bin/uv pip install -q -p $(PY) -r requirements-mutation.txt
	$(if $(MUTATION_KEEP),,rm -rf build/mutation .mutmut-cache)
	mkdir -p build/mutation
	READINESS_DEFINITION_CACHE=build/mutation/readiness.json \
	  $(PY) -m coverage run -m pytest -q -p no:hypothesispytest -p no:syrupy $(MUTATION_TESTS)
	MUTATION_SAMPLE=$(MUTATION_SAMPLE) READINESS_DEFINITION_CACHE=build/mutation/readiness.json \
	  $(PY) -m mutmut run \
	  --paths-to-mutate lambda/personalize_cr --tests-dir tests --simple-output --no-progress \
	  --runner "$(MUTATION_PYTEST) $(MUTATION_TESTS)" || true
	$(PY) -m mutmut results || true
	MUTATION_SAMPLE=$(MUTATION_SAMPLE) $(PY) scripts/mutation_report.py .mutmut-cache

format: $(PY_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## diff / deploy / destroy one environment: make deploy ENV=prod (needs AWS credentials).
## destroy reads no data file: a deleted or invalid one does not block tearing an environment down.
diff: $(PY_STAMP) $(NODE_STAMP)
	$(REQUIRE_ENV)
	@$(CHECK_CREDENTIALS)
	$(CDK) diff --no-notices -c env=$(ENV) $(ARGS)

deploy: $(PY_STAMP) $(NODE_STAMP)
	$(REQUIRE_ENV)
	@$(CHECK_CREDENTIALS)
	$(CDK) deploy --no-notices -c env=$(ENV) $(ARGS)

destroy: $(PY_STAMP) $(NODE_STAMP)
	$(REQUIRE_ENV)
	@$(CHECK_CREDENTIALS)
	$(CDK) destroy --no-notices -c env=$(ENV) -c destroyOnly=true $(ARGS)

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
