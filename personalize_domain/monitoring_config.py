"""Typed settings of an environment's monitoring: alarm thresholds and metric attribution.

Two optional context blocks per environment, each a flat object (so `-c dev.alerts.email=...`
works like every other key):

- `alerts`: where alarms go and when they fire. Every key has a documented default
  (docs/monitoring.md explains each choice); the dashboard and alarms exist in every environment.
- `metricAttribution`: off unless `enabled`; revenue and clicks attributed to recommendations.

Parsing follows config.py: a parser per leaf raises `Invalid` with what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# Defaults, documented in docs/monitoring.md and the README's context table.
# What the dashboard, the alarms and `personalize-shop usage` read: one definition for all three.
NAMESPACE = "AWS/Personalize"
# Documented for campaigns as CampaignArn; recommenders use RecommenderArn in public code
# (aws-samples/amazon-personalize-monitor). Unconfirmed in the docs: see docs/monitoring.md.
RECOMMENDER_DIMENSION = "RecommenderArn"
REQUESTS = "GetRecommendations"
SECONDS_PER_HOUR = 3600

DEFAULT_IDLE_HOURS = 6
DEFAULT_LOW_UTILIZATION_HOURS = 6
DEFAULT_LOW_UTILIZATION_PERCENT = 50
DEFAULT_RECOMMENDATION_5XX_PER_5_MINUTES = 5
DEFAULT_PUT_EVENTS_ERRORS_PER_5_MINUTES = 5
# CloudWatch evaluates at most 7 days of datapoints for an alarm of hourly periods
# (EvaluationPeriods x Period <= 7 days); a day is a sane upper bound for "idle".
MAX_ALARM_HOURS = 24

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Invalid(ValueError):
    """A leaf value is invalid; the message says what is allowed."""


@dataclass(frozen=True)
class AlertsConfig:
    # Subscribed to the alarm topic (SNS e-mails a confirmation link first); None: no subscription.
    email: str | None = None
    # No GetRecommendations for this many hours on a running recommender.
    idle_hours: int = DEFAULT_IDLE_HOURS
    # Actual requests below this share of the billed minimum, every hour for this many hours.
    low_utilization_hours: int = DEFAULT_LOW_UTILIZATION_HOURS
    low_utilization_percent: int = DEFAULT_LOW_UTILIZATION_PERCENT
    # Errors per 5-minute period, in 2 of 3 periods.
    recommendation_5xx_per_5_minutes: int = DEFAULT_RECOMMENDATION_5XX_PER_5_MINUTES
    put_events_errors_per_5_minutes: int = DEFAULT_PUT_EVENTS_ERRORS_PER_5_MINUTES


@dataclass(frozen=True)
class MetricAttributionConfig:
    # Also write the attribution reports of bulk imports to the data bucket (metric-attribution/).
    publish_to_s3: bool = False


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise Invalid("allowed: true or false")


def _parse_int_between(low: int, high: int) -> Callable[[Any], int]:
    allowed = f"allowed: a whole number from {low} to {high}"

    def parse(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value):
            number = int(value)
        else:
            raise Invalid(allowed)
        if not low <= number <= high:
            raise Invalid(allowed)
        return number

    return parse


def _parse_email(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _EMAIL_RE.match(value.strip()):
        raise Invalid("allowed: one e-mail address, e.g. ops@example.com, or absent")
    return value.strip()


_Parser = Callable[[Any], Any]
ALERTS_FIELDS: dict[str, _Parser] = {
    "email": _parse_email,
    "idleHours": _parse_int_between(1, MAX_ALARM_HOURS),
    "lowUtilizationHours": _parse_int_between(1, MAX_ALARM_HOURS),
    "lowUtilizationPercent": _parse_int_between(1, 99),
    "recommendation5xxPer5Minutes": _parse_int_between(1, 1_000_000),
    "putEventsErrorsPer5Minutes": _parse_int_between(1, 1_000_000),
}
METRIC_ATTRIBUTION_FIELDS: dict[str, _Parser] = {
    "enabled": _parse_bool,
    "publishToS3": _parse_bool,
}
# Flat blocks of an environment: `<env>.<block>.<field>`.
ENV_BLOCKS: dict[str, dict[str, _Parser]] = {
    "alerts": ALERTS_FIELDS,
    "metricAttribution": METRIC_ATTRIBUTION_FIELDS,
}


def build_alerts(values: Mapping[str, Any]) -> AlertsConfig:
    """From parsed `alerts` values (absent keys take the defaults)."""
    defaults = AlertsConfig()
    return AlertsConfig(
        email=values.get("email"),
        idle_hours=values.get("idleHours", defaults.idle_hours),
        low_utilization_hours=values.get("lowUtilizationHours", defaults.low_utilization_hours),
        low_utilization_percent=values.get(
            "lowUtilizationPercent", defaults.low_utilization_percent
        ),
        recommendation_5xx_per_5_minutes=values.get(
            "recommendation5xxPer5Minutes", defaults.recommendation_5xx_per_5_minutes
        ),
        put_events_errors_per_5_minutes=values.get(
            "putEventsErrorsPer5Minutes", defaults.put_events_errors_per_5_minutes
        ),
    )


def build_metric_attribution(values: Mapping[str, Any]) -> MetricAttributionConfig | None:
    """None unless `enabled` is true."""
    if not values.get("enabled", False):
        return None
    return MetricAttributionConfig(publish_to_s3=values.get("publishToS3", False))


_DAY_NUMBERS = {"MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6, "SUN": 7}


def iso_weekdays(cron_days: str) -> list[int]:
    """`MON-FRI` or `MON,WED,SAT-SUN` (a validated runningDays) as ISO weekdays, 1 is Monday."""
    days: set[int] = set()
    for part in cron_days.split(","):
        first, _, last = part.partition("-")
        a, b = _DAY_NUMBERS[first], _DAY_NUMBERS[last or first]
        days.update(range(a, b + 1) if a <= b else [*range(a, 8), *range(1, b + 1)])
    return sorted(days)
