"""Cost the review can be trusted with: each price with its source and date, the tier picked by
the environment's expected active users, and the diff's monthly cost with running hours applied.
And a diff with signal: a schedule that only refers to a re-created wait is not "changed"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from review.cli import main
from review.diff import diff_templates
from review.pricing import DEFAULT_PRICES, active_users, load_prices
from review.summary import render_summary
from tests.review.builders import (
    pause_schedule,
    price_data,
    prices,
    recommender,
    resource,
    template,
    write_prices,
    write_template,
)

WEEKDAYS_8_TO_20 = ("cron(0 8 ? * MON-FRI *)", "cron(0 20 ? * MON-FRI *)")


def test_every_shipped_figure_carries_its_own_source_date_and_verification() -> None:
    raw = json.loads(DEFAULT_PRICES.read_text())
    tier = raw["recommender"]["tiers"][0]
    figures = [
        tier["price_per_hour"],
        tier["included_requests_per_hour"],
        tier["price_per_1000_extra_requests"],
        raw["data_ingestion"]["price_per_gb"],
    ]
    for figure in figures:
        assert set(figure) == {"value", "source", "as_of", "verified"}, figure
        assert len(figure["source"]) >= 40
        assert "shared/" not in figure["source"]
    # AND the placeholder says it is one
    assert tier["price_per_hour"]["source"].startswith("placeholder, not a published price")
    assert load_prices(DEFAULT_PRICES).all_verified is False


def test_a_plain_figure_takes_the_table_s_source_and_an_object_keeps_its_own(
    tmp_path: Path,
) -> None:
    data = price_data()
    data["data_ingestion"]["price_per_gb"] = {
        "value": 0.05,
        "source": "pricing page, eu-west-1",
        "as_of": "2026-12-01",
        "verified": True,
    }
    table = prices(tmp_path, data)
    by_label = {p.label: p for p in table.provenance}
    hourly = by_label["tier ≤ 100,000 active users: price_per_hour"]
    ingestion = by_label["data ingestion per GB"]
    assert (hourly.source, hourly.as_of, hourly.verified) == ("test prices", "2026-01-01", False)
    assert (ingestion.source, ingestion.as_of, ingestion.verified) == (
        "pricing page, eu-west-1",
        "2026-12-01",
        True,
    )


def test_the_summary_lists_where_each_price_comes_from(tmp_path: Path) -> None:
    page = render_summary(template({"R": recommender()}), prices(tmp_path), active_users=1000)
    assert "### Where the prices come from" in page
    assert (
        "| tier ≤ 100,000 active users: price_per_hour | 0.25 | test prices | 2026-01-01 | "
        "**no** |" in page
    )


def _two_tiers(tmp_path: Path) -> Any:
    data = price_data()
    small = data["recommender"]["tiers"][0]
    data["recommender"]["tiers"] = [small, {**small, "max_active_users": None, "price_per_hour": 1}]
    return prices(tmp_path, data)


def test_the_environment_s_expected_active_users_choose_the_tier(tmp_path: Path) -> None:
    # GIVEN a stack whose environment expects 250,000 active users, past the first tier
    table = _two_tiers(tmp_path)
    stack = template({"R": recommender()}, expected_active_users=250_000)
    users, users_from = active_users(stack, table, None)
    # WHEN summarized as `make review` does
    page = render_summary(stack, table, active_users=users, users_from=users_from)
    # THEN the open-ended tier prices it, and the page says where the user count comes from
    assert (
        "tier for 250,000 active users (expectedActiveUsers in cdk.json; tier no limit users: "
        "USD 1/hour" in page
    )
    assert "| **Total** |  |  |  |  | **1.0000** | **24.00** | **730.00** |  |" in page


def test_users_come_from_the_option_then_the_environment_then_the_table(tmp_path: Path) -> None:
    table = prices(tmp_path)
    with_users = template({"R": recommender()}, expected_active_users=2000)
    without = template({"R": recommender()})
    assert active_users(with_users, table, 5) == (5, "--users")
    assert active_users(with_users, table, None) == (2000, "expectedActiveUsers in cdk.json")
    assert active_users(without, table, None) == (
        1000,
        "expectedActiveUsers not set in cdk.json: the price table's assumed_active_users",
    )


def test_the_diff_shows_the_monthly_cost_with_running_hours_applied(tmp_path: Path) -> None:
    # GIVEN a recommender running 60 h a week whose minimum goes from 1 to 2 RPS
    def stack(min_rps: str) -> dict[str, Any]:
        return {
            "R": recommender(min_rps=min_rps),
            "Start": pause_schedule("start", "R", WEEKDAYS_8_TO_20[0]),
            "Stop": pause_schedule("stop", "R", WEEKDAYS_8_TO_20[1]),
        }

    write_template(tmp_path / "base", "Shop-dev", stack("1"), expected_active_users=2000)
    write_template(tmp_path / "head", "Shop-dev", stack("2"), expected_active_users=2000)
    # WHEN diffed
    args = ["diff", "--base-templates", str(tmp_path / "base"), "--templates"]
    args += [str(tmp_path / "head"), "--out", str(tmp_path / "out")]
    assert main([*args, "--prices", str(write_prices(tmp_path))]) == 0
    page = (tmp_path / "out" / "Shop-dev.diff.md").read_text(encoding="utf-8")
    # THEN the month is 60 x 730 / 168 hours at 0.25/h, then at 0.57/h: not "if always on"
    assert (
        "- Recommender cost per month at the configured minimum, pause schedules applied: "
        "**USD 65.18 → 148.61** (2,000 active users, 730 hours a month; price table as of "
        "2026-01-01)" in page
    )
    assert "always on" not in page


def _wait(operation: str) -> dict[str, Any]:
    path = f"Shop-dev/BestSellers/ReadyCondition{operation}/Resource"
    return resource(
        "AWS::CloudFormation::WaitCondition",
        {"Timeout": "21600"},
        Metadata={"aws:cdk:path": path},
    )


def test_a_schedule_that_only_refers_to_a_re_created_wait_is_not_listed(tmp_path: Path) -> None:
    # GIVEN a new recommender operation: its wait is re-created under a new logical id, and the
    # pause schedule depends on whichever wait is current
    def stack(operation: str) -> dict[str, Any]:
        schedule = pause_schedule("start", "R", WEEKDAYS_8_TO_20[0])
        return {
            "R": recommender(),
            f"Wait{operation}": _wait(operation),
            "Start": {**schedule, "DependsOn": [f"Wait{operation}"]},
        }

    result = diff_templates(template(stack("aaaaaaaa")), template(stack("bbbbbbbb")))
    # THEN the wait is re-created, and the schedule is neither changed nor "asset contents"
    assert [(p.before.logical_id, p.after.logical_id) for p in result.recreated] == [
        ("Waitaaaaaaaa", "Waitbbbbbbbb")
    ]
    assert (result.changed, result.asset_only) == ([], [])
