"""Custom::PersonalizeSolutionVersion edge cases a sampled mutation run found untested. Every
request goes through tests/cfn_model at the Provider's real budgets."""

from __future__ import annotations

import pytest
import solution
import solution_version

from tests.handlers.conftest import World
from tests.handlers.test_batch_handlers import _version_create
from tests.handlers.test_batch_lifecycle import SOLUTION

# ListSolutionVersions answers at most this many per page (its maxResults limit).
PAGE = 100


@pytest.fixture(autouse=True)
def _clock(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solution, "now", lambda: world.clock.now().timestamp())


def test_a_retried_create_adopts_its_version_listed_after_a_full_page(world: World) -> None:
    create = _version_create(world)
    # GIVEN a solution with a full page of older versions (earlier deploys, auto training)
    for _ in range(PAGE):
        world.personalize_client.create_solution_version(solutionArn=SOLUTION)
        world.personalize.settle()
    first = world.request(create)
    # WHEN another request of the same operation comes (a retry, a rollback)
    again = world.request(
        world.event("Create", solution_version.RESOURCE_TYPE, create["ResourceProperties"])
    )
    # THEN it adopts the version the first one trained instead of training again
    assert again.ok, again.reason
    assert again.physical_id == first.physical_id
    assert len(world.personalize.calls_to("CreateSolutionVersion")) == PAGE + 1
