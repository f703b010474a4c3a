"""`datasets.<type>.validateInS3`: one s3:// object, and a results location for Athena."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.config import ConfigError, load_app_config
from personalize_domain.schemas import DatasetType

ROOT = Path(__file__).resolve().parents[2]
CDK_JSON_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
OBJECT = "s3://shop-team-exports/personalize/interactions.csv"
RESULTS = "s3://shop-team-athena/validation/"


def _context(**overrides: Any) -> dict[str, Any]:
    return {**copy.deepcopy(CDK_JSON_CONTEXT), "env": "dev", **overrides}


def _problems(**overrides: Any) -> list[str]:
    with pytest.raises(ConfigError) as excinfo:
        load_app_config(_context(**overrides))
    return excinfo.value.problems


def test_an_s3_object_with_a_results_location_is_validated_in_s3() -> None:
    overrides = {
        "dev.datasets.interactions.source": OBJECT,
        "dev.datasets.interactions.validateInS3": "true",
        "dev.athenaResultsLocation": RESULTS,
    }
    [dev] = load_app_config(_context(**overrides)).selected
    interactions = dev.dataset(DatasetType.INTERACTIONS)
    assert interactions is not None
    assert interactions.validate_in_s3
    assert dev.athena_workgroup == "primary"


def test_it_is_off_by_default() -> None:
    [dev] = load_app_config(_context()).selected
    assert not any(d.validate_in_s3 for d in dev.datasets)


def test_a_local_file_is_refused_naming_the_key_and_the_fix() -> None:
    [problem] = _problems(**{"dev.datasets.interactions.validateInS3": "true"})
    assert problem.startswith(
        "-c dev.datasets.interactions.validateInS3=true: only for an s3:// source"
    )
    assert "set environments.dev.datasets.interactions.source to s3://" in problem


def test_a_folder_is_refused() -> None:
    [problem] = _problems(
        **{
            "dev.datasets.interactions.source": "s3://shop-team-exports/personalize/",
            "dev.datasets.interactions.validateInS3": "true",
            "dev.athenaResultsLocation": RESULTS,
        }
    )
    assert "validates one object" in problem
    assert "is a folder" in problem


def test_without_a_results_location_it_is_refused_naming_that_key() -> None:
    [problem] = _problems(
        **{
            "dev.datasets.interactions.source": OBJECT,
            "dev.datasets.interactions.validateInS3": "true",
        }
    )
    assert "Athena needs a results location; set environments.dev.athenaResultsLocation" in (
        problem
    )


def test_a_results_location_without_a_prefix_is_refused_naming_that_key() -> None:
    # GIVEN validateInS3 with Athena's results at a bucket root (the workflow's role would get
    # s3:PutObject on the whole bucket)
    [problem] = _problems(
        **{
            "dev.datasets.interactions.source": OBJECT,
            "dev.datasets.interactions.validateInS3": "true",
            "dev.athenaResultsLocation": "s3://shop-team-athena/",
        }
    )
    # THEN synth names the key and the fix
    assert problem.startswith("-c dev.athenaResultsLocation=s3://shop-team-athena/: ")
    assert "s3:PutObject on the whole bucket" in problem
    assert "s3://shop-team-athena/<prefix>/" in problem


def test_a_source_at_the_bucket_root_is_refused() -> None:
    # GIVEN validateInS3 on an object at the bucket root (the table would read, and the role
    # list, the whole bucket)
    [problem] = _problems(
        **{
            "dev.datasets.interactions.source": "s3://shop-team-exports/interactions.csv",
            "dev.datasets.interactions.validateInS3": "true",
            "dev.athenaResultsLocation": RESULTS,
        }
    )
    # THEN synth names the key and the fix
    assert problem.startswith("-c dev.datasets.interactions.validateInS3=true: ")
    assert "at the bucket root" in problem
    assert "s3://shop-team-exports/<folder>/interactions.csv" in problem


def test_the_cli_alone_may_still_write_athena_results_at_a_bucket_root() -> None:
    # GIVEN no validateInS3: athenaResultsLocation is only the CLI's (the operator's own access)
    [dev] = load_app_config(
        _context(**{"dev.athenaResultsLocation": "s3://shop-team-athena/"})
    ).selected
    # THEN it is accepted
    assert dev.athena_results_location == "s3://shop-team-athena/"


ITEMS_OBJECT = "s3://shop-team-exports/personalize/items.csv"


def test_a_schema_with_a_free_text_field_is_refused_naming_the_field_and_the_reason() -> None:
    # GIVEN validateInS3 on Items, whose schema has the free-text PRODUCT_DESCRIPTION
    [problem] = _problems(
        **{
            "dev.datasets.items.source": ITEMS_OBJECT,
            "dev.datasets.items.validateInS3": "true",
            "dev.athenaResultsLocation": RESULTS,
        }
    )
    # THEN synth refuses it: Athena's CSV reader would split a valid multi-line description
    assert problem.startswith("-c dev.datasets.items.validateInS3=true: ")
    assert "free-text field PRODUCT_DESCRIPTION" in problem
    assert "splits rows at every line break, even inside quotes" in problem
    assert f"personalize-shop validate --type items {ITEMS_OBJECT}" in problem


def test_a_schema_without_free_text_may_be_validated_in_s3(tmp_path: Path) -> None:
    # GIVEN a team's Items schema without PRODUCT_DESCRIPTION (no textual field)
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for dataset_type in DatasetType:
        (schemas / f"{dataset_type.key}.json").write_text(
            (ROOT / "schemas" / f"{dataset_type.key}.json").read_text()
        )
    items = json.loads((schemas / "items.json").read_text())
    items["fields"] = [f for f in items["fields"] if not f.get("textual")]
    (schemas / "items.json").write_text(json.dumps(items))
    overrides = {
        "dev.datasets.items.source": ITEMS_OBJECT,
        "dev.datasets.items.validateInS3": "true",
        "dev.athenaResultsLocation": RESULTS,
    }
    # WHEN the configuration loads with it
    [dev] = load_app_config(_context(**overrides), schemas_dir=schemas).selected
    # THEN Items is validated in S3
    items_config = dev.dataset(DatasetType.ITEMS)
    assert items_config is not None
    assert items_config.validate_in_s3
