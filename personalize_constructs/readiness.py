"""Waiting for Personalize past CloudFormation's one-hour custom-resource cap.

A custom resource starts an operation and returns at once. The `ReadinessWorkflow` (one Step
Functions state machine per stack) then polls Personalize with Wait states and SDK
integrations, no Lambda sleeping, and signals a CloudFormation WaitCondition through a tiny
Lambda (`lambda/personalize_cr/wait_signal.py`). A `ReadinessGate` is that WaitCondition and its
handle; its logical id carries a hash of the operation, so every new operation (new data, new
configuration) gets a fresh handle that CloudFormation waits on. See docs/readiness.md.
"""

from __future__ import annotations

import hashlib

from aws_cdk import ArnFormat, CfnWaitCondition, CfnWaitConditionHandle, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from personalize_constructs.environment_arns import (
    environment_arns,
    pass_role_to_personalize,
    state_machine_principal,
)
from personalize_constructs.handler_code import explicit_log_group, handler_function

# CloudFormation's WaitCondition Timeout is at most 12 hours.
MAX_WAIT = Duration.hours(12)
POLL_INTERVAL = Duration.seconds(60)
# Kinds of operation the workflow can wait for; the custom-resource handlers send one of these.
KIND_IMPORT = "import"
KIND_RECOMMENDER = "recommender"
# A recommender whose Delete outlasted the Provider's budget: delete it once training ends.
KIND_RECOMMENDER_DELETE = "recommender-delete"
NO_REASON = "Personalize gave no failure reason"
# Recommender statuses from which Personalize accepts DeleteRecommender.
_DELETABLE = ("ACTIVE", "INACTIVE", "CREATE FAILED")

# SDK integrations name undeclared errors <Service>.<Service>Exception, which is how throttling
# is expected to arrive [H]; the declared-looking names are kept in case it arrives as such.
_TRANSIENT_ERRORS = [
    "Personalize.ThrottlingException",
    "Personalize.ServiceUnavailableException",
    "Personalize.InternalFailureException",
    "Personalize.PersonalizeException",
    "Personalize.SdkClientException",
    "States.Timeout",
]


