"""Import jobs in each environment: its data files, ordering, data locations (the import alone is
tested in tests/constructs/test_dataset_import_construct.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from personalize_domain.schemas import DatasetType

ROOT = Path(__file__).resolve().parents[2]
IMPORT_TYPE = "Custom::PersonalizeDatasetImport"


def _resources(template: Template, resource_type: str) -> dict[str, Any]:
    found: dict[str, Any] = template.find_resources(resource_type)
    return found


def _import(template: Template, dataset_type: DatasetType) -> tuple[str, dict[str, Any]]:
    (entry,) = [
        (logical_id, body)
        for logical_id, body in _resources(template, IMPORT_TYPE).items()
        if body["Properties"]["DatasetArn"]
        == {"Fn::GetAtt": [f"{dataset_type.value}Dataset", "DatasetArn"]}
    ]
    return entry


@pytest.mark.parametrize("dataset_type", list(DatasetType))
def test_each_dataset_gets_one_import_of_its_content_addressed_file(
    dev: Template, dataset_type: DatasetType
) -> None:
    _, body = _import(dev, dataset_type)
    location = body["Properties"]["DataLocation"]["Fn::Join"][1]
    assert location[0:2] == ["s3://", {"Ref": "DataBucket"}]
    key = location[2]
    assert key.startswith(f"/datasets/{dataset_type.key}/")
    assert key.endswith(f"/{dataset_type.key}.csv")
    assert len(key.split("/")[3]) == 16


def test_first_import_mode_comes_from_the_environment(dev: Template) -> None:
    _, body = _import(dev, DatasetType.INTERACTIONS)
    assert body["Properties"]["ImportMode"] == "FULL"


def test_import_passes_the_personalize_role(dev: Template) -> None:
    _, body = _import(dev, DatasetType.INTERACTIONS)
    role = body["Properties"]["RoleArn"]["Fn::GetAtt"]
    assert dev.to_json()["Resources"][role[0]]["Type"] == "AWS::IAM::Role"
    assert role[0].startswith("PersonalizeRole")


@pytest.mark.parametrize("dataset_type", list(DatasetType))
def test_import_starts_after_bucket_policy_role_and_its_own_upload(
    dev: Template, dataset_type: DatasetType
) -> None:
    _, body = _import(dev, dataset_type)
    resources = dev.to_json()["Resources"]
    depends = {resources[d]["Type"] for d in body["DependsOn"]}
    assert {"AWS::S3::BucketPolicy", "AWS::IAM::Role", "Custom::CDKBucketDeployment"} <= depends
    uploads = [
        d for d in body["DependsOn"] if resources[d]["Type"] == "Custom::CDKBucketDeployment"
    ]
    assert [resources[u]["Properties"]["DestinationBucketKeyPrefix"] for u in uploads] == [
        body["Properties"]["DataLocation"]["Fn::Join"][1][2].rsplit("/", 1)[0].lstrip("/")
    ]


def test_imports_of_different_datasets_run_in_parallel(dev: Template) -> None:
    imports = _resources(dev, IMPORT_TYPE)
    for body in imports.values():
        assert not set(body.get("DependsOn", [])) & set(imports)


def test_changed_data_gives_a_new_location_and_a_new_wait_condition(
    synth,
    cdk_json_context,
    dev,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    # GIVEN a copy of the sample interactions with one more event
    changed = tmp_path / "interactions.csv"
    original = (ROOT / "data/sample/interactions.csv").read_text()
    changed.write_text(original + original.splitlines()[-1].replace("View", "Purchase") + "\n")
    environments = json.loads(json.dumps(cdk_json_context["environments"]))
    environments["dev"]["datasets"]["interactions"]["source"] = str(changed)
    # WHEN synthesized
    before = dev
    after = Template.from_stack(synth({"env": "dev", "environments": environments})["dev"])
    # THEN the data lands at a new key, and CloudFormation waits on a new condition
    old_id, old = _import(before, DatasetType.INTERACTIONS)
    new_id, new = _import(after, DatasetType.INTERACTIONS)
    assert old_id == new_id
    assert old["Properties"]["DataLocation"] != new["Properties"]["DataLocation"]
    assert old["Properties"]["ReadinessHandle"] != new["Properties"]["ReadinessHandle"]


def test_data_already_in_s3_is_imported_from_its_uri_without_a_copy(
    synth,
    cdk_json_context,  # type: ignore[no-untyped-def]
) -> None:
    # GIVEN dev's interactions are an existing s3:// object
    uri = "s3://shop-exports/personalize/interactions.csv"
    environments = json.loads(json.dumps(cdk_json_context["environments"]))
    environments["dev"]["datasets"] = {"interactions": {"source": uri}}
    environments["dev"]["filters"].pop("category")  # it filters on Items
    template = Template.from_stack(synth({"env": "dev", "environments": environments})["dev"])
    # THEN the import reads the URI, nothing is copied, and the role may read that object
    _, body = _import(template, DatasetType.INTERACTIONS)
    assert body["Properties"]["DataLocation"] == uri
    template.resource_count_is("Custom::CDKBucketDeployment", 0)
    role = next(
        r
        for r in _resources(template, "AWS::IAM::Role").values()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "personalize.amazonaws.com"}
    )
    # (the next statement, where batch solutions are defined, is the batch output write)
    statement = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert statement["Action"] == ["s3:GetObject", "s3:ListBucket"]
    partition = {"Ref": "AWS::Partition"}
    assert {"Fn::Join": ["", ["arn:", partition, ":s3:::shop-exports"]]} in statement["Resource"]
    assert {
        "Fn::Join": ["", ["arn:", partition, ":s3:::shop-exports/personalize/interactions.csv"]]
    } in statement["Resource"]
