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
        "Schema": {
            "Type": "AWS::Personalize::Schema",
            "Properties": {
                "Name": "shop-dev-interactions-1",
                "Schema": ECOMMERCE_INTERACTIONS_SCHEMA,
                "Domain": "ECOMMERCE",
            },
        },
        "Dataset": {
            "Type": "AWS::Personalize::Dataset",
            "Properties": {
                "Name": "shop-dev-interactions",
                "DatasetType": "Interactions",
                "DatasetGroupArn": {"Ref": "Group"},
                "SchemaArn": {"Ref": "Schema"},
            },
        },
    }
