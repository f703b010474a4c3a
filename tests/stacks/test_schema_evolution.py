"""Schema evolution in the template: a new optional column updates a dataset, never replaces it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as cdk_app
from personalize_domain.config import load_app_config
from personalize_domain.schemas import SCHEMAS_DIR, DatasetType, SchemaError

UPDATE_TYPE = "Custom::PersonalizeDatasetSchema"
NEW_COLUMN = {"name": "PREFERRED_CHANNEL", "type": ["null", "string"], "categorical": True}
EVOLVING = (DatasetType.ITEMS, DatasetType.USERS)


def _with_new_column(root: Path, dataset_type: DatasetType) -> None:
    """Add NEW_COLUMN to schemas/<type>.json and record it as history v2, as a PR would."""
    path = root / f"{dataset_type.key}.json"
    raw = json.loads(path.read_text())
    raw["fields"].append(NEW_COLUMN)
    path.write_text(json.dumps(raw, indent=2))
    shutil.copy(path, root / "history" / dataset_type.key / "v2.json")


def _synth_dev(
    cdk_json_context: dict[str, Any], tmp_path: Path, schemas_dir: Path
) -> dict[str, Any]:
    app = cdk.App(context={**cdk_json_context, "env": "dev"}, outdir=str(tmp_path / "cdk.out"))
    stacks = cdk_app.build_app(
        app, load_app_config(app.node.get_all_context()), schemas_dir=schemas_dir
    )
    app.synth()  # cdk-nag included: the new permissions must be acknowledged
    template: dict[str, Any] = Template.from_stack(stacks["dev"]).to_json()
    return template


@pytest.fixture(scope="module")
def evolved(
    cdk_json_context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """dev synthesized after Items and Users each gained an optional column."""
    tmp_path = tmp_path_factory.mktemp("evolved")
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, schemas)
    for dataset_type in EVOLVING:
        _with_new_column(schemas, dataset_type)
    return _synth_dev(cdk_json_context, tmp_path, schemas)


@pytest.fixture(scope="module")
def today(dev: Template) -> dict[str, Any]:
    template: dict[str, Any] = dev.to_json()
    return template


def test_no_schema_update_while_schemas_equal_their_first_version(today: dict[str, Any]) -> None:
    assert not [r for r in today["Resources"].values() if r["Type"] == UPDATE_TYPE]


@pytest.mark.parametrize("dataset_type", list(DatasetType))
def test_a_new_column_keeps_every_dataset_and_its_schema_as_they_are(
    today: dict[str, Any], evolved: dict[str, Any], dataset_type: DatasetType
) -> None:
    # GIVEN dev today / WHEN Items and Users gain an optional column
    # THEN each dataset keeps its logical id, Name and SchemaArn: CloudFormation replaces nothing
    logical_id = f"{dataset_type.value}Dataset"
    assert evolved["Resources"][logical_id] == today["Resources"][logical_id]
    schema_id = today["Resources"][logical_id]["Properties"]["SchemaArn"]["Fn::GetAtt"][0]
    assert evolved["Resources"][schema_id] == today["Resources"][schema_id]


def test_only_schema_updates_are_added(today: dict[str, Any], evolved: dict[str, Any]) -> None:
    added = set(evolved["Resources"]) - set(today["Resources"])
    assert {evolved["Resources"][i]["Type"] for i in added} == {UPDATE_TYPE}
    assert sorted(i.split("SchemaUpdate")[0] for i in added) == ["Items", "Users"]
    assert set(today["Resources"]) <= set(evolved["Resources"])


def test_what_changes_besides_is_permissions_and_the_imports_order(
    today: dict[str, Any], evolved: dict[str, Any]
) -> None:
    changed = {
        logical_id: evolved["Resources"][logical_id]["Type"]
        for logical_id, body in today["Resources"].items()
        if evolved["Resources"][logical_id] != body
    }
    assert set(changed.values()) == {
        "AWS::IAM::Policy",  # the handlers may now update datasets and manage schemas
        "AWS::IAM::Role",  # the cdk-nag acknowledgment of that, in the role's metadata
        "Custom::PersonalizeDatasetImport",  # imports now wait for the schema update
        "AWS::Personalize::Filter",  # so do filters: they may name the new fields
    }
    for logical_id, resource_type in changed.items():
        before, after = today["Resources"][logical_id], evolved["Resources"][logical_id]
        if resource_type == "AWS::IAM::Role":
            assert before["Properties"] == after["Properties"]
        if resource_type == "AWS::Personalize::Filter":
            assert {k: v for k, v in before.items() if k != "DependsOn"} == {
                k: v for k, v in after.items() if k != "DependsOn"
            }
            assert set(after["DependsOn"]) - set(before["DependsOn"]) == {
                i for i in evolved["Resources"] if "SchemaUpdate" in i
            }
    assert sorted(i for i, t in changed.items() if t == "Custom::PersonalizeDatasetImport") == [
        i for i in sorted(changed) if i.startswith(("ItemsImport", "UsersImport"))
    ]


@pytest.mark.parametrize("dataset_type", EVOLVING)
def test_the_update_carries_the_new_schema_for_the_same_dataset(
    evolved: dict[str, Any], dataset_type: DatasetType
) -> None:
    (props,) = [
        r["Properties"]
        for i, r in evolved["Resources"].items()
        if r["Type"] == UPDATE_TYPE and i.startswith(dataset_type.value)
    ]
    assert props["DatasetArn"] == {"Fn::GetAtt": [f"{dataset_type.value}Dataset", "DatasetArn"]}
    assert json.loads(props["Schema"])["fields"][-1] == NEW_COLUMN
    assert props["SchemaName"].startswith(f"shop-dev-{dataset_type.key}-")
    assert props["Domain"] == "ECOMMERCE"


@pytest.mark.parametrize("dataset_type", EVOLVING)
def test_the_import_waits_for_the_schema_update(
    evolved: dict[str, Any], dataset_type: DatasetType
) -> None:
    # Recommenders wait for the imports, so they wait for the new schema too.
    resources = evolved["Resources"]
    (update_id,) = [
        i
        for i, r in resources.items()
        if r["Type"] == UPDATE_TYPE and i.startswith(dataset_type.value)
    ]
    (import_id,) = [
        i
        for i, r in resources.items()
        if r["Type"] == "Custom::PersonalizeDatasetImport"
        and i.startswith(f"{dataset_type.value}Import")
    ]
    assert update_id in resources[import_id]["DependsOn"]


@pytest.mark.parametrize("dataset_type", EVOLVING)
def test_the_schema_output_names_the_schema_the_dataset_has(
    evolved: dict[str, Any], dataset_type: DatasetType
) -> None:
    output = evolved["Outputs"][f"{dataset_type.value}SchemaArn"]["Value"]
    assert evolved["Resources"][output["Ref"]]["Type"] == UPDATE_TYPE


def test_a_new_interactions_column_fails_synth_naming_the_fix(
    cdk_json_context: dict[str, Any], tmp_path: Path
) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, schemas)
    _with_new_column(schemas, DatasetType.INTERACTIONS)
    with pytest.raises(
        SchemaError, match=r"field PREFERRED_CHANNEL is new, but Personalize cannot"
    ):
        _synth_dev(cdk_json_context, tmp_path, schemas)
