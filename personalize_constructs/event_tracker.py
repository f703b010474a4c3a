"""An event tracker: the shop's backend streams interactions to the dataset group with it."""

from __future__ import annotations

from aws_cdk import aws_personalize as personalize
from aws_cdk import aws_ssm as ssm
from constructs import Construct


class ShopEventTracker(Construct):
    """The tracker and an SSM parameter holding its tracking id, for backends to read at start.

    The tracking id is not a secret (browsers send it with events), so a plain String parameter.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, name_prefix: str, dataset_group_arn: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.tracker = personalize.CfnEventTracker(
            self,
            "Resource",
            name=f"{name_prefix}-events",
            dataset_group_arn=dataset_group_arn,
        )
        self.tracking_id = self.tracker.attr_tracking_id
        self.parameter = ssm.StringParameter(
            self,
            "TrackingId",
            parameter_name=f"/{name_prefix}/personalize/event-tracking-id",
            string_value=self.tracking_id,
            description="Tracking id of the Personalize event tracker (PutEvents)",
        )
