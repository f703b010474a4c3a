"""Per-column rules (defined in rule_set.py) compiled to polars, with the message and fix for each.

Every rule is a boolean mask over a batch whose columns are all strings. Each column also gets
one cheap screen (`screen_for`) that flags every row any of its rules could catch, and only
flagged rows meet the rules themselves. A rule may add a `refine` expression, run only on the
rows its mask flagged: byte length first, then characters, pipe-separated parts or ISO dates, so
a clean file pays for the cheap tests alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl
else:
    from personalize_domain.data.lazy_polars import pl

from personalize_domain.data.report import Severity
from personalize_domain.data.rule_set import (
    MAX_CATEGORICAL_CHARS,
    MAX_ID_CHARS,
    MAX_TEXTUAL_CHARS,
    PLAUSIBLE_SINCE,
    SECONDS_MAX,
    TIMESTAMP_FIELDS,
    number_column,
    raw_column,
    to_polars,
    value_rules,
)
from personalize_domain.schemas import FieldSpec

Describe = Callable[[str | None], tuple[str, str]]


@dataclass(frozen=True)
class ColumnRule:
    code: str
    severity: Severity
    column: str
    position: int
    mask: pl.Expr
    describe: Describe
    refine: pl.Expr | None = None


def raw(position: int) -> pl.Expr:
    return pl.col(raw_column(position))


def number(position: int) -> pl.Expr:
    """The column as a number (null where empty or unparsable); see `derived_columns`."""
    return pl.col(number_column(position))


def numeric_types(fields: list[tuple[FieldSpec, int]]) -> dict[int, pl.DataType]:
    """Polars type of each numeric column, by position."""
    return {
        position: pl.Int64() if spec.type in ("int", "long") else pl.Float64()
        for spec, position in fields
        if spec.type in ("int", "long", "float", "double")
    }


def derived_columns(numeric: dict[int, pl.DataType]) -> list[pl.Expr]:
    """The `number` columns: each numeric column's string cast, null where it does not parse."""
    return [
        raw(position).cast(dtype, strict=False).alias(number_column(position))
        for position, dtype in numeric.items()
    ]


def rules_for(spec: FieldSpec, position: int) -> list[ColumnRule]:
    """The column's rules of `rule_set.value_rules`, compiled to polars, with their messages."""
    describers = _describers(spec)
    return [
        ColumnRule(
            rule.code,
            rule.severity,
            spec.name,
            position,
            to_polars(rule.mask),
            describers[rule.code],
            None if rule.refine is None else to_polars(rule.refine),
        )
        for rule in value_rules(spec, position)
    ]


def _describers(spec: FieldSpec) -> dict[str, Describe]:
    name = spec.name
    return {
        "empty-value": _empty(name),
        "timestamp-iso-date": _iso_date(name),
        "timestamp-decimal": _decimal(name),
        "not-an-integer": _not_integer(name, spec.type),
        "int-out-of-range": _int_range(name),
        "not-a-number": _not_number(name),
        "not-a-boolean": _boolean(name),
        "timestamp-far-future": _timestamp_unit(name, "timestamp-far-future"),
        "timestamp-milliseconds": _timestamp_unit(name, "timestamp-milliseconds"),
        "timestamp-microseconds": _timestamp_unit(name, "timestamp-microseconds"),
        "timestamp-nanoseconds": _timestamp_unit(name, "timestamp-nanoseconds"),
        "timestamp-before-2000": _before_2000(name),
        "id-too-long": _too_long(name, MAX_ID_CHARS, "IDs"),
        "categorical-value-too-long": _categorical_too_long(name),
        "text-too-long": _too_long(name, MAX_TEXTUAL_CHARS, "textual fields"),
    }


def screen_for(spec: FieldSpec, position: int, rules: list[ColumnRule]) -> pl.Expr | None:
    """One cheap mask that is True on every row any of `rules` could flag (and maybe a few more).

    Rows it flags get the exact rules; a clean row pays for this test alone.
    """
    if not rules:
        return None
    if spec.name in TIMESTAMP_FIELDS and spec.type == "long":
        # Every timestamp rule fires outside [2000, 2286) or on a null (empty or unparsable).
        # Not for an int timestamp: its 32-bit limit lies inside that range.
        plausible = number(position).is_between(PLAUSIBLE_SINCE, SECONDS_MAX, closed="left")
        return (~plausible).fill_null(True)
    return reduce(or_, (rule.mask for rule in rules))


def _empty(name: str) -> Describe:
    def describe(_: str | None) -> tuple[str, str]:
        if name == "EVENT_TYPE":
            return (
                "EVENT_TYPE is empty; every interaction needs an event type.",
                "write the event type (e.g. View or Purchase) or drop the row.",
            )
        return (
            f"{name} is empty, but the schema does not allow null for it.",
            f"fill in {name} or drop the row.",
        )

    return describe


