"""Custom::PersonalizeSolution edge cases a sampled mutation run found untested: a create whose
call failed or raced another, the event weights Personalize receives, adopting a solution another
resource of this stack tagged, and when a Delete ends. Every request goes through tests/cfn_model
at the Provider's real budgets."""

from __future__ import annotations

import pytest
import solution
from recommender import OWNER_TAG

from tests.handlers.conftest import World
from tests.handlers.test_batch_handlers import OWNER, _create, _hand_made, _props
from tests.handlers.test_batch_lifecycle import SOLUTION

STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/PersonalizeShop-dev/x"


@pytest.fixture(autouse=True)
def _clock(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solution, "now", lambda: world.clock.now().timestamp())


def _owner_tag(world: World, arn: str) -> str | None:
    tags = world.personalize_client.list_tags_for_resource(resourceArn=arn)["tags"]
    return next((t["tagValue"] for t in tags if t["tagKey"] == OWNER_TAG), None)


# ---------------------------------------------------------------- create


def test_a_create_that_took_effect_although_the_call_failed_is_reported_with_its_arn(
    world: World,
) -> None:
    props = _props(world)
    # GIVEN CreateSolution creates the solution, then answers an error (a 5xx)
    world.lands_then_answers("CreateSolution", "InternalFailure")
    response = _create(world, props)
    # THEN the resource fails with the solution's ARN, so the rollback's Delete removes it
    assert not response.ok
    assert response.physical_id == SOLUTION


def test_a_create_that_raced_its_own_earlier_attempt_adopts_the_solution(world: World) -> None:
    props = _props(world)
    # GIVEN an earlier attempt of this resource creates the solution just before this one
    world.lands_then_answers("CreateSolution", "ResourceAlreadyExistsException")
    response = _create(world, props)
    # THEN the create adopts it
    assert response.ok, response.reason
    assert response.physical_id == SOLUTION


def test_the_solution_is_created_with_the_configured_event_weights(world: World) -> None:
    props = _props(world)
    assert _create(world, props).ok
    found = world.personalize_client.describe_solution(solutionArn=SOLUTION)["solution"]
    assert found["solutionConfig"].get("eventsConfig") == {
        "eventParametersList": [{"eventType": "Purchase", "weight": 1.0}]
    }


def test_a_solution_another_resource_of_this_stack_tagged_is_adopted_and_retagged(
    world: World,
) -> None:
    # GIVEN a solution of this name that this stack made under another logical id
    props = _props(world)
    _hand_made(world, props, owner=f"{STACK}/OldSolution")
    # WHEN this resource creates it
    response = _create(world, props)
    # THEN it adopts the solution and tags it as its own (so that its Delete removes it)
    assert response.ok, response.reason
    assert _owner_tag(world, SOLUTION) == OWNER


# ---------------------------------------------------------------- delete


def test_a_destroy_ends_as_soon_as_the_solution_it_found_is_gone(world: World) -> None:
    props = _props(world)
    assert _create(world, props).ok
    started = world.clock.now()
    delete = world.event("Delete", solution.RESOURCE_TYPE, props, physical_id=SOLUTION)
    response = world.request(delete)
    assert response.ok, response.reason
    assert world.personalize.status(SOLUTION) is None
    # The late-create window is only for a Delete that found nothing.
    assert (world.clock.now() - started).total_seconds() < solution.LATE_CREATE_SECONDS


def test_a_destroy_of_a_resource_that_never_named_a_solution_succeeds_at_once(
    world: World,
) -> None:
    # GIVEN a cancelled create (physical id from CloudFormation) whose Name was never valid
    props = _props(world, Name="not a solution name")
    delete = world.event(
        "Delete", solution.RESOURCE_TYPE, props, physical_id="PersonalizeShop-dev-Solution-1A2B"
    )
    started = world.clock.now()
    response = world.request(delete)
    # THEN the Delete succeeds without waiting: there is nothing to look for
    assert response.ok, response.reason
    assert world.clock.now() == started
