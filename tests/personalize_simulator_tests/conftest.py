"""Fixtures for the simulator's own tests: a fresh simulator, an attached client, a ready group."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.personalize_simulator import PersonalizeSimulator, ReadyDatasetGroup

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient


@pytest.fixture
def sim() -> PersonalizeSimulator:
    return PersonalizeSimulator(region="us-east-1", account="123456789012")


@pytest.fixture
def client(sim: PersonalizeSimulator) -> PersonalizeClient:
    return sim.client()


@pytest.fixture
def ready(sim: PersonalizeSimulator) -> ReadyDatasetGroup:
    """An ECOMMERCE group whose Interactions dataset has one successful FULL import."""
    return sim.create_ready_dataset_group("shop")
