"""Custom::PersonalizeRecommender scenarios: the real handler, the synthesized readiness state
machine and the real signal Lambda, against the Personalize and Step Functions simulators."""

from __future__ import annotations

import json
import re
from typing import Any

import metrics
import pytest
import recommender
from handler_support import HandlerError

from tests.handlers.conftest import World
from tests.personalize_simulator import RECOMMENDED_FOR_YOU

TYPE = recommender.RESOURCE_TYPE
BEST_SELLERS = "arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-purchases"


@pytest.fixture
def group(world: World) -> str:
    """An ACTIVE ECOMMERCE dataset group with its interactions imported."""
    return world.personalize.create_ready_dataset_group("shop-dev").dataset_group_arn


def _props(world: World, group: str, **overrides: str) -> dict[str, Any]:
    props = {
        "Name": "shop-dev-recommended-for-you",
        "DatasetGroupArn": group,
        "RecipeArn": RECOMMENDED_FOR_YOU,
        "MinRecommendationRequestsPerSecond": "1",
        "ExplorationWeight": "0.3",
        "ExplorationItemAgeCutOff": "30",
        "State": "running",
        "ReadinessHandle": world.new_handle(),
        "ReadinessStateMachineArn": world.state_machine_arn,
    }
    props.update(overrides)
    return props


def _on_event(world: World, event: dict[str, Any]) -> dict[str, Any]:
    """One request through the Provider framework model; its answer as on_event's shape."""
    response = world.request(event)
    if not response.ok:
        raise HandlerError(response.reason)
    result: dict[str, Any] = {"PhysicalResourceId": response.physical_id}
    if response.data:
        result["Data"] = response.data
    return result


def _create(world: World, props: dict[str, Any]) -> str:
    return str(_on_event(world, world.event("Create", TYPE, props))["PhysicalResourceId"])


def _trained(world: World, props: dict[str, Any]) -> str:
    """Create the recommender and let its readiness workflow run to the end; its ARN."""
    arn = _create(world, props)
    world.run_workflows()
    return arn


def _update(world: World, arn: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return _on_event(world, world.event("Update", TYPE, new, physical_id=arn, old=old))


def _describe(world: World, arn: str) -> dict[str, Any]:
    found: dict[str, Any] = world.personalize_client.describe_recommender(recommenderArn=arn)[
        "recommender"
    ]
    return found


def _statuses(world: World, props: dict[str, Any]) -> list[str]:
    return [s["Status"] for s in world.signals(props["ReadinessHandle"])]


def _delete_until_gone(world: World, event: dict[str, Any]) -> int:
    """Delete through the Provider framework model, at its real budget; the is_complete polls."""
    before = len(world.framework.invocations) if world.framework else 0
    response = world.request(event)
    assert response.ok, response.reason
    calls = world.framework.invocations[before:] if world.framework else []
    return sum(1 for function, _ in calls if function.endswith("IsComplete")) - 1


# ---------------------------------------------------------------- create


def test_create_trains_and_signals_ready(world: World, group: str) -> None:
    props = _props(world, group)
    arn = _trained(world, props)
    assert world.signals(props["ReadinessHandle"]) == [
        {"Status": "SUCCESS", "Reason": "Ready", "UniqueId": arn, "Data": ""}
    ]
    assert world.personalize.status(arn) == "ACTIVE"


def test_create_waits_for_the_whole_training(world: World, group: str) -> None:
    props = _props(world, group)
    _create(world, props)
    started = world.clock.now()
    world.run_workflows()
    assert (world.clock.now() - started).total_seconds() >= 3600


def test_trained_metrics_become_attributes(world: World, group: str) -> None:
    # GIVEN a trained recommender
    arn = _create(world, _props(world, group))
    world.run_workflows()
    # WHEN the metrics resource (which waits for the recommender's WaitCondition) is created
    event = world.event("Create", metrics.RESOURCE_TYPE, {"RecommenderArn": arn, "Operation": "x"})
    result = metrics.on_event(event, world.personalize_client, world.sfn_client)
    # THEN Json holds Personalize's modelMetrics, and each metric of the guide's table is an
    # attribute of its own
    model_metrics = _describe(world, arn)["modelMetrics"]
    data = result["Data"]
    assert json.loads(data["Json"]) == model_metrics
    assert set(metrics.METRICS) == set(model_metrics)
    assert {name: data[name] for name in metrics.METRICS} == {
        name: f"{model_metrics[name]:.4f}" for name in metrics.METRICS
    }
    assert result["PhysicalResourceId"] == f"{arn}/metrics"


def test_create_sends_the_configuration_as_the_api_expects(world: World, group: str) -> None:
    arn = _create(world, _props(world, group, MinRecommendationRequestsPerSecond="3"))
    assert _describe(world, arn)["recommenderConfig"] == {
        "minRecommendationRequestsPerSecond": 3,
        "itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"},
    }


