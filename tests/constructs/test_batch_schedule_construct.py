"""BatchSchedule alone: the schedule, and least privilege for the scheduler and the workflow."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from personalize_constructs.batch_schedule import BatchSchedule
from personalize_domain.batch_config import BatchRecipe, BatchSolutionConfig
from personalize_domain.batch_schedule import parse_schedule
from tests.constructs.builders import PREFIX, bare_stack

SOLUTION = "arn:aws:personalize:eu-west-1:111111111111:solution/shop-test-email-0123abcd"
DATASET = "arn:aws:personalize:eu-west-1:111111111111:dataset/shop-test/INTERACTIONS"
ROLE = "arn:aws:iam::111111111111:role/shop-test-personalize"


class Built:
    def __init__(self) -> None:
        stack = bare_stack()
        ready = sqs.CfnQueue(stack, "VersionReady")
        schedule = parse_schedule("cron(0 6 ? * MON *)")
        self.construct = BatchSchedule(
            stack,
            "EmailBatchSchedule",
            name_prefix=PREFIX,
            config=BatchSolutionConfig(
                name="email",
                recipe=BatchRecipe.USER_PERSONALIZATION_V2,
                schedule=dataclasses.replace(schedule, timezone="Asia/Tokyo"),
            ),
            solution_arn=SOLUTION,
            dataset_arns=[DATASET],
            bucket_name="shop-test-data",
            personalize_role=iam.Role.from_role_arn(stack, "PersonalizeRole", ROLE),
            after=[ready],
        )
        self.stack = stack
        self.ready_id = stack.resolve(ready.ref)["Ref"]
        self.template = Template.from_stack(stack)
        self.resources: dict[str, Any] = self.template.to_json()["Resources"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def statements(self, role_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for policy in self.of_type("AWS::IAM::Policy").values():
            if {"Ref": role_id} in policy["Properties"]["Roles"]:
                found += policy["Properties"]["PolicyDocument"]["Statement"]
        return found


@pytest.fixture(scope="module")
def built() -> Built:
    return Built()


def _id(built: Built, construct: Any) -> str:
    ref: str = built.stack.resolve(construct.node.default_child.ref)["Ref"]
    return ref


def test_the_schedule_starts_the_workflow_in_the_environment_timezone(built: Built) -> None:
    ((_, schedule),) = built.of_type("AWS::Scheduler::Schedule").items()
    properties = schedule["Properties"]
    assert properties["ScheduleExpression"] == "cron(0 6 ? * MON *)"
    assert properties["ScheduleExpressionTimezone"] == "Asia/Tokyo"
    assert properties["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert properties["Target"]["Arn"] == {"Ref": _id(built, built.construct.state_machine)}
    assert properties["GroupName"] == f"{PREFIX}-batch-email"
    # The first run needs the version the deploy trains.
    assert built.ready_id in schedule["DependsOn"]


def test_the_scheduler_may_only_start_that_state_machine_from_its_group(built: Built) -> None:
    role_id = _id(built, built.construct.scheduler_role)
    assert built.statements(role_id) == [
        {
            "Action": "states:StartExecution",
            "Effect": "Allow",
            "Resource": {"Ref": _id(built, built.construct.state_machine)},
        }
    ]
    trust = built.resources[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    ((statement),) = trust
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    source_arn = str(statement["Condition"]["StringEquals"]["aws:SourceArn"])
    assert f"schedule-group/{PREFIX}-batch-email" in source_arn


def test_the_workflow_role_makes_only_its_personalize_calls_on_its_own_arns(built: Built) -> None:
    role_id = built.stack.resolve(built.construct.state_machine.role.role_arn)["Fn::GetAtt"][0]
    by_action: dict[str, Any] = {}
    for statement in built.statements(role_id):
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        for action in actions:
            if action.startswith(("personalize:", "iam:")):
                by_action[action] = (statement["Resource"], statement.get("Condition"))
    jobs = by_action["personalize:DescribeBatchInferenceJob"][0]
    assert "batch-inference-job/shop-test-email-*" in str(jobs)
    assert by_action == {
        "personalize:ListSolutionVersions": (SOLUTION, None),
        "personalize:CreateSolutionVersion": (SOLUTION, None),
        "personalize:DescribeSolutionVersion": (f"{SOLUTION}/*", None),
        # No resource type exists for it (Service Authorization Reference).
        "personalize:ListDatasetImportJobs": ("*", None),
        "personalize:CreateBatchInferenceJob": ([f"{SOLUTION}/*", jobs], None),
        "personalize:DescribeBatchInferenceJob": (jobs, None),
        "iam:PassRole": (
            ROLE,
            {"StringEquals": {"iam:PassedToService": "personalize.amazonaws.com"}},
        ),
    }


def test_the_workflow_has_no_lambda_and_a_bounded_timeout(built: Built) -> None:
    assert built.of_type("AWS::Lambda::Function") == {}
    ((_, machine),) = built.of_type("AWS::StepFunctions::StateMachine").items()
    assert machine["Properties"]["StateMachineName"] == f"{PREFIX}-batch-email"
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}
    assert machine["Properties"]["LoggingConfiguration"]["IncludeExecutionData"] is False
