"""Per-column rules as vectorised polars expressions, with the message and fix for each.

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

import polars as pl

from personalize_domain.data.report import Severity
from personalize_domain.schemas import FieldSpec

MAX_ID_CHARS = 256
MAX_CATEGORICAL_CHARS = 1000
MAX_TEXTUAL_CHARS = 20_000
TIMESTAMP_FIELDS = frozenset({"TIMESTAMP", "CREATION_TIMESTAMP"})
ID_FIELDS = frozenset({"USER_ID", "ITEM_ID"})
# IMPRESSION holds pipe-separated item IDs and shares the categorical 1000-character limit.
PIPE_SEPARATED_STRINGS = frozenset({"IMPRESSION"})

_INT32 = (-(2**31), 2**31 - 1)
# Epoch seconds stay below 1e10 until the year 2286; larger values are almost always a finer unit.
_SECONDS_MAX = 10**10
_MILLIS = 10**11
_MICROS = 10**14
_NANOS = 10**17
# 2000-01-01: earlier interaction or item dates are almost always placeholders or a wrong unit.
_PLAUSIBLE_SINCE = 946_684_800
_ISO_DATE = r"^\s*\d{4}-\d{2}-\d{2}"
_DECIMAL = r"^\s*[-+]?\d+\.\d*\s*$"

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
    return pl.col(f"c{position}")


def number(position: int) -> pl.Expr:
    """The column as a number (null where empty or unparsable); see `derived_columns`."""
    return pl.col(f"n{position}")


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
        raw(position).cast(dtype, strict=False).alias(f"n{position}")
        for position, dtype in numeric.items()
    ]


def rules_for(spec: FieldSpec, position: int) -> list[ColumnRule]:
    name = spec.name
    col = raw(position)
    rules: list[ColumnRule] = []

    def add(
        code: str,
        mask: pl.Expr,
        describe: Describe,
        *,
        refine: pl.Expr | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        rules.append(ColumnRule(code, severity, name, position, mask, describe, refine))

    if not spec.nullable:
        add("empty-value", col.is_null(), _empty(name))

    if spec.type in ("int", "long"):
        not_integer = number(position).is_null() & col.is_not_null()
        if name in TIMESTAMP_FIELDS:
            add(
                "timestamp-iso-date",
                not_integer,
                _iso_date(name),
                refine=col.str.contains(_ISO_DATE),
            )
            add("timestamp-decimal", not_integer, _decimal(name), refine=col.str.contains(_DECIMAL))
            other = ~col.str.contains(_ISO_DATE) & ~col.str.contains(_DECIMAL)
            add("not-an-integer", not_integer, _not_integer(name, spec.type), refine=other)
        else:
            add("not-an-integer", not_integer, _not_integer(name, spec.type))
        if spec.type == "int":
            n = number(position)
            add("int-out-of-range", (n < _INT32[0]) | (n > _INT32[1]), _int_range(name))
    elif spec.type in ("float", "double"):
        add("not-a-number", number(position).is_null() & col.is_not_null(), _not_number(name))
    elif spec.type == "boolean":
        add("not-a-boolean", col.is_not_null() & ~col.is_in(["true", "false"]), _boolean(name))

    if name in TIMESTAMP_FIELDS and spec.type in ("int", "long", "float", "double"):
        n = number(position)
        for code, low, high in (
            ("timestamp-far-future", _SECONDS_MAX, _MILLIS),
            ("timestamp-milliseconds", _MILLIS, _MICROS),
            ("timestamp-microseconds", _MICROS, _NANOS),
            ("timestamp-nanoseconds", _NANOS, None),
        ):
            mask = n >= low if high is None else (n >= low) & (n < high)
            add(code, mask, _timestamp_unit(name, code))
        add(
            "timestamp-before-2000",
            n < _PLAUSIBLE_SINCE,
            _before_2000(name),
            severity=Severity.WARNING,
        )

    if spec.type == "string":
        if name in ID_FIELDS:
            add(
                "id-too-long",
                col.str.len_bytes() > MAX_ID_CHARS,
                _too_long(name, MAX_ID_CHARS, "IDs"),
                refine=col.str.len_chars() > MAX_ID_CHARS,
            )
        if spec.categorical or name in PIPE_SEPARATED_STRINGS:
            longest_part = col.str.split("|").list.eval(pl.element().str.len_chars()).list.max()
            add(
                "categorical-value-too-long",
                col.str.len_bytes() > MAX_CATEGORICAL_CHARS,
                _categorical_too_long(name),
                refine=longest_part > MAX_CATEGORICAL_CHARS,
            )
        if spec.textual:
            add(
                "text-too-long",
                col.str.len_bytes() > MAX_TEXTUAL_CHARS,
                _too_long(name, MAX_TEXTUAL_CHARS, "textual fields"),
                refine=col.str.len_chars() > MAX_TEXTUAL_CHARS,
            )
    return rules


def screen_for(spec: FieldSpec, position: int, rules: list[ColumnRule]) -> pl.Expr | None:
    """One cheap mask that is True on every row any of `rules` could flag (and maybe a few more).

    Rows it flags get the exact rules; a clean row pays for this test alone.
    """
    if not rules:
        return None
    if spec.name in TIMESTAMP_FIELDS and spec.type == "long":
        # Every timestamp rule fires outside [2000, 2286) or on a null (empty or unparsable).
        # Not for an int timestamp: its 32-bit limit lies inside that range.
        plausible = number(position).is_between(_PLAUSIBLE_SINCE, _SECONDS_MAX, closed="left")
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
