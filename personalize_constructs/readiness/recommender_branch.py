"""The recommender branch: wait for training or an update, then converge to the target state
(ACTIVE or INACTIVE)."""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn

from personalize_constructs.readiness.workflow import (
    NO_REASON,
    POLL_INTERVAL,
    BranchContext,
    ReadinessWorkflow,
    retry_while_busy,
)


def build(workflow: ReadinessWorkflow, context: BranchContext) -> sfn.IChainable:
    recommenders, succeed, max_wait = context.arns.recommenders, context.succeed, context.max_wait
    describe = workflow.personalize_call(
        "DescribeRecommender",
        "describeRecommender",
        recommenders,
        parameters={"RecommenderArn": sfn.JsonPath.string_at("$.Arn")},
        result_path="$.Describe",
    )
    workflow.catch_all(describe, "RecommenderDescribeError", "read the recommender")
    wait = sfn.Wait(workflow, "WaitForRecommender", time=sfn.WaitTime.duration(POLL_INTERVAL))
    wait.next(describe)

    update = workflow.personalize_call(
        "UpdateRecommender",
        "updateRecommender",
        recommenders,
        parameters={
            "RecommenderArn": sfn.JsonPath.string_at("$.Arn"),
            "RecommenderConfig": sfn.JsonPath.object_at("$.Update"),
        },
        result_path=sfn.JsonPath.DISCARD,
    )
    # Another update still running is a reason to wait, not to fail.
    retry_while_busy(update, "Personalize.ResourceInUseException", max_wait)
    workflow.catch_all(update, "RecommenderUpdateError", "update the recommender")
    update.next(
        sfn.Pass(
            workflow,
            "UpdateSent",
            result=sfn.Result.from_boolean(True),
            result_path="$.UpdateSent",
        )
    ).next(wait)

    stop = workflow.state_change("stop", recommenders, max_wait)
    start = workflow.state_change("start", recommenders, max_wait)
    stop.next(wait)
    start.next(wait)

    status = "$.Describe.Recommender.Status"
    latest = "$.Describe.Recommender.LatestRecommenderUpdate.Status"
    reason = "$.Describe.Recommender.FailureReason"
    latest_reason = "$.Describe.Recommender.LatestRecommenderUpdate.FailureReason"
    watching = sfn.Condition.boolean_equals("$.WatchUpdate", True)
    has_latest = sfn.Condition.is_present(latest)
    failed = workflow.failure_reason(
        "RecommenderFailedReason", "Personalize recommender {} failed: {}", reason
    )
    failed_silently = workflow.failure_reason(
        "RecommenderFailedNoReason", f"Personalize recommender {{}} failed: {NO_REASON}"
    )
    update_failed = workflow.failure_reason(
        "UpdateFailedReason",
        "Personalize recommender {} could not apply the new configuration: {}",
        latest_reason,
    )
    update_failed_silently = workflow.failure_reason(
        "UpdateFailedNoReason",
        "Personalize recommender {} could not apply the new configuration: " + NO_REASON,
    )
    create_failed = sfn.Condition.string_equals(status, "CREATE FAILED")
    update_create_failed = sfn.Condition.and_(
        watching, has_latest, sfn.Condition.string_equals(latest, "CREATE FAILED")
    )
    # An update the handler could not send (another one ran) is sent here; a stopped
    # recommender is started first, since Personalize may refuse to update it [H].
    update_pending = sfn.Condition.and_(
        sfn.Condition.is_present("$.Update"),
        sfn.Condition.not_(sfn.Condition.is_present("$.UpdateSent")),
    )
    describe.next(
        sfn.Choice(workflow, "RecommenderSettled")
        .when(sfn.Condition.is_not_present(status), wait)
        .when(sfn.Condition.and_(create_failed, sfn.Condition.is_present(reason)), failed)
        .when(create_failed, failed_silently)
        .when(
            sfn.Condition.and_(update_pending, sfn.Condition.string_equals(status, "ACTIVE")),
            update,
        )
        .when(
            sfn.Condition.and_(update_pending, sfn.Condition.string_equals(status, "INACTIVE")),
            start,
        )
        .when(
            sfn.Condition.and_(update_create_failed, sfn.Condition.is_present(latest_reason)),
            update_failed,
        )
        .when(update_create_failed, update_failed_silently)
        .when(
            sfn.Condition.and_(
                watching,
                has_latest,
                sfn.Condition.not_(sfn.Condition.string_equals(latest, "ACTIVE")),
            ),
            wait,
        )
        .when(
            sfn.Condition.and_(
                sfn.Condition.string_equals(status, "ACTIVE"),
                sfn.Condition.string_equals("$.Target", "INACTIVE"),
            ),
            stop,
        )
        .when(
            sfn.Condition.and_(
                sfn.Condition.string_equals(status, "INACTIVE"),
                sfn.Condition.string_equals("$.Target", "ACTIVE"),
            ),
            start,
        )
        .when(sfn.Condition.string_equals_json_path(status, "$.Target"), succeed)
        .otherwise(wait)
    )
    return describe
