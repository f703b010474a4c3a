"""Custom::PersonalizeRecommender edge cases a sampled mutation run found untested: what a refused
create reports, the user-facing messages, adoption without retraining, and when a Delete ends.
Every request goes through tests/cfn_model at the Provider's real budgets."""

from __future__ import annotations

import json
from typing import Any

import metrics
import recommender
from handler_support import execution_name

from tests.handlers.conftest import World
from tests.handlers.test_recommender import (
    TYPE,
    _create,
    _delete_until_gone,
    _props,
    _trained,
    _update,
    group,
)

__all__ = ["group"]  # the fixture, imported for pytest

NAME = "shop-dev-recommended-for-you"
REFUSED_AT_LAST = (
    "Personalize deletes a recommender only once it is ACTIVE, INACTIVE or CREATE FAILED"
)


def _fails(world: World, event: dict[str, Any]) -> str:
    """The handler's message, as the framework's reason carries it (before its log pointer)."""
    response = world.request(event)
    assert not response.ok
    return response.reason.split("\n", 1)[0].removeprefix("Error: ")


# ---------------------------------------------------------------- create


def test_a_create_personalize_refused_does_not_claim_a_recommender(
    world: World, group: str
) -> None:
    # GIVEN Personalize refuses the create (the dataset group is busy)
    world.personalize.inject("CreateRecommender", "ResourceInUseException", times=1)
    props = _props(world, group)
    # WHEN CloudFormation creates the recommender
    response = world.request(world.event("Create", TYPE, props))
    # THEN the create fails without the recommender's ARN: nothing was made
    assert not response.ok
    assert response.physical_id != recommender.recommender_arn(group, NAME)


def test_an_exploration_setting_that_is_not_a_string_is_refused_naming_its_type(
    world: World, group: str
) -> None:
    reason = _fails(
        world, world.event("Create", TYPE, _props(world, group, ExplorationWeight={"w": "0.3"}))
    )
    assert reason == "property ExplorationWeight must be a string, got dict"
    assert world.personalize.calls_to("CreateRecommender") == []


def test_an_empty_metadata_setting_means_no_metadata(world: World, group: str) -> None:
    arn = _create(world, _props(world, group, EnableMetadataWithRecommendations=""))
    config = world.personalize_client.describe_recommender(recommenderArn=arn)["recommender"][
        "recommenderConfig"
    ]
    assert "enableMetadataWithRecommendations" not in config


def test_an_item_age_cut_off_without_an_exploration_weight_is_still_sent(
    world: World, group: str
) -> None:
    props = _props(world, group, ExplorationWeight="", ExplorationItemAgeCutOff="7")
    arn = _create(world, props)
    config = world.personalize_client.describe_recommender(recommenderArn=arn)["recommender"][
        "recommenderConfig"
    ]
    assert config.get("itemExplorationConfig") == {"explorationItemAgeCutOff": "7"}


def test_a_create_that_raced_its_own_earlier_attempt_adopts_the_recommender(
    world: World, group: str
) -> None:
    # GIVEN an earlier attempt of this resource creates the recommender just before this one
    world.lands_then_answers("CreateRecommender", "ResourceAlreadyExistsException")
    response = world.request(world.event("Create", TYPE, _props(world, group)))
    # THEN the create adopts it
    assert response.ok, response.reason
    assert response.physical_id == recommender.recommender_arn(group, NAME)


def test_a_retried_create_of_a_trained_recommender_does_not_retrain_it(
    world: World, group: str
) -> None:
    # GIVEN a trained recommender
    event = world.event("Create", TYPE, _props(world, group))
    assert world.request(event).ok
    world.run_workflows()
    # WHEN CloudFormation retries the same create
    assert world.request(event).ok
    # THEN the recommender is adopted as it is: no update (a billed retraining)
    assert world.personalize.calls_to("UpdateRecommender") == []


# ---------------------------------------------------------------- update


