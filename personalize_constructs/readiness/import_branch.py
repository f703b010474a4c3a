"""The import branch: create the job if the handler could not (quota, a running import), then
wait until it is ACTIVE or failed."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn

from personalize_constructs.environment_arns import pass_role_to_personalize
from personalize_constructs.readiness.workflow import (
    NO_REASON,
    POLL_INTERVAL,
    BranchContext,
    ReadinessWorkflow,
    retry_while_busy,
)


def build(workflow: ReadinessWorkflow, context: BranchContext) -> sfn.IChainable:
    import_jobs, datasets = context.arns.import_jobs, context.arns.datasets
    personalize_role, succeed, max_wait = (
        context.personalize_role,
        context.succeed,
        context.max_wait,
    )
    describe_import = workflow.personalize_call(
        "DescribeImportJob",
        "describeDatasetImportJob",
        import_jobs,
        parameters={"DatasetImportJobArn": sfn.JsonPath.string_at("$.Arn")},
        result_path="$.Describe",
    )
    workflow.catch_all(describe_import, "ImportDescribeError", "read the import job")
    create_import = workflow.personalize_call(
        "CreateImportJob",
        "createDatasetImportJob",
        [import_jobs, datasets],
        additional_iam_statements=[pass_role_to_personalize(personalize_role)],
        parameters={
            "JobName": sfn.JsonPath.string_at("$.Create.JobName"),
            "DatasetArn": sfn.JsonPath.string_at("$.Create.DatasetArn"),
            "DataSource": {
                "DataLocation": sfn.JsonPath.string_at("$.Create.DataSource.DataLocation")
            },
            "RoleArn": sfn.JsonPath.string_at("$.Create.RoleArn"),
            "ImportMode": sfn.JsonPath.string_at("$.Create.ImportMode"),
        },
        result_path=sfn.JsonPath.DISCARD,
    )
    # Five pending imports per region, not adjustable, or another import of this dataset
    # still running (a rollback re-importing earlier data): wait for it.
    retry_while_busy(
        create_import,
        ["Personalize.LimitExceededException", "Personalize.ResourceInUseException"],
        max_wait,
    )
    create_import.add_catch(
        describe_import,
        errors=["Personalize.ResourceAlreadyExistsException"],
        result_path=sfn.JsonPath.DISCARD,
    )
    workflow.catch_all(create_import, "ImportCreateError", "start the import job")
    import_status = "$.Describe.DatasetImportJob.Status"
    import_reason = "$.Describe.DatasetImportJob.FailureReason"
    import_failed = workflow.failure_reason(
        "ImportFailedReason", "Personalize import job {} failed: {}", import_reason
    )
    import_failed_silently = workflow.failure_reason(
        "ImportFailedNoReason", f"Personalize import job {{}} failed: {NO_REASON}"
    )
    wait_import = sfn.Wait(
        workflow, "WaitForImport", time=sfn.WaitTime.duration(POLL_INTERVAL)
    ).next(describe_import)
    create_import.next(wait_import)
    # Every member of a describe response is optional in the API: a missing one must never
    # fail the workflow at runtime (it would then never signal).
    import_failed_status = sfn.Condition.and_(
        sfn.Condition.is_present(import_status),
        sfn.Condition.string_equals(import_status, "CREATE FAILED"),
    )
    describe_import.next(
        sfn.Choice(workflow, "ImportSettled")
        .when(sfn.Condition.is_not_present(import_status), wait_import)
        .when(sfn.Condition.string_equals(import_status, "ACTIVE"), succeed)
        .when(
            sfn.Condition.and_(import_failed_status, sfn.Condition.is_present(import_reason)),
            import_failed,
        )
        .when(import_failed_status, import_failed_silently)
        .otherwise(wait_import)
    )
    to_create = sfn.Choice(workflow, "ImportToCreate")
    if context.validates_imports:
        to_create.when(sfn.Condition.is_present("$.Validate"), validate(workflow, create_import))
    return to_create.when(sfn.Condition.is_present("$.Create"), create_import).otherwise(
        describe_import
    )


# Athena's own integration: `.sync` waits for the query inside Step Functions (no Lambda, no
# polling loop of ours); getQueryResults reads the query's one cell.
START_QUERY = "arn:aws:states:::athena:startQueryExecution.sync"
GET_RESULTS = "arn:aws:states:::athena:getQueryResults"
FAILURE_CELL = "$.Validation.Failure"


def validate(workflow: ReadinessWorkflow, create_import: sfn.IChainable) -> sfn.IChainable:
    """Run the import's validation query (personalize_domain/data/deploy_validation.py); its one
    cell is null when the data passes (then create the job), else the findings (then fail)."""
    start = sfn.CustomState(
        workflow,
        "StartValidationQuery",
        state_json={
            "Type": "Task",
            "Resource": START_QUERY,
            "Parameters": {
                "QueryString.$": "$.Validate.QueryString",
                "WorkGroup.$": "$.Validate.WorkGroup",
                "ResultConfiguration": {"OutputLocation.$": "$.Validate.OutputLocation"},
            },
            "ResultSelector": {"QueryExecutionId.$": "$.QueryExecution.QueryExecutionId"},
            "ResultPath": "$.Validation",
        },
    )
    start.add_retry(
        errors=["Athena.TooManyRequestsException", "Athena.InternalServerException"],
        interval=Duration.seconds(5),
        backoff_rate=2,
        max_attempts=8,
    )
    read = sfn.CustomState(
        workflow,
        "ReadValidationResult",
        state_json={
            "Type": "Task",
            "Resource": GET_RESULTS,
            "Parameters": {
                "QueryExecutionId.$": "$.Validation.QueryExecutionId",
                # The labels row and the one data row.
                "MaxResults": 2,
            },
            "ResultSelector": {"Failure.$": "$.ResultSet.Rows[1].Data[0]"},
            "ResultPath": "$.Validation",
        },
    )
    read.add_retry(
        errors=["Athena.TooManyRequestsException", "Athena.InternalServerException"],
        interval=Duration.seconds(5),
        backoff_rate=2,
        max_attempts=8,
    )
    for task, doing in ((start, "ValidationQueryError"), (read, "ValidationResultError")):
        task.add_catch(
            workflow.fail_with(
                doing,
                "Could not validate the data with Athena before its import: {}: {}",
                "$.Error.Error",
                "$.Error.Cause",
            ),
            errors=["States.ALL"],
            result_path="$.Error",
        )
    failed = workflow.fail_with("ValidationFindings", "{}", f"{FAILURE_CELL}.VarCharValue")
    return start.next(read).next(
        sfn.Choice(workflow, "Validated")
        .when(sfn.Condition.is_present(f"{FAILURE_CELL}.VarCharValue"), failed)
        .otherwise(create_import)
    )