def test_use_case_without_exploration_sends_none(world: World, group: str) -> None:
    props = _props(
        world,
        group,
        Name="shop-dev-best-sellers",
        RecipeArn=BEST_SELLERS,
        ExplorationWeight="",
        ExplorationItemAgeCutOff="",
    )
    arn = _create(world, props)
    assert "itemExplorationConfig" not in _describe(world, arn)["recommenderConfig"]


def test_a_retried_create_adopts_the_recommender(world: World, group: str) -> None:
    event = world.event("Create", TYPE, _props(world, group))
    first = _on_event(world, event)
    second = _on_event(world, event)
    assert first == second
    assert len(world.personalize.calls_to("CreateRecommender")) == 1


def test_adopting_a_recommender_with_other_settings_fails_loudly(world: World, group: str) -> None:
    _create(world, _props(world, group))
    with pytest.raises(HandlerError, match="already exists with other settings"):
        _create(world, _props(world, group, RecipeArn=BEST_SELLERS))


def test_throttling_while_training_is_not_yet(world: World, group: str) -> None:
    props = _props(world, group)
    _create(world, props)
    world.personalize.inject("DescribeRecommender", "ThrottlingException", times=4)
    world.run_workflows()
    assert _statuses(world, props) == ["SUCCESS"]


def test_limit_exceeded_fails_the_create_with_the_quota_named(world: World, group: str) -> None:
    world.personalize.inject("CreateRecommender", "LimitExceededException")
    with pytest.raises(
        HandlerError,
        match=re.escape(
            ". Personalize refused to create recommender shop-dev-recommended-for-you: "
            "recommenders are limited per dataset group and per region; delete unused ones or "
            "ask AWS for a higher quota.\n"
        ),
    ):
        _create(world, _props(world, group))


def test_create_failed_signals_the_reason_then_rollback_deletes_it(
    world: World, group: str
) -> None:
    # GIVEN training fails
    world.personalize.fail_recommender(
        "shop-dev-recommended-for-you",
        reason="Dataset has fewer than 1000 interactions after filtering by event type: Purchase",
    )
    props = _props(world, group)
    arn = _trained(world, props)
    (signal,) = world.signals(props["ReadinessHandle"])
    assert signal["Status"] == "FAILURE"
    assert signal["Reason"] == (
        f"Personalize recommender {arn} failed: Dataset has fewer than 1000 interactions after "
        "filtering by event type: Purchase"
    )
    # WHEN CloudFormation rolls back (Delete with the ARN the handler returned)
    _delete_until_gone(world, world.event("Delete", TYPE, props, physical_id=arn))
    # THEN nothing is left
    assert world.personalize.status(arn) is None


def test_destroy_while_training_waits_and_deletes_it(world: World, group: str) -> None:
    props = _props(world, group)
    arn = _create(world, props)
    world.clock.advance(1200)
    assert world.personalize.status(arn) == "CREATE IN_PROGRESS"
    polls = _delete_until_gone(world, world.event("Delete", TYPE, props, physical_id=arn))
    assert world.personalize.status(arn) is None
    assert polls > 0


def test_delete_with_a_physical_id_that_is_not_an_arn_finds_it_by_name(
    world: World, group: str
) -> None:
    # GIVEN CloudFormation cancelled the create and sends its own physical id (aws-cdk#26139)
    props = _props(world, group)
    arn = _trained(world, props)
    _delete_until_gone(world, world.event("Delete", TYPE, props, physical_id="a1b2c3-request-id"))
    assert world.personalize.status(arn) is None


