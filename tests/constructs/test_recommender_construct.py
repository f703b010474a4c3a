"""Recommender alone: its configuration as the handler gets it, its wait, its metrics."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from personalize_constructs.recommender import Recommender
from personalize_constructs.resource_kinds import RECOMMENDER, RECOMMENDER_METRICS
from personalize_domain.config import RecommenderConfig, RecommenderState
from personalize_domain.use_cases import USE_CASES
from tests.constructs.builders import (
    GROUP_ARN,
    PREFIX,
    SERVICE_TOKEN,
    bare_stack,
    logical_id,
    readiness_workflow,
)

RESOURCE_TYPE, METRICS_TYPE = RECOMMENDER.resource_type, RECOMMENDER_METRICS.resource_type


class Built:
    def __init__(self, config: RecommenderConfig, *, max_wait: Duration | None = None) -> None:
        stack = bare_stack()
        self.after = sqs.CfnQueue(stack, "SomethingFirst")
        self.recommender = Recommender(
            stack,
            "Recommender",
            service_token=SERVICE_TOKEN,
            workflow=readiness_workflow(stack),
            dataset_group_arn=GROUP_ARN,
            name_prefix=PREFIX,
            config=config,
            after=[self.after],
            max_wait=max_wait or Duration.hours(6),
        )
        self.resources: dict[str, Any] = Template.from_stack(stack).to_json()["Resources"]
        ((self.logical_id, self.body),) = [
            (k, v) for k, v in self.resources.items() if v["Type"] == RESOURCE_TYPE
        ]
        self.props: dict[str, Any] = self.body["Properties"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}


EXPLORING = RecommenderConfig(
    use_case=USE_CASES["recommended-for-you"],
    min_recommendation_requests_per_second=2,
    exploration_weight=0.5,
    exploration_item_age_cut_off_days=14,
)


@pytest.fixture(scope="module")
def exploring() -> Built:
    return Built(EXPLORING)


def test_the_configuration_is_sent_as_strings(exploring: Built) -> None:
    assert {
        k: exploring.props[k]
        for k in (
            "Name",
            "DatasetGroupArn",
            "RecipeArn",
            "MinRecommendationRequestsPerSecond",
            "ExplorationWeight",
            "ExplorationItemAgeCutOff",
            "State",
        )
    } == {
        "Name": f"{PREFIX}-recommended-for-you",
        "DatasetGroupArn": GROUP_ARN,
        "RecipeArn": "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you",
        "MinRecommendationRequestsPerSecond": "2",
        "ExplorationWeight": "0.5",
        "ExplorationItemAgeCutOff": "14",
        "State": "running",
    }


def test_unset_exploration_is_sent_empty_and_a_stopped_state_as_stopped() -> None:
    config = RecommenderConfig(use_case=USE_CASES["best-sellers"], state=RecommenderState.STOPPED)
    props = Built(config).props
    assert (props["ExplorationWeight"], props["ExplorationItemAgeCutOff"], props["State"]) == (
        "",
        "",
        "stopped",
    )


def test_exploration_for_a_use_case_without_it_is_refused() -> None:
    config = RecommenderConfig(use_case=USE_CASES["best-sellers"], exploration_weight=0.3)
    with pytest.raises(ValueError, match="takes no exploration"):
        Built(config)


def test_it_starts_after_what_it_is_given_to_wait_for(exploring: Built) -> None:
    assert logical_id(exploring.after) in exploring.body["DependsOn"]


def test_it_is_awaited_by_its_own_wait_condition_for_the_given_bound(exploring: Built) -> None:
    handle = exploring.props["ReadinessHandle"]
    (condition,) = exploring.of_type("AWS::CloudFormation::WaitCondition").values()
    assert condition["Properties"] == {"Count": 1, "Handle": handle, "Timeout": "21600"}
    assert condition["DependsOn"] == [exploring.logical_id]


def test_a_new_configuration_is_a_new_wait_on_the_same_resource(exploring: Built) -> None:
    changed = Built(
        RecommenderConfig(
            use_case=EXPLORING.use_case,
            min_recommendation_requests_per_second=3,
            exploration_weight=EXPLORING.exploration_weight,
            exploration_item_age_cut_off_days=EXPLORING.exploration_item_age_cut_off_days,
        )
    )
    assert changed.logical_id == exploring.logical_id
    assert changed.props["ReadinessHandle"] != exploring.props["ReadinessHandle"]


def test_metrics_are_read_once_it_is_ready(exploring: Built) -> None:
    ((metrics_id, metrics),) = exploring.of_type(METRICS_TYPE).items()
    assert metrics["Properties"]["RecommenderArn"] == {"Ref": exploring.logical_id}
    (condition,) = metrics["DependsOn"]
    assert (
        exploring.resources[condition]["Properties"]["Handle"] == exploring.props["ReadinessHandle"]
    )
    assert exploring.recommender.metrics_json is not None
    assert metrics_id.startswith("RecommenderMetrics")
