"""Unknown context keys are refused, naming the key, even when no known key is close."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.config import ConfigError, load_app_config

ROOT = Path(__file__).resolve().parents[2]
CDK_JSON_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]


def _problems(context: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as excinfo:
        load_app_config(context)
    return excinfo.value.problems


def _with(**overrides: Any) -> dict[str, Any]:
    return {**copy.deepcopy(CDK_JSON_CONTEXT), **overrides}


def test_an_override_for_an_environment_cdk_json_lacks_is_refused_naming_the_known_ones() -> None:
    # GIVEN -c stage.namePrefix=x, and no environment 'stage' (today silently ignored)
    # THEN it is refused, naming the environments that exist
    assert _problems(_with(**{"stage.namePrefix": "x"})) == [
        "-c stage.namePrefix=x: 'stage' is not an environment in cdk.json; known environments: "
        "dev, prod"
    ]


def test_a_misspelt_environment_in_an_override_suggests_the_closest() -> None:
    (problem,) = _problems(_with(**{"prd.namePrefix": "x"}))
    assert problem == (
        "-c prd.namePrefix=x: 'prd' is not an environment in cdk.json (did you mean 'prod'?); "
        "known environments: dev, prod"
    )


def test_an_override_spelt_with_the_environments_block_says_how_to_write_it() -> None:
    assert _problems(_with(**{"environments.dev.namePrefix": "x"})) == [
        "-c environments.dev.namePrefix=x: drop the 'environments.' and write -c dev.namePrefix=..."
    ]


def test_a_top_level_key_nothing_resembles_is_refused() -> None:
    # GIVEN -c colour=blue (today silently ignored: no known key is close)
    (problem,) = _problems(_with(colour="blue"))
    assert problem.startswith("context key 'colour' is not a known setting; allowed: env, ")


def test_the_cdk_cli_s_own_keys_are_left_to_it() -> None:
    context = _with(**{"cli-telemetry": False, "acknowledged-issue-numbers": [32775]})
    shipped = list(CDK_JSON_CONTEXT["environments"])
    assert [e.name for e in load_app_config(context).environments] == shipped


@pytest.mark.parametrize(
    ("key", "unknown"),
    [
        ("dev.zzz", "context key 'dev.zzz' is not a known setting; allowed under dev: "),
        (
            "dev.recommenders.best-sellers.zzz",
            "context key 'dev.recommenders.best-sellers.zzz': unknown setting 'zzz'; allowed: ",
        ),
        (
            "dev.datasets.items.zzz",
            "context key 'dev.datasets.items.zzz': unknown setting 'zzz'; allowed: ",
        ),
    ],
)
def test_an_unknown_setting_in_an_environment_is_refused_with_no_close_match(
    key: str, unknown: str
) -> None:
    (problem,) = _problems(_with(**{key: "1"}))
    assert problem.startswith(unknown)


@pytest.mark.parametrize(
    ("path", "unknown"),
    [
        (("zzz",), "context key 'environments.dev.zzz' is not a known setting; allowed: "),
        (
            ("recommenders", "best-sellers", "zzz"),
            "context key 'environments.dev.recommenders.best-sellers.zzz' is not a known "
            "setting; allowed: ",
        ),
    ],
)
def test_an_unknown_key_in_cdk_json_is_refused_with_no_close_match(
    path: tuple[str, ...], unknown: str
) -> None:
    context = _with()
    body = context["environments"]["dev"]
    for part in path[:-1]:
        body = body[part]
    body[path[-1]] = 1
    (problem,) = _problems(context)
    assert problem.startswith(unknown)