def test_an_update_of_a_recommender_deleted_outside_cloudformation_says_what_to_do(
    world: World, group: str
) -> None:
    old = _props(world, group)
    arn = _trained(world, old)
    world.personalize_client.delete_recommender(recommenderArn=arn)
    world.personalize.settle()
    new = _props(world, group, MinRecommendationRequestsPerSecond="2")
    event = world.event("Update", TYPE, new, physical_id=arn, old=old)
    assert _fails(world, event) == (
        f"Recommender {arn} no longer exists (deleted outside CloudFormation?). Deploy with "
        "another namePrefix, or remove the stack and deploy again."
    )


def test_an_update_that_changes_nothing_personalize_sees_starts_no_workflow(
    world: World, group: str
) -> None:
    # GIVEN a trained recommender
    old = _props(world, group)
    arn = _trained(world, old)
    executions = len(world.sfn.executions())
    # WHEN only the Provider's service token changes (same handle, configuration, state)
    event = world.event("Update", TYPE, old, physical_id=arn, old=old)
    event["ResourceProperties"]["ServiceToken"] = "another-token"
    response = world.request(event)
    # THEN the update succeeds at once, without a workflow signalling the used handle again
    assert response.ok
    assert len(world.sfn.executions()) == executions


def test_a_new_name_alone_replaces_the_recommender(world: World, group: str) -> None:
    old = _props(world, group)
    arn = _create(world, old)
    new = _props(world, group, Name="shop-dev-recommended-for-you-2")
    _update(world, arn, old, new)
    # A recommender of the new name is being created (the old one goes in the clean-up)
    renamed = recommender.recommender_arn(group, "shop-dev-recommended-for-you-2")
    assert world.personalize.status(renamed) == "CREATE PENDING"


def test_a_new_dataset_group_under_the_same_name_is_refused_not_ignored(
    world: World, group: str
) -> None:
    # GIVEN a recommender; WHEN only its dataset group changes (the name stays)
    old = _props(world, group)
    arn = _create(world, old)
    other = world.personalize.create_ready_dataset_group("shop-dev2").dataset_group_arn
    new = _props(world, other)
    event = world.event("Update", TYPE, new, physical_id=arn, old=old)
    # THEN the replacement fails on the recommender of that name, naming its settings
    assert _fails(world, event).startswith(
        f"A recommender named {NAME} already exists with other settings (dataset group {group}, "
    )


# ---------------------------------------------------------------- delete


def test_a_destroy_ends_as_soon_as_the_recommender_it_found_is_gone(
    world: World, group: str
) -> None:
    props = _props(world, group)
    arn = _trained(world, props)
    started = world.clock.now()
    _delete_until_gone(world, world.event("Delete", TYPE, props, physical_id=arn))
    # The late-create window is only for a Delete that found nothing.
    assert (world.clock.now() - started).total_seconds() < recommender.LATE_CREATE_SECONDS


def test_a_destroy_goes_on_when_personalize_answers_the_delete_in_use(
    world: World, group: str
) -> None:
    # GIVEN a trained recommender, and Personalize answering the first DeleteRecommender "in use"
    props = _props(world, group)
    arn = _trained(world, props)
    world.personalize.inject("DeleteRecommender", "ResourceInUseException")
    # WHEN it is deleted THEN the Delete tries again at a later poll and succeeds
    response = world.request(world.event("Delete", TYPE, props, physical_id=arn))
    assert response.ok, response.reason
    assert world.personalize.status(arn) is None


def test_a_destroy_during_training_hands_it_over_saying_how_long_it_waited(
    world: World, group: str
) -> None:
    # GIVEN a recommender training for an hour
    props = _props(world, group)
    arn = _create(world, props)
    # WHEN the Delete's budget runs out before the training
    delete = world.event("Delete", TYPE, props, physical_id=arn)
    reason = _fails(world, delete)
    # THEN the Delete fails saying how long it waited, which workflow deletes it, and what next
    execution = execution_name(NAME, f"{delete['RequestId']}/delete")
    machine = world.state_machine_arn.rsplit(":", 1)[-1]
    assert reason == (
        f"Recommender {NAME} is still CREATE IN_PROGRESS after 45 minutes and {REFUSED_AT_LAST}. "
        "It will be deleted as soon as that happens by the readiness workflow (execution "
        f"{execution} of {machine}), so it will not be left billing. Then run `cdk destroy` for "
        "this environment again (or `personalize-shop cleanup --env <env>`, which waits as long "
        "as needed)."
    )


