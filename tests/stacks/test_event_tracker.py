"""The optional event tracker: created where configured, its ARN, tracking id and parameter name
as outputs (the tracker alone is tested in tests/constructs/test_event_tracker_construct.py)."""

from __future__ import annotations

from aws_cdk.assertions import Template


def test_dev_gets_an_event_tracker_on_its_dataset_group(dev: Template) -> None:
    dev.has_resource_properties(
        "AWS::Personalize::EventTracker",
        {
            "Name": "shop-dev-events",
            "DatasetGroupArn": {"Fn::GetAtt": ["DatasetGroup", "DatasetGroupArn"]},
        },
    )


def test_tracker_arn_tracking_id_and_parameter_name_are_outputs(dev: Template) -> None:
    outputs = dev.to_json()["Outputs"]
    (tracker_id,) = dev.find_resources("AWS::Personalize::EventTracker")
    assert outputs["EventTrackerArn"]["Value"] == {"Fn::GetAtt": [tracker_id, "EventTrackerArn"]}
    assert outputs["EventTrackingId"]["Value"] == {"Fn::GetAtt": [tracker_id, "TrackingId"]}
    (parameter_id,) = dev.find_resources("AWS::SSM::Parameter")
    assert outputs["TrackingIdParameterName"]["Value"] == {"Ref": parameter_id}


def test_an_environment_without_it_has_none(prod: Template) -> None:
    prod.resource_count_is("AWS::Personalize::EventTracker", 0)
    assert "EventTrackingId" not in prod.to_json()["Outputs"]
