"""PauseSchedule alone: Scheduler starts and stops the given recommenders, no Lambda."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from personalize_constructs.pause_schedule import PauseSchedule
from personalize_domain.config import RunningHours
from tests.constructs.builders import PREFIX, bare_stack, logical_id

HOURS = RunningHours(start="07:30", stop="19:00", days="MON-SAT", timezone="Asia/Tokyo")
ARNS = {
    "First": "arn:aws:personalize:eu-west-1:111111111111:recommender/shop-test-first",
    "Second": "arn:aws:personalize:eu-west-1:111111111111:recommender/shop-test-second",
}


class Built:
    def __init__(self) -> None:
        stack = bare_stack()
        self.ready = sqs.CfnQueue(stack, "RecommendersReady")
        PauseSchedule(
            stack,
            "PauseSchedule",
            name_prefix=PREFIX,
            running_hours=HOURS,
            recommenders=ARNS,
            after=[self.ready],
        )
        self.template = Template.from_stack(stack)
        self.resources: dict[str, Any] = self.template.to_json()["Resources"]

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        return [v for v in self.resources.values() if v["Type"] == resource_type]


@pytest.fixture(scope="module")
def built() -> Built:
    return Built()


def test_each_recommender_is_started_and_stopped_at_the_given_hours(built: Built) -> None:
    schedules = built.of_type("AWS::Scheduler::Schedule")
    actions = sorted(
        (
            s["Properties"]["Target"]["Arn"]["Fn::Join"][1][-1],
            s["Properties"]["ScheduleExpression"],
            json.loads(s["Properties"]["Target"]["Input"])["RecommenderArn"],
        )
        for s in schedules
    )
    start, stop = (
        ":scheduler:::aws-sdk:personalize:startRecommender",
        ":scheduler:::aws-sdk:personalize:stopRecommender",
    )
    assert actions == [
        (start, "cron(30 7 ? * MON-SAT *)", ARNS["First"]),
        (start, "cron(30 7 ? * MON-SAT *)", ARNS["Second"]),
        (stop, "cron(0 19 ? * MON-SAT *)", ARNS["First"]),
        (stop, "cron(0 19 ? * MON-SAT *)", ARNS["Second"]),
    ]
    assert {s["Properties"]["ScheduleExpressionTimezone"] for s in schedules} == {"Asia/Tokyo"}


def test_schedules_wait_for_what_they_are_given_and_their_group(built: Built) -> None:
    for schedule in built.of_type("AWS::Scheduler::Schedule"):
        types = {built.resources[d]["Type"] for d in schedule["DependsOn"]}
        assert types == {"AWS::SQS::Queue", "AWS::Scheduler::ScheduleGroup"}
        assert logical_id(built.ready) in schedule["DependsOn"]


def test_every_schedule_is_in_its_own_schedule_group(built: Built) -> None:
    (group,) = built.of_type("AWS::Scheduler::ScheduleGroup")
    assert group["Properties"] == {"Name": f"{PREFIX}-pause"}
    names = {s["Properties"]["GroupName"] for s in built.of_type("AWS::Scheduler::Schedule")}
    assert names == {f"{PREFIX}-pause"}


def test_the_scheduler_may_assume_the_role_only_for_that_schedule_group(built: Built) -> None:
    # Confused-deputy protection: only on behalf of this schedule group in this account.
    (role,) = built.of_type("AWS::IAM::Role")
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
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
                        f":schedule-group/{PREFIX}-pause",
                    ],
                ]
            },
        }
    }


def test_the_role_may_only_stop_and_start_the_given_recommenders(built: Built) -> None:
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"] for p in built.of_type("AWS::IAM::Policy")
    ]
    assert policies == [
        [
            {
                "Action": ["personalize:StartRecommender", "personalize:StopRecommender"],
                "Effect": "Allow",
                "Resource": list(ARNS.values()),
            }
        ]
    ]


def test_nothing_to_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match="no recommenders to schedule"):
        PauseSchedule(
            bare_stack(),
            "PauseSchedule",
            name_prefix=PREFIX,
            running_hours=HOURS,
            recommenders={},
            after=[],
        )
