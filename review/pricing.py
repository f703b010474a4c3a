"""Cost drivers from a price table the team keeps up to date (review/personalize-prices.json).

The model is deliberately small. A running recommender is billed per hour at the price of the
active-user tier it falls in; that hourly price includes a number of recommendation requests per
hour, and the minimum the recommender is provisioned for (min RPS x 3600) is billed even when
unused, so any part of that minimum above the included requests costs the tier's price per
1,000 extra requests. A stopped recommender costs nothing. Data ingestion is a price per GB,
paid again by every FULL import. A batch solution's training is billed per training hour (the
table assumes how many one training takes) and batch inference per 1,000 recommendation lists
(review/batch_cost.py). Actual traffic above the minimum, S3, Lambda, Step Functions and logs are
left out: they do not follow from the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from review import stack_resources
from review.errors import ReviewError, read_json
from review.schedule import HOURS_PER_WEEK, PauseSchedule, pause_schedules
from review.stack_resources import Recommender
from review.template import Template

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PRICES = Path(__file__).resolve().parent / "personalize-prices.json"
SECONDS_PER_HOUR = 3600
HOURS_PER_DAY = 24
BYTES_PER_GB = 1024**3


@dataclass(frozen=True)
class Provenance:
    """Where one figure of the price table comes from, and whether anyone checked it."""

    label: str
    value: Decimal
    source: str
    as_of: str
    verified: bool


@dataclass(frozen=True)
class Tier:
    max_active_users: int | None
    price_per_hour: Decimal
    included_requests_per_hour: int
    price_per_1000_extra_requests: Decimal


@dataclass(frozen=True)
class PriceTable:
    path: Path
    currency: str
    as_of: str
    source: str
    status: str
    hours_per_month: int
    assumed_active_users: int
    tiers: tuple[Tier, ...]
    ingestion_per_gb: Decimal
    # Every figure, in the order of the file, with its own source and date.
    provenance: tuple[Provenance, ...] = ()
    # Batch solutions (optional blocks `training` and `batch_inference`; None when absent).
    training_per_hour: Decimal | None = None
    assumed_training_hours: Decimal | None = None
    batch_per_1000_lists: Decimal | None = None

    @property
    def all_verified(self) -> bool:
        return all(p.verified for p in self.provenance)

    @property
    def display_path(self) -> str:
        """The path as the repository knows it, so reports do not carry a machine's layout."""
        try:
            return self.path.resolve().relative_to(REPO_ROOT).as_posix()
        except ValueError:
            return self.path.name

    def tier_for(self, active_users: int) -> Tier:
        for tier in self.tiers:
            if tier.max_active_users is None or active_users <= tier.max_active_users:
                return tier
        raise ReviewError(
            f"{self.path}: no recommender tier covers {active_users:,} active users; add one"
        )


@dataclass(frozen=True)
class RecommenderCost:
    recommender: Recommender
    billed_requests_per_hour: int
    per_hour: Decimal
    note: str
    schedule: PauseSchedule | None = None

    @property
    def hours_per_week(self) -> Decimal:
        """Billed hours in a week: the pause schedule's, or all of them when there is none."""
        if self.schedule is None or self.schedule.hours_per_week is None:
            return Decimal(HOURS_PER_WEEK)
        return self.schedule.hours_per_week

    @property
    def per_day(self) -> Decimal:
        """An average day: the running hours of a week spread over its seven days."""
        return self.per_hour * self.hours_per_week * HOURS_PER_DAY / HOURS_PER_WEEK

    def per_month(self, hours_per_month: int) -> Decimal:
        """A month of `hours_per_month` hours, billed for the scheduled share of them."""
        return self.per_hour * self.hours_per_week * hours_per_month / HOURS_PER_WEEK


def load_prices(path: Path) -> PriceTable:
    data = read_json(path, "price table", parse_float=Decimal)
    try:
        return _price_table(path, data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ReviewError(f"{path}: malformed price table ({_describe(exc)})") from None


def _describe(exc: Exception) -> str:
    return f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)


def _price_table(path: Path, data: Any) -> PriceTable:
    if not isinstance(data, dict):
        raise TypeError("the file must hold a JSON object")
    recommender = data["recommender"]
    figures = _Figures(_text(data, "source"), _text(data, "as_of"))
    tiers = tuple(_tier(raw, figures) for raw in recommender["tiers"])
    if not tiers:
        raise ValueError("recommender.tiers is empty")
    ingestion = figures.price(data["data_ingestion"]["price_per_gb"], "data ingestion per GB")
    training = data.get("training")
    training_per_hour = assumed_hours = batch = None
    if training is not None:
        training_per_hour = figures.price(
            training["price_per_training_hour"], "solution training per training hour"
        )
        assumed_hours = figures.price(
            training["assumed_training_hours_per_version"],
            "training hours one solution version takes (assumed)",
        )
    if data.get("batch_inference") is not None:
        batch = figures.price(
            data["batch_inference"]["price_per_1000_recommendation_lists"],
            "batch inference per 1,000 recommendation lists",
        )
    return PriceTable(
        path=path,
        currency=_text(data, "currency"),
        as_of=_text(data, "as_of"),
        source=_text(data, "source"),
        status=_text(data, "status"),
        hours_per_month=_count(data["hours_per_month"], "hours_per_month"),
        assumed_active_users=_count(data["assumed_active_users"], "assumed_active_users"),
        tiers=tiers,
        ingestion_per_gb=ingestion,
        provenance=tuple(figures.found),
        training_per_hour=training_per_hour,
        assumed_training_hours=assumed_hours,
        batch_per_1000_lists=batch,
    )