def test_delete_of_a_recommender_that_never_existed_succeeds_after_the_late_create_window(
    world: World, group: str
) -> None:
    props = _props(world, group)
    event = world.event("Delete", TYPE, props, physical_id="a1b2c3-request-id")
    started = world.clock.now()
    _delete_until_gone(world, event)
    waited = (world.clock.now() - started).total_seconds()
    assert recommender.LATE_CREATE_SECONDS <= waited < recommender.LATE_CREATE_SECONDS + 30


def test_delete_of_an_already_deleted_recommender_succeeds(world: World, group: str) -> None:
    props = _props(world, group)
    arn = _trained(world, props)
    event = world.event("Delete", TYPE, props, physical_id=arn)
    _delete_until_gone(world, event)
    event["RequestId"] = "a-second-delete"
    polls = _delete_until_gone(world, event)
    assert polls * 30 <= recommender.LATE_CREATE_SECONDS + 30


def test_delete_stops_the_readiness_workflow(world: World, group: str) -> None:
    props = _props(world, group)
    arn = _create(world, props)
    world.clock.advance(3000)
    _on_event(world, world.event("Delete", TYPE, props, physical_id=arn))
    (execution,) = world.sfn.executions()
    assert world.sfn.status(execution) == "ABORTED"


def test_a_renamed_construct_takes_the_recommender_over_and_the_old_one_keeps_it(
    world: World, group: str
) -> None:
    # GIVEN a recommender created by logical id "Old"
    props = _props(world, group)
    old_create = world.event("Create", TYPE, props)
    old_create["LogicalResourceId"] = "Old"
    arn = _on_event(world, old_create)["PhysicalResourceId"]
    world.run_workflows()
    # WHEN the construct is renamed: "New" is created (adopting it), then "Old" is deleted
    new_create = world.event("Create", TYPE, _props(world, group))
    new_create["LogicalResourceId"] = "New"
    assert _on_event(world, new_create)["PhysicalResourceId"] == arn
    old_delete = world.event("Delete", TYPE, props, physical_id=arn)
    old_delete["LogicalResourceId"] = "Old"
    _delete_until_gone(world, old_delete)
    # THEN the recommender is still there, managed by "New"
    assert world.personalize.status(arn) == "ACTIVE"


def test_a_recommender_of_another_stack_is_not_adopted(world: World, group: str) -> None:
    props = _props(world, group)
    other = world.event("Create", TYPE, props)
    other["StackId"] = "arn:aws:cloudformation:us-east-1:123456789012:stack/Other/y"
    _on_event(world, other)
    with pytest.raises(
        HandlerError,
        match=re.escape(
            "A recommender named shop-dev-recommended-for-you already exists and is managed by "
            f"another CloudFormation stack ({other['StackId']}); it is left untouched. Delete it "
            "yourself if it is not needed, or choose another namePrefix for this environment.\n"
        ),
    ):
        _create(world, _props(world, group))


# ---------------------------------------------------------------- update