def test_a_destroy_during_training_that_cannot_hand_it_over_says_what_to_run(
    world: World, group: str
) -> None:
    # GIVEN a recommender training for an hour, and Step Functions refusing new executions
    props = _props(world, group)
    arn = _create(world, props)
    world.sfn.inject("StartExecution", "ExecutionLimitExceeded", times=None)
    # WHEN the Delete's budget runs out before the training
    reason = _fails(world, world.event("Delete", TYPE, props, physical_id=arn))
    # THEN the Delete fails saying how long it waited and what to run
    assert reason.startswith(
        f"Recommender {NAME} is still CREATE IN_PROGRESS after 45 minutes and {REFUSED_AT_LAST}; "
        "it could not be handed to the readiness workflow ("
    )
    assert reason.endswith(
        "). Run `personalize-shop cleanup --env <env>`, which waits until it can delete it, "
        "then `cdk destroy` for this environment again."
    )


def test_a_destroy_that_never_learns_the_status_calls_the_recommender_busy(
    world: World, group: str
) -> None:
    # GIVEN a recommender in training, and Personalize leaving its status out (the model allows)
    props = _props(world, group)
    arn = _create(world, props)
    world.personalize.omit("DescribeRecommender", "recommender.status")
    # WHEN the Delete's budget runs out THEN the message says "busy", not an empty status
    assert _fails(world, world.event("Delete", TYPE, props, physical_id=arn)).startswith(
        f"Recommender {NAME} is still busy after 45 minutes and {REFUSED_AT_LAST}. "
    )


def test_a_destroy_stops_the_workflow_listed_after_a_full_page_of_others(
    world: World, group: str
) -> None:
    # GIVEN a recommender in training, its readiness workflow running ...
    props = _props(world, group)
    arn = _create(world, props)
    (ours,) = world.sfn.executions()
    waiting = world.sfn_client.describe_execution(executionArn=ours)["input"]
    # ... and a full page (100) of newer workflows of other resources running on the machine
    for n in range(100):
        world.clock.advance(1)
        world.sfn_client.start_execution(
            stateMachineArn=world.state_machine_arn, name=f"other-{n}", input=waiting
        )
    # WHEN the recommender is deleted THEN its workflow, on the second page, is stopped too
    world.clock.advance(3000)
    response = world.request(world.event("Delete", TYPE, props, physical_id=arn))
    assert response.ok, response.reason
    assert world.sfn.status(ours) == "ABORTED"


def test_a_destroy_of_a_resource_that_never_named_a_recommender_succeeds_at_once(
    world: World, group: str
) -> None:
    # GIVEN a cancelled create (physical id from CloudFormation) whose Name was never valid
    props = _props(world, group, Name="not a recommender name")
    delete = world.event("Delete", TYPE, props, physical_id="PersonalizeShop-dev-Rec-1A2B")
    started = world.clock.now()
    response = world.request(delete)
    # THEN the Delete succeeds without waiting: there is nothing to look for
    assert response.ok, response.reason
    assert world.clock.now() == started


# ---------------------------------------------------------------- metrics


def test_a_new_recommender_operation_reads_its_metrics_again(world: World, group: str) -> None:
    # GIVEN a trained recommender and its metrics resource
    arn = _create(world, _props(world, group))
    world.run_workflows()
    old = {"RecommenderArn": arn, "Operation": "a"}
    assert world.request(world.event("Create", metrics.RESOURCE_TYPE, old)).ok
    # WHEN the recommender's next operation (new data, a retraining) updates the metrics resource
    new = old | {"Operation": "b"}
    update = world.event(
        "Update", metrics.RESOURCE_TYPE, new, physical_id=f"{arn}/metrics", old=old
    )
    response = world.request(update)
    # THEN it reads Personalize's metrics again
    assert response.ok, response.reason
    model_metrics = world.personalize_client.describe_recommender(recommenderArn=arn)[
        "recommender"
    ]["modelMetrics"]
    assert json.loads(response.data["Json"]) == model_metrics
