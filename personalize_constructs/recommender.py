"""An ECOMMERCE recommender as a custom resource, ready when trained and in its configured state."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import CustomResource, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IDependable

from personalize_constructs.acknowledgments import acknowledge
from personalize_constructs.environment_arns import environment_arns, nag_environment_arns
from personalize_constructs.provider import SERVICE_TIMEOUT, PersonalizeProvider
from personalize_constructs.readiness import ReadinessWorkflow, ReadyCustomResource
from personalize_constructs.resource_kinds import RECOMMENDER, RECOMMENDER_METRICS
from personalize_domain.config import RecommenderConfig


class Recommender(ReadyCustomResource):
    """One use case's recommender: created, updated in place, stopped or started by configuration.

    Every change of configuration is a new operation with its own WaitCondition, so
    `cdk deploy` waits until Personalize has applied it. `metrics` holds the trained model's
    modelMetrics as attributes (one per metric, and `Json` with all of them).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_token: str,
        workflow: ReadinessWorkflow,
        dataset_group_arn: str,
        name_prefix: str,
        config: RecommenderConfig,
        after: Sequence[IDependable],
        max_wait: Duration,
    ) -> None:
        use_case = config.use_case
        if not use_case.supports_exploration and (
            config.exploration_weight is not None
            or config.exploration_item_age_cut_off_days is not None
        ):
            raise ValueError(f"{construct_id}: {use_case.console_name} takes no exploration")
        name = f"{name_prefix}-{use_case.key}"
        values = {
            "Name": name,
            "DatasetGroupArn": dataset_group_arn,
            "RecipeArn": use_case.recipe_arn,
            "MinRecommendationRequestsPerSecond": str(
                config.min_recommendation_requests_per_second
            ),
            # Personalize takes exploration values as strings; empty means "not set".
            "ExplorationWeight": _text(config.exploration_weight),
            "ExplorationItemAgeCutOff": _text(config.exploration_item_age_cut_off_days),
            "State": config.state.value,
        }
        # Written only when set, so a recommender without them keeps its properties (and its
        # operation) unchanged.
        if config.enable_metadata_with_recommendations:
            values["EnableMetadataWithRecommendations"] = "true"
        if config.training_data is not None:
            values["TrainingDataConfig"] = json.dumps(
                config.training_data.api_shape(), sort_keys=True, separators=(",", ":")
            )
        values = {key: values[key] for key in RECOMMENDER.properties if key in values}
        operation = "|".join(f"{k}={v}" for k, v in values.items() if k != "DatasetGroupArn")
        super().__init__(
            scope,
            construct_id,
            kind=RECOMMENDER,
            service_token=service_token,
            workflow=workflow,
            properties=values,
            operation_key=operation,
            max_wait=max_wait,
            after=after,
        )
        self.name = name
        self.arn = self.resource.ref
        # Read once the operation is over; a new operation reads them again.
        self.metrics = CustomResource(
            self,
            "Metrics",
            service_token=service_token,
            resource_type=RECOMMENDER_METRICS.resource_type,
            properties=dict(
                zip(RECOMMENDER_METRICS.properties, (self.arn, operation), strict=True)
            ),
            service_timeout=SERVICE_TIMEOUT,
        )
        self.metrics.node.add_dependency(self.gate.condition)
        self.metrics_json = self.metrics.get_att_string("Json")


def _text(value: float | int | None) -> str:
    return "" if value is None else str(value)


def grant_recommender_management(provider: PersonalizeProvider, *, name_prefix: str) -> None:
    """Least privilege for the handlers: this environment's recommenders and dataset group."""
    stack = Stack.of(provider)
    arns = environment_arns(provider, name_prefix=name_prefix)
    recipes = stack.format_arn(
        service="personalize",
        region="",
        account="",
        resource="recipe",
        resource_name="aws-ecomm-*",
    )
    provider.on_event_function.add_to_role_policy(
        iam.PolicyStatement(
            sid="Recommenders",
            actions=[
                "personalize:CreateRecommender",
                "personalize:DescribeRecommender",
                "personalize:UpdateRecommender",
                "personalize:DeleteRecommender",
                # The owner tag: which CloudFormation resource manages the recommender.
                "personalize:TagResource",
                "personalize:ListTagsForResource",
            ],
            resources=[arns.recommenders, arns.dataset_group, recipes],
        )
    )
    provider.is_complete_function.add_to_role_policy(
        iam.PolicyStatement(
            sid="Recommenders",
            actions=[
                "personalize:DescribeRecommender",
                "personalize:DeleteRecommender",
                "personalize:ListTagsForResource",
            ],
            resources=[arns.recommenders],
        )
    )
    nag = nag_environment_arns(name_prefix=name_prefix)
    on_event = provider.on_event_function.role
    acknowledge(on_event, f"IAM5[Resource::{nag.recommenders}]", "env-recommenders")
    acknowledge(
        on_event,
        "IAM5[Resource::arn:<AWS::Partition>:personalize:::recipe/aws-ecomm-*]",
        "ecommerce-recipes",
    )
    acknowledge(
        provider.is_complete_function.role,
        f"IAM5[Resource::{nag.recommenders}]",
        "env-recommenders",
    )
