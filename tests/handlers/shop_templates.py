"""Template pieces the lifecycle scenarios share: the dev dataset group as the stack declares it."""

from __future__ import annotations

from typing import Any

from tests.personalize_simulator import ECOMMERCE_INTERACTIONS_SCHEMA


def dataset_group_resources() -> dict[str, Any]:
    """The dataset group and its Interactions schema and dataset: Group, Schema, Dataset."""
    return {
        "Group": {
            "Type": "AWS::Personalize::DatasetGroup",
            "Properties": {"Name": "shop-dev", "Domain": "ECOMMERCE"},
        },
        **schema_and_dataset(
            "Interactions",
            schema_name="shop-dev-interactions-1",
            schema=ECOMMERCE_INTERACTIONS_SCHEMA,
        ),
    }


def schema_and_dataset(
    dataset_type: str, *, schema_name: str, schema: str, prefix: str = ""
) -> dict[str, Any]:
    """A schema and the dataset of group Group created on it: <prefix>Schema, <prefix>Dataset."""
    return {
        f"{prefix}Schema": {
            "Type": "AWS::Personalize::Schema",
            "Properties": {"Name": schema_name, "Schema": schema, "Domain": "ECOMMERCE"},
        },
        f"{prefix}Dataset": {
            "Type": "AWS::Personalize::Dataset",
            "Properties": {
                "Name": f"shop-dev-{dataset_type.lower()}",
                "DatasetType": dataset_type,
                "DatasetGroupArn": {"Ref": "Group"},
                "SchemaArn": {"Ref": f"{prefix}Schema"},
            },
        },
    }
