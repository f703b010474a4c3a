"""Logs: explicit groups with retention, deleted on destroy, for functions and state machines."""

from __future__ import annotations

from aws_cdk.assertions import Template


def test_every_log_group_has_retention_and_is_removed_on_destroy(template: Template) -> None:
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert groups
    for body in groups.values():
        assert body["Properties"]["RetentionInDays"] == 30
        assert body["DeletionPolicy"] == "Delete"


def test_every_function_logs_to_an_explicit_group(template: Template) -> None:
    # Lambda's implicit /aws/lambda/<fn> groups would outlive `cdk destroy` (aws-cdk#11549).
    for logical_id, body in template.find_resources("AWS::Lambda::Function").items():
        if logical_id.startswith("CustomS3AutoDeleteObjects"):
            continue  # CDK's singleton provider: its log group is not configurable
        assert "LogGroup" in body["Properties"]["LoggingConfig"], logical_id


def test_state_machines_log_everything_but_execution_data(template: Template) -> None:
    for body in template.find_resources("AWS::StepFunctions::StateMachine").values():
        config = body["Properties"]["LoggingConfiguration"]
        assert (config["Level"], config["IncludeExecutionData"]) == ("ALL", False)
