"""Shared handler checks a sampled mutation run found untested: what an ARN property must look
like, and what CloudFormation is told when an invocation runs out of time."""

from __future__ import annotations

from typing import Any

import handler
import pytest
from handler_support import WORST_CALL_SECONDS, Deadline, HandlerError

from tests.handlers.conftest import World
from tests.handlers.test_recommender import TYPE, _props, group

__all__ = ["group"]  # the fixture, imported for pytest


def _message(reason: str) -> str:
    return reason.split("\n", 1)[0].removeprefix("Error: ")


def test_an_arn_property_must_start_with_arn(world: World, group: str) -> None:
    # GIVEN a dataset group "ARN" of six parts whose first is not "arn"
    fake = group.replace("arn:", "xrn:", 1)
    response = world.request(
        world.event("Create", TYPE, _props(world, group) | {"DatasetGroupArn": fake})
    )
    # THEN it is refused, naming the property and what it must be, before any call
    assert not response.ok
    assert _message(response.reason) == (
        f"property DatasetGroupArn must be a personalize dataset-group ARN, got {fake!r}"
    )
    assert world.personalize.calls_to("CreateRecommender") == []


def test_a_request_that_runs_out_of_lambda_time_says_a_deploy_again_finishes_it(
    world: World, group: str
) -> None:
    class Late:
        def get_remaining_time_in_millis(self) -> int:
            return (WORST_CALL_SECONDS + Deadline.MARGIN_SECONDS - 1) * 1000

    event: dict[str, Any] = world.event("Create", TYPE, _props(world, group))
    event["LogicalResourceId"] = "RecommendedForYou"
    with pytest.raises(HandlerError) as raised:
        handler.on_event(event, Late())
    message = str(raised.value)
    assert message.startswith("Create of RecommendedForYou stopped early: ")
    assert message.endswith(
        " s with retries). Nothing was left half-done that a retry cannot finish: deploy again."
    )