def test_min_rps_change_updates_in_place_and_waits_for_it(world: World, group: str) -> None:
    old = _props(world, group)
    arn = _trained(world, old)
    new = _props(world, group, MinRecommendationRequestsPerSecond="5")
    result = _update(world, arn, old, new)
    world.run_workflows()
    assert result["PhysicalResourceId"] == arn
    assert _describe(world, arn)["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 5
    assert _describe(world, arn)["latestRecommenderUpdate"]["status"] == "ACTIVE"
    assert _statuses(world, new) == ["SUCCESS"]


def test_failed_update_fails_the_deploy_with_its_reason(world: World, group: str) -> None:
    old = _props(world, group)
    arn = _trained(world, old)
    world.personalize.fail_next_update(arn, reason="Internal training error")
    new = _props(world, group, ExplorationWeight="0.9")
    _update(world, arn, old, new)
    world.run_workflows()
    (signal,) = world.signals(new["ReadinessHandle"])
    assert signal["Status"] == "FAILURE"
    assert "could not apply the new configuration: Internal training error" in signal["Reason"]


def test_update_while_another_update_runs_waits_instead_of_failing(
    world: World, group: str
) -> None:
    # GIVEN an update still running (started outside this deploy)
    old = _props(world, group)
    arn = _trained(world, old)
    world.personalize_client.update_recommender(
        recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 2}
    )
    # WHEN CloudFormation updates the configuration
    new = _props(world, group, MinRecommendationRequestsPerSecond="4")
    assert _update(world, arn, old, new)["PhysicalResourceId"] == arn
    world.run_workflows()
    # THEN the workflow applied it once the other update was over
    assert _describe(world, arn)["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 4
    assert _statuses(world, new) == ["SUCCESS"]


def test_dataset_group_change_replaces_the_recommender(world: World, group: str) -> None:
    old = _props(world, group)
    arn = _create(world, old)
    other_group = world.personalize.create_ready_dataset_group("shop-dev2").dataset_group_arn
    new = _props(world, other_group, Name="shop-dev2-recommended-for-you")
    result = _update(world, arn, old, new)
    assert result["PhysicalResourceId"] != arn
    assert world.personalize.status(result["PhysicalResourceId"]) == "CREATE PENDING"


# ---------------------------------------------------------------- stop / start


def test_stopped_state_stops_the_trained_recommender(world: World, group: str) -> None:
    props = _props(world, group, State="stopped")
    arn = _trained(world, props)
    assert world.personalize.status(arn) == "INACTIVE"
    assert _statuses(world, props) == ["SUCCESS"]


def test_running_state_starts_a_stopped_recommender(world: World, group: str) -> None:
    old = _props(world, group, State="stopped")
    arn = _trained(world, old)
    new = _props(world, group, State="running")
    _update(world, arn, old, new)
    world.run_workflows()
    assert world.personalize.status(arn) == "ACTIVE"
    assert _statuses(world, new) == ["SUCCESS"]


def test_a_stopped_recommender_can_be_updated_and_stays_stopped(world: World, group: str) -> None:
    old = _props(world, group, State="stopped")
    arn = _trained(world, old)
    new = _props(world, group, State="stopped", MinRecommendationRequestsPerSecond="2")
    _update(world, arn, old, new)
    world.run_workflows()
    assert _describe(world, arn)["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 2
    assert world.personalize.status(arn) == "INACTIVE"
    assert _statuses(world, new) == ["SUCCESS"]


def test_a_stopped_recommender_can_be_deleted(world: World, group: str) -> None:
    props = _props(world, group, State="stopped")
    arn = _trained(world, props)
    _delete_until_gone(world, world.event("Delete", TYPE, props, physical_id=arn))
    assert world.personalize.status(arn) is None


# ---------------------------------------------------------------- metadata and training columns

EXCLUDE_ADULT = json.dumps({"excludedDatasetColumns": {"ITEMS": ["ADULT", "GENDER"]}})


def test_create_sends_metadata_and_training_columns(world: World, group: str) -> None:
    props = _props(
        world, group, EnableMetadataWithRecommendations="true", TrainingDataConfig=EXCLUDE_ADULT
    )
    arn = _create(world, props)
    config = _describe(world, arn)["recommenderConfig"]
    assert config["enableMetadataWithRecommendations"] is True
    assert config["trainingDataConfig"] == {
        "excludedDatasetColumns": {"ITEMS": ["ADULT", "GENDER"]}
    }


def test_enabling_metadata_updates_in_place_and_waits_for_it(world: World, group: str) -> None:
    # GIVEN a running recommender without metadata
    old = _props(world, group)
    arn = _trained(world, old)
    # WHEN CloudFormation asks for metadata
    new = _props(world, group, EnableMetadataWithRecommendations="true")
    result = _update(world, arn, old, new)
    world.run_workflows()
    # THEN the same recommender is updated, keeping the rest of its configuration, and the
    # deploy waits for the update
    assert result["PhysicalResourceId"] == arn
    (call,) = world.personalize.calls_to("UpdateRecommender")
    assert call["recommenderConfig"] == {
        "minRecommendationRequestsPerSecond": 1,
        "itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"},
        "enableMetadataWithRecommendations": True,
    }
    assert _describe(world, arn)["recommenderConfig"]["enableMetadataWithRecommendations"] is True
    assert _statuses(world, new) == ["SUCCESS"]


def test_changing_training_columns_updates_in_place(world: World, group: str) -> None:
    old = _props(world, group, TrainingDataConfig=EXCLUDE_ADULT)
    arn = _trained(world, old)
    included = json.dumps({"includedDatasetColumns": {"ITEMS": ["CATEGORY_L1", "PRICE"]}})
    new = _props(world, group, TrainingDataConfig=included)
    assert _update(world, arn, old, new)["PhysicalResourceId"] == arn
    world.run_workflows()
    assert _describe(world, arn)["recommenderConfig"]["trainingDataConfig"] == json.loads(included)
    assert _statuses(world, new) == ["SUCCESS"]


def test_the_same_columns_echoed_in_another_order_or_case_are_no_update(
    world: World, group: str
) -> None:
    # GIVEN Personalize holds the columns with the dataset type in another case, in other order
    old = _props(world, group)
    arn = _trained(world, old)
    world.personalize_client.update_recommender(
        recommenderArn=arn,
        recommenderConfig={
            "minRecommendationRequestsPerSecond": 1,
            "itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"},
            "trainingDataConfig": {"excludedDatasetColumns": {"Items": ["GENDER", "ADULT"]}},
        },
    )
    world.personalize.settle()
    world.personalize.calls.clear()
    # WHEN CloudFormation asks for those columns
    new = _props(world, group, TrainingDataConfig=EXCLUDE_ADULT)
    _update(world, arn, old, new)
    world.run_workflows()
    # THEN nothing is retrained
    assert world.personalize.calls_to("UpdateRecommender") == []
    assert _statuses(world, new) == ["SUCCESS"]