def _not_integer(name: str, avro_type: str) -> Describe:
    def describe(value: str | None) -> tuple[str, str]:
        return (
            f"{name} is not a whole number; the schema declares it {avro_type}.",
            "write digits only (no decimal point, spaces, units or thousands separators).",
        )

    return describe


def _int_range(name: str) -> Describe:
    def describe(_: str | None) -> tuple[str, str]:
        return (
            f"{name} does not fit in a 32-bit Avro int.",
            f'declare {name} as "long" in the schema, or correct the value.',
        )

    return describe


def _not_number(name: str) -> Describe:
    def describe(_: str | None) -> tuple[str, str]:
        return (
            f"{name} is not a number.",
            "write a plain decimal number with a dot (e.g. 19.99), no currency or commas.",
        )

    return describe


def _boolean(name: str) -> Describe:
    def describe(value: str | None) -> tuple[str, str]:
        lowered = (value or "").strip().lower()
        if lowered in ("true", "false"):
            return (
                f"{name} must be lower-case true or false.",
                f"write {lowered} instead.",
            )
        return (f"{name} is not a boolean.", "write true or false (lower case).")

    return describe


def _iso_date(name: str) -> Describe:
    def describe(value: str | None) -> tuple[str, str]:
        example = ""
        converted = _iso_to_epoch(value or "")
        if converted is not None:
            seconds, assumed_utc = converted
            zone = ", read as UTC" if assumed_utc else ""
            example = f" ({(value or '').strip()} -> {seconds}{zone})"
        return (
            f"{name} is a date string; Personalize needs Unix epoch seconds.",
            f"convert to epoch seconds{example}, e.g. int(datetime.timestamp()) in Python "
            "or date +%s.",
        )

    return describe


def _decimal(name: str) -> Describe:
    def describe(value: str | None) -> tuple[str, str]:
        whole = (value or "").strip().split(".")[0]
        return (
            f"{name} has a decimal point; the schema declares it long (epoch seconds).",
            f"write whole epoch seconds without the fraction ({whole}).",
        )

    return describe


_UNITS = {
    "timestamp-milliseconds": ("epoch milliseconds", 1000, "divide by 1000"),
    "timestamp-microseconds": ("epoch microseconds", 10**6, "divide by 1,000,000"),
    "timestamp-nanoseconds": ("epoch nanoseconds", 10**9, "divide by 1,000,000,000"),
}


def _timestamp_unit(name: str, code: str) -> Describe:
    def describe(value: str | None) -> tuple[str, str]:
        if code == "timestamp-far-future":
            return (
                f"{name} is after the year 2286 as epoch seconds, so it is not plausible.",
                "write Unix epoch seconds (10 digits for dates between 2001 and 2286).",
            )
        unit, divisor, action = _UNITS[code]
        example = ""
        seconds = _as_int(value)
        if seconds is not None:
            converted = seconds // divisor
            example = f" ({converted}, {_iso(converted)})"
        return (
            f"{name} looks like {unit}; Personalize needs epoch seconds.",
            f"{action} and drop the fraction{example}.",
        )

    return describe


def _before_2000(name: str) -> Describe:
    def describe(value: str | None) -> tuple[str, str]:
        seconds = _as_int(value)
        when = f" ({_iso(seconds)})" if seconds is not None else ""
        return (
            f"{name} is before the year 2000{when}; usually a placeholder or a wrong unit.",
            "check the export: timestamps must be Unix epoch seconds of the real event time.",
        )

    return describe


def _too_long(name: str, limit: int, what: str) -> Describe:
    def describe(value: str | None) -> tuple[str, str]:
        return (
            f"{name} has {len(value or ''):,} characters; Personalize allows at most "
            f"{limit:,} for {what}.",
            "shorten the value.",
        )

    return describe


def _categorical_too_long(name: str) -> Describe:
    def describe(value: str | None) -> tuple[str, str]:
        longest = max((len(p) for p in (value or "").split("|")), default=0)
        return (
            f"{name} has a categorical value of {longest:,} characters; Personalize allows at "
            f"most {MAX_CATEGORICAL_CHARS:,} per value (values are separated by |).",
            "shorten the value or split it into several |-separated values.",
        )

    return describe


def _as_int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except (ValueError, OverflowError):
        return None


def _iso(seconds: int) -> str:
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (ValueError, OverflowError, OSError):
        return "out of range"


def _iso_to_epoch(value: str) -> tuple[int, bool] | None:
    """Epoch seconds of an ISO date, and whether the zone was missing and UTC assumed."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    naive = parsed.tzinfo is None
    if naive:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp()), naive
