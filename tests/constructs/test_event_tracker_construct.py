"""ShopEventTracker alone: the tracker on the given group, its tracking id in an SSM parameter."""

from __future__ import annotations

from aws_cdk.assertions import Template

from personalize_constructs.event_tracker import ShopEventTracker
from tests.constructs.builders import GROUP_ARN, PREFIX, bare_stack, logical_id


def test_the_tracker_is_on_the_group_and_its_id_in_a_named_string_parameter() -> None:
    stack = bare_stack()
    tracker = ShopEventTracker(
        stack, "EventTracker", name_prefix=PREFIX, dataset_group_arn=GROUP_ARN
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Personalize::EventTracker",
        {"Name": f"{PREFIX}-events", "DatasetGroupArn": GROUP_ARN},
    )
    # The tracking id is not a secret (browsers send it with events): a plain String parameter.
    template.has_resource_properties(
        "AWS::SSM::Parameter",
        {
            "Name": f"/{PREFIX}/personalize/event-tracking-id",
            "Type": "String",
            "Value": {"Fn::GetAtt": [logical_id(tracker.tracker), "TrackingId"]},
        },
    )
