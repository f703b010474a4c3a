"""Business impact of the recommendations: revenue and clicks Personalize attributes to them.

A native `AWS::Personalize::MetricAttribution` on the dataset group. Personalize sums, every 15
minutes, the PRICE of the items of Purchase events and counts View events, per source
(the recommender that produced the event's `recommendationId`, or its
`eventAttributionSource`), and publishes the sums to CloudWatch; optionally the reports of bulk
imports to the data bucket too. What events must carry: README, "Metric attribution".
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_iam as iam
from aws_cdk import aws_personalize as personalize
from aws_cdk import aws_s3 as s3
from constructs import Construct

from personalize_constructs.acknowledgments import acknowledge, arn_ref
from personalize_constructs.data_bucket import PERSONALIZE_IN_THIS_ACCOUNT, PERSONALIZE_PRINCIPAL

S3_PREFIX = "metric-attribution/"


@dataclass(frozen=True)
class AttributedMetric:
    suffix: str  # the metric is named <namePrefix>-<suffix>
    event_type: str
    expression: str

    @property
    def needs_items(self) -> bool:
        return "Items." in self.expression


# Items.PRICE is a required field of the ECOMMERCE Items schema; event types are exact strings.
METRICS = (
    AttributedMetric("revenue", "Purchase", "SUM(Items.PRICE)"),
    AttributedMetric("clicks", "View", "SAMPLECOUNT()"),
)


class ShopMetricAttribution(Construct):
    """The metric attribution and the role Personalize publishes its reports with."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        dataset_group_arn: str,
        has_items_dataset: bool,
        data_bucket: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # Revenue reads Items.PRICE: without an Items dataset, only clicks are attributed.
        metrics = [m for m in METRICS if has_items_dataset or not m.needs_items]
        self.metric_names = tuple(f"{name_prefix}-{m.suffix}" for m in metrics)
        principal = iam.ServicePrincipal(PERSONALIZE_PRINCIPAL).with_conditions(
            PERSONALIZE_IN_THIS_ACCOUNT
        )
        statements = [
            # PutMetricData takes no resource ARN (Service Authorization Reference).
            iam.PolicyStatement(actions=["cloudwatch:PutMetricData"], resources=["*"])
        ]
        if data_bucket is not None:
            statements.append(
                iam.PolicyStatement(
                    actions=["s3:PutObject"],
                    resources=[data_bucket.arn_for_objects(f"{S3_PREFIX}*")],
                )
            )
            statements.append(
                iam.PolicyStatement(
                    actions=["s3:ListBucket"],
                    resources=[data_bucket.bucket_arn],
                    conditions={"StringLike": {"s3:prefix": [f"{S3_PREFIX}*"]}},
                )
            )
            # The bucket policy must allow the service as well (granting-personalize-s3-access).
            data_bucket.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="PersonalizeWritesMetricAttribution",
                    principals=[iam.ServicePrincipal(PERSONALIZE_PRINCIPAL)],
                    actions=["s3:PutObject"],
                    resources=[data_bucket.arn_for_objects(f"{S3_PREFIX}*")],
                    conditions=PERSONALIZE_IN_THIS_ACCOUNT,
                )
            )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=principal,
            description="Assumed by Amazon Personalize to publish metric attribution reports",
            inline_policies={"PublishReports": iam.PolicyDocument(statements=statements)},
        )
        acknowledge(self.role, "IAM5[Resource::*]", "put-metric-data")
        if data_bucket is not None:
            acknowledge(
                self.role,
                f"IAM5[Resource::{arn_ref(data_bucket)}/{S3_PREFIX}*]",
                "attribution-reports",
            )
        output: dict[str, object] = {"roleArn": self.role.role_arn}
        if data_bucket is not None:
            output["s3DataDestination"] = {"path": f"s3://{data_bucket.bucket_name}/{S3_PREFIX}"}
        self.resource = personalize.CfnMetricAttribution(
            self,
            "Resource",
            name=f"{name_prefix}-impact",
            dataset_group_arn=dataset_group_arn,
            metrics=[
                personalize.CfnMetricAttribution.MetricAttributeProperty(
                    event_type=m.event_type, expression=m.expression, metric_name=name
                )
                for m, name in zip(metrics, self.metric_names, strict=True)
            ],
            metrics_output_config=output,
        )
        # The role's policy must exist before Personalize validates the role.
        self.resource.node.add_dependency(self.role)
        self.arn = self.resource.attr_metric_attribution_arn