def test_removing_metadata_turns_it_off(world: World, group: str) -> None:
    old = _props(world, group, EnableMetadataWithRecommendations="true")
    arn = _trained(world, old)
    new = _props(world, group)
    _update(world, arn, old, new)
    world.run_workflows()
    assert not _describe(world, arn)["recommenderConfig"].get("enableMetadataWithRecommendations")
    assert _statuses(world, new) == ["SUCCESS"]


def test_a_busy_recommender_gets_the_columns_from_the_workflow(world: World, group: str) -> None:
    # GIVEN an update still running (started outside this deploy)
    old = _props(world, group)
    arn = _trained(world, old)
    world.personalize_client.update_recommender(
        recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 2}
    )
    # WHEN CloudFormation asks for included columns (a map whose keys are data)
    included = {"includedDatasetColumns": {"ITEMS": ["CATEGORY_L1"]}}
    new = _props(world, group, TrainingDataConfig=json.dumps(included))
    _update(world, arn, old, new)
    world.run_workflows()
    # THEN the workflow applied them once the other update was over, keys as sent
    assert _describe(world, arn)["recommenderConfig"]["trainingDataConfig"] == included
    assert _statuses(world, new) == ["SUCCESS"]


JSON_EXAMPLE = '{"excludedDatasetColumns": {"ITEMS": ["COLUMN"]}}'


@pytest.mark.parametrize(
    ("prop", "value", "says"),
    [
        (
            "Name",
            "-shop",
            "property Name '-shop' is not a valid recommender name (1-63 of letters, digits, "
            "'-' and '_', starting with a letter or digit)",
        ),
        (
            "MinRecommendationRequestsPerSecond",
            "0",
            "property MinRecommendationRequestsPerSecond must be a whole number from 1 to "
            "999999999, got '0'",
        ),
        (
            "EnableMetadataWithRecommendations",
            "yes",
            "property EnableMetadataWithRecommendations must be true or false, got 'yes'",
        ),
        (
            "TrainingDataConfig",
            "{not json",
            f"property TrainingDataConfig must be JSON such as {JSON_EXAMPLE}, got '{{not json'",
        ),
        (
            "TrainingDataConfig",
            '{"excluded": {"ITEMS": ["A"]}}',
            f"property TrainingDataConfig must be JSON such as {JSON_EXAMPLE}, got "
            """'{"excluded": {"ITEMS": ["A"]}}'""",
        ),
        (
            "TrainingDataConfig",
            '{"excludedDatasetColumns": {"ITEMS": "A"}}',
            f"property TrainingDataConfig must be JSON such as {JSON_EXAMPLE}, got "
            """'{"excludedDatasetColumns": {"ITEMS": "A"}}'""",
        ),
    ],
)
def test_a_bad_setting_is_refused_before_anything_is_created(
    world: World, group: str, prop: str, value: str, says: str
) -> None:
    with pytest.raises(HandlerError, match=f"^Error: {re.escape(says)}\n"):
        _create(world, _props(world, group, **{prop: value}))
    assert world.personalize.calls_to("CreateRecommender") == []
