"""`filters.<name>.expression` per environment: typed, named, and refused with the key when bad."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.config import ConfigError, FilterConfig, load_app_config

ROOT = Path(__file__).resolve().parents[2]
CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
EXCLUDE_PURCHASED = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")'
CATEGORY = "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CATEGORY)"


def _dev_filters(filters: Any, **overrides: Any) -> tuple[FilterConfig, ...]:
    context = copy.deepcopy(CONTEXT)
    context["environments"]["dev"]["filters"] = filters
    config = load_app_config({**context, **overrides})
    return next(e for e in config.environments if e.name == "dev").filters


def _problems(filters: Any, **overrides: Any) -> list[str]:
    with pytest.raises(ConfigError) as excinfo:
        _dev_filters(filters, **overrides)
    return excinfo.value.problems


def test_dev_ships_exclude_purchased_and_category() -> None:
    config = load_app_config(copy.deepcopy(CONTEXT))
    dev, prod = config.environments
    assert dev.filters == (
        FilterConfig("exclude-purchased", EXCLUDE_PURCHASED),
        FilterConfig("category", CATEGORY),
    )
    assert prod.filters == ()


def test_an_expression_can_be_overridden_with_c() -> None:
    changed = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("View")'
    filters = _dev_filters(
        {"exclude-purchased": {"expression": EXCLUDE_PURCHASED}},
        **{"dev.filters.exclude-purchased.expression": changed},
    )
    assert filters == (FilterConfig("exclude-purchased", changed),)


def test_a_filter_can_be_added_with_c() -> None:
    filters = _dev_filters({}, env="dev", **{"filters.viewed.expression": EXCLUDE_PURCHASED})
    assert filters == (FilterConfig("viewed", EXCLUDE_PURCHASED),)


@pytest.mark.parametrize(
    "name", ["Category", "2-for-1", "cat_egory", "cat--egory", "x" * 30, "category-"]
)
def test_a_name_personalize_or_the_outputs_cannot_carry_is_refused(name: str) -> None:
    (problem,) = _problems({name: {"expression": CATEGORY}})
    assert problem.startswith(f"context key 'environments.dev.filters.{name}': not a valid name")
    assert "lower-case letters and digits in words joined by '-'" in problem


def test_a_bad_name_given_with_c_is_refused_naming_the_key() -> None:
    (problem,) = _problems({}, **{"dev.filters.Bad_Name.expression": CATEGORY})
    assert problem.startswith(
        "context key 'dev.filters.Bad_Name.expression': 'Bad_Name' is not a valid filter name"
    )


def test_a_filter_without_an_expression_is_refused() -> None:
    (problem,) = _problems({"category": {}})
    assert problem.startswith(
        "context key 'environments.dev.filters.category.expression' is required"
    )


@pytest.mark.parametrize("expression", ["", "   ", 42, None, ["INCLUDE"]])
def test_an_expression_that_is_not_text_is_refused(expression: Any) -> None:
    (problem,) = _problems({"category": {"expression": expression}})
    assert problem.startswith("context key 'environments.dev.filters.category.expression'")
    assert "invalid; allowed: a Personalize filter expression" in problem


def test_an_unknown_setting_of_a_filter_is_refused_with_a_suggestion() -> None:
    unknown, missing = _problems({"category": {"expresion": CATEGORY}})
    assert "'environments.dev.filters.category.expresion' is not a known setting" in unknown
    assert "did you mean 'expression'?" in unknown
    assert "'environments.dev.filters.category.expression' is required" in missing


def test_two_filters_with_the_same_output_name_are_refused() -> None:
    # `str.title` capitalises after a digit: both would be output A1BFilterArn.
    problems = _problems({"a1b": {"expression": CATEGORY}, "a1-b": {"expression": CATEGORY}})
    assert problems == [
        "context key 'environments.dev.filters.a1-b': its stack output A1BFilterArn is also "
        "that of filter 'a1b'; rename one of them"
    ]


def test_filters_must_be_an_object() -> None:
    (problem,) = _problems(["category"])
    assert problem == (
        "context key 'environments.dev.filters' must be an object keyed by names of your choice"
    )


# ------------------------------------------------------------------ checked at synth (issue 14)


def test_an_unknown_field_names_the_key_the_position_and_the_fix() -> None:
    (problem,) = _problems({"category": {"expression": "INCLUDE ItemID WHERE Items.COLOR IN ($C)"}})
    assert problem.startswith(
        "context key 'environments.dev.filters.category.expression', position 22 (near "
        "'Items.COLOR IN ($C)'): the Items schema (items.json) has no field COLOR. Fix: use "
        "one of its fields: ITEM_ID, PRICE, CATEGORY_L1,"
    )


def test_an_interactions_field_other_than_event_type_fails() -> None:
    (problem,) = _problems(
        {"seen": {"expression": 'EXCLUDE ItemID WHERE Interactions.TIMESTAMP IN ("1")'}}
    )
    assert problem.startswith(
        "context key 'environments.dev.filters.seen.expression', position 22 (near "
        "'Interactions.TIMESTAMP IN (\"1\"...'): Interactions filter only by EVENT_TYPE"
    )
    assert "Fix: filter on Interactions.EVENT_TYPE" in problem


def test_an_expression_of_2501_characters_fails() -> None:
    head = 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("'
    text = head + "a" * (2501 - len(head) - 2) + '")'
    (problem,) = _problems({"category": {"expression": text}})
    assert problem.startswith(
        "context key 'environments.dev.filters.category.expression', position 2501 (near ')'): "
        "the expression is 2,501 characters; Personalize takes at most 2,500. Fix: shorten it"
    )


def test_a_31st_filter_fails_naming_it() -> None:
    filters = {f"f{n}": {"expression": CATEGORY} for n in range(1, 32)}
    (problem,) = _problems(filters)
    assert problem.startswith(
        "context key 'environments.dev.filters.f31.expression': this is filter 31 of the "
        "dataset group; Personalize allows at most 30 per dataset group. Fix: remove filters"
    )


def test_a_bad_expression_given_with_c_is_named_by_its_c_form() -> None:
    bad = 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("a") AND Interactions.EVENT_TYPE IN ("View")'
    (problem,) = _problems({}, **{"dev.filters.category.expression": bad})
    assert problem.startswith(f"-c dev.filters.category.expression={bad}, position 53")
    assert "Fix: chain a second expression with |" in problem


def test_current_user_needs_the_environments_users_dataset() -> None:
    context = copy.deepcopy(CONTEXT)
    dev = context["environments"]["dev"]
    del dev["datasets"]["users"]
    dev["filters"] = {
        "tier": {
            "expression": 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("a") IF '
            "CurrentUser.LOYALTY_TIER IN ($TIER)"
        }
    }
    with pytest.raises(ConfigError) as excinfo:
        load_app_config(context)
    (problem,) = excinfo.value.problems
    assert "position 52" in problem
    assert "CurrentUser needs a Users dataset, and this environment has none" in problem


def test_fields_are_checked_against_the_schemas_folder_given(tmp_path: Path) -> None:
    # GIVEN an items schema that gained a BRAND column (in a copy of schemas/)
    for source in (ROOT / "schemas").glob("*.json"):
        (tmp_path / source.name).write_text(source.read_text())
    items = json.loads((tmp_path / "items.json").read_text())
    items["fields"].append({"name": "BRAND", "type": ["null", "string"], "categorical": True})
    (tmp_path / "items.json").write_text(json.dumps(items))
    context = copy.deepcopy(CONTEXT)
    context["environments"]["dev"]["filters"] = {
        "brand": {"expression": "INCLUDE ItemID WHERE Items.BRAND IN ($BRAND)"}
    }
    # WHEN the config is loaded against that folder, and against the committed one
    load_app_config(context, schemas_dir=tmp_path)
    with pytest.raises(ConfigError) as excinfo:
        load_app_config(context)
    # THEN only the committed schemas lack the field
    assert "has no field BRAND" in excinfo.value.problems[0]
