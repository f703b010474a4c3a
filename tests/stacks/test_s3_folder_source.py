"""A dataset source that is an s3:// folder: imported whole, its wildcard acknowledged on the role
(what the role may read is tested in tests/constructs/test_personalize_role_construct.py)."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from stacks.personalize_stack import PersonalizeShopStack

FOLDER = "s3://shop-exports/personalize/interactions/"


@pytest.fixture(scope="module")
def folder_stack(synth, cdk_json_context: dict[str, Any]) -> PersonalizeShopStack:  # type: ignore[no-untyped-def]
    # GIVEN dev's interactions are every CSV file of an S3 folder (synth runs every nag pack and
    # raises on any unacknowledged finding: today it fails on the role's prefix wildcard)
    environments = json.loads(json.dumps(cdk_json_context["environments"]))
    environments["dev"]["datasets"]["interactions"] = {"source": FOLDER}
    stack: PersonalizeShopStack = synth({"env": "dev", "environments": environments})["dev"]
    return stack


def test_the_import_reads_the_whole_folder(folder_stack: PersonalizeShopStack) -> None:
    # THEN the import job is given the folder itself, which Personalize imports file by file
    imports = Template.from_stack(folder_stack).find_resources("Custom::PersonalizeDatasetImport")
    locations = [body["Properties"]["DataLocation"] for body in imports.values()]
    assert FOLDER in locations


def test_the_prefix_wildcard_is_acknowledged_on_the_role_alone(
    folder_stack: PersonalizeShopStack,
) -> None:
    objects = "arn:<AWS::Partition>:s3:::shop-exports/personalize/interactions/*"
    finding = f"AwsSolutions-IAM5[Resource::{objects}]"
    acknowledged_on = [
        construct.node.path
        for construct in folder_stack.node.find_all()
        for entry in construct.node.metadata
        if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        and f"Annotation::{finding}" in entry.data
    ]
    assert acknowledged_on == ["PersonalizeShop-dev/PersonalizeRole/Role"]