class ReadinessWorkflow(Construct):
    """Polls an operation until it settles and signals the operation's WaitCondition.

    Input, sent by the custom-resource handlers: `Kind` (import or recommender), `Arn` and
    `HandleUrl`; for imports `Create` when the quota kept the handler from starting the job; for
    recommenders `Target` (ACTIVE or INACTIVE), `WatchUpdate`, and `Update` when another update
    kept the handler from sending the new configuration.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        personalize_role: iam.IRole,
        max_wait: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        if max_wait.to_seconds() > MAX_WAIT.to_seconds():
            raise ValueError(f"{construct_id}: max_wait is above CloudFormation's 12-hour limit")
        self.state_machine_name = f"{name_prefix}-readiness"
        self.signal_function = handler_function(
            self,
            "Signal",
            handler="wait_signal.handler",
            timeout=Duration.minutes(1),
            description="Signals a CloudFormation WaitCondition for a Personalize operation",
        )
        arns = environment_arns(self, name_prefix=name_prefix)

        succeed = self._signal("SignalReady", status="SUCCESS", reason="Ready")
        failed = sfn.Fail(self, "OperationFailed", error="OperationFailed")
        self._signal_failure = self._signal(
            "SignalFailed",
            status="FAILURE",
            reason=sfn.JsonPath.string_at("$.Reason"),
        ).next(failed)

        start_import = self._import_branch(
            arns.import_jobs, arns.datasets, personalize_role, succeed, max_wait
        )
        start_recommender = self._recommender_branch(arns.recommenders, succeed, max_wait)
        start_delete = self._recommender_delete_branch(arns.recommenders, max_wait)

        definition = (
            sfn.Choice(self, "Kind")
            .when(sfn.Condition.string_equals("$.Kind", KIND_IMPORT), start_import)
            .when(sfn.Condition.string_equals("$.Kind", KIND_RECOMMENDER), start_recommender)
            .when(sfn.Condition.string_equals("$.Kind", KIND_RECOMMENDER_DELETE), start_delete)
            .otherwise(sfn.Fail(self, "UnknownKind", error="UnknownKind", cause="unsupported Kind"))
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            # A readable name for operators; executions are then `<prefix>-readiness:<op>`.
            state_machine_name=self.state_machine_name,
            role=iam.Role(
                self,
                "Role",
                assumed_by=state_machine_principal(
                    self, state_machine_name=self.state_machine_name
                ),
            ),
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=max_wait,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=explicit_log_group(self, "Logs"),
                level=sfn.LogLevel.ALL,
                # The input holds the presigned WaitCondition handle: keep it out of the logs.
                include_execution_data=False,
            ),
        )

    def _import_branch(
        self,
        import_jobs: str,
        datasets: str,
        personalize_role: iam.IRole,
        succeed: sfn.IChainable,
        max_wait: Duration,
    ) -> sfn.IChainable:
        """Create the job if the handler could not (quota), then wait for ACTIVE."""
        describe_import = self._personalize_call(
            "DescribeImportJob",
            "describeDatasetImportJob",
            import_jobs,
            parameters={"DatasetImportJobArn": sfn.JsonPath.string_at("$.Arn")},
            result_path="$.Describe",
        )
        self._catch_all(describe_import, "ImportDescribeError", "read the import job")
        create_import = self._personalize_call(
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
        _retry_while_busy(
            create_import,
            ["Personalize.LimitExceededException", "Personalize.ResourceInUseException"],
            max_wait,
        )
        create_import.add_catch(
            describe_import,
            errors=["Personalize.ResourceAlreadyExistsException"],
            result_path=sfn.JsonPath.DISCARD,
        )
        self._catch_all(create_import, "ImportCreateError", "start the import job")
        import_status = "$.Describe.DatasetImportJob.Status"
        import_reason = "$.Describe.DatasetImportJob.FailureReason"
        import_failed = self._failure_reason(
            "ImportFailedReason", "Personalize import job {} failed: {}", import_reason
        )
        import_failed_silently = self._failure_reason(
            "ImportFailedNoReason", f"Personalize import job {{}} failed: {NO_REASON}"
        )
        wait_import = sfn.Wait(
            self, "WaitForImport", time=sfn.WaitTime.duration(POLL_INTERVAL)
        ).next(describe_import)
        create_import.next(wait_import)
        # Every member of a describe response is optional in the API: a missing one must never
        # fail the workflow at runtime (it would then never signal).
        import_failed_status = sfn.Condition.and_(
            sfn.Condition.is_present(import_status),
            sfn.Condition.string_equals(import_status, "CREATE FAILED"),
        )
        describe_import.next(
            sfn.Choice(self, "ImportSettled")
            .when(sfn.Condition.is_not_present(import_status), wait_import)
            .when(sfn.Condition.string_equals(import_status, "ACTIVE"), succeed)
            .when(
                sfn.Condition.and_(import_failed_status, sfn.Condition.is_present(import_reason)),
                import_failed,
            )
            .when(import_failed_status, import_failed_silently)
            .otherwise(wait_import)
        )
        return (
            sfn.Choice(self, "ImportToCreate")
            .when(sfn.Condition.is_present("$.Create"), create_import)
            .otherwise(describe_import)
        )

    def _recommender_branch(
        self, recommenders: str, succeed: sfn.IChainable, max_wait: Duration
    ) -> sfn.IChainable:
        """Wait for training or an update, then converge to the target state (ACTIVE/INACTIVE)."""
        describe = self._personalize_call(
            "DescribeRecommender",
            "describeRecommender",
            recommenders,
            parameters={"RecommenderArn": sfn.JsonPath.string_at("$.Arn")},
            result_path="$.Describe",
        )
        self._catch_all(describe, "RecommenderDescribeError", "read the recommender")
        wait = sfn.Wait(self, "WaitForRecommender", time=sfn.WaitTime.duration(POLL_INTERVAL))
        wait.next(describe)

        update = self._personalize_call(
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
        _retry_while_busy(update, "Personalize.ResourceInUseException", max_wait)
        self._catch_all(update, "RecommenderUpdateError", "update the recommender")
        update.next(
            sfn.Pass(
                self,
                "UpdateSent",
                result=sfn.Result.from_boolean(True),
                result_path="$.UpdateSent",
            )
        ).next(wait)

        stop = self._state_change("stop", recommenders, max_wait)
        start = self._state_change("start", recommenders, max_wait)
        stop.next(wait)
        start.next(wait)

        status = "$.Describe.Recommender.Status"
        latest = "$.Describe.Recommender.LatestRecommenderUpdate.Status"
        reason = "$.Describe.Recommender.FailureReason"
        latest_reason = "$.Describe.Recommender.LatestRecommenderUpdate.FailureReason"
        watching = sfn.Condition.boolean_equals("$.WatchUpdate", True)
        has_latest = sfn.Condition.is_present(latest)
        failed = self._failure_reason(
            "RecommenderFailedReason", "Personalize recommender {} failed: {}", reason
        )
        failed_silently = self._failure_reason(
            "RecommenderFailedNoReason", f"Personalize recommender {{}} failed: {NO_REASON}"
        )
        update_failed = self._failure_reason(
            "UpdateFailedReason",
            "Personalize recommender {} could not apply the new configuration: {}",
            latest_reason,
        )
        update_failed_silently = self._failure_reason(
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
            sfn.Choice(self, "RecommenderSettled")
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

    def _recommender_delete_branch(self, recommenders: str, max_wait: Duration) -> sfn.IChainable:
        """Delete a recommender as soon as Personalize allows it (after training or an update).

        Started by a Delete whose polling budget ran out while the recommender still trained; it
        signals nothing (CloudFormation has already been told), it only makes sure nothing is
        left billing.
        """
        gone = sfn.Succeed(self, "RecommenderGone")
        cannot = sfn.Fail(self, "RecommenderNotDeleted", error="RecommenderNotDeleted")
        describe = self._personalize_call(
            "ReapDescribeRecommender",
            "describeRecommender",
            recommenders,
            parameters={"RecommenderArn": sfn.JsonPath.string_at("$.Arn")},
            result_path="$.Describe",
        )
        describe.add_catch(gone, errors=["Personalize.ResourceNotFoundException"])
        describe.add_catch(cannot, errors=["States.ALL"])
        delete = self._personalize_call(
            "ReapDeleteRecommender",
            "deleteRecommender",
            recommenders,
            parameters={"RecommenderArn": sfn.JsonPath.string_at("$.Arn")},
            result_path=sfn.JsonPath.DISCARD,
        )
        _retry_while_busy(delete, "Personalize.ResourceInUseException", max_wait)
        delete.add_catch(gone, errors=["Personalize.ResourceNotFoundException"])
        delete.add_catch(cannot, errors=["States.ALL"])
        delete.next(gone)
        wait = sfn.Wait(self, "WaitToDelete", time=sfn.WaitTime.duration(POLL_INTERVAL))
        wait.next(describe)
        status = "$.Describe.Recommender.Status"
        latest = "$.Describe.Recommender.LatestRecommenderUpdate.Status"
        describe.next(
            sfn.Choice(self, "RecommenderDeletable")
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
                sfn.Condition.or_(
                    *(sfn.Condition.string_equals(status, value) for value in _DELETABLE)
                ),
                delete,
            )
            .otherwise(wait)
        )
        return describe

    def _personalize_call(
        self,
        construct_id: str,
        action: str,
        resources: str | list[str],
        *,
        parameters: dict[str, object],
        result_path: str,
        additional_iam_statements: list[iam.PolicyStatement] | None = None,
    ) -> tasks.CallAwsService:
        """An SDK-integration call, retried with backoff on throttling and 5xx."""
        task = tasks.CallAwsService(
            self,
            construct_id,
            service="personalize",
            action=action,
            iam_action=f"personalize:{action[:1].upper()}{action[1:]}",
            iam_resources=resources if isinstance(resources, list) else [resources],
            additional_iam_statements=additional_iam_statements,
            parameters=parameters,
            result_path=result_path,
        )
        task.add_retry(
            errors=_TRANSIENT_ERRORS, interval=Duration.seconds(5), backoff_rate=2, max_attempts=8
        )
        return task

    def _state_change(self, verb: str, resources: str, max_wait: Duration) -> tasks.CallAwsService:
        construct_id = f"{verb.title()}Recommender"
        task = self._personalize_call(
            construct_id,
            f"{verb}Recommender",
            resources,
            parameters={"RecommenderArn": sfn.JsonPath.string_at("$.Arn")},
            result_path=sfn.JsonPath.DISCARD,
        )
        # Stop/start are refused while an update or another transition runs: wait for it.
        _retry_while_busy(task, "Personalize.ResourceInUseException", max_wait)
        self._catch_all(task, f"{construct_id}Error", f"{verb} the recommender")
        return task

    def _failure_reason(
        self, construct_id: str, template: str, reason_path: str | None = None
    ) -> sfn.Chain:
        """A failed operation: the Reason names the resource and Personalize's failure reason."""
        paths = ("$.Arn",) if reason_path is None else ("$.Arn", reason_path)
        return self._fail_with(construct_id, template, *paths)

    def _fail_with(self, construct_id: str, template: str, *paths: str) -> sfn.Chain:
        """Format the Reason the failure signal carries from the paths, then signal it."""
        return sfn.Pass(
            self,
            construct_id,
            parameters={
                "Reason": sfn.JsonPath.format(
                    template, *(sfn.JsonPath.string_at(path) for path in paths)
                ),
                "HandleUrl": sfn.JsonPath.string_at("$.HandleUrl"),
                "Arn": sfn.JsonPath.string_at("$.Arn"),
            },
        ).next(self._signal_failure)

    def grant_start(self, grantee: iam.IGrantable) -> None:
        """Start executions, and find and stop the older ones a newer request supersedes."""
        self.state_machine.grant_start_execution(grantee)
        self.state_machine.grant(grantee, "states:ListExecutions")
        stack = Stack.of(self)
        executions = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{self.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["states:StopExecution"], resources=[executions])
        )

    def _signal(self, construct_id: str, *, status: str, reason: str) -> tasks.LambdaInvoke:
        task = tasks.LambdaInvoke(
            self,
            construct_id,
            lambda_function=self.signal_function,
            payload=sfn.TaskInput.from_object(
                {
                    "HandleUrl": sfn.JsonPath.string_at("$.HandleUrl"),
                    "UniqueId": sfn.JsonPath.string_at("$.Arn"),
                    "Status": status,
                    "Reason": reason,
                }
            ),
            result_path=sfn.JsonPath.DISCARD,
        )
        task.add_retry(
            errors=["States.ALL"], interval=Duration.seconds(5), backoff_rate=2, max_attempts=5
        )
        return task

    def _catch_all(self, task: tasks.CallAwsService, construct_id: str, doing: str) -> None:
        """Any error left after the retries fails the operation, with the error as the reason."""
        task.add_catch(
            self._fail_with(
                construct_id, f"Could not {doing}: {{}}: {{}}", "$.Error.Error", "$.Error.Cause"
            ),
            errors=["States.ALL"],
            result_path="$.Error",
        )


