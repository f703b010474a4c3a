"""A team's variant of dev with `batch.email.schedule`: the stack synthesizes cdk-nag clean (the
synth fixture fails on any finding), wires the workflow to the solution, the data bucket and the
Personalize role, and its failures reach an alarm and the dashboard. dev itself has no schedule
(every run is billed): tests/config/test_batch_schedule_config.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_cdk.assertions import Template

from personalize_constructs.acknowledgments import COMPLIANCE_PACKS
from stacks.personalize_stack import PersonalizeShopStack
from tests.stacks.acknowledged import (
    ACKNOWLEDGED_WITH_SCHEDULE,
    COMPLIANCE_WITH_SCHEDULE,
    WILDCARD_GRANTS_WITH_SCHEDULE,
    WILDCARD_RESOURCE_GRANTS,
    WILDCARD_RESOURCE_GRANTS_IN_DEV,
    acknowledged,
    expected_acknowledgments,
    expected_compliance_counts,
    wildcard_grants,
)
from tests.stacks.alarm_evaluator import ALARM, OK, evaluate

SCHEDULED = {"env": "dev", "dev.batch.email.schedule": "cron(0 6 ? * MON *)"}


@pytest.fixture(scope="module")
def scheduled_stack(synth: Any) -> PersonalizeShopStack:
    stack: PersonalizeShopStack = synth(SCHEDULED)["dev"]
    return stack


@pytest.fixture(scope="module")
def scheduled(scheduled_stack: PersonalizeShopStack) -> Template:
    return Template.from_stack(scheduled_stack)


def test_the_schedule_adds_exactly_the_reviewed_acknowledgments(
    scheduled_stack: PersonalizeShopStack,
) -> None:
    expected = expected_acknowledgments(scheduled_stack) | ACKNOWLEDGED_WITH_SCHEDULE
    assert set(acknowledged(scheduled_stack)) == expected


def test_the_schedule_adds_exactly_the_reviewed_grants_on_any_resource(
    scheduled_stack: PersonalizeShopStack, scheduled: Template
) -> None:
    reviewed = {*WILDCARD_RESOURCE_GRANTS, *WILDCARD_RESOURCE_GRANTS_IN_DEV}
    grants = wildcard_grants(scheduled_stack, scheduled)
    assert grants - reviewed == WILDCARD_GRANTS_WITH_SCHEDULE


@pytest.mark.parametrize("pack", COMPLIANCE_PACKS)
def test_the_schedule_adds_exactly_the_reviewed_compliance_decisions(
    scheduled_stack: PersonalizeShopStack, pack: str
) -> None:
    per_rule: dict[str, int] = {}
    for _, rule in acknowledged(scheduled_stack, pack):
        per_rule[rule] = per_rule.get(rule, 0) + 1
    expected = expected_compliance_counts(scheduled_stack)
    assert per_rule == {k: v + COMPLIANCE_WITH_SCHEDULE.get(k, 0) for k, v in expected.items()}


def _alarm(template: Template, name: str) -> dict[str, Any]:
    (alarm,) = [
        r["Properties"]
        for r in template.find_resources("AWS::CloudWatch::Alarm").values()
        if r["Properties"]["AlarmName"] == name
    ]
    return alarm


def _machine_id(template: Template) -> str:
    (machine_id,) = [
        k
        for k, v in template.find_resources("AWS::StepFunctions::StateMachine").items()
        if v["Properties"]["StateMachineName"] == "shop-dev-batch-email"
    ]
    return machine_id


def test_dev_as_configured_has_no_batch_schedule(dev: Template) -> None:
    assert "shop-dev-batch-email" not in json.dumps(dev.to_json())


def test_the_schedule_runs_in_devs_timezone_and_starts_the_batch_workflow(
    scheduled: Template,
) -> None:
    schedules = [
        s["Properties"]
        for s in scheduled.find_resources("AWS::Scheduler::Schedule").values()
        if s["Properties"]["GroupName"] == "shop-dev-batch-email"
    ]
    (schedule,) = schedules
    assert schedule["ScheduleExpression"] == "cron(0 6 ? * MON *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Madrid"  # dev's timezone
    assert schedule["Target"]["Arn"] == {"Ref": _machine_id(scheduled)}


def test_the_workflow_reads_the_solution_datasets_bucket_and_role_of_the_stack(
    scheduled: Template,
) -> None:
    resources = scheduled.to_json()["Resources"]
    definition = json.dumps(resources[_machine_id(scheduled)]["Properties"]["DefinitionString"])
    (solution_id,) = scheduled.find_resources("Custom::PersonalizeSolution")
    assert json.dumps({"Ref": solution_id}) in definition
    for dataset in ("Interactions", "Items", "Users"):
        assert json.dumps({"Fn::GetAtt": [f"{dataset}Dataset", "DatasetArn"]}) in definition
    assert "/batch/email/input/" in definition
    assert "/batch/email/output/" in definition
    assert "PersonalizeRole" in definition


def test_a_failed_or_timed_out_scheduled_run_alarms(scheduled: Template) -> None:
    alarm = _alarm(scheduled, "shop-dev-email-batch-workflow-failed")
    stats = [q for q in alarm["Metrics"] if "MetricStat" in q]
    assert sorted(q["MetricStat"]["Metric"]["MetricName"] for q in stats) == [
        "ExecutionsFailed",
        "ExecutionsTimedOut",
    ]
    for query in stats:
        (dimension,) = query["MetricStat"]["Metric"]["Dimensions"]
        assert dimension == {"Name": "StateMachineArn", "Value": {"Ref": _machine_id(scheduled)}}
    assert alarm["AlarmActions"]
    times = [datetime(2027, 1, 11, 6, tzinfo=UTC)]
    # A failed training or batch job ends the execution FAILED: one is enough.
    assert evaluate(alarm, {"ExecutionsFailed": [1]}, times) == ALARM
    assert evaluate(alarm, {"ExecutionsTimedOut": [1]}, times) == ALARM
    assert evaluate(alarm, {}, times) == OK


def test_the_dashboard_graphs_the_batch_workflow_and_shows_its_alarm(scheduled: Template) -> None:
    (dashboard,) = scheduled.find_resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "EmailBatch workflow executions" in body
    assert "shop-dev-email-batch-workflow-failed" in body or "EmailBatchWorkflowFailed" in body
