"""Pause schedules: running hours from the start/stop cron pair, and what they do to the cost."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from review.pricing import money, recommender_cost
from review.schedule import pause_schedules
from review.stack_resources import recommenders
from review.summary import render_summary
from tests.review.builders import pause_schedule, prices, recommender, template

WEEKDAYS_8_TO_20 = ("cron(0 8 ? * MON-FRI *)", "cron(0 20 ? * MON-FRI *)")


def _resources(start: str | None = None, stop: str | None = None) -> dict[str, dict[str, Any]]:
    resources = {"R": recommender()}
    if start is not None and stop is not None:
        resources["Start"] = pause_schedule("start", "R", start)
        resources["Stop"] = pause_schedule("stop", "R", stop)
    return resources


def test_weekdays_from_eight_to_eight_run_sixty_hours_a_week() -> None:
    # GIVEN a recommender started at 08:00 and stopped at 20:00, Monday to Friday
    # WHEN its pause schedule is read
    (found,) = pause_schedules(template(_resources(*WEEKDAYS_8_TO_20))).values()
    # THEN it runs 5 x 12 hours, and the schedule reads as days, hours and time zone
    assert (found.hours_per_week, found.text) == (
        Decimal(60),
        "MON-FRI 08:00-20:00 Europe/Madrid (60 h/week)",
    )


def test_a_list_of_days_and_an_overnight_pause_are_counted_across_the_week() -> None:
    # GIVEN starts at 20:30 and stops at 06:00, both only on MON,WED,FRI
    schedule = ("cron(30 20 ? * MON,WED,FRI *)", "cron(0 6 ? * MON,WED,FRI *)")
    # WHEN read
    (found,) = pause_schedules(template(_resources(*schedule))).values()
    # THEN Mon→Wed 33.5 h, Wed→Fri 33.5 h, Fri→Mon 57.5 h
    assert found.hours_per_week == Decimal("124.5")


def test_a_scheduled_recommender_is_billed_for_its_scheduled_hours_only(tmp_path: Path) -> None:
    # GIVEN a 0.25/h recommender running 60 hours a week, and a 730-hour month
    resources = template(_resources(*WEEKDAYS_8_TO_20))
    (found,) = recommenders(resources)
    schedule = pause_schedules(resources)["R"]
    # WHEN priced
    cost = recommender_cost(found, prices(tmp_path), active_users=1000, schedule=schedule)
    # THEN the hour keeps its price; a day is 60/7 hours and a month 60 x 730/168 hours
    assert (cost.per_hour, money(cost.per_day), money(cost.per_month(730))) == (
        Decimal("0.25"),
        "2.14",
        "65.18",
    )


def test_an_unknown_cron_shape_is_billed_as_always_on_and_says_so(tmp_path: Path) -> None:
    # GIVEN a start on the first of the month, a shape the review does not read
    resources = _resources("cron(0 8 1 * ? *)", "cron(0 20 1 * ? *)")
    # WHEN summarized
    page = render_summary(template(resources), prices(tmp_path), active_users=1000)
    # THEN the row says the schedule is not understood and bills the full 730-hour month
    assert "**schedule not understood, billed as always on** (`cron(0 8 1 * ? *)`:" in page
    assert "| **Total** |  |  |  |  | **0.2500** | **6.00** | **182.50** |  |" in page


def test_a_recommender_without_a_schedule_is_billed_around_the_clock(tmp_path: Path) -> None:
    # GIVEN a 0.25/h recommender and no schedules
    # WHEN summarized
    page = render_summary(template(_resources()), prices(tmp_path), active_users=1000)
    # THEN the schedule cell is empty, a day is 24 hours and a month 730
    assert "| `shop-test-best-sellers` | running | — | 1 | 3,600 | 0.2500 | 6.00 | 182.50 |" in page
    assert "- Pause schedule: none, recommenders run around the clock" in page
