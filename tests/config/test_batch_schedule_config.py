"""`batch.<name>.schedule`: a cron expression checked at synth, in the environment's timezone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.batch_schedule import InvalidSchedule, parse_schedule
from personalize_domain.config import ConfigError, load_app_config

ROOT = Path(__file__).resolve().parents[2]


def _context(batch: Any, **env: Any) -> dict[str, Any]:
    return {
        "environments": {
            "dev": {
                "namePrefix": "shop-dev",
                "datasets": {"interactions": {"source": "data/sample/interactions.csv"}},
                "batch": batch,
                **env,
            }
        }
    }


def _solution(schedule: Any) -> dict[str, Any]:
    return {"email": {"recipe": "aws-user-personalization-v2", "schedule": schedule}}


def _problems(batch: Any, **env: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_app_config(_context(batch, **env))
    return caught.value.problems


def test_dev_in_cdk_json_has_no_schedule() -> None:
    # Every scheduled run is billed (a batch job, maybe a training): dev runs jobs by hand.
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    (dev,) = [e for e in load_app_config(context).environments if e.name == "dev"]
    assert all(solution.schedule is None for solution in dev.batch)


def test_a_schedule_is_read_in_the_environment_timezone() -> None:
    (env,) = load_app_config(
        _context(_solution("cron(0 6 ? * MON *)"), timezone="Europe/Madrid")
    ).environments
    schedule = env.batch[0].schedule
    assert schedule is not None
    assert schedule.expression == "cron(0 6 ? * MON *)"
    assert schedule.timezone == "Europe/Madrid"
    assert env.running_hours is None  # timezone alone does not pause recommenders


def test_without_a_timezone_the_schedule_is_utc() -> None:
    (env,) = load_app_config(_context(_solution("cron(30 5 1 * ? *)"))).environments
    assert env.batch[0].schedule is not None
    assert env.batch[0].schedule.timezone == "UTC"


def test_a_timezone_without_running_hours_or_a_schedule_is_still_refused() -> None:
    (problem,) = _problems({"email": {"recipe": "aws-similar-items"}}, timezone="UTC")
    assert "environments.dev.timezone" in problem
    assert "only used with runningHours or a environments.dev.batch.<name>.schedule" in problem


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0 6 * * MON", "cron(0 6 ? * MON *)"),
        ("rate(1 day)", "allowed: an EventBridge Scheduler cron expression"),
        ("cron(0 6 ? * MON)", "has 6 fields"),
        ("cron(* 6 ? * MON *)", "the minutes must be fixed numbers"),
        ("cron(0 */2 ? * MON *)", "the hours must be fixed numbers"),
        ("cron(0 24 ? * MON *)", "from 0 to 23"),
        ("cron(0 6 * * MON *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 6 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 6 ? * MOX *)", "the day-of-week field has 'MOX'"),
        ("cron(0 6 ? * MON#1 *)", "not '#' or 'L'"),
        ("cron(0 6 32 * ? *)", "the day-of-month field has '32'"),
        (6, "allowed: an EventBridge Scheduler cron expression"),
    ],
)
def test_a_bad_schedule_names_the_key_and_the_fix(value: Any, message: str) -> None:
    (problem,) = _problems(_solution(value))
    assert "environments.dev.batch.email.schedule" in problem
    assert message in problem


def test_a_c_override_sets_a_schedule() -> None:
    context = _context({"email": {"recipe": "aws-user-personalization-v2"}})
    context["dev.batch.email.schedule"] = "cron(0 6 ? * MON-FRI *)"
    (env,) = load_app_config(context).environments
    assert env.batch[0].schedule is not None
    assert env.batch[0].schedule.expression == "cron(0 6 ? * MON-FRI *)"


@pytest.mark.parametrize(
    ("expression", "per_month"),
    [
        ("cron(0 6 ? * MON *)", 52 / 12),  # 2027 has 52 Mondays
        ("cron(0 6 ? * MON-FRI *)", 261 / 12),
        ("cron(0 6,18 * * ? *)", 2 * 365 / 12),
        ("cron(0 6 1 * ? *)", 1.0),
        ("cron(0 6 1 1,7 ? *)", 2 / 12),
        ("cron(0 6 L * ? *)", 1.0),
        ("cron(0 6 ? * 2 *)", 52 / 12),  # 2 is Monday in Scheduler's numbering
    ],
)
def test_runs_per_month_follow_the_cron_fields(expression: str, per_month: float) -> None:
    assert parse_schedule(expression).runs_per_month() == pytest.approx(per_month)


def test_a_reversed_range_is_refused() -> None:
    with pytest.raises(InvalidSchedule, match="reversed range"):
        parse_schedule("cron(0 6 ? * FRI-MON *)")
