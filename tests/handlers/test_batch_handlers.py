"""The batch solution handlers (Custom::PersonalizeSolution, ...SolutionVersion) one request at a
time: adoption, waiting, failures and Deletes that test_batch_lifecycle.py's stack scenarios do
not reach. Each request goes through tests/cfn_model's Provider framework at its real budgets.
"""

from __future__ import annotations

from typing import Any

import pytest
import solution
import solution_version
from recommender import OWNER_TAG

from tests.handlers.conftest import World
from tests.handlers.test_batch_lifecycle import NAME, SOLUTION, V2, batch_shop

RANKING = "arn:aws:personalize:::recipe/aws-personalized-ranking-v2"
# world.event's stack and logical id: the owner tag a Create of this file's requests sets.
OWNER = "arn:aws:cloudformation:us-east-1:123456789012:stack/PersonalizeShop-dev/x/Resource"


@pytest.fixture(autouse=True)
def _clock(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solution, "now", lambda: world.clock.now().timestamp())


def _props(world: World, **changes: str) -> dict[str, Any]:
    """The batch solution's properties, on a ready dataset group (created once)."""
    group = "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop-dev"
    if world.personalize.status(group) is None:
        world.personalize.create_ready_dataset_group("shop-dev")
    props: dict[str, Any] = batch_shop(world)["Solution"]["Properties"]
    return props | {"DatasetGroupArn": group} | changes


def _create(world: World, props: dict[str, Any]) -> Any:
    return world.request(world.event("Create", solution.RESOURCE_TYPE, props))


def _hand_made(world: World, props: dict[str, Any], *, owner: str, recipe: str = V2) -> None:
    world.personalize_client.create_solution(
        name=NAME,
        datasetGroupArn=props["DatasetGroupArn"],
        recipeArn=recipe,
        performAutoTraining=False,
        tags=[{"tagKey": OWNER_TAG, "tagValue": owner}],
    )
    world.personalize.settle()


# ---------------------------------------------------------------- create: waiting and failing


def test_a_throttled_poll_waits_until_the_solution_is_active(world: World) -> None:
    props = _props(world)
    # GIVEN Personalize throttles every describe of the solution once it exists, for a while
    world.personalize.inject(
        "DescribeSolution",
        "ThrottlingException",
        times=8,
        when=lambda _: world.personalize.status(SOLUTION) is not None,
    )
    response = _create(world, props)
    # THEN the create answers only once the solution is ACTIVE
    assert response.ok, response.reason
    assert world.personalize.status(SOLUTION) == "ACTIVE"


def test_a_failed_solution_fails_the_create_saying_so(world: World) -> None:
    props = _props(world)
    world.personalize.fail_solution(NAME)
    response = _create(world, props)
    assert not response.ok
    assert (
        f"Personalize solution {SOLUTION} failed: Personalize gave no failure reason"
        in response.reason
    )


# ---------------------------------------------------------------- create: adopting


def test_a_retried_create_adopts_its_solution_without_changing_it(world: World) -> None:
    props = _props(world, AutoTraining="rate(14 days)")
    first = _create(world, props)
    # WHEN the same Create comes again (a retry) after the solution is ACTIVE
    again = _create(world, props)
    # THEN it adopts the solution as it is: no second solution, no update
    assert (first.ok, again.ok) == (True, True), again.reason
    assert again.physical_id == first.physical_id == SOLUTION
    assert len(world.personalize.calls_to("CreateSolution")) == 1
    assert world.personalize.calls_to("UpdateSolution") == []


def test_a_solution_of_another_stack_is_left_untouched_naming_that_stack(world: World) -> None:
    props = _props(world)
    other = "arn:aws:cloudformation:us-east-1:123456789012:stack/PersonalizeShop-team/y"
    _hand_made(world, props, owner=f"{other}/Solution")
    response = _create(world, props)
    assert not response.ok
    # The whole message, as the person running the deploy reads it (before the log pointer)
    assert response.reason.split("\n", 1)[0] == (
        f"Error: A solution named {NAME} already exists and is managed by another CloudFormation "
        f"stack ({other}); it is left untouched. Delete it yourself if it is not needed, or "
        "choose another namePrefix."
    )


def test_a_solution_of_ours_with_another_recipe_is_refused_naming_its_settings(
    world: World,
) -> None:
    props = _props(world)
    _hand_made(world, props, owner=OWNER, recipe=RANKING)
    response = _create(world, props)
    assert not response.ok
    assert (
        f"A solution named {NAME} already exists with other settings (dataset group "
        f"{props['DatasetGroupArn']}, recipe {RANKING})." in response.reason
    )


# ---------------------------------------------------------------- update: auto training


