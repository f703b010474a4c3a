"""Print `usage` against the fakes, for docs/monitoring.md (a test keeps the doc in step).

Run from the repository root: `.venv/bin/python tests/cli/usage_example.py`. Nothing reaches AWS:
Personalize is the simulator (`deploy_dev()`, with recommended-for-you's minimum raised to 3 as
if cdk.json said so), CloudWatch is moto's, filled with a synthetic week of hourly traffic.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from click.testing import CliRunner  # noqa: E402
from day_two_env import REGION, deploy_dev  # noqa: E402
from moto import mock_aws  # noqa: E402

from personalize_ops.cli import main  # noqa: E402
from personalize_ops.day_two.usage import UsageClock  # noqa: E402
from tests.moto_clients import moto_client  # noqa: E402

NOW = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
PROMPT = "$ .venv/bin/python -m personalize_ops.cli"
ARGS = ["usage", "--env", "dev", "--days", "7"]


def traffic(hour: datetime, peak_rps: float) -> float:
    """Requests in an hour: a daily curve peaking mid-afternoon UTC, a little lower on Fridays."""
    shape = 0.55 + 0.45 * math.sin(math.pi * (hour.hour - 6) / 14) if 6 <= hour.hour < 20 else 0.2
    weekday = 0.85 if hour.isoweekday() == 5 else 1.0
    return round(peak_rps * shape * weekday * 3600)


def transcript() -> str:
    env = deploy_dev()
    control = env.sim.client()
    control.update_recommender(
        recommenderArn=env.recommenders["recommended-for-you"],
        recommenderConfig={"minRecommendationRequestsPerSecond": 3},
    )
    env.sim.settle()
    with mock_aws():
        cloudwatch = moto_client("cloudwatch", REGION)
        hours = [NOW - timedelta(hours=i) for i in range(7 * 24, 0, -1)]
        for key, peak in (("recommended-for-you", 2.4), ("best-sellers", 0.6)):
            data = [
                {
                    "MetricName": "GetRecommendations",
                    "Dimensions": [{"Name": "RecommenderArn", "Value": env.recommenders[key]}],
                    "Timestamp": hour + timedelta(minutes=30),
                    "Value": float(traffic(hour, peak)),
                    "Unit": "Count",
                }
                for hour in hours
            ]
            cloudwatch.put_metric_data(Namespace="AWS/Personalize", MetricData=data)
        clients = dataclasses.replace(env.clients(), cloudwatch=cloudwatch)
        result = CliRunner().invoke(main, ARGS, obj=(clients, UsageClock(NOW)))
    assert result.exit_code == 0, result.output
    return f"{PROMPT} {' '.join(ARGS)}\n{result.stderr}{result.stdout}"


if __name__ == "__main__":
    print(transcript(), end="")
