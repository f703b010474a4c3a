"""What each recommender actually serves against what it is billed for, and a minimum to suggest.

A recommender bills, every running hour, max(its minimum requests/s x 3600, the requests it
actually served that hour). `usage` reads the hourly GetRecommendations sums from CloudWatch
(GetMetricData), counts the hours the recommender was meant to run (every hour, or the pause
schedule's), and prices both the configured and the suggested minimum with the price table.

The suggested minimum is the traffic's floor: the 5th percentile of the hourly requests/s,
rounded down, at least 1 and never above the current minimum. The bill is max(minimum, served)
per hour, so cost only ever falls with the minimum; what a minimum buys is capacity that needs no
scale-up (Personalize warns of "a short time delay ... that might cause loss of requests" while
it scales). A minimum the traffic fills in 95 % of running hours is capacity the shop uses
anyway, and costs extra in at most 5 % of them; raising it for peaks is a latency decision the
table leaves to you (P95 and MAX show them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from personalize_domain.config import RunningHours
from personalize_domain.monitoring_config import (
    NAMESPACE,
    RECOMMENDER_DIMENSION,
    REQUESTS,
    SECONDS_PER_HOUR,
    iso_weekdays,
)
from personalize_ops.day_two.clients import CloudWatchClient, PersonalizeClient
from personalize_ops.day_two.errors import DayTwoError
from personalize_ops.day_two.stack import StackOutputs
from personalize_ops.day_two.table import render_table

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class UsageClock:
    """The time `usage` reads up to; tests pass a fixed one."""

    at: datetime | None = None

    def now(self) -> datetime:
        return self.at or datetime.now(ZoneInfo("UTC"))


@dataclass(frozen=True)
class Prices:
    """The parts of review/personalize-prices.json that price a recommender hour."""

    currency: str
    as_of: str
    status: str
    price_per_hour: Decimal
    included_requests_per_hour: int
    price_per_1000_extra_requests: Decimal

    def hour(self, requests: float) -> Decimal:
        extra = max(Decimal(0), Decimal(str(requests)) - self.included_requests_per_hour)
        return self.price_per_hour + extra / 1000 * self.price_per_1000_extra_requests


def _figure(entry: Any) -> Any:
    """A price-table figure: `{"value": ..., "source": ..., ...}`, or a bare number."""
    return entry["value"] if isinstance(entry, dict) else entry


def load_prices(path: Path) -> Prices:
    try:
        data = json.loads(path.read_text(), parse_float=Decimal)
        users = data["assumed_active_users"]
        tier = next(
            t
            for t in data["recommender"]["tiers"]
            if t["max_active_users"] is None or users <= t["max_active_users"]
        )
        return Prices(
            currency=data["currency"],
            as_of=data["as_of"],
            status=data["status"],
            price_per_hour=Decimal(_figure(tier["price_per_hour"])),
            included_requests_per_hour=int(_figure(tier["included_requests_per_hour"])),
            price_per_1000_extra_requests=Decimal(_figure(tier["price_per_1000_extra_requests"])),
        )
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as error:
        raise DayTwoError(f"cannot read the price table {path}: {error!r}") from error


@dataclass(frozen=True)
class RecommenderUsage:
    use_case: str
    name: str
    status: str
    min_rps: int
    running_hours: int  # hours in the window the recommender was meant to run
    average_rps: float
    p95_rps: float
    max_rps: float
    cost: Decimal  # at the configured minimum, over the window's running hours
    suggested_min_rps: int
    cost_at_suggested: Decimal

    @property
    def utilization(self) -> float | None:
        """Average actual requests/s as a share of the billed minimum."""
        return self.average_rps / self.min_rps if self.min_rps else None


def running_hour(running_hours: RunningHours | None, start: datetime) -> bool:
    """Whether the hour starting at `start` (UTC) is one the pause schedule keeps running."""
    if running_hours is None:
        return True
    local = start.astimezone(ZoneInfo(running_hours.timezone))
    minute = local.hour * 60 + local.minute
    on = _minutes(running_hours.start)
    off = _minutes(running_hours.stop)
    days = iso_weekdays(running_hours.days)
    if on < off:
        return local.isoweekday() in days and on <= minute < off
    # Across midnight: the evening belongs to a running day, the early hours to the day before.
    if minute >= on:
        return local.isoweekday() in days
    yesterday = (local - timedelta(days=1)).isoweekday()
    return minute < off and yesterday in days


def _minutes(hh_mm: str) -> int:
    hours, minutes = hh_mm.split(":")
    return int(hours) * 60 + int(minutes)


def hourly_requests(
    cloudwatch: CloudWatchClient, arn: str, *, start: datetime, end: datetime
) -> dict[datetime, float]:
    """Hourly GetRecommendations sums of one recommender; hours without a datapoint are absent."""
    query = {
        "Id": "requests",
        "MetricStat": {
            "Metric": {
                "Namespace": NAMESPACE,
                "MetricName": REQUESTS,
                "Dimensions": [{"Name": RECOMMENDER_DIMENSION, "Value": arn}],
            },
            "Period": SECONDS_PER_HOUR,
            "Stat": "Sum",
        },
        "ReturnData": True,
    }
    sums: dict[datetime, float] = {}
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "MetricDataQueries": [query],
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        if token:
            kwargs["NextToken"] = token
        page = cloudwatch.get_metric_data(**kwargs)
        for result in page["MetricDataResults"]:
            for timestamp, value in zip(result["Timestamps"], result["Values"], strict=True):
                sums[_utc_hour(timestamp)] = sums.get(_utc_hour(timestamp), 0.0) + float(value)
        token = page.get("NextToken")
        if not token:
            return sums


def _utc_hour(timestamp: datetime) -> datetime:
    return timestamp.astimezone(ZoneInfo("UTC")).replace(minute=0, second=0, microsecond=0)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def window(days: int, now: datetime) -> list[datetime]:
    """The whole UTC hours of the last `days` days, ending with the last complete hour."""
    end = now.astimezone(ZoneInfo("UTC")).replace(minute=0, second=0, microsecond=0)
    return [end - HOUR * i for i in range(days * 24, 0, -1)]


def collect_usage(
    *,
    personalize: PersonalizeClient,
    cloudwatch: CloudWatchClient,
    outputs: StackOutputs,
    running_hours: RunningHours | None,
    prices: Prices,
    days: int,
    now: datetime,
    progress: Callable[[str], None] = lambda _: None,
) -> list[RecommenderUsage]:
    hours = window(days, now)
    scheduled = [h for h in hours if running_hour(running_hours, h)]
    result = []
    recommenders = outputs.recommender_arns
    for index, (use_case, arn) in enumerate(recommenders.items(), start=1):
        described = personalize.describe_recommender(recommenderArn=arn)["recommender"]
        min_rps = int(
            described.get("recommenderConfig", {}).get("minRecommendationRequestsPerSecond", 1)
        )
        progress(
            f"[{index}/{len(recommenders)}] reading {days} day(s) of hourly {REQUESTS} of "
            f"{described['name']} from CloudWatch ..."
        )
        sums = hourly_requests(cloudwatch, arn, start=hours[0], end=hours[-1] + HOUR)
        served = [sums.get(h, 0.0) for h in scheduled]
        rps = [s / SECONDS_PER_HOUR for s in served]
        p95 = percentile(rps, 0.95)
        suggested = max(1, min(min_rps, math.floor(percentile(rps, 0.05) + 1e-9)))
        result.append(
            RecommenderUsage(
                use_case=use_case,
                name=described["name"],
                status=described["status"],
                min_rps=min_rps,
                running_hours=len(scheduled),
                average_rps=sum(rps) / len(rps) if rps else 0.0,
                p95_rps=p95,
                max_rps=max(rps, default=0.0),
                cost=_cost(served, min_rps, prices),
                suggested_min_rps=suggested,
                cost_at_suggested=_cost(served, suggested, prices),
            )
        )
    return result


def _cost(served: Sequence[float], min_rps: int, prices: Prices) -> Decimal:
    """Each hour bills the greater of the minimum's requests and the served ones."""
    floor = min_rps * SECONDS_PER_HOUR
    return sum((prices.hour(max(floor, s)) for s in served), Decimal(0))


