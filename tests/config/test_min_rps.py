"""Minimum requests per second: strict integers, and a cost cap raised only on purpose."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.config import ConfigError, EnvironmentConfig, load_app_config

ROOT = Path(__file__).resolve().parents[2]
CDK_JSON_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
RPS_KEY = "prod.recommenders.best-sellers.minRecommendationRequestsPerSecond"
CAP_KEY = "prod.maxMinRecommendationRequestsPerSecond"


def _context(**overrides: Any) -> dict[str, Any]:
    return {**copy.deepcopy(CDK_JSON_CONTEXT), **overrides}


def _problems(context: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as excinfo:
        load_app_config(context)
    return excinfo.value.problems


def _best_sellers_rps(context: dict[str, Any]) -> int:
    prod: EnvironmentConfig = next(
        e for e in load_app_config(context).environments if e.name == "prod"
    )
    return next(
        r.min_recommendation_requests_per_second
        for r in prod.recommenders
        if r.use_case.key == "best-sellers"
    )


def _in_cdk_json(value: Any, cap: Any = None) -> dict[str, Any]:
    context = _context()
    prod = context["environments"]["prod"]
    prod["recommenders"]["best-sellers"]["minRecommendationRequestsPerSecond"] = value
    if cap is not None:
        prod["maxMinRecommendationRequestsPerSecond"] = cap
    return context


# ------------------------------------------------------------------ strict integers


@pytest.mark.parametrize("value", [" 2 ", "+2", "2.0", "2e0", "0x2", "1_000", "\uff12"])
def test_a_c_value_that_is_not_plain_digits_is_refused(value: str) -> None:
    # GIVEN -c ...minRecommendationRequestsPerSecond with a sign, spaces, a fraction, an exponent
    # (today " 2 ", "+2" and "2.0" pass)
    # WHEN the config is loaded / THEN it is refused naming the -c key
    assert _problems(_context(**{RPS_KEY: value})) == [
        f"-c {RPS_KEY}={value}: invalid; allowed: an integer >= 1"
    ]


@pytest.mark.parametrize("value", [2.0, "2.0", True])
def test_a_cdk_json_value_that_is_not_a_json_integer_is_refused(value: Any) -> None:
    # GIVEN cdk.json holds 2.0 (a JSON number with a fraction) (today it passes as 2)
    (problem,) = _problems(_in_cdk_json(value))
    assert problem == (
        "context key 'environments.prod.recommenders.best-sellers."
        f"minRecommendationRequestsPerSecond' = {value!r}: invalid; allowed: an integer >= 1"
    )


@pytest.mark.parametrize("value", ["2", 2])
def test_digits_from_c_and_a_json_integer_are_accepted_alike(value: Any) -> None:
    assert _best_sellers_rps(_context(**{RPS_KEY: value})) == 2


# ------------------------------------------------------------------ cost cap


def test_a_minimum_above_the_default_cap_is_refused_naming_the_key_that_raises_it() -> None:
    # GIVEN a minimum of 101 requests per second and no cap in cdk.json
    # THEN it is refused: the cap is 100 unless raised on purpose
    assert _problems(_context(**{RPS_KEY: "101"})) == [
        f"-c {RPS_KEY}=101: above this environment's cost cap of 100 (each recommender is billed "
        "per hour at its minimum at least); lower it, or raise the cap on purpose: "
        "environments.prod.maxMinRecommendationRequestsPerSecond >= 101"
    ]


def test_the_default_cap_itself_is_allowed() -> None:
    assert _best_sellers_rps(_context(**{RPS_KEY: "100"})) == 100


def test_an_explicit_cap_in_cdk_json_allows_a_higher_minimum() -> None:
    assert _best_sellers_rps(_in_cdk_json(150, cap=200)) == 150


def test_an_explicit_cap_from_c_allows_a_higher_minimum() -> None:
    assert _best_sellers_rps(_context(**{RPS_KEY: "150", CAP_KEY: "200"})) == 150


def test_a_minimum_above_an_explicit_cap_is_still_refused() -> None:
    (problem,) = _problems(_in_cdk_json(250, cap=200))
    assert problem.startswith(
        "context key 'environments.prod.recommenders.best-sellers."
        "minRecommendationRequestsPerSecond' = 250: above this environment's cost cap of 200 "
    )


def test_a_minimum_no_cap_can_allow_names_personalize_s_limit() -> None:
    # GIVEN twenty nines (today it passes)
    (problem,) = _problems(_context(**{RPS_KEY: "99999999999999999999"}))
    assert problem.endswith("Personalize takes at most 2147483647; lower it")


def test_the_cap_of_one_environment_does_not_raise_another_s() -> None:
    dev_key = "dev.recommenders.best-sellers.minRecommendationRequestsPerSecond"
    (problem,) = _problems(_context(**{CAP_KEY: "500", dev_key: "300"}))
    assert problem.startswith(f"-c {dev_key}=300: above this environment's cost cap of 100 ")


@pytest.mark.parametrize("cap", ["0", "1.5", " 200", "2147483648"])
def test_the_cap_is_a_strict_integer_within_personalize_s_range(cap: str) -> None:
    assert _problems(_context(**{CAP_KEY: cap})) == [
        f"-c {CAP_KEY}={cap}: invalid; allowed: an integer from 1 to 2147483647"
    ]
