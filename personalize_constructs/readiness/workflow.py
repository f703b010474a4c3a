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
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aws_cdk import ArnFormat, CfnWaitCondition, CfnWaitConditionHandle, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct, IConstruct

from personalize_constructs.acknowledgments import acknowledge, arn_ref
from personalize_constructs.environment_arns import (
    EnvironmentArns,
    environment_arns,
    nag_environment_arns,
)
from personalize_constructs.lambda_functions import handler_function
from personalize_constructs.resource_kinds import KIND, Readiness
from personalize_constructs.s3_validation import S3SourceValidation
from personalize_constructs.state_machines import private_state_machine

# CloudFormation's WaitCondition Timeout is at most 12 hours.
MAX_WAIT = Duration.hours(12)
POLL_INTERVAL = Duration.seconds(60)
NO_REASON = "Personalize gave no failure reason"

# SDK integrations name undeclared errors <Service>.<Service>Exception, which is how throttling
# is expected to arrive [H]; the declared-looking names are kept in case it arrives as such.
TRANSIENT_ERRORS = [
    "Personalize.ThrottlingException",
    "Personalize.ServiceUnavailableException",
    "Personalize.InternalFailureException",
    "Personalize.PersonalizeException",
    "Personalize.SdkClientException",
    "States.Timeout",
]


@dataclass(frozen=True)
class BranchContext:
    """What every branch builder gets besides the workflow's shared states."""

    arns: EnvironmentArns
    personalize_role: iam.IRole
    succeed: sfn.IChainable
    max_wait: Duration
    # Whether an import may be validated by Athena first (`datasets.<type>.validateInS3`).
    validates_imports: bool = False


class ReadinessWorkflow(Construct):
    """Polls an operation until it settles and signals the operation's WaitCondition.

    Input, sent by the custom-resource handlers: `Kind` and the fields that kind's contract
    lists (lambda/personalize_cr/resource_kinds.py). Each kind's branch is one module here,
    registered in `branches.py`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        personalize_role: iam.IRole,
        max_wait: Duration,
        validation: S3SourceValidation | None = None,
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

        context = BranchContext(
            arns=arns,
            personalize_role=personalize_role,
            succeed=succeed,
            max_wait=max_wait,
            validates_imports=validation is not None,
        )
        # One branch per kind, in registration order (personalize_constructs/readiness/branches.py).
        choice = sfn.Choice(self, "Kind")
        for readiness, build in branches():
            choice.when(
                sfn.Condition.string_equals(f"$.{KIND}", readiness.kind), build(self, context)
            )
        definition = choice.otherwise(
            sfn.Fail(self, "UnknownKind", error="UnknownKind", cause="unsupported Kind")
        )
        self.state_machine = private_state_machine(
            self, name=self.state_machine_name, definition=definition, timeout=max_wait
        )
        self._acknowledge(name_prefix)
        if validation is not None:
            validation.grant_query(self.state_machine.role)

    def _acknowledge(self, name_prefix: str) -> None:
        nag = nag_environment_arns(name_prefix=name_prefix)
        role = self.state_machine.role
        acknowledge(role, f"IAM5[Resource::{nag.import_jobs}]", "env-import-jobs")
        acknowledge(role, f"IAM5[Resource::{nag.datasets}]", "env-datasets")
        acknowledge(role, f"IAM5[Resource::{nag.recommenders}]", "env-recommenders")
        acknowledge(role, f"IAM5[Resource::{nag.solutions}]", "env-solutions")
        acknowledge(role, "IAM5[Resource::*]", "readiness-logs-and-tracing")
        acknowledge(role, f"IAM5[Resource::{arn_ref(self.signal_function)}:*]", "signal-versions")

    def personalize_call(
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
            errors=TRANSIENT_ERRORS, interval=Duration.seconds(5), backoff_rate=2, max_attempts=8
        )
        return task

    def state_change(self, verb: str, resources: str, max_wait: Duration) -> tasks.CallAwsService:
        construct_id = f"{verb.title()}Recommender"
        task = self.personalize_call(
            construct_id,
            f"{verb}Recommender",
            resources,
            parameters={"RecommenderArn": sfn.JsonPath.string_at("$.Arn")},
            result_path=sfn.JsonPath.DISCARD,
        )
        # Stop/start are refused while an update or another transition runs: wait for it.
        retry_while_busy(task, "Personalize.ResourceInUseException", max_wait)
        self.catch_all(task, f"{construct_id}Error", f"{verb} the recommender")
        return task

    def failure_reason(
        self, construct_id: str, template: str, reason_path: str | None = None
    ) -> sfn.Chain:
        """A failed operation: the Reason names the resource and Personalize's failure reason."""
        paths = ("$.Arn",) if reason_path is None else ("$.Arn", reason_path)
        return self.fail_with(construct_id, template, *paths)

    def fail_with(self, construct_id: str, template: str, *paths: str) -> sfn.Chain:
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
            iam.PolicyStatement(
                # DescribeExecution: which operation an execution converges (its input's Arn).
                actions=["states:StopExecution", "states:DescribeExecution"],
                resources=[executions],
            )
        )
        executions_finding = (
            "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
            f"{self.state_machine_name}:*"
        )
        # The grantee's role carries the finding (a function's role, or a role itself).
        role: IConstruct = getattr(grantee, "role", None) or grantee  # type: ignore[assignment]
        acknowledge(role, f"IAM5[Resource::{executions_finding}]", "readiness-executions")

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

    def catch_all(self, task: tasks.CallAwsService, construct_id: str, doing: str) -> None:
        """Any error left after the retries fails the operation, with the error as the reason."""
        task.add_catch(
            self.fail_with(
                construct_id, f"Could not {doing}: {{}}: {{}}", "$.Error.Error", "$.Error.Cause"
            ),
            errors=["States.ALL"],
            result_path="$.Error",
        )


def retry_while_busy(
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


Builder = Callable[[ReadinessWorkflow, BranchContext], sfn.IChainable]


def branches() -> Iterable[tuple[Readiness, Builder]]:
    # Imported here: the branch modules import this one.
    from personalize_constructs.readiness.branches import BRANCHES

    return BRANCHES
