"""The summary's Monitoring section: what is listed and what it costs a month."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from builders import resource, template

from review.monitoring import alarms, load_cloudwatch_prices, render_monitoring
from review.pricing import DEFAULT_PRICES

PRICES = load_cloudwatch_prices(DEFAULT_PRICES)

MATH_ALARM = resource(
    "AWS::CloudWatch::Alarm",
    {
        "AlarmName": "shop-x-readiness-failed",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
        "Metrics": [
            {"Id": "e", "Expression": "FILL(a, 0) + FILL(b, 0)"},
            *(
                {
                    "Id": i,
                    "MetricStat": {
                        "Metric": {"Namespace": "AWS/States", "MetricName": n},
                        "Period": 300,
                        "Stat": "Sum",
                    },
                    "ReturnData": False,
                }
                for i, n in (("a", "ExecutionsFailed"), ("b", "ExecutionsTimedOut"))
            ),
        ],
    },
)
PLAIN_ALARM = resource(
    "AWS::CloudWatch::Alarm",
    {
        "AlarmName": "shop-x-rfy-server-errors",
        "MetricName": "GetRecommendations5xxErrors",
        "Namespace": "AWS/Personalize",
        "Statistic": "Sum",
        "Period": 300,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2,
        "Threshold": 5,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    },
)
ATTRIBUTION = resource(
    "AWS::Personalize::MetricAttribution",
    {
        "Name": "shop-x-impact",
        "Metrics": [
            {
                "MetricName": "shop-x-revenue",
                "EventType": "Purchase",
                "Expression": "SUM(Items.PRICE)",
            },
            {"MetricName": "shop-x-clicks", "EventType": "View", "Expression": "SAMPLECOUNT()"},
        ],
        "MetricsOutputConfig": {"RoleArn": "arn"},
    },
)


def test_the_price_table_carries_cloudwatch_prices_with_source_and_date() -> None:
    raw = json.loads(Path(DEFAULT_PRICES).read_text())["cloudwatch"]
    assert raw["as_of"]
    assert "cloudwatch/pricing" in raw["source"]
    assert PRICES is not None


def test_alarms_are_read_with_their_metrics_period_and_missing_data() -> None:
    found = alarms(template({"A": MATH_ALARM, "B": PLAIN_ALARM}))
    assert [(a.name, a.metrics, a.period_seconds, a.evaluation, a.missing_data) for a in found] == [
        (
            "shop-x-readiness-failed",
            ("ExecutionsFailed", "ExecutionsTimedOut"),
            300,
            "1 of 1",
            "notBreaching",
        ),
        ("shop-x-rfy-server-errors", ("GetRecommendations5xxErrors",), 300, "2 of 3", "missing"),
    ]


def test_monthly_cost_counts_each_alarm_metric_the_dashboard_key_and_attributed_series() -> None:
    assert PRICES is not None
    resources = {
        "A": MATH_ALARM,
        "B": PLAIN_ALARM,
        "D": resource("AWS::CloudWatch::Dashboard", {"DashboardName": "shop-x"}),
        "K": resource("AWS::KMS::Key", {}),
        "M": ATTRIBUTION,
    }
    lines = render_monitoring(template(resources), PRICES, recommenders=1, currency="USD")
    expected = (
        PRICES.dashboard
        + 3 * PRICES.alarm_metric
        + PRICES.kms_key
        + 2 * 2 * PRICES.custom_metric  # 2 metrics x (1 recommender + unattributed)
    )
    (total,) = [line for line in lines if line.startswith("| **Total**")]
    assert f"**{expected.quantize(Decimal('0.01'))}**" in total
    assert any("`shop-x-revenue` | `Purchase` | `SUM(Items.PRICE)`" in line for line in lines)


def test_a_stack_without_monitoring_says_so() -> None:
    bucket = resource("AWS::S3::Bucket", {})
    lines = render_monitoring(template({"B": bucket}), PRICES, recommenders=0, currency="USD")
    assert lines[-1] == "No dashboard, alarms or metric attribution in this stack."
