"""recommenders.<use-case>.enableMetadataWithRecommendations and .trainingDataConfig."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.config import (
    ConfigError,
    RecommenderConfig,
    TrainingDataConfig,
    load_app_config,
)
from personalize_domain.schemas import DatasetType

ROOT = Path(__file__).resolve().parents[2]
CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
RFY = "recommended-for-you"


def _rfy(settings: dict[str, Any], **overrides: Any) -> RecommenderConfig:
    context = copy.deepcopy(CONTEXT)
    context["environments"]["dev"]["recommenders"][RFY].update(settings)
    dev = next(e for e in load_app_config({**context, **overrides}).environments if e.name == "dev")
    return next(r for r in dev.recommenders if r.use_case.key == RFY)


def _problems(settings: dict[str, Any], **overrides: Any) -> list[str]:
    with pytest.raises(ConfigError) as excinfo:
        _rfy(settings, **overrides)
    return excinfo.value.problems


def test_both_are_off_unless_set() -> None:
    rfy = _rfy({})
    assert (rfy.enable_metadata_with_recommendations, rfy.training_data) == (False, None)


def test_metadata_is_a_boolean_also_with_c() -> None:
    assert _rfy({"enableMetadataWithRecommendations": True}).enable_metadata_with_recommendations
    key = f"dev.recommenders.{RFY}.enableMetadataWithRecommendations"
    assert _rfy({}, **{key: "true"}).enable_metadata_with_recommendations
    (problem,) = _problems({}, **{key: "yes"})
    assert problem == f"-c {key}=yes: invalid; allowed: true or false"


def test_training_columns_are_typed_and_shaped_for_the_api() -> None:
    training = _rfy(
        {
            "trainingDataConfig": {
                "excludedDatasetColumns": {"items": ["PRODUCT_DESCRIPTION"]},
                "includedDatasetColumns": {"Users": ["AGE_GROUP", "GENDER"]},
            }
        }
    ).training_data
    assert training == TrainingDataConfig(
        excluded=((DatasetType.ITEMS, ("PRODUCT_DESCRIPTION",)),),
        included=((DatasetType.USERS, ("AGE_GROUP", "GENDER")),),
    )
    assert training.api_shape() == {
        "excludedDatasetColumns": {"ITEMS": ["PRODUCT_DESCRIPTION"]},
        "includedDatasetColumns": {"USERS": ["AGE_GROUP", "GENDER"]},
    }


def test_training_columns_can_be_given_as_json_with_c() -> None:
    key = f"dev.recommenders.{RFY}.trainingDataConfig"
    value = '{"excludedDatasetColumns": {"items": ["CATEGORY_L3"]}}'
    training = _rfy({}, **{key: value}).training_data
    assert training == TrainingDataConfig(excluded=((DatasetType.ITEMS, ("CATEGORY_L3",)),))


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"excludeDatasetColumns": {"items": ["X"]}}, "unknown key 'excludeDatasetColumns'"),
        ({"excludedDatasetColumns": {"things": ["X"]}}, "unknown dataset type 'things'"),
        ({"excludedDatasetColumns": {"items": []}}, "a list of 1-50 column names"),
        ({"excludedDatasetColumns": {"items": "PRICE"}}, "a list of 1-50 column names"),
        ({"excludedDatasetColumns": {"items": ["1PRICE"]}}, "a list of 1-50 column names"),
        ({"excludedDatasetColumns": {}}, "must map a dataset type to a list of columns"),
        ({}, "allowed:"),
        ("{not json", "not JSON"),
    ],
)
def test_a_malformed_training_config_is_refused(value: Any, says: str) -> None:
    (problem,) = _problems({"trainingDataConfig": value})
    assert problem.startswith(
        f"context key 'environments.dev.recommenders.{RFY}.trainingDataConfig'"
    )
    assert says in problem


def test_training_columns_must_be_in_the_schema() -> None:
    (problem,) = _problems(
        {"trainingDataConfig": {"excludedDatasetColumns": {"items": ["COLOUR"]}}}
    )
    assert "excludedDatasetColumns.items: COLOUR not in the Items schema (items.json)" in problem


def test_event_type_cannot_be_excluded() -> None:
    settings = {"trainingDataConfig": {"excludedDatasetColumns": {"interactions": ["EVENT_TYPE"]}}}
    (problem,) = _problems(settings)
    assert "EVENT_TYPE cannot be excluded (Personalize trains on it)" in problem


def test_a_dataset_the_environment_lacks_is_refused() -> None:
    context = copy.deepcopy(CONTEXT)
    dev = context["environments"]["dev"]
    del dev["datasets"]["users"]
    dev["filters"] = {}
    dev["recommenders"][RFY]["trainingDataConfig"] = {
        "includedDatasetColumns": {"users": ["GENDER"]}
    }
    with pytest.raises(ConfigError) as excinfo:
        load_app_config(context)
    (problem,) = excinfo.value.problems
    assert "includedDatasetColumns.users: this environment has no Users dataset" in problem


def test_one_dataset_cannot_be_both_excluded_and_included() -> None:
    settings = {
        "trainingDataConfig": {
            "excludedDatasetColumns": {"items": ["PRICE"]},
            "includedDatasetColumns": {"items": ["CATEGORY_L1"]},
        }
    }
    (problem,) = _problems(settings)
    assert "items is both excluded and included" in problem