def _switched_on(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    old = _props(world)
    assert _create(world, old).ok
    new = old | {"AutoTraining": "rate(14 days)"}
    return old, new


def test_an_auto_training_update_answers_once_personalize_applied_it(world: World) -> None:
    old, new = _switched_on(world)
    update = world.event("Update", solution.RESOURCE_TYPE, new, physical_id=SOLUTION, old=old)
    response = world.request(update)
    assert response.ok, response.reason
    found = world.personalize_client.describe_solution(solutionArn=SOLUTION)["solution"]
    assert found["latestSolutionUpdate"]["status"] == "ACTIVE"


def test_an_auto_training_update_applied_already_is_not_sent_again(world: World) -> None:
    old, new = _switched_on(world)
    update = world.event("Update", solution.RESOURCE_TYPE, new, physical_id=SOLUTION, old=old)
    assert world.request(update).ok
    # WHEN the same Update comes again (a retry) THEN Personalize is not asked a second time
    again = world.request(update)
    assert again.ok, again.reason
    assert len(world.personalize.calls_to("UpdateSolution")) == 1


def test_an_auto_training_update_personalize_fails_fails_with_its_reason(world: World) -> None:
    old, new = _switched_on(world)
    world.personalize.fail_solution_update(NAME, "Schedule not allowed for this recipe")
    update = world.event("Update", solution.RESOURCE_TYPE, new, physical_id=SOLUTION, old=old)
    response = world.request(update)
    assert not response.ok
    assert (
        f"Personalize solution {SOLUTION} could not apply the new auto training: "
        "Schedule not allowed for this recipe" in response.reason
    )


# ---------------------------------------------------------------- delete


def test_a_late_create_after_the_delete_started_is_not_orphaned(world: World) -> None:
    props = _props(world)
    create = world.event("Create", solution.RESOURCE_TYPE, props)
    delete = world.event("Delete", solution.RESOURCE_TYPE, props, physical_id="PersonalizeShop-z")
    assert world.framework is not None
    # GIVEN the Delete has started (and found nothing) ...
    deleting = world.framework.request(delete)
    next(deleting)
    # ... WHEN the cancelled create's CreateSolution lands a minute later
    world.clock.advance(60)
    assert world.request(create).ok
    # THEN the Delete still removes it
    response = None
    while response is None:
        try:
            delay = next(deleting)
        except StopIteration as stop:
            response = stop.value
        else:
            world.advance_to(world.clock.now().timestamp() + delay)
    assert response.ok, response.reason
    world.personalize.settle()
    assert world.personalize.status(SOLUTION) is None


def _training(world: World) -> str:
    """An ACTIVE solution of this file's Create, with a version training."""
    assert _create(world, _props(world)).ok
    arn = world.personalize_client.create_solution_version(solutionArn=SOLUTION)
    return str(arn["solutionVersionArn"])


def test_a_solution_delete_goes_on_when_a_stop_is_answered_in_use(world: World) -> None:
    version = _training(world)
    # GIVEN Personalize answers the first stop as in use (the version is between states)
    world.personalize.inject("StopSolutionVersionCreation", "ResourceInUseException")
    delete = world.event("Delete", solution.RESOURCE_TYPE, _props(world), physical_id=SOLUTION)
    response = world.request(delete)
    # THEN the Delete stops it at a later poll and deletes the solution
    assert response.ok, response.reason
    world.personalize.settle()
    assert (world.personalize.status(version), world.personalize.status(SOLUTION)) == (None, None)


def _version_create(world: World) -> dict[str, Any]:
    props = _props(world)
    assert _create(world, props).ok
    version_props = {
        "SolutionArn": SOLUTION,
        "DataVersion": "import-a",
        "TrainingMode": "FULL",
        "ReadinessHandle": world.new_handle(),
        "ReadinessStateMachineArn": world.state_machine_arn,
    }
    return world.event("Create", solution_version.RESOURCE_TYPE, version_props)


def test_a_version_delete_goes_on_when_its_stop_is_answered_in_use(world: World) -> None:
    create = _version_create(world)
    created = world.request(create)
    # GIVEN Personalize answers the first stop as in use (the version is between states)
    world.personalize.inject("StopSolutionVersionCreation", "ResourceInUseException")
    delete = create | {"RequestType": "Delete", "PhysicalResourceId": created.physical_id}
    response = world.request(delete)
    # THEN the Delete stops the training at a later poll
    assert response.ok, response.reason
    assert world.personalize.status(created.physical_id) in ("CREATE STOPPING", "CREATE STOPPED")


def test_a_training_that_started_although_the_call_failed_is_reported_with_its_arn(
    world: World,
) -> None:
    create = _version_create(world)
    # GIVEN CreateSolutionVersion starts the training, then answers an error (a 5xx)
    world.lands_then_answers("CreateSolutionVersion", "InternalFailure")
    response = world.request(create)
    # THEN the resource fails with the version's ARN, which the rollback's Delete then stops
    (version,) = world.personalize_client.list_solution_versions(solutionArn=SOLUTION)[
        "solutionVersions"
    ]
    assert not response.ok
    assert response.physical_id == version["solutionVersionArn"]
