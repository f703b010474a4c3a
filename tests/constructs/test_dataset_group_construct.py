"""ShopDatasetGroup alone: an ECOMMERCE group, each given schema and the dataset that uses it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from personalize_constructs.dataset_group import ShopDatasetGroup
from personalize_domain.schemas import DatasetType, load_schema
from tests.constructs.builders import PREFIX, bare_stack, logical_id, resources


def _group(*dataset_types: DatasetType) -> tuple[ShopDatasetGroup, Template]:
    stack = bare_stack()
    group = ShopDatasetGroup(
        stack, "DatasetGroup", name=PREFIX, schemas=[load_schema(t) for t in dataset_types]
    )
    return group, Template.from_stack(stack)


@pytest.fixture(scope="module")
def every_type() -> tuple[ShopDatasetGroup, Template]:
    return _group(*DatasetType)


def test_dataset_group_is_in_the_ecommerce_domain(
    every_type: tuple[ShopDatasetGroup, Template],
) -> None:
    _, template = every_type
    template.has_resource_properties(
        "AWS::Personalize::DatasetGroup", {"Domain": "ECOMMERCE", "Name": PREFIX}
    )


@pytest.mark.parametrize("dataset_type", list(DatasetType))
def test_schema_is_the_one_given_in_the_ecommerce_domain(
    every_type: tuple[ShopDatasetGroup, Template], dataset_type: DatasetType
) -> None:
    # GIVEN schemas/<type>.json / THEN the template carries the same Avro schema
    _, template = every_type
    (schema,) = [
        s
        for s in resources(template, "AWS::Personalize::Schema").values()
        if json.loads(s["Properties"]["Schema"])["name"] == dataset_type.value
    ]
    expected = load_schema(dataset_type).path.read_text()
    assert json.loads(schema["Properties"]["Schema"]) == json.loads(expected)
    assert schema["Properties"]["Domain"] == "ECOMMERCE"


def test_schema_name_changes_with_its_content(
    every_type: tuple[ShopDatasetGroup, Template],
) -> None:
    # Schemas are immutable; a content hash in the name makes an edit a new schema, not a
    # failed replacement of a custom-named resource.
    _, template = every_type
    names = [
        s["Properties"]["Name"] for s in resources(template, "AWS::Personalize::Schema").values()
    ]
    assert len(names) == 3
    assert all(n.startswith(f"{PREFIX}-") and len(n.rsplit("-", 1)[1]) == 8 for n in names), names


@pytest.mark.parametrize("dataset_type", list(DatasetType))
def test_dataset_joins_the_group_with_its_schema(
    every_type: tuple[ShopDatasetGroup, Template], dataset_type: DatasetType
) -> None:
    group, template = every_type
    all_resources: dict[str, Any] = template.to_json()["Resources"]
    dataset = all_resources[logical_id(group.datasets[dataset_type])]["Properties"]
    assert dataset == {
        "DatasetGroupArn": {"Fn::GetAtt": [logical_id(group.dataset_group), "DatasetGroupArn"]},
        "DatasetType": dataset_type.value,
        "Name": f"{PREFIX}-{dataset_type.key}",
        "SchemaArn": {"Fn::GetAtt": [logical_id(group.schemas[dataset_type]), "SchemaArn"]},
    }


def test_only_the_given_schemas_get_a_dataset() -> None:
    # GIVEN the Interactions schema alone / THEN one schema and one dataset, nothing else
    _, template = _group(DatasetType.INTERACTIONS)
    datasets = resources(template, "AWS::Personalize::Dataset").values()
    assert [d["Properties"]["DatasetType"] for d in datasets] == ["Interactions"]
    template.resource_count_is("AWS::Personalize::Schema", 1)


def test_a_group_without_interactions_is_refused() -> None:
    with pytest.raises(ValueError, match="needs an Interactions schema"):
        _group(DatasetType.ITEMS)
