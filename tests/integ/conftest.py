"""The `live` marker, registered here so running the integration tests needs no global config."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "live: deploys to a real AWS account; skipped unless PERSONALIZE_LIVE_TEST=1 "
        "(docs/integration-test.md)",
    )
