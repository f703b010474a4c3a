"""Dataset group and datasets of each environment, pinned ids, and the stack's outputs (the group
alone is tested in tests/constructs/test_dataset_group_construct.py)."""

from __future__ import annotations

import copy
import json

import pytest
from aws_cdk.assertions import Template

from personalize_domain.schemas import DatasetType


def test_dataset_group_is_in_the_ecommerce_domain(dev: Template) -> None:
    dev.has_resource_properties(
        "AWS::Personalize::DatasetGroup", {"Domain": "ECOMMERCE", "Name": "shop-dev"}
    )


@pytest.mark.parametrize("dataset_type", list(DatasetType))
def test_dataset_joins_the_group_with_its_schema(dev: Template, dataset_type: DatasetType) -> None:
    resources = dev.to_json()["Resources"]
    dataset = resources[f"{dataset_type.value}Dataset"]["Properties"]
    schema_id = dataset["SchemaArn"]["Fn::GetAtt"][0]
    assert dataset == {
        "DatasetGroupArn": {"Fn::GetAtt": ["DatasetGroup", "DatasetGroupArn"]},
        "DatasetType": dataset_type.value,
        "Name": f"shop-dev-{dataset_type.key}",
        "SchemaArn": {"Fn::GetAtt": [schema_id, "SchemaArn"]},
    }
    assert json.loads(resources[schema_id]["Properties"]["Schema"])["name"] == dataset_type.value


def test_only_configured_datasets_are_created(synth, cdk_json_context) -> None:  # type: ignore[no-untyped-def]
    # GIVEN a dev environment with interactions data only
    environments = copy.deepcopy(cdk_json_context["environments"])
    environments["dev"]["datasets"] = {"interactions": {"source": "data/sample/interactions.csv"}}
    environments["dev"]["filters"].pop("category")  # it filters on Items
    # WHEN synthesized
    stacks = synth({"environments": environments, "env": "dev"})
    # THEN it has the Interactions dataset and schema and nothing for items or users
    template = Template.from_stack(stacks["dev"])
    assert [
        d["Properties"]["DatasetType"]
        for d in template.find_resources("AWS::Personalize::Dataset").values()
    ] == ["Interactions"]
    template.resource_count_is("AWS::Personalize::Schema", 1)


def test_stateful_logical_ids_are_pinned(dev: Template) -> None:
    # Renaming one of these would make CloudFormation replace it: data loss, or a failed deploy.
    resources = dev.to_json()["Resources"]
    assert resources["DataBucket"]["Type"] == "AWS::S3::Bucket"
    assert resources["AccessLogBucket"]["Type"] == "AWS::S3::Bucket"
    assert resources["DatasetGroup"]["Type"] == "AWS::Personalize::DatasetGroup"
    assert resources["InteractionsDataset"]["Type"] == "AWS::Personalize::Dataset"


def test_outputs_are_plain_and_export_free(dev: Template) -> None:
    outputs = dev.to_json()["Outputs"]
    assert set(outputs) == {
        "DataBucketName",
        "AccessLogBucketName",
        "PersonalizeRoleArn",
        "DatasetGroupArn",
        "InteractionsDatasetArn",
        "ItemsDatasetArn",
        "UsersDatasetArn",
        "InteractionsSchemaArn",
        "ItemsSchemaArn",
        "UsersSchemaArn",
        "ReadinessStateMachineArn",
        "InteractionsImportJobArn",
        "ItemsImportJobArn",
        "UsersImportJobArn",
        "RecommendedForYouRecommenderArn",
        "RecommendedForYouRecommenderMetrics",
        "BestSellersRecommenderArn",
        "BestSellersRecommenderMetrics",
        "EmailBatchSolutionVersionArn",
        "EmailBatchSolutionMetrics",
        "EventTrackerArn",
        "EventTrackingId",
        "TrackingIdParameterName",
        "DashboardUrl",
        "AlarmTopicArn",
        "MetricAttributionArn",
        "ExcludePurchasedFilterArn",
        "CategoryFilterArn",
    }
    assert all("Export" not in o for o in outputs.values())
