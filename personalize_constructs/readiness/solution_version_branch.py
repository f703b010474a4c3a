"""The solution-version branch: wait until training ends; ACTIVE is ready, anything else fails
the deploy with Personalize's reason."""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn

from personalize_constructs.readiness.workflow import (
    NO_REASON,
    POLL_INTERVAL,
    BranchContext,
    ReadinessWorkflow,
)


def build(workflow: ReadinessWorkflow, context: BranchContext) -> sfn.IChainable:
    describe = workflow.personalize_call(
        "DescribeSolutionVersion",
        "describeSolutionVersion",
        context.arns.solutions,
        parameters={"SolutionVersionArn": sfn.JsonPath.string_at("$.Arn")},
        result_path="$.Describe",
    )
    workflow.catch_all(describe, "SolutionVersionDescribeError", "read the solution version")
    wait = sfn.Wait(workflow, "WaitForTraining", time=sfn.WaitTime.duration(POLL_INTERVAL))
    wait.next(describe)
    status = "$.Describe.SolutionVersion.Status"
    reason = "$.Describe.SolutionVersion.FailureReason"
    failed = workflow.failure_reason(
        "TrainingFailedReason", "Personalize solution version {} failed: {}", reason
    )
    failed_silently = workflow.failure_reason(
        "TrainingFailedNoReason", f"Personalize solution version {{}} failed: {NO_REASON}"
    )
    stopped = workflow.failure_reason(
        "TrainingStopped",
        "Personalize solution version {} was stopped before training ended (a newer request or "
        "a destroy stopped it)",
    )
    create_failed = sfn.Condition.string_equals(status, "CREATE FAILED")
    describe.next(
        sfn.Choice(workflow, "TrainingSettled")
        .when(sfn.Condition.is_not_present(status), wait)
        .when(sfn.Condition.string_equals(status, "ACTIVE"), context.succeed)
        .when(sfn.Condition.and_(create_failed, sfn.Condition.is_present(reason)), failed)
        .when(create_failed, failed_silently)
        .when(sfn.Condition.string_equals(status, "CREATE STOPPED"), stopped)
        .otherwise(wait)
    )
    return describe
