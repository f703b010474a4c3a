"""The `deployed` fixture: dev as cdk.json configures it, offline (see day_two_env.py)."""

from __future__ import annotations

import pytest
from day_two_env import DeployedEnv, deploy_dev


@pytest.fixture
def deployed() -> DeployedEnv:
    return deploy_dev()


@pytest.fixture
def shop() -> DeployedEnv:
    """dev with its items, users and filters, answering from the sample data."""
    return deploy_dev(shop_data=True)
