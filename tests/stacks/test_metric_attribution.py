"""Metric attribution: revenue and clicks attributed to recommendations, where configured."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from personalize_domain.config import ConfigError
from tests.stacks.template_values import resolve


def test_dev_attributes_revenue_of_purchases_and_counts_views(dev: Template) -> None:
    dev.has_resource_properties(
        "AWS::Personalize::MetricAttribution",
        {
            "Name": "shop-dev-impact",
            "DatasetGroupArn": {"Fn::GetAtt": ["DatasetGroup", "DatasetGroupArn"]},
            "Metrics": [
                {
                    "EventType": "Purchase",
                    "Expression": "SUM(Items.PRICE)",
                    "MetricName": "shop-dev-revenue",
                },
                {
                    "EventType": "View",
                    "Expression": "SAMPLECOUNT()",
                    "MetricName": "shop-dev-clicks",
                },
            ],
            # CloudWatch only, unless publishToS3
            "MetricsOutputConfig": {
                "RoleArn": Match.any_value(),
                "S3DataDestination": Match.absent(),
            },
        },
    )


def test_it_waits_for_the_datasets_it_reads(dev: Template) -> None:
    (attribution,) = dev.find_resources("AWS::Personalize::MetricAttribution").values()
    assert {"InteractionsDataset", "ItemsDataset"} <= set(attribution["DependsOn"])


def test_its_role_only_publishes_metrics_and_only_personalize_here_assumes_it(
    dev: Template,
) -> None:
    (attribution,) = dev.find_resources("AWS::Personalize::MetricAttribution").values()
    role_id = attribution["Properties"]["MetricsOutputConfig"]["RoleArn"]["Fn::GetAtt"][0]
    role = dev.find_resources("AWS::IAM::Role")[role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "personalize.amazonaws.com"}
    assert set(trust["Condition"]) == {"StringEquals", "ArnLike"}
    (policy,) = role["Policies"]
    assert [(s["Action"], s["Resource"]) for s in policy["PolicyDocument"]["Statement"]] == [
        ("cloudwatch:PutMetricData", "*")
    ]


def test_prod_has_none(prod: Template) -> None:
    prod.resource_count_is("AWS::Personalize::MetricAttribution", 0)
    assert "MetricAttributionArn" not in prod.to_json()["Outputs"]


def test_publish_to_s3_writes_reports_under_one_prefix_of_the_data_bucket(synth: Any) -> None:
    stacks = synth({"env": "dev", "dev.metricAttribution.publishToS3": "true"})
    template = Template.from_stack(stacks["dev"])
    (attribution,) = template.find_resources("AWS::Personalize::MetricAttribution").values()
    destination = attribution["Properties"]["MetricsOutputConfig"]["S3DataDestination"]
    assert resolve(destination["Path"]) == "s3://<DataBucket>/metric-attribution/"
    (bucket_policy,) = template.find_resources(
        "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": "DataBucket"}}}
    ).values()
    (statement,) = [
        s
        for s in bucket_policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "PersonalizeWritesMetricAttribution"
    ]
    assert statement["Action"] == "s3:PutObject"
    assert resolve(statement["Resource"]) == "<DataBucket.Arn>/metric-attribution/*"
    assert set(statement["Condition"]) == {"StringEquals", "ArnLike"}


def test_metric_attribution_values_are_typed(synth: Any) -> None:
    with pytest.raises(ConfigError, match=r"dev.metricAttribution.enabled=maybe.*true or false"):
        synth({"env": "dev", "dev.metricAttribution.enabled": "maybe"})


def test_without_an_items_dataset_only_clicks_are_attributed(
    synth: Any, cdk_json_context: dict[str, Any]
) -> None:
    # GIVEN dev with interactions only: there is no Items.PRICE to sum
    environments = copy.deepcopy(cdk_json_context["environments"])
    environments["dev"]["datasets"] = {"interactions": {"source": "data/sample/interactions.csv"}}
    # (filters on Items fields would need the Items dataset too)
    environments["dev"].pop("filters", None)
    # WHEN synthesized / THEN the attribution counts clicks alone
    template = Template.from_stack(synth({"environments": environments, "env": "dev"})["dev"])
    (attribution,) = template.find_resources("AWS::Personalize::MetricAttribution").values()
    assert [m["MetricName"] for m in attribution["Properties"]["Metrics"]] == ["shop-dev-clicks"]
