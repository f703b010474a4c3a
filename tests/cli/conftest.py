"""The `deployed` fixture: dev as cdk.json configures it, offline (see day_two_env.py); and
`aws_env`, the AWS settings of an operator's shell, apart from this machine's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from day_two_env import DeployedEnv, deploy_dev


@pytest.fixture
def deployed() -> DeployedEnv:
    return deploy_dev()


@pytest.fixture
def shop() -> DeployedEnv:
    """dev with its items, users and filters, answering from the sample data."""
    return deploy_dev(shop_data=True)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """An operator shell with empty AWS config files and no AWS_* variables of this machine."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, file in (("AWS_CONFIG_FILE", "config"), ("AWS_SHARED_CREDENTIALS_FILE", "creds")):
        (tmp_path / file).write_text("")
        monkeypatch.setenv(name, str(tmp_path / file))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch
