"""`usage`: actual requests/s against the billed minimum, read from moto's CloudWatch.

moto's CloudWatch keeps PutMetricData datapoints and answers GetMetricData with per-period
statistics (moto 5.2.5, checked here: hourly Sum of datapoints put within the hour), which is
all `usage` asks of it; only CloudWatch is mocked, the Personalize side is the simulator.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner, Result
from day_two_env import REGION, DeployedEnv
from moto import mock_aws

from personalize_domain.config import RunningHours
from personalize_ops.cli import main
from personalize_ops.day_two.usage import (
    UsageClock,
    percentile,
    running_hour,
)
from tests.moto_clients import moto_client

# A Wednesday noon; 7 days back start on the Wednesday before.
NOW = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def cloudwatch() -> Iterator[Any]:
    with mock_aws():
        yield moto_client("cloudwatch", REGION)


def _put_hourly(cloudwatch: Any, arn: str, per_hour: dict[datetime, float]) -> None:
    data = [
        {
            "MetricName": "GetRecommendations",
            "Dimensions": [{"Name": "RecommenderArn", "Value": arn}],
            # two datapoints per hour, as CloudWatch gets many: the hour's Sum adds them
            "Timestamp": hour + timedelta(minutes=minute),
            "Value": value / 2,
            "Unit": "Count",
        }
        for hour, value in per_hour.items()
        for minute in (5, 35)
    ]
    for start in range(0, len(data), 500):
        cloudwatch.put_metric_data(
            Namespace="AWS/Personalize", MetricData=data[start : start + 500]
        )


def _run(deployed: DeployedEnv, cloudwatch: Any, *args: str) -> Result:
    clients = dataclasses.replace(deployed.clients(), cloudwatch=cloudwatch)
    return CliRunner().invoke(
        main, ["usage", "--env", "dev", *args], obj=(clients, UsageClock(NOW))
    )


def _row(output: str, name: str) -> list[str]:
    (line,) = [line for line in output.splitlines() if line.startswith(name)]
    return line.split()


def test_usage_prints_actual_rps_against_the_minimum_for_running_hours(
    deployed: DeployedEnv, cloudwatch: Any
) -> None:
    # GIVEN best-sellers served 1800 requests in each running hour (0.5 requests/s) and
    # recommended-for-you nothing at all
    hours = [NOW - HOUR * i for i in range(7 * 24, 0, -1)]
    _put_hourly(cloudwatch, deployed.recommenders["best-sellers"], {h: 1800.0 for h in hours})
    # WHEN
    result = _run(deployed, cloudwatch)
    # THEN dev's pause schedule (MON-FRI 08:00-20:00 Madrid) leaves 5 x 12 = 60 running hours
    assert result.exit_code == 0, result.output
    row = _row(result.stdout, "shop-dev-best-sellers")
    assert row[:8] == ["shop-dev-best-sellers", "ACTIVE", "60", "0.50", "0.50", "0.50", "1", "50%"]
    # 60 h at USD 0.3332 (3600 requests are within the 4000 included)
    assert row[8] == "19.99"
    assert row[9:] == ["1", "(keep)", "19.99"]
    idle = _row(result.stdout, "shop-dev-recommended-for-you")
    assert idle[2:8] == ["60", "0.00", "0.00", "0.00", "1", "0%"]
    # AND progress went to stderr, one line per recommender
    assert result.stderr.count("from CloudWatch ...") == 2


def test_a_minimum_above_the_traffic_gets_a_lower_suggestion_and_its_saving(
    deployed: DeployedEnv, cloudwatch: Any
) -> None:
    # GIVEN recommended-for-you provisioned for 5 requests/s serving 1 to 2 requests/s
    arn = deployed.recommenders["recommended-for-you"]
    deployed.sim.client().update_recommender(
        recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 5}
    )
    deployed.sim.settle()
    hours = [NOW - HOUR * i for i in range(7 * 24, 0, -1)]
    _put_hourly(cloudwatch, arn, {h: (7200.0 if h.hour == 10 else 3600.0) for h in hours})
    # WHEN
    result = _run(deployed, cloudwatch, "--days", "7")
    # THEN the traffic never falls below 1 request/s: suggest 1, which costs less over the
    # same hours; p95 shows the peaks
    assert result.exit_code == 0, result.output
    row = _row(result.stdout, "shop-dev-recommended-for-you")
    assert row[3:8] == ["1.08", "2.00", "2.00", "5", "22%"]  # 5 hours at 2, 55 at 1
    assert row[9] == "1"
    assert Decimal(row[10]) < Decimal(row[8].replace(",", ""))
    assert "would have cost" in result.stdout


def test_the_suggestion_is_the_traffic_floor_and_never_above_the_current_minimum(
    deployed: DeployedEnv, cloudwatch: Any
) -> None:
    # GIVEN best-sellers (minimum 1) busy at 3 to 4 requests/s in every running hour
    hours = [NOW - HOUR * i for i in range(7 * 24, 0, -1)]
    arn = deployed.recommenders["best-sellers"]
    _put_hourly(cloudwatch, arn, {h: (14400.0 if h.hour % 2 else 10800.0) for h in hours})
    # WHEN / THEN it keeps its minimum of 1: raising it would only add cost
    row = _row(_run(deployed, cloudwatch).stdout, "shop-dev-best-sellers")
    assert row[6:8] == ["1", "350%"]
    assert row[9:11] == ["1", "(keep)"]


def test_usage_refuses_an_unreadable_price_table(
    deployed: DeployedEnv, cloudwatch: Any, tmp_path: Any
) -> None:
    bad = tmp_path / "prices.json"
    bad.write_text("{}")
    result = _run(deployed, cloudwatch, "--prices", str(bad))
    assert result.exit_code == 1
    assert "cannot read the price table" in result.stderr


def test_running_hours_follow_the_local_schedule_across_daylight_saving() -> None:
    schedule = RunningHours("08:00", "20:00", "MON-FRI", "Europe/Madrid")
    # 07:00 UTC is 08:00 in Madrid in winter (running) and 09:00 in summer (running);
    # 06:00 UTC is 07:00 in winter (stopped) and 08:00 in summer (running)
    assert running_hour(schedule, datetime(2027, 1, 12, 7, tzinfo=UTC))
    assert not running_hour(schedule, datetime(2027, 1, 12, 6, tzinfo=UTC))
    assert running_hour(schedule, datetime(2027, 7, 13, 6, tzinfo=UTC))
    assert not running_hour(schedule, datetime(2027, 1, 16, 10, tzinfo=UTC))  # Saturday
    assert running_hour(None, datetime(2027, 1, 16, 3, tzinfo=UTC))


def test_running_hours_across_midnight_belong_to_the_evening_s_day() -> None:
    schedule = RunningHours("22:00", "02:00", "FRI", "UTC")
    assert running_hour(schedule, datetime(2027, 1, 15, 23, tzinfo=UTC))  # Friday 23:00
    assert running_hour(schedule, datetime(2027, 1, 16, 1, tzinfo=UTC))  # Saturday 01:00
    assert not running_hour(schedule, datetime(2027, 1, 15, 1, tzinfo=UTC))  # Friday 01:00


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.95) == 0.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0
    assert percentile([1.0, 2.0], 0.95) == 2.0
