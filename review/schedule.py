"""Pause schedules: EventBridge Scheduler schedules that start and stop a recommender.

A recommender with one start and one stop schedule runs only between them, so it is billed for
fewer hours than a week has. Only the cron shapes the stacks generate are understood (minute,
hour, `?` or `*` day of month, `*` month, day-of-week names with ranges and lists, `*` year);
anything else is reported as not understood and the recommender is billed as always on, rather
than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from review.intrinsics import references, render
from review.template import Template

SCHEDULE_TYPE = "AWS::Scheduler::Schedule"
START_TARGET = ":scheduler:::aws-sdk:personalize:startRecommender"
STOP_TARGET = ":scheduler:::aws-sdk:personalize:stopRecommender"
DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
MINUTES_PER_WEEK = 7 * 24 * 60
HOURS_PER_WEEK = 7 * 24
_CRON = re.compile(r"^cron\((.*)\)$")
_NUMBER = re.compile(r"^\d{1,2}$")


class CronNotUnderstood(ValueError):
    """A cron expression outside the shapes this module reads."""


@dataclass(frozen=True)
class Cron:
    """When a cron expression fires in a week: day indexes (Monday 0) at one time of day."""

    days: tuple[int, ...]
    minute_of_day: int
    day_field: str

    @property
    def time(self) -> str:
        return f"{self.minute_of_day // 60:02d}:{self.minute_of_day % 60:02d}"

    @property
    def days_text(self) -> str:
        return "every day" if len(self.days) == len(DAYS) else self.day_field


def parse_cron(expression: str) -> Cron:
    """`cron(0 8 ? * MON-FRI *)` → fires Monday to Friday at 08:00."""
    match = _CRON.match(expression.strip())
    fields = match.group(1).split() if match else []
    if len(fields) != 6:
        raise CronNotUnderstood(f"`{expression}` is not a six-field cron(...) expression")
    minute, hour, day_of_month, month, day_of_week, year = fields
    if not (_NUMBER.match(minute) and int(minute) < 60 and _NUMBER.match(hour) and int(hour) < 24):
        raise CronNotUnderstood(f"`{expression}`: minute and hour must be single numbers")
    if day_of_month not in ("?", "*") or month != "*" or year != "*":
        raise CronNotUnderstood(f"`{expression}`: only `?`/`*` day of month, `*` month and year")
    if day_of_week in ("?", "*"):
        if day_of_month == day_of_week:
            raise CronNotUnderstood(f"`{expression}`: day of month and week cannot both be `?`")
        days: tuple[int, ...] = tuple(range(len(DAYS)))
    elif day_of_month == "?":
        days = _days(expression, day_of_week)
    else:
        raise CronNotUnderstood(f"`{expression}`: day of week needs `?` day of month")
    return Cron(days, int(hour) * 60 + int(minute), day_of_week)


def _days(expression: str, field: str) -> tuple[int, ...]:
    days: set[int] = set()
    for part in field.upper().split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise CronNotUnderstood(f"`{expression}`: day of week `{part}` is not MON..SUN")
        start, end = DAYS.index(first), DAYS.index(last or first)
        if end < start:
            raise CronNotUnderstood(f"`{expression}`: day range `{part}` wraps the week")
        days.update(range(start, end + 1))
    return tuple(sorted(days))


def weekly_running_hours(start: Cron, stop: Cron) -> Decimal:
    """Hours per week between each start and the next stop, the week taken as a cycle."""
    events = sorted(
        [(day * 1440 + start.minute_of_day, True) for day in start.days]
        + [(day * 1440 + stop.minute_of_day, False) for day in stop.days]
    )
    times = [minute for minute, _ in events]
    if len(set(times)) != len(times):
        raise CronNotUnderstood("start and stop fire at the same minute")
    running = 0
    for index, (minute, is_start) in enumerate(events):
        following = events[(index + 1) % len(events)][0]
        if is_start:
            running += (following - minute) % MINUTES_PER_WEEK or MINUTES_PER_WEEK
    return Decimal(running) / 60


@dataclass(frozen=True)
class PauseSchedule:
    """A recommender's start/stop schedules; `hours_per_week` is None when not understood."""

    hours_per_week: Decimal | None
    text: str


def pause_schedules(template: Template) -> dict[str, PauseSchedule]:
    """Recommender logical id → its pause schedule, for every recommender a schedule targets."""
    found: dict[str, dict[bool, list[dict[str, str]]]] = {}
    for resource in template.of_type(SCHEDULE_TYPE):
        target = resource.properties.get("Target")
        if not isinstance(target, dict):
            continue
        arn = render(target.get("Arn", ""))
        if not arn.endswith((START_TARGET, STOP_TARGET)):
            continue
        schedule = {
            "expression": render(resource.properties.get("ScheduleExpression", "")),
            "timezone": render(resource.properties.get("ScheduleExpressionTimezone", "UTC")),
        }
        for logical_id in sorted(set(references(target.get("Input")))):
            kinds = found.setdefault(logical_id, {True: [], False: []})
            kinds[arn.endswith(START_TARGET)].append(schedule)
    return {
        logical_id: _schedule(kinds[True], kinds[False])
        for logical_id, kinds in sorted(found.items())
    }


def _schedule(starts: list[dict[str, str]], stops: list[dict[str, str]]) -> PauseSchedule:
    if len(starts) != 1 or len(stops) != 1:
        problem = f"{len(starts)} start and {len(stops)} stop schedules, expected one of each"
        return _not_understood(problem)
    (start,), (stop,) = starts, stops
    if start["timezone"] != stop["timezone"]:
        return _not_understood("start and stop are in different time zones")
    try:
        start_cron, stop_cron = parse_cron(start["expression"]), parse_cron(stop["expression"])
        hours = weekly_running_hours(start_cron, stop_cron)
    except CronNotUnderstood as exc:
        return _not_understood(str(exc))
    if start_cron.days == stop_cron.days:
        when = f"{start_cron.days_text} {start_cron.time}-{stop_cron.time}"
    else:
        when = (
            f"start {start_cron.days_text} {start_cron.time}, "
            f"stop {stop_cron.days_text} {stop_cron.time}"
        )
    text = f"{when} {start['timezone']} ({hours_text(hours)} h/week)"
    return PauseSchedule(hours, text)


def hours_text(hours: Decimal) -> str:
    """60 → "60", 37.5 → "37.5", a third of an hour → "0.33"."""
    return f"{hours.quantize(Decimal('0.01')).normalize():f}"


def _not_understood(problem: str) -> PauseSchedule:
    text = f"**schedule not understood, billed as always on** ({problem})"
    return PauseSchedule(None, text)
