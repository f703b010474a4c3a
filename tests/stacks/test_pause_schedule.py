"""The optional pause schedule in each environment (the schedule alone is tested in
tests/constructs/test_pause_schedule_construct.py)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.personalize_stack import PersonalizeShopStack


def _schedules(template: Template) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template.find_resources("AWS::Scheduler::Schedule")
    return found


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_recommenders_are_started_and_stopped_at_the_environments_hours(
    stacks: dict[str, PersonalizeShopStack], templates: dict[str, Template], env: str
) -> None:
    # GIVEN the environment's runningHours / THEN a start and a stop schedule per recommender at
    # those hours, or none
    hours = stacks[env].config.running_hours
    schedules = _schedules(templates[env]).values()
    recommenders = len(stacks[env].config.recommenders)
    expected = (
        sorted(
            [(hours.cron(hours.start), hours.timezone)] * recommenders
            + [(hours.cron(hours.stop), hours.timezone)] * recommenders
        )
        if hours
        else []
    )
    assert (
        sorted(
            (s["Properties"]["ScheduleExpression"], s["Properties"]["ScheduleExpressionTimezone"])
            for s in schedules
        )
        == expected
    )


def test_schedules_wait_until_the_recommenders_are_ready(dev: Template) -> None:
    resources = dev.to_json()["Resources"]
    for schedule in _schedules(dev).values():
        types = {resources[d]["Type"] for d in schedule["DependsOn"]}
        assert types == {"AWS::CloudFormation::WaitCondition", "AWS::Scheduler::ScheduleGroup"}


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
