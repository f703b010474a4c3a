"""The alerts and metricAttribution blocks: defaults, -c overrides, one message per bad key."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.config import ConfigError, EnvironmentConfig, load_app_config
from personalize_domain.monitoring_config import AlertsConfig, MetricAttributionConfig

ROOT = Path(__file__).resolve().parents[2]
CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]


def _env(name: str, **overrides: Any) -> EnvironmentConfig:
    config = load_app_config({**copy.deepcopy(CONTEXT), **overrides})
    return next(e for e in config.environments if e.name == name)


def _problems(**overrides: Any) -> list[str]:
    with pytest.raises(ConfigError) as excinfo:
        load_app_config({**copy.deepcopy(CONTEXT), **overrides})
    return excinfo.value.problems


def test_without_an_alerts_block_the_documented_defaults_apply() -> None:
    assert _env("prod").alerts == AlertsConfig(
        email=None,
        idle_hours=6,
        low_utilization_hours=6,
        low_utilization_percent=50,
        recommendation_5xx_per_5_minutes=5,
        put_events_errors_per_5_minutes=5,
    )


def test_shipped_dev_attributes_metrics_to_cloudwatch_only_and_prod_not_at_all() -> None:
    assert _env("dev").metric_attribution == MetricAttributionConfig(publish_to_s3=False)
    assert _env("prod").metric_attribution is None


def test_c_overrides_reach_the_alerts_block() -> None:
    alerts = _env(
        "dev", **{"dev.alerts.email": "ops@example.com", "dev.alerts.idleHours": "3"}
    ).alerts
    assert (alerts.email, alerts.idle_hours) == ("ops@example.com", 3)


def test_metric_attribution_can_be_turned_off_per_environment() -> None:
    assert _env("dev", **{"dev.metricAttribution.enabled": "false"}).metric_attribution is None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("dev.alerts.idleHours", "0", "from 1 to 24"),
        ("dev.alerts.idleHours", "25", "from 1 to 24"),
        ("dev.alerts.lowUtilizationPercent", "100", "from 1 to 99"),
        ("dev.alerts.email", "not-an-address", "one e-mail address"),
    ],
)
def test_bad_values_name_the_key_and_what_is_allowed(key: str, value: str, message: str) -> None:
    (problem,) = _problems(**{key: value})
    assert f"-c {key}={value}" in problem
    assert message in problem


def test_an_unknown_alerts_key_suggests_the_close_one() -> None:
    (problem,) = _problems(**{"dev.alerts.idleHour": "3"})
    assert "did you mean 'idleHours'" in problem
