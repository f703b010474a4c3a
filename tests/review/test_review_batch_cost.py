"""Batch solutions in `make review`'s cost drivers: training per training hour, what
autoTraining adds each month (against Personalize's default), and a batch job's price."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from review.batch_cost import render_batch_costs
from review.pricing import DEFAULT_PRICES
from review.summary import render_summary
from tests.review.builders import price_data, prices, recommender, resource, template

V2 = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
# 0.25/training hour x 4 training hours = 1.00 per training; a job at 0.10 per 1,000 lists.
BATCH_PRICES = {
    "training": {"price_per_training_hour": 0.25, "assumed_training_hours_per_version": 4},
    "batch_inference": {"price_per_1000_recommendation_lists": 0.1},
}


def _solution(auto: str | None, name: str = "shop-test-email-0a1b2c3d") -> dict[str, Any]:
    properties = {"Name": name, "RecipeArn": V2}
    if auto is not None:
        properties["AutoTraining"] = auto
    return resource("Custom::PersonalizeSolution", properties)


def _page(tmp_path: Path, auto: str | None, data: dict[str, Any] | None = None) -> str:
    table = prices(tmp_path, data if data is not None else price_data(**BATCH_PRICES))
    lines = render_batch_costs(template({"Email": _solution(auto)}), table, active_users=50_000)
    return "\n".join(lines)


def _row(page: str) -> list[str]:
    (row,) = [line for line in page.splitlines() if line.startswith("| `shop-test-email")]
    return [cell.strip() for cell in row.strip("|").split("|")]


def test_auto_training_off_adds_nothing_and_shows_what_personalizes_default_would(
    tmp_path: Path,
) -> None:
    # GIVEN a solution with autoTraining off (the default: the property left out)
    page = _page(tmp_path, None)
    # THEN no training a month from it, and rate(7 days) would be 730 / 24 / 7 = 4.35 trainings
    assert _row(page) == [
        "`shop-test-email-0a1b2c3d`",
        "aws-user-personalization-v2",
        "`off`",
        "0.0",
        "0.00",
        "4.35",
    ]


def test_auto_training_every_14_days_is_priced_per_month(tmp_path: Path) -> None:
    # GIVEN rate(14 days) / THEN 730 / 24 / 14 = 2.17 trainings of 1.00 each a month
    assert _row(_page(tmp_path, "rate(14 days)"))[2:5] == ["`rate(14 days)`", "2.2", "2.17"]


def test_one_training_is_priced_from_the_table(tmp_path: Path) -> None:
    page = _page(tmp_path, "off")
    assert "USD 0.25/training hour; one training of this data assumed to take 4" in page
    assert "about **USD 1.00 per training**" in page


def test_a_batch_job_for_the_active_users_is_priced(tmp_path: Path) -> None:
    # GIVEN 50,000 active users at 0.10 per 1,000 lists / THEN 5.00 a job
    assert "a job for 50,000 users costs about **USD 5.00**" in _page(tmp_path, "off")


def test_a_table_without_training_prices_says_it_is_not_estimated(tmp_path: Path) -> None:
    page = _page(tmp_path, "off", price_data())
    assert "no `training` block, so training is not estimated" in page


def test_a_stack_without_batch_solutions_has_no_batch_section(tmp_path: Path) -> None:
    table = prices(tmp_path, price_data(**BATCH_PRICES))
    page = render_summary(
        template({"R": recommender("shop-test-best-sellers")}), table, active_users=1
    )
    assert "Batch solutions" not in page


def test_the_summary_carries_the_batch_section_and_its_figures_provenance(tmp_path: Path) -> None:
    table = prices(tmp_path, price_data(**BATCH_PRICES))
    page = render_summary(template({"Email": _solution("off")}), table, active_users=1000)
    assert "### Batch solutions: training and batch inference" in page
    assert "| solution training per training hour | 0.25 |" in page
    assert "| batch inference per 1,000 recommendation lists | 0.1 |" in page


def test_the_shipped_batch_figures_carry_their_source_date_and_verification() -> None:
    raw = json.loads(DEFAULT_PRICES.read_text())
    figures = [
        raw["training"]["price_per_training_hour"],
        raw["training"]["assumed_training_hours_per_version"],
        raw["batch_inference"]["price_per_1000_recommendation_lists"],
    ]
    for figure in figures:
        assert set(figure) == {"value", "source", "as_of", "verified"}, figure
        assert len(figure["source"]) >= 40
        # none could be checked offline, and the assumption says it is one
        assert figure["verified"] is False
    assert figures[1]["source"].startswith("assumption, not a price")


def test_a_scheduled_batch_job_is_listed_and_priced_per_month_from_its_cron(
    tmp_path: Path,
) -> None:
    # GIVEN a batch solution whose workflow a Monday 06:00 schedule starts
    resources = {
        "Email": _solution(None),
        "EmailWorkflow": resource(
            "AWS::StepFunctions::StateMachine", {"StateMachineName": "shop-test-batch-email"}
        ),
        "EmailSchedule": resource(
            "AWS::Scheduler::Schedule",
            {
                "ScheduleExpression": "cron(0 6 ? * MON *)",
                "ScheduleExpressionTimezone": "Europe/Madrid",
                "Target": {"Arn": {"Ref": "EmailWorkflow"}},
            },
        ),
    }
    table = prices(tmp_path, price_data(**BATCH_PRICES))
    page = "\n".join(render_batch_costs(template(resources), table, active_users=50_000))
    # THEN 52 Mondays / 12 = 4.3 runs a month: 4.3 jobs of 5.00, at most 4.3 trainings of 1.00
    (row,) = [line for line in page.splitlines() if line.startswith("| `shop-test-batch-email")]
    assert [c.strip() for c in row.strip("|").split("|")] == [
        "`shop-test-batch-email`",
        "`cron(0 6 ? * MON *)`",
        "Europe/Madrid",
        "4.3",
        "21.67",
        "4.33",
    ]
