"""Fixtures: one clock shared by a Step Functions simulator and a Personalize simulator."""

from __future__ import annotations

from typing import Any

import pytest

from tests.personalize_simulator import Clock, PersonalizeSimulator
from tests.stepfunctions_simulator import StepFunctionsSimulator


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sfn(clock: Clock) -> StepFunctionsSimulator:
    return StepFunctionsSimulator(clock=clock)


@pytest.fixture
def sfn_client(sfn: StepFunctionsSimulator) -> Any:
    return sfn.client()


@pytest.fixture
def personalize(clock: Clock, sfn: StepFunctionsSimulator) -> PersonalizeSimulator:
    """A Personalize simulator on the same clock, whose client the state machines call."""
    simulator = PersonalizeSimulator(clock=clock)
    sfn.sdk_clients["personalize"] = simulator.client()
    return simulator
