"""The solution-delete branch: stop what still trains, then delete the solution as soon as
Personalize allows it (no version CREATE PENDING, IN_PROGRESS or STOPPING)."""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn

from personalize_constructs.readiness.workflow import (
    POLL_INTERVAL,
    BranchContext,
    ReadinessWorkflow,
    retry_while_busy,
)


def build(workflow: ReadinessWorkflow, context: BranchContext) -> sfn.IChainable:
    solutions, max_wait = context.arns.solutions, context.max_wait
    gone = sfn.Succeed(workflow, "SolutionGone")
    cannot = sfn.Fail(workflow, "SolutionNotDeleted", error="SolutionNotDeleted")
    describe = workflow.personalize_call(
        "ReapDescribeSolution",
        "describeSolution",
        solutions,
        parameters={"SolutionArn": sfn.JsonPath.string_at("$.Arn")},
        result_path="$.Describe",
    )
    describe.add_catch(gone, errors=["Personalize.ResourceNotFoundException"])
    describe.add_catch(cannot, errors=["States.ALL"])
    wait = sfn.Wait(workflow, "WaitToDeleteSolution", time=sfn.WaitTime.duration(POLL_INTERVAL))
    wait.next(describe)
    stop = workflow.personalize_call(
        "ReapStopTraining",
        "stopSolutionVersionCreation",
        solutions,
        parameters={
            "SolutionVersionArn": sfn.JsonPath.string_at(
                "$.Describe.Solution.LatestSolutionVersion.SolutionVersionArn"
            )
        },
        result_path=sfn.JsonPath.DISCARD,
    )
    # Already stopping or settled: look again.
    stop.add_catch(wait, errors=["States.ALL"], result_path=sfn.JsonPath.DISCARD)
    stop.next(wait)
    delete = workflow.personalize_call(
        "ReapDeleteSolution",
        "deleteSolution",
        solutions,
        parameters={"SolutionArn": sfn.JsonPath.string_at("$.Arn")},
        result_path=sfn.JsonPath.DISCARD,
    )
    retry_while_busy(delete, "Personalize.ResourceInUseException", max_wait)
    delete.add_catch(gone, errors=["Personalize.ResourceNotFoundException"])
    delete.add_catch(cannot, errors=["States.ALL"])
    delete.next(gone)
    status = "$.Describe.Solution.Status"
    latest = "$.Describe.Solution.LatestSolutionVersion.Status"
    has_latest = sfn.Condition.is_present(latest)
    describe.next(
        sfn.Choice(workflow, "SolutionDeletable")
        .when(sfn.Condition.is_not_present(status), wait)
        .when(sfn.Condition.string_matches(status, "DELETE *"), gone)
        .when(
            sfn.Condition.and_(
                has_latest,
                sfn.Condition.or_(
                    sfn.Condition.string_equals(latest, "CREATE PENDING"),
                    sfn.Condition.string_equals(latest, "CREATE IN_PROGRESS"),
                ),
            ),
            stop,
        )
        .when(
            sfn.Condition.and_(has_latest, sfn.Condition.string_equals(latest, "CREATE STOPPING")),
            wait,
        )
        .when(
            sfn.Condition.or_(
                sfn.Condition.string_equals(status, "ACTIVE"),
                sfn.Condition.string_equals(status, "CREATE FAILED"),
            ),
            delete,
        )
        .otherwise(wait)
    )
    return describe
