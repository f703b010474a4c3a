"""How `recommend` turns --filter-value and --promotion into Personalize's filterValues, offline."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.config import EnvironmentConfig, load_app_config
from personalize_ops.day_two.errors import DayTwoError
from personalize_ops.day_two.recommend_options import FilterUse, plan_options

ROOT = Path(__file__).resolve().parents[2]


def _dev(filters: dict[str, str]) -> EnvironmentConfig:
    context: dict[str, Any] = copy.deepcopy(json.loads((ROOT / "cdk.json").read_text())["context"])
    context["environments"]["dev"]["filters"] = {n: {"expression": e} for n, e in filters.items()}
    return next(e for e in load_app_config(context).environments if e.name == "dev")


def _plan(env: EnvironmentConfig, use_case: str = "recommended-for-you", **kw: Any) -> Any:
    kw.setdefault("filter_values", ())
    kw.setdefault("promotion", None)
    kw.setdefault("metadata_columns", None)
    kw.setdefault("num_results", 25)
    return plan_options(env, use_case_key=use_case, **kw)


def test_numbers_go_bare_and_text_goes_quoted() -> None:
    env = _dev({"budget": "INCLUDE ItemID WHERE Items.PRICE <= $MAX AND Items.CATEGORY_L1 IN ($C)"})
    options = _plan(env, filter_name="budget", filter_values=("MAX=19.99", 'C=say "hi"'))
    assert options.filter == FilterUse("budget", {"MAX": "19.99", "C": '"say \\"hi\\""'})


def test_a_number_parameter_refuses_text() -> None:
    env = _dev({"budget": "INCLUDE ItemID WHERE Items.PRICE <= $MAX"})
    with pytest.raises(DayTwoError) as refused:
        _plan(env, filter_name="budget", filter_values=("MAX=cheap",))
    assert str(refused.value) == "filter budget compares $MAX with numbers, and 'cheap' is not one"


def test_an_exclude_parameter_may_be_left_out() -> None:
    env = _dev({"not-category": "EXCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($C)"})
    assert _plan(env, filter_name="not-category").filter == FilterUse("not-category", {})


def test_a_current_item_filter_is_refused_for_a_user_use_case() -> None:
    env = _dev({"cheaper": "INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE"})
    with pytest.raises(DayTwoError) as refused:
        _plan(env, filter_name="cheaper")
    assert "recommended-for-you recommends for a user, not from an item" in str(refused.value)
    assert _plan(env, "frequently-bought-together", filter_name="cheaper").filter == FilterUse(
        "cheaper", {}
    )


def test_quoted_values_over_1000_characters_are_refused() -> None:
    env = _dev({"category": "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($C)"})
    with pytest.raises(DayTwoError) as refused:
        _plan(env, filter_name="category", filter_values=("C=" + "x" * 999,))
    assert "1001 characters once quoted; Personalize takes at most 1000" in str(refused.value)
