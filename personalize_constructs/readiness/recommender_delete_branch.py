"""The recommender-delete branch: delete a recommender as soon as Personalize allows it."""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn

from personalize_constructs.readiness.workflow import (
    POLL_INTERVAL,
    BranchContext,
    ReadinessWorkflow,
    retry_while_busy,
)

# Recommender statuses from which Personalize accepts DeleteRecommender.
DELETABLE = ("ACTIVE", "INACTIVE", "CREATE FAILED")


def build(workflow: ReadinessWorkflow, context: BranchContext) -> sfn.IChainable:
    recommenders, max_wait = context.arns.recommenders, context.max_wait
    gone = sfn.Succeed(workflow, "RecommenderGone")
    cannot = sfn.Fail(workflow, "RecommenderNotDeleted", error="RecommenderNotDeleted")
    describe = workflow.personalize_call(
        "ReapDescribeRecommender",
        "describeRecommender",
        recommenders,
        parameters={"RecommenderArn": sfn.JsonPath.string_at("$.Arn")},
        result_path="$.Describe",
    )
    describe.add_catch(gone, errors=["Personalize.ResourceNotFoundException"])
    describe.add_catch(cannot, errors=["States.ALL"])
    delete = workflow.personalize_call(
        "ReapDeleteRecommender",
        "deleteRecommender",
        recommenders,
        parameters={"RecommenderArn": sfn.JsonPath.string_at("$.Arn")},
        result_path=sfn.JsonPath.DISCARD,
    )
    retry_while_busy(delete, "Personalize.ResourceInUseException", max_wait)
    delete.add_catch(gone, errors=["Personalize.ResourceNotFoundException"])
    delete.add_catch(cannot, errors=["States.ALL"])
    delete.next(gone)
    wait = sfn.Wait(workflow, "WaitToDelete", time=sfn.WaitTime.duration(POLL_INTERVAL))
    wait.next(describe)
    status = "$.Describe.Recommender.Status"
    latest = "$.Describe.Recommender.LatestRecommenderUpdate.Status"
    describe.next(
        sfn.Choice(workflow, "RecommenderDeletable")
        .when(sfn.Condition.is_not_present(status), wait)
        .when(sfn.Condition.string_matches(status, "DELETE *"), gone)
        .when(
            sfn.Condition.and_(
                sfn.Condition.is_present(latest),
                sfn.Condition.or_(
                    sfn.Condition.string_equals(latest, "CREATE PENDING"),
                    sfn.Condition.string_equals(latest, "CREATE IN_PROGRESS"),
                ),
            ),
            wait,
        )
        .when(
            sfn.Condition.or_(*(sfn.Condition.string_equals(status, value) for value in DELETABLE)),
            delete,
        )
        .otherwise(wait)
    )
    return describe
