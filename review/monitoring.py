"""The monitoring a stack sets up (dashboard, alarms, alarm topic key, metric attribution) and
its monthly cost at the `cloudwatch` block of the price table.

CloudWatch bills an alarm per metric it reads (a metric-math alarm for each metric in its
expression), a dashboard per month, and each custom metric series per month; the alarm topic's
customer managed KMS key is a monthly fee too. Free tiers are per account, so they are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from review.errors import ReviewError, read_json
from review.intrinsics import render
from review.markdown import cell, code, table
from review.pricing import money
from review.template import Template

ALARM_TYPE = "AWS::CloudWatch::Alarm"
DASHBOARD_TYPE = "AWS::CloudWatch::Dashboard"
KEY_TYPE = "AWS::KMS::Key"
METRIC_ATTRIBUTION_TYPE = "AWS::Personalize::MetricAttribution"


@dataclass(frozen=True)
class CloudWatchPrices:
    as_of: str
    source: str
    dashboard: Decimal
    alarm_metric: Decimal
    custom_metric: Decimal
    kms_key: Decimal


def load_cloudwatch_prices(path: Path) -> CloudWatchPrices | None:
    """The table's `cloudwatch` block; None for a table without one (costs then not shown)."""
    data = read_json(path, "price table", parse_float=Decimal)
    if not isinstance(data, dict) or "cloudwatch" not in data:
        return None
    try:
        block = data["cloudwatch"]
        return CloudWatchPrices(
            as_of=str(block["as_of"]),
            source=str(block["source"]),
            dashboard=Decimal(block["dashboard_per_month"]),
            alarm_metric=Decimal(block["standard_alarm_metric_per_month"]),
            custom_metric=Decimal(block["custom_metric_per_month"]),
            kms_key=Decimal(block["kms_key_per_month"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ReviewError(f"{path}: malformed cloudwatch block ({exc!r})") from None


@dataclass(frozen=True)
class Alarm:
    logical_id: str
    name: str
    metrics: tuple[str, ...]
    statistic: str
    period_seconds: int
    evaluation: str  # "6 of 6"
    missing_data: str


def alarms(template: Template) -> list[Alarm]:
    found = []
    for resource in template.of_type(ALARM_TYPE):
        props = resource.properties
        if "Metrics" in props:
            stats = [q["MetricStat"] for q in props["Metrics"] if "MetricStat" in q]
            metrics = tuple(s["Metric"]["MetricName"] for s in stats)
            statistic = ", ".join(sorted({str(s["Stat"]) for s in stats}))
            period = max(int(s["Period"]) for s in stats)
        else:
            metrics = (str(props["MetricName"]),)
            statistic = str(props.get("Statistic") or props.get("ExtendedStatistic"))
            period = int(props["Period"])
        evaluations = int(props["EvaluationPeriods"])
        found.append(
            Alarm(
                logical_id=resource.logical_id,
                name=render(props.get("AlarmName", resource.logical_id)),
                metrics=metrics,
                statistic=statistic,
                period_seconds=period,
                evaluation=f"{props.get('DatapointsToAlarm', evaluations)} of {evaluations}",
                missing_data=str(props.get("TreatMissingData", "missing")),
            )
        )
    return sorted(found, key=lambda a: a.name)


@dataclass(frozen=True)
class Attribution:
    logical_id: str
    name: str
    metrics: tuple[tuple[str, str, str], ...]  # (metric name, event type, expression)
    to_s3: bool


def attributions(template: Template) -> list[Attribution]:
    return [
        Attribution(
            logical_id=r.logical_id,
            name=render(r.properties.get("Name", "")),
            metrics=tuple(
                (render(m["MetricName"]), render(m["EventType"]), render(m["Expression"]))
                for m in r.properties.get("Metrics", [])
            ),
            to_s3="S3DataDestination" in r.properties.get("MetricsOutputConfig", {}),
        )
        for r in template.of_type(METRIC_ATTRIBUTION_TYPE)
    ]


def render_monitoring(
    template: Template, prices: CloudWatchPrices | None, *, recommenders: int, currency: str
) -> list[str]:
    """The `## Monitoring` section of the summary."""
    lines = ["## Monitoring", ""]
    dashboards = [
        render(r.properties.get("DashboardName", r.logical_id))
        for r in template.of_type(DASHBOARD_TYPE)
    ]
    found = alarms(template)
    keys = list(template.of_type(KEY_TYPE))
    attributed = attributions(template)
    if not (dashboards or found or attributed):
        return [*lines, "No dashboard, alarms or metric attribution in this stack."]
    if prices is None:
        return [*lines, "The price table has no `cloudwatch` block: monitoring costs not shown."]
    lines += [
        f"> Prices from the `cloudwatch` block of the price table, as of {prices.as_of}; "
        f"source: {prices.source}",
        "",
    ]
    rows: list[list[str]] = []
    total = Decimal(0)

    def add(item: str, what: str, count: int, unit: Decimal, note: str = "") -> None:
        nonlocal total
        cost = unit * count
        total += cost
        rows.append([item, what, str(count), money(unit), money(cost), cell(note)])

    for name in dashboards:
        add(code(name), "dashboard", 1, prices.dashboard)
    for alarm in found:
        add(
            code(alarm.name),
            "alarm",
            len(alarm.metrics),
            prices.alarm_metric,
            "billed per metric it reads",
        )
    for _ in keys:
        add("alarm topic key", "KMS key", 1, prices.kms_key, "customer managed, rotated")
    for attribution in attributed:
        # One series per metric and attribution source (each recommender, plus events without
        # one) is an assumption: Personalize's dimensions are unconfirmed (docs/monitoring.md).
        series = len(attribution.metrics) * (recommenders + 1)
        add(
            code(attribution.name),
            "metric attribution",
            series,
            prices.custom_metric,
            f"custom metrics: {len(attribution.metrics)} x ({recommenders} recommenders + "
            "unattributed), assumed",
        )
    rows.append(["**Total**", "", "", "", f"**{money(total)}**", ""])
    lines += table(
        ["Item", "Kind", "Billed units", f"{currency}/unit/month", f"{currency}/month", "Note"],
        rows,
    )
    if found:
        lines += ["", "### Alarms", ""]
        lines += table(
            ["Alarm", "Metrics", "Statistic", "Period", "Datapoints", "Missing data"],
            [
                [
                    code(a.name),
                    ", ".join(code(m) for m in a.metrics),
                    a.statistic,
                    f"{a.period_seconds // 60} min",
                    a.evaluation,
                    a.missing_data,
                ]
                for a in found
            ],
        )
    for attribution in attributed:
        lines += ["", f"### Metric attribution {code(attribution.name)}", ""]
        lines += table(
            ["Metric", "Event type", "Expression"],
            [[code(m), code(e), code(x)] for m, e, x in attribution.metrics],
        )
        destination = "CloudWatch and the data bucket" if attribution.to_s3 else "CloudWatch"
        lines += ["", f"Published to {destination}; deleted by `personalize-shop cleanup`."]
    return lines