def render_usage(rows: Sequence[RecommenderUsage], *, days: int, prices: Prices) -> str:
    headers = [
        "RECOMMENDER",
        "STATUS",
        "HOURS",
        "AVG RPS",
        "P95 RPS",
        "MAX RPS",
        "MIN RPS",
        "UTILIZATION",
        f"COST ({prices.currency})",
        "SUGGESTED MIN",
        f"COST AT SUGGESTED ({prices.currency})",
    ]
    body = [
        [
            r.name,
            r.status,
            str(r.running_hours),
            f"{r.average_rps:.2f}",
            f"{r.p95_rps:.2f}",
            f"{r.max_rps:.2f}",
            str(r.min_rps),
            "-" if r.utilization is None else f"{r.utilization:.0%}",
            _money(r.cost),
            str(r.suggested_min_rps) + ("" if r.suggested_min_rps != r.min_rps else " (keep)"),
            _money(r.cost_at_suggested),
        ]
        for r in rows
    ]
    table = render_table(headers, body, right=range(2, len(headers)))
    saving = sum((r.cost - r.cost_at_suggested for r in rows), Decimal(0))
    notes = [
        f"Last {days} day(s); HOURS counts the hours each recommender was meant to run (the "
        "pause schedule's, if any); requests/s are hourly averages, as billed.",
        f"Cost: each hour bills max(MIN RPS x 3600, served requests) at the price table of "
        f"{prices.as_of} ({prices.status})",
        f"At the suggested minimums the same traffic would have cost {_money(saving)} "
        f"{prices.currency} less.",
    ]
    return "\n".join([table, "", *notes])


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
