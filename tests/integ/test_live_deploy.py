"""Deploy an environment with the sample data, ask every recommender for 25 items, destroy it and
check that nothing is left: against a real AWS account, only with PERSONALIZE_LIVE_TEST=1.

The tests not marked `live` run everywhere: they synthesize the environment exactly as the live
test deploys it and check that its template has the outputs the live test reads.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from aws_cdk.assertions import Template
from live_support import (
    LiveRun,
    LiveSettings,
    ask_recommenders,
    context_overrides,
    environment_config,
    expected_output_keys,
    interactions_file,
    new_name_prefix,
    pick_sample_ids,
    recommender_output_key,
    resolve_live_account,
)

from personalize_domain.config import EnvironmentConfig

OFFLINE_PREFIX = "itest-abc123"


@pytest.fixture(scope="module")
def settings() -> LiveSettings:
    return LiveSettings.from_environ(os.environ)


@pytest.fixture(scope="module")
def live_run(
    settings: LiveSettings,
    cdk_json_context: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveRun]:
    """The deployed environment; destroyed afterwards even when deploy or a test fails."""
    env = environment_config(cdk_json_context, settings.env_name, new_name_prefix())
    account = resolve_live_account(os.environ, configured_region=env.region)
    if isinstance(account, str):
        pytest.skip(account)
    run = LiveRun(
        env=env,
        account=account,
        workdir=tmp_path_factory.mktemp("live"),
        deploy_timeout_s=settings.deploy_timeout_s,
    )
    refusal = run.refusal()
    if refusal:
        pytest.fail(refusal, pytrace=False)
    print(f"\n[integ] {account.caller_arn} in {account.region}, prefix {env.name_prefix}")
    try:
        run.deploy()
        yield run
    finally:
        if not run.destroyed:
            report = run.destroy_and_check()
            print(report.text())
            assert not report.problems, report.text()


@pytest.mark.live
def test_every_recommender_returns_25_items(live_run: LiveRun) -> None:
    # GIVEN the deployed environment and a user and item of its sample data
    assert live_run.deployed is not None
    ids = pick_sample_ids(interactions_file(live_run.env))

    # WHEN each recommender is asked for 25 items
    results = ask_recommenders(
        live_run.client("personalize-runtime"), live_run.env, live_run.deployed, ids
    )

    # THEN each returns 25
    for result in results:
        print(f"[integ] {result.use_case} ({result.inputs}): {list(result.item_ids)}")
    assert results, "no running recommender to ask"
    problems = [r.problem for r in results if r.problem]
    assert not problems, "\n".join(problems)


@pytest.mark.live
def test_destroy_leaves_nothing_of_the_environment(live_run: LiveRun) -> None:
    # GIVEN the deployed environment
    # WHEN it is destroyed
    report = live_run.destroy_and_check()

    # THEN no stack, Personalize resource, log group or bucket of it remains
    print(report.text())
    assert not report.problems, report.text()


# ---------------------------------------------------------------- offline: what the live test reads


@pytest.fixture(scope="module")
def live_env(settings: LiveSettings, cdk_json_context: dict[str, Any]) -> EnvironmentConfig:
    return environment_config(cdk_json_context, settings.env_name, OFFLINE_PREFIX)


@pytest.fixture(scope="module")
def live_template(synth: Any, settings: LiveSettings) -> Template:
    stacks = synth(context_overrides(settings.env_name, OFFLINE_PREFIX))
    return Template.from_stack(stacks[settings.env_name])


def test_template_has_every_output_the_live_test_reads(
    live_template: Template, live_env: EnvironmentConfig
) -> None:
    # GIVEN the environment synthesized with the live test's context overrides
    outputs = set(live_template.to_json()["Outputs"])

    # WHEN compared with the outputs the live test reads
    missing = expected_output_keys(live_env) - outputs

    # THEN none is missing
    assert not missing, f"the live test reads outputs the template lacks: {sorted(missing)}"


def test_live_test_asks_every_recommender_of_the_template(
    live_template: Template, live_env: EnvironmentConfig
) -> None:
    # GIVEN the recommender outputs of the synthesized environment
    in_template = {k for k in live_template.to_json()["Outputs"] if k.endswith("RecommenderArn")}

    # WHEN compared with the recommenders the live test asks
    asked = {recommender_output_key(r.use_case) for r in live_env.recommenders}

    # THEN they are the same: none is deployed but left untested
    assert asked == in_template


def test_template_names_nothing_after_the_real_environment(
    live_template: Template, live_env: EnvironmentConfig, cdk_json_context: dict[str, Any]
) -> None:
    # GIVEN the real environment's name prefix from cdk.json
    real_prefix = cdk_json_context["environments"][live_env.name]["namePrefix"]

    # WHEN the environment is synthesized with the live test's prefix
    template = json.dumps(live_template.to_json())

    # THEN the template carries the test prefix and never the real one
    assert OFFLINE_PREFIX in template
    assert real_prefix not in template
