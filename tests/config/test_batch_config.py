"""`batch.<name>`: typed, validated, and no training the configuration did not ask for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.batch_config import BatchRecipe
from personalize_domain.config import ConfigError, load_app_config

ROOT = Path(__file__).resolve().parents[2]


def _context(batch: Any) -> dict[str, Any]:
    return {
        "environments": {
            "dev": {
                "namePrefix": "shop-dev",
                "datasets": {"interactions": {"source": "data/sample/interactions.csv"}},
                "batch": batch,
            }
        }
    }


def _problems(batch: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_app_config(_context(batch))
    return caught.value.problems


def test_dev_in_cdk_json_defines_one_batch_solution_with_auto_training_off() -> None:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    (dev,) = [e for e in load_app_config(context).environments if e.name == "dev"]
    (solution,) = dev.batch
    assert solution.recipe is BatchRecipe.USER_PERSONALIZATION_V2
    assert solution.auto_training is None
    assert solution.event_weights == (("Purchase", 1.0), ("View", 0.3))


def test_auto_training_is_off_unless_asked() -> None:
    (env,) = load_app_config(_context({"e": {"recipe": "aws-similar-items"}})).environments
    assert env.batch[0].auto_training is None


def test_auto_training_takes_a_rate_in_days() -> None:
    (env,) = load_app_config(
        _context({"e": {"recipe": "aws-similar-items", "autoTraining": "rate(14 days)"}})
    ).environments
    assert env.batch[0].auto_training == "rate(14 days)"


@pytest.mark.parametrize("value", ["rate(0 days)", "rate(31 days)", "rate(1 hour)", "on", 7])
def test_auto_training_other_than_off_or_rate_days_is_refused(value: Any) -> None:
    (problem,) = _problems({"e": {"recipe": "aws-similar-items", "autoTraining": value}})
    assert "environments.dev.batch.e.autoTraining" in problem
    assert "rate(N days) with N from 1 to 30" in problem


@pytest.mark.parametrize("recipe", ["aws-trending-now", "aws-next-best-action", "aws-sims"])
def test_other_recipes_are_refused_with_the_list(recipe: str) -> None:
    (problem,) = _problems({"e": {"recipe": recipe}})
    assert "allowed: aws-user-personalization-v2, aws-similar-items" in problem


def test_event_weights_only_where_the_recipe_takes_them() -> None:
    (problem,) = _problems({"e": {"recipe": "aws-similar-items", "eventWeights": {"View": 1}}})
    assert "takes no event weights" in problem


@pytest.mark.parametrize("weights", [{"Click": 1}, {"View": 2}, {"View": "x"}, {}])
def test_bad_event_weights_are_refused(weights: Any) -> None:
    (problem,) = _problems(
        {"e": {"recipe": "aws-user-personalization-v2", "eventWeights": weights}}
    )
    assert "eventWeights" in problem


def test_a_missing_recipe_an_unknown_setting_and_a_bad_name_are_each_named() -> None:
    problems = _problems({"e": {"autoTrainng": "off"}, "Bad_Name": {"recipe": "aws-sims"}})
    assert any("batch.e.recipe" in p and "is required" in p for p in problems)
    assert any("batch.e.autoTrainng" in p for p in problems)
    assert any("batch.Bad_Name" in p and "invalid name" in p for p in problems)


def test_a_c_override_reaches_a_batch_setting_and_is_named_in_its_c_form() -> None:
    context = _context({"e": {"recipe": "aws-similar-items"}})
    context["dev.batch.e.autoTraining"] = "weekly"
    with pytest.raises(ConfigError) as caught:
        load_app_config(context)
    assert any("-c dev.batch.e.autoTraining=weekly" in p for p in caught.value.problems)


def test_the_solution_name_changes_with_what_defines_the_model_only() -> None:
    base = {"recipe": "aws-user-personalization-v2", "eventWeights": {"View": 0.5}}
    names = set()
    for body in (
        base,
        {**base, "autoTraining": "rate(7 days)"},
        {**base, "eventWeights": {"View": 1}},
    ):
        (env,) = load_app_config(_context({"e": body})).environments
        names.add(env.batch[0].solution_name("shop-dev"))
    assert len(names) == 2