def _retry_while_busy(
    task: tasks.CallAwsService, error: str | list[str], max_wait: Duration
) -> None:
    """A refusal that means "busy" (a full quota, another update): wait, up to the bound."""
    task.add_retry(
        errors=error if isinstance(error, list) else [error],
        interval=POLL_INTERVAL,
        backoff_rate=1,
        max_attempts=int(max_wait.to_seconds() // POLL_INTERVAL.to_seconds()),
    )


class ReadinessGate(Construct):
    """The WaitCondition one operation's workflow signals, and its handle.

    The construct ids carry a hash of `operation_key`: a new operation replaces both, so
    CloudFormation waits again; an unchanged one keeps them and nothing waits.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, operation_key: str, timeout: Duration
    ) -> None:
        super().__init__(scope, construct_id)
        if timeout.to_seconds() > MAX_WAIT.to_seconds():
            raise ValueError(f"{construct_id}: timeout is above CloudFormation's 12-hour limit")
        suffix = hashlib.sha256(operation_key.encode()).hexdigest()[:8]
        self.handle = CfnWaitConditionHandle(self, f"Handle{suffix}")
        self.condition = CfnWaitCondition(
            self,
            f"Condition{suffix}",
            handle=self.handle.ref,
            timeout=str(int(timeout.to_seconds())),
            count=1,
        )
        self.handle_url = self.handle.ref
