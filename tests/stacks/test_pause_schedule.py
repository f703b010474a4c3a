"""The optional pause schedule: EventBridge Scheduler stops and starts recommenders, no Lambda."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template


def _schedules(template: Template) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template.find_resources("AWS::Scheduler::Schedule")
    return found


def test_each_recommender_is_started_and_stopped_at_the_configured_hours(dev: Template) -> None:
    # GIVEN dev: runningHours 08:00-20:00, MON-FRI, Europe/Madrid, two recommenders
    schedules = _schedules(dev).values()
    actions = sorted(
        (s["Properties"]["Target"]["Arn"]["Fn::Join"][1][-1], s["Properties"]["ScheduleExpression"])
        for s in schedules
    )
    assert actions == [
        (":scheduler:::aws-sdk:personalize:startRecommender", "cron(0 8 ? * MON-FRI *)"),
        (":scheduler:::aws-sdk:personalize:startRecommender", "cron(0 8 ? * MON-FRI *)"),
        (":scheduler:::aws-sdk:personalize:stopRecommender", "cron(0 20 ? * MON-FRI *)"),
        (":scheduler:::aws-sdk:personalize:stopRecommender", "cron(0 20 ? * MON-FRI *)"),
    ]
    assert {s["Properties"]["ScheduleExpressionTimezone"] for s in schedules} == {"Europe/Madrid"}


def test_the_schedule_calls_personalize_directly_with_the_recommender_arn(dev: Template) -> None:
    recommenders = set(dev.find_resources("Custom::PersonalizeRecommender"))
    for schedule in _schedules(dev).values():
        target = schedule["Properties"]["Target"]
        text = json.dumps(target["Input"])
        assert '\\"RecommenderArn\\":' in text or '"RecommenderArn' in text
        assert any(f'{{"Ref": "{r}"}}' in text for r in recommenders)


def test_schedules_wait_until_the_recommenders_are_ready(dev: Template) -> None:
    resources = dev.to_json()["Resources"]
    for schedule in _schedules(dev).values():
        types = {resources[d]["Type"] for d in schedule["DependsOn"]}
        assert types == {"AWS::CloudFormation::WaitCondition", "AWS::Scheduler::ScheduleGroup"}


def test_every_schedule_is_in_the_environments_own_schedule_group(dev: Template) -> None:
    (group,) = dev.find_resources("AWS::Scheduler::ScheduleGroup").values()
    assert group["Properties"] == {"Name": "shop-dev-pause"}
    assert {s["Properties"]["GroupName"] for s in _schedules(dev).values()} == {"shop-dev-pause"}


def test_the_scheduler_may_assume_the_role_only_for_that_schedule_group(dev: Template) -> None:
    # GIVEN the pause role / THEN EventBridge Scheduler may assume it only on behalf of this
    # environment's schedule group in this account (confused-deputy protection)
    (role_id,) = {
        s["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0] for s in _schedules(dev).values()
    }
    (statement,) = dev.to_json()["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ]
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"},
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":scheduler:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":schedule-group/shop-dev-pause",
                    ],
                ]
            },
        }
    }


def test_the_scheduler_role_may_only_stop_and_start_these_recommenders(dev: Template) -> None:
    (role_id,) = {
        s["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0] for s in _schedules(dev).values()
    }
    role = dev.to_json()["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "scheduler.amazonaws.com"
    }
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in dev.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    recommenders = sorted(dev.find_resources("Custom::PersonalizeRecommender"))
    assert policies == [
        [
            {
                "Action": ["personalize:StartRecommender", "personalize:StopRecommender"],
                "Effect": "Allow",
                "Resource": [{"Ref": r} for r in recommenders],
            }
        ]
    ]


def test_an_environment_without_running_hours_has_no_schedule(prod: Template) -> None:
    prod.resource_count_is("AWS::Scheduler::Schedule", 0)
