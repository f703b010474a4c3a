"""The recommender's Delete under Personalize's throttling, driven through tests/cfn_model."""

from __future__ import annotations

import pytest

from tests.handlers.conftest import World
from tests.handlers.test_lifecycle import RFY, _nothing_left, shop


@pytest.mark.parametrize("operation", ["DescribeRecommender", "ListTagsForResource"])
def test_throttling_at_the_start_of_a_destroy_is_polled_through(
    world: World, operation: str
) -> None:
    cfn = world.stack()
    assert cfn.deploy(shop(world)).status == "CREATE_COMPLETE"
    # GIVEN Personalize throttles the recommender's Delete past botocore's own retries
    world.personalize.inject(
        operation,
        "ThrottlingException",
        times=8,
        when=lambda params: RFY in (params.get("recommenderArn"), params.get("resourceArn")),
    )
    # WHEN the stack is destroyed THEN the delete waits it out instead of failing
    outcome = cfn.delete()
    assert outcome.status == "DELETE_COMPLETE", outcome.failures
    assert _nothing_left(world)
