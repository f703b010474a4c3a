"""`batch.<name>.schedule`: when a batch solution's scheduled batch job runs.

An EventBridge Scheduler cron expression, `cron(minutes hours day-of-month month day-of-week
year)`, e.g. `cron(0 6 ? * MON *)` (Mondays 06:00), read in the environment's `timezone` (UTC
when unset). Each run may train a version and runs a billed batch job, so the minutes and hours
must be fixed numbers (lists allowed: `0 6,18`), never `*` or `/`: a schedule cannot fire every
minute or hour by mistake. The workflow it starts is personalize_constructs/batch_schedule.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

CRON_EXAMPLE = "cron(0 6 ? * MON *)"
# Days are counted over a fixed year, so the review's figure does not move with the date.
_REFERENCE_YEAR = 2027
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
# Scheduler (as EventBridge rules) numbers days of the week 1-7 from Sunday.
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
_CRON_RE = re.compile(r"^cron\((.*)\)$")
_FIXED_LIST_RE = re.compile(r"^\d{1,2}(,\d{1,2})*$")


class InvalidSchedule(ValueError):
    """The message says what is wrong and what is allowed."""


@dataclass(frozen=True)
class BatchSchedule:
    """A parsed schedule: the expression as Scheduler takes it and the fields it fires on."""

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days_of_month: frozenset[int] | None  # None: any ('*' or '?'); L and W count as one day
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # ISO weekday 1 (Monday) to 7; None: any
    # Of the environment (`timezone`), set by the configuration; Scheduler's
    # ScheduleExpressionTimezone.
    timezone: str = "UTC"

    def runs_per_month(self) -> float:
        """Average runs a month over a reference year (what the review prices)."""
        day = date(_REFERENCE_YEAR, 1, 1)
        days = 0
        while day.year == _REFERENCE_YEAR:
            if self._fires_on(day):
                days += 1
            day += timedelta(days=1)
        return days * len(self.minutes) * len(self.hours) / 12

    def _fires_on(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        if self.days_of_month is not None:
            return day.day in self.days_of_month
        if self.days_of_week is not None:
            return day.isoweekday() in self.days_of_week
        return True


def parse_schedule(value: object) -> BatchSchedule:
    """Parse and check a cron expression; InvalidSchedule says what to write instead."""
    text = str(value).strip() if isinstance(value, str) else ""
    match = _CRON_RE.match(text)
    if not match:
        raise InvalidSchedule(
            f"allowed: an EventBridge Scheduler cron expression, e.g. {CRON_EXAMPLE} (Mondays "
            "06:00 in the environment's timezone): cron(minutes hours day-of-month month "
            "day-of-week year)"
        )
    fields = match.group(1).split()
    if len(fields) != 6:
        raise InvalidSchedule(
            f"a cron expression has 6 fields (minutes hours day-of-month month day-of-week "
            f"year), this one has {len(fields)}; e.g. {CRON_EXAMPLE}"
        )
    minute, hour, day_of_month, month, day_of_week, year = fields
    minutes = _fixed(minute, "minutes", 59)
    hours = _fixed(hour, "hours", 23)
    if (day_of_month == "?") == (day_of_week == "?"):
        raise InvalidSchedule(
            "exactly one of day-of-month and day-of-week must be '?' (Scheduler's rule), e.g. "
            f"{CRON_EXAMPLE} or cron(0 6 1 * ? *)"
        )
    if year != "*" and not re.fullmatch(r"\d{4}([-,]\d{4})*", year):
        raise InvalidSchedule("the year field must be '*' or years, e.g. 2027 or 2027-2028")
    return BatchSchedule(
        expression=text,
        minutes=minutes,
        hours=hours,
        days_of_month=_days_of_month(day_of_month),
        months=_months(month),
        days_of_week=_days_of_week(day_of_week),
    )


def _fixed(field: str, what: str, highest: int) -> tuple[int, ...]:
    if not _FIXED_LIST_RE.match(field):
        raise InvalidSchedule(
            f"the {what} must be fixed numbers (e.g. 0, or 0,30), not {field!r}: every run may "
            "train and runs a billed batch job, so a schedule fires at set times only"
        )
    values = tuple(sorted({int(v) for v in field.split(",")}))
    if values[-1] > highest:
        raise InvalidSchedule(f"the {what} must be from 0 to {highest}, not {field!r}")
    return values


def _expand(field: str, what: str, low: int, high: int, names: list[str] | None) -> set[int]:
    """A cron list of values, ranges and steps (`1,15`, `MON-FRI`, `*/2`, `1-31/7`)."""
    values: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise InvalidSchedule(f"the {what} field has an invalid step: {part!r}")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        else:
            first, _, last = base.partition("-")
            start = _value(first, what, low, high, names)
            end = _value(last, what, low, high, names) if last else (high if step_text else start)
            if end < start:
                raise InvalidSchedule(f"the {what} field has a reversed range: {part!r}")
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, what: str, low: int, high: int, names: list[str] | None) -> int:
    if names is not None and text.upper() in names:
        return names.index(text.upper()) + low
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
    raise InvalidSchedule(f"the {what} field has {text!r}; allowed: {allowed}")


def _days_of_month(field: str) -> frozenset[int] | None:
    if field in ("?", "*"):
        return None
    if field == "L":
        return frozenset({28})  # once a month, whatever its length
    if field.endswith("W") and field[:-1].isdigit():
        return frozenset({min(int(field[:-1]), 28)})
    return frozenset(_expand(field, "day-of-month", 1, 31, None))


def _months(field: str) -> frozenset[int]:
    return frozenset(_expand(field, "month", 1, 12, _MONTHS))


def _days_of_week(field: str) -> frozenset[int] | None:
    if field in ("?", "*"):
        return None
    if "#" in field or field.endswith("L"):
        raise InvalidSchedule(
            "the day-of-week field takes days (MON, MON-FRI, MON,THU), not '#' or 'L': for a "
            "monthly run use the day-of-month, e.g. cron(0 6 1 * ? *)"
        )
    cron_days = _expand(field, "day-of-week", 1, 7, _DAYS)
    # cron 1 = Sunday ... 7 = Saturday; ISO 1 = Monday ... 7 = Sunday.
    return frozenset(7 if d == 1 else d - 1 for d in cron_days)