class _Figures:
    """Reads figures written as a number (the table's source and date apply) or as
    {"value", "source", "as_of", "verified"}, and keeps where each came from."""

    def __init__(self, source: str, as_of: str) -> None:
        self.source, self.as_of = source, as_of
        self.found: list[Provenance] = []

    def price(self, raw: Any, label: str) -> Decimal:
        value, raw = self._unpack(raw, label)
        number = _price(value, label)
        self._keep(label, number, raw)
        return number

    def count(self, raw: Any, label: str) -> int:
        value, raw = self._unpack(raw, label)
        number = _count(value, label)
        self._keep(label, Decimal(number), raw)
        return number

    def _unpack(self, raw: Any, label: str) -> tuple[Any, dict[str, Any]]:
        if isinstance(raw, dict):
            if "value" not in raw:
                raise KeyError(f"{label}.value")
            return raw["value"], raw
        return raw, {}

    def _keep(self, label: str, value: Decimal, raw: dict[str, Any]) -> None:
        verified = raw.get("verified", False)
        if not isinstance(verified, bool):
            raise ValueError(f"{label}.verified must be true or false")
        self.found.append(
            Provenance(
                label=label,
                value=value,
                source=_text(raw, "source") if "source" in raw else self.source,
                as_of=_text(raw, "as_of") if "as_of" in raw else self.as_of,
                verified=verified,
            )
        )


def _tier(raw: Any, figures: _Figures) -> Tier:
    limit = raw["max_active_users"]
    users = "any number of" if limit is None else f"≤ {_count(limit, 'max_active_users'):,}"
    where = f"tier {users} active users"
    return Tier(
        max_active_users=None if limit is None else _count(limit, "max_active_users"),
        price_per_hour=figures.price(raw["price_per_hour"], f"{where}: price_per_hour"),
        included_requests_per_hour=figures.count(
            raw["included_requests_per_hour"], f"{where}: included_requests_per_hour"
        ),
        price_per_1000_extra_requests=figures.price(
            raw["price_per_1000_extra_requests"], f"{where}: price_per_1000_extra_requests"
        ),
    )


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string")
    return value


def _count(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be a whole number >= 0, got {value!r}")
    return value


def _price(value: Any, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value < 0:
        raise ValueError(f"{key} must be a number >= 0, got {value!r}")
    return Decimal(value)


def recommender_cost(
    recommender: Recommender,
    prices: PriceTable,
    *,
    active_users: int,
    schedule: PauseSchedule | None = None,
) -> RecommenderCost:
    """The hourly price while running; a pause schedule scales the day and month to its hours."""
    if not recommender.running:
        note = "stopped: not billed" + (" until the pause schedule starts it" if schedule else "")
        return RecommenderCost(recommender, 0, Decimal(0), note, schedule)
    min_rps = recommender.min_rps
    if min_rps is None:
        note = f"min RPS {recommender.min_rps_text!r} is not a number: not estimated"
        return RecommenderCost(recommender, 0, Decimal(0), note, schedule)
    tier = prices.tier_for(active_users)
    billed = min_rps * SECONDS_PER_HOUR
    extra = max(0, billed - tier.included_requests_per_hour)
    per_hour = tier.price_per_hour + Decimal(extra) / 1000 * tier.price_per_1000_extra_requests
    note = f"{extra:,} requests/h above the {tier.included_requests_per_hour:,} included"
    note = note if extra else "within included"
    return RecommenderCost(recommender, billed, per_hour, note, schedule)


def ingestion_cost(size_bytes: int, prices: PriceTable) -> Decimal:
    return Decimal(size_bytes) / BYTES_PER_GB * prices.ingestion_per_gb


def money(amount: Decimal, places: int = 2) -> str:
    """Fixed decimals, rounded half up, so the same inputs always print the same text."""
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,}"


def active_users(template: Template, prices: PriceTable, override: int | None) -> tuple[int, str]:
    """The active users to price a stack for, and where that number comes from: --users, the
    environment's `expectedActiveUsers` (in its template), else the table's assumption."""
    if override is not None:
        return override, "--users"
    expected = stack_resources.expected_active_users(template)
    if expected is not None:
        return expected, "expectedActiveUsers in cdk.json"
    return prices.assumed_active_users, (
        "expectedActiveUsers not set in cdk.json: the price table's assumed_active_users"
    )


def stack_costs(template: Template, prices: PriceTable, users: int) -> list[RecommenderCost]:
    """Each recommender of the stack priced for `users`, its pause schedule applied."""
    schedules = pause_schedules(template)
    return [
        recommender_cost(r, prices, active_users=users, schedule=schedules.get(r.logical_id))
        for r in stack_resources.recommenders(template)
    ]


def monthly(costs: list[RecommenderCost], prices: PriceTable) -> Decimal:
    return sum((c.per_month(prices.hours_per_month) for c in costs), Decimal(0))
