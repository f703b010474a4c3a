"""The batch solution's lifecycle (Custom::PersonalizeSolution, ...SolutionVersion, ...Metrics)
under the same faults as the recommenders', driven through tests/cfn_model against the simulators
and the synthesized readiness workflow.

Each scenario asks: is anything left training or billing, and did CloudFormation hear the truth?
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import solution
import solution_metrics
import solution_version

from tests.handlers.conftest import World
from tests.handlers.test_lifecycle import shop

V2 = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
NAME = "shop-dev-email-0a1b2c3d"
SOLUTION = f"arn:aws:personalize:us-east-1:123456789012:solution/{NAME}"
SIX_HOURS = "21600"


@pytest.fixture(autouse=True)
def _clock(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solution, "now", lambda: world.clock.now().timestamp())


def batch_shop(
    world: World,
    *,
    data: str = "a",
    auto: str = "off",
    failure: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The dev stack's import, plus one batch solution as personalize_constructs builds it."""
    template = shop(world, data=data, use_cases=(), failure=failure)
    gate = next(k for k in template if k.startswith("ImportCondition"))
    op = hashlib.sha256(repr((NAME, data)).encode()).hexdigest()[:8]
    template["Solution"] = {
        "Type": solution.RESOURCE_TYPE,
        "Properties": {
            "Name": NAME,
            "DatasetGroupArn": {"Ref": "Group"},
            "RecipeArn": V2,
            "EventsConfig": json.dumps(
                {"eventParametersList": [{"eventType": "Purchase", "weight": 1.0}]}
            ),
            "AutoTraining": auto,
            "ReadinessStateMachineArn": world.state_machine_arn,
        },
        "DependsOn": [gate],
    }
    template[f"VersionHandle{op}"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    template["Version"] = {
        "Type": solution_version.RESOURCE_TYPE,
        "Properties": {
            "SolutionArn": {"Ref": "Solution"},
            "DataVersion": {"Ref": "Import"},
            "TrainingMode": "FULL",
            "ReadinessHandle": {"Ref": f"VersionHandle{op}"},
            "ReadinessStateMachineArn": world.state_machine_arn,
        },
    }
    template[f"VersionCondition{op}"] = {
        "Type": "AWS::CloudFormation::WaitCondition",
        "Properties": {"Handle": {"Ref": f"VersionHandle{op}"}, "Timeout": SIX_HOURS},
        "DependsOn": ["Version"],
    }
    template["Metrics"] = {
        "Type": solution_metrics.RESOURCE_TYPE,
        "Properties": {"SolutionVersionArn": {"Ref": "Version"}},
        "DependsOn": [f"VersionCondition{op}"],
    }
    return template


def _versions(world: World) -> list[dict[str, Any]]:
    client = world.personalize_client
    return [
        client.describe_solution_version(solutionVersionArn=v["solutionVersionArn"])[
            "solutionVersion"
        ]
        for v in client.list_solution_versions()["solutionVersions"]
    ]


def _training(world: World) -> list[str]:
    return [
        v["solutionVersionArn"]
        for v in _versions(world)
        if v["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS")
    ]


def _nothing_left(world: World) -> bool:
    client = world.personalize_client
    return not (
        client.list_solutions()["solutions"] or client.list_dataset_groups()["datasetGroups"]
    )


def _condition(outcome_failures: dict[str, str]) -> str:
    return next(v for k, v in outcome_failures.items() if k.startswith("VersionCondition"))


def test_deploy_trains_once_reports_metrics_and_destroy_leaves_nothing(world: World) -> None:
    cfn = world.stack()
    outcome = cfn.deploy(batch_shop(world))
    assert outcome.status == "CREATE_COMPLETE", outcome.failures
    (version,) = _versions(world)
    assert version["status"] == "ACTIVE"
    # the metrics resource read GetSolutionMetrics once training was over
    metrics_calls = world.personalize.calls_to("GetSolutionMetrics")
    assert [c["solutionVersionArn"] for c in metrics_calls] == [version["solutionVersionArn"]]
    assert cfn.delete().status == "DELETE_COMPLETE"
    assert _nothing_left(world)


def test_no_training_happens_that_the_configuration_did_not_ask_for(world: World) -> None:
    cfn = world.stack()
    cfn.deploy(batch_shop(world, auto="off"))
    (created,) = world.personalize.calls_to("CreateSolution")
    assert created["performAutoTraining"] is False
    # WHEN a month passes THEN still the one version the deploy asked for
    world.advance_to(world.clock.now().timestamp() + 30 * 86400)
    assert len(_versions(world)) == 1


def test_auto_training_is_switched_in_place_without_a_new_solution(world: World) -> None:
    cfn = world.stack()
    cfn.deploy(batch_shop(world, auto="off"))
    outcome = cfn.deploy(batch_shop(world, auto="rate(14 days)"))
    assert outcome.status == "UPDATE_COMPLETE", outcome.failures
    (update,) = world.personalize.calls_to("UpdateSolution")
    assert update == {
        "solutionArn": SOLUTION,
        "performAutoTraining": True,
        "solutionUpdateConfig": {"autoTrainingConfig": {"schedulingExpression": "rate(14 days)"}},
    }
    assert len(world.personalize_client.list_solutions()["solutions"]) == 1


def test_new_data_trains_a_new_version(world: World) -> None:
    cfn = world.stack()
    cfn.deploy(batch_shop(world, data="a"))
    outcome = cfn.deploy(batch_shop(world, data="b"))
    assert outcome.status == "UPDATE_COMPLETE", outcome.failures
    assert [v["status"] for v in _versions(world)] == ["ACTIVE", "ACTIVE"]


def test_a_rolled_back_data_change_goes_back_to_the_trained_version_without_training(
    world: World,
) -> None:
    cfn = world.stack()
    cfn.deploy(batch_shop(world, data="a"))
    (trained,) = _versions(world)
    # WHEN data B trains and something fails after its metrics were read
    failure = {"AfterSeconds": 30, "after": ["Metrics"]}
    outcome = cfn.deploy(batch_shop(world, data="b", failure=failure))
    assert outcome.status == "UPDATE_ROLLBACK_COMPLETE", outcome.failures
    cfn.settle()
    # THEN the rollback adopted data A's version: B's was the only other training
    assert len(world.personalize.calls_to("CreateSolutionVersion")) == 2
    assert cfn.physical["Version"] == trained["solutionVersionArn"]
    assert world.personalize.status(trained["solutionVersionArn"]) == "ACTIVE"


def _version_props(world: World, handle: str) -> dict[str, Any]:
    group = world.personalize.create_ready_dataset_group("shop-dev").dataset_group_arn
    if world.personalize.status(SOLUTION) is None:
        world.personalize_client.create_solution(
            name=NAME, datasetGroupArn=group, recipeArn=V2, performAutoTraining=False
        )
        world.personalize.settle()
    return {
        "SolutionArn": SOLUTION,
        "DataVersion": "import-a",
        "TrainingMode": "FULL",
        "ReadinessHandle": handle,
        "ReadinessStateMachineArn": world.state_machine_arn,
    }


def test_the_same_operation_adopts_its_version_and_a_new_handle_trains_again(world: World) -> None:
    props = _version_props(world, world.new_handle())
    first = world.request(world.event("Create", solution_version.RESOURCE_TYPE, props))
    assert first.ok, first.reason
    # WHEN another request (a retry, a rollback) carries the same operation THEN it adopts
    again = world.request(world.event("Create", solution_version.RESOURCE_TYPE, props))
    assert again.ok, again.reason
    assert again.physical_id == first.physical_id
    assert len(world.personalize.calls_to("CreateSolutionVersion")) == 1
    # WHEN the same data comes with a new handle (deployed again after other data) THEN it trains
    props["ReadinessHandle"] = world.new_handle()
    anew = world.request(world.event("Create", solution_version.RESOURCE_TYPE, props))
    assert anew.ok, anew.reason
    assert anew.physical_id != first.physical_id
    assert len(world.personalize.calls_to("CreateSolutionVersion")) == 2


def _a_year_of_training(world: World, *, automatic: int, manual: int) -> None:
    """Daily auto training, and unnamed trainings (the batch schedule's) besides."""
    client = world.personalize_client
    client.update_solution(
        solutionArn=SOLUTION,
        performAutoTraining=True,
        solutionUpdateConfig={"autoTrainingConfig": {"schedulingExpression": "rate(1 day)"}},
    )
    world.personalize.settle()
    for _ in range(automatic):
        world.clock.advance(86400)
        client.list_solutions()
    for _ in range(manual):
        client.create_solution_version(solutionArn=SOLUTION)
        world.personalize.settle()


def test_looking_for_the_version_to_adopt_stays_short_however_many_versions_exist(
    world: World,
) -> None:
    props = _version_props(world, world.new_handle())
    first = world.request(world.event("Create", solution_version.RESOURCE_TYPE, props))
    # GIVEN months of auto training and scheduled trainings after that deploy
    _a_year_of_training(world, automatic=120, manual=10)
    before = len(world.personalize.calls_to("DescribeSolutionVersion"))
    # WHEN a rollback brings that operation back, and then a new operation comes
    again = world.request(world.event("Create", solution_version.RESOURCE_TYPE, props))
    props["ReadinessHandle"] = world.new_handle()
    anew = world.request(world.event("Create", solution_version.RESOURCE_TYPE, props))
    # THEN the first is adopted and the second trains, each describing few versions
    assert again.ok, again.reason
    assert anew.ok, anew.reason
    assert again.physical_id == first.physical_id
    assert anew.physical_id != first.physical_id
    described = len(world.personalize.calls_to("DescribeSolutionVersion")) - before
    assert described <= 2 * (solution_version.MAX_NAME_LOOKUPS + 1)


def test_a_delete_without_the_version_arn_checks_only_versions_still_training(
    world: World,
) -> None:
    props = _version_props(world, world.new_handle())
    world.request(world.event("Create", solution_version.RESOURCE_TYPE, props))
    _a_year_of_training(world, automatic=120, manual=0)
    # WHEN the Delete of a cancelled create (no ARN as physical id) comes
    pages = world.personalize_client.get_paginator("list_solution_versions").paginate()
    training = {
        v["solutionVersionArn"]
        for page in pages
        for v in page["solutionVersions"]
        if v["status"] in solution.TRAINING
    }
    before = len(world.personalize.calls_to("ListTagsForResource"))
    deleted = world.request(
        world.event(
            "Delete", solution_version.RESOURCE_TYPE, props, physical_id="PersonalizeShop-x"
        )
    )
    # THEN it looked at the one version training now, not at every version
    assert deleted.ok, deleted.reason
    checked = world.personalize.calls_to("ListTagsForResource")[before:]
    assert checked
    assert {c["resourceArn"] for c in checked} <= training


def test_a_failed_training_fails_the_deploy_with_personalizes_reason(world: World) -> None:
    world.personalize.fail_training(NAME, "Not enough interactions for this recipe")
    cfn = world.stack()
    outcome = cfn.deploy(batch_shop(world))
    assert outcome.status == "ROLLBACK_COMPLETE"
    reason = _condition(outcome.failures)
    assert "Personalize solution version" in reason
    assert "failed: Not enough interactions for this recipe" in reason
    assert _nothing_left(world)


def test_a_sibling_failing_during_training_stops_it_and_rolls_back_clean(world: World) -> None:
    cfn = world.stack()
    # GIVEN a failure elsewhere ten minutes into a sixty-minute training
    outcome = cfn.deploy(batch_shop(world, failure={"AfterSeconds": 600}))
    # THEN the rollback stopped training (billing ends with the stop) and removed the solution
    assert outcome.status == "ROLLBACK_COMPLETE", outcome.failures
    assert world.personalize.calls_to("StopSolutionVersionCreation")
    assert _training(world) == []
    assert _nothing_left(world)


def test_a_destroy_during_training_stops_it_and_removes_the_solution(world: World) -> None:
    cfn = world.stack()
    template = batch_shop(world)
    # GIVEN a deploy whose training still runs (the wait condition has not been reached) ...
    for key in [k for k in template if k.startswith("VersionCondition") or k == "Metrics"]:
        del template[key]
    assert cfn.deploy(template).status == "CREATE_COMPLETE"
    assert _training(world)
    # WHEN the stack is destroyed THEN training is stopped and the solution deleted
    assert cfn.delete().status == "DELETE_COMPLETE"
    assert _training(world) == []
    assert _nothing_left(world)


def test_a_stop_that_outlasts_the_delete_budget_is_finished_by_the_workflow(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfn = world.stack()
    template = batch_shop(world)
    for key in [k for k in template if k.startswith("VersionCondition") or k == "Metrics"]:
        del template[key]
    cfn.deploy(template)
    world.advance_to(world.clock.now().timestamp() + 600)
    # GIVEN Personalize takes two hours to stop the training (ten minutes in)
    from dataclasses import replace

    world.personalize.durations = replace(world.personalize.durations, solution_version_stop=7200)
    # WHEN the stack is destroyed
    outcome = cfn.delete()
    # THEN the solution's Delete fails saying what happens and what to run ...
    assert outcome.status == "DELETE_FAILED"
    reason = outcome.failures["Solution"]
    machine = world.state_machine_arn.rsplit(":", 1)[-1]
    assert f" of {machine}) deletes the solution as soon as Personalize allows. " in reason
    assert "Then run `cdk destroy` for this environment again" in reason
    assert _training(world) == []
    # ... the workflow deletes it once Personalize allows, and the destroy it names succeeds
    cfn.settle(hours=3)
    assert world.personalize_client.list_solutions()["solutions"] == []
    assert cfn.delete().status == "DELETE_COMPLETE"
    assert _nothing_left(world)


def test_a_solution_still_in_use_past_the_budget_names_the_likely_batch_job(
    world: World,
) -> None:
    cfn = world.stack()
    cfn.deploy(batch_shop(world))
    # GIVEN Personalize keeps refusing to delete the solution as in use, no version training
    world.personalize.inject(
        "DeleteSolution",
        "ResourceInUseException",
        times=None,
        message="Solution is in use by a batch inference job.",
    )
    outcome = cfn.delete()
    # THEN the failure says Personalize reported it in use and what likely holds it, not training
    assert outcome.status == "DELETE_FAILED"
    reason = outcome.failures["Solution"]
    assert "reported in use by Personalize" in reason
    assert "ResourceInUseException" in reason
    assert "batch inference job" in reason
    assert "training or stopping" not in reason


@pytest.mark.parametrize("operation", ["DescribeSolution", "ListTagsForResource"])
def test_throttling_at_the_start_of_a_destroy_is_polled_through(
    world: World, operation: str
) -> None:
    cfn = world.stack()
    cfn.deploy(batch_shop(world))
    # GIVEN Personalize throttles the solution's Delete past botocore's own retries
    world.personalize.inject(
        operation,
        "ThrottlingException",
        times=8,
        when=lambda params: SOLUTION in (params.get("solutionArn"), params.get("resourceArn")),
    )
    # WHEN the stack is destroyed THEN the delete waits it out instead of failing
    outcome = cfn.delete()
    assert outcome.status == "DELETE_COMPLETE", outcome.failures
    assert _nothing_left(world)


def test_a_hand_made_solution_with_our_name_is_never_adopted_or_deleted(world: World) -> None:
    group = world.personalize.create_ready_dataset_group("shop-dev").dataset_group_arn
    world.personalize_client.create_solution(
        name=NAME, datasetGroupArn=group, recipeArn=V2, performAutoTraining=False
    )
    world.personalize.settle()
    props = batch_shop(world)["Solution"]["Properties"] | {"DatasetGroupArn": group}
    response = world.request(world.event("Create", solution.RESOURCE_TYPE, props))
    assert not response.ok
    assert "was not created by this project" in response.reason
    deleted = world.request(
        world.event("Delete", solution.RESOURCE_TYPE, props, physical_id="PersonalizeShop-x")
    )
    assert deleted.ok
    assert world.personalize.status(SOLUTION) == "ACTIVE"


def test_a_bad_auto_training_is_refused_before_any_call(world: World) -> None:
    props = batch_shop(world)["Solution"]["Properties"] | {
        "DatasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop-dev",
        "AutoTraining": "rate(2 hours)",
    }
    response = world.request(world.event("Create", solution.RESOURCE_TYPE, props))
    assert not response.ok
    assert "property AutoTraining" in response.reason
    assert world.personalize.calls == []
