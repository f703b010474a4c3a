"""The stack's one custom-resource provider for Personalize resources (Provider framework)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from personalize_constructs.acknowledgments import (
    INVOKED_BY_CLOUDFORMATION,
    WAITER_POLICY,
    acknowledge,
    arn_ref,
    mark,
)
from personalize_constructs.environment_arns import state_machine_principal
from personalize_constructs.lambda_functions import (
    explicit_log_group,
    handler_function,
    logging_role,
)

# Delete polls until a running import or a recommender deletion is over. The framework's
# waiter adds Lambda time to this, and CloudFormation caps the operation at one hour
# (ServiceTimeout), so keep well under it.
TOTAL_TIMEOUT = Duration.minutes(50)
QUERY_INTERVAL = Duration.seconds(30)
SERVICE_TIMEOUT = Duration.minutes(60)
# Each call of a handler stays short: botocore's worst case per call is bounded in the handlers
# (handler_support.WORST_CALL_SECONDS) and they start no call the remaining time cannot cover.
ON_EVENT_TIMEOUT = Duration.minutes(2)
IS_COMPLETE_TIMEOUT = Duration.minutes(1)


class PersonalizeProvider(Construct):
    """`on_event` starts, updates and deletes; `is_complete` waits for deletions to finish.

    Create and Update return as soon as Personalize accepted the request: waiting for training
    can take longer than CloudFormation allows a custom resource, so readiness is awaited by a
    `ReadinessWorkflow` and a WaitCondition instead.
    """

    def __init__(self, scope: Construct, construct_id: str, *, name_prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.waiter_state_machine_name = f"{name_prefix}-provider-waiter"
        self.on_event_function = handler_function(
            self,
            "OnEvent",
            handler="handler.on_event",
            timeout=ON_EVENT_TIMEOUT,
            description="Starts, updates and deletes Personalize import jobs and recommenders",
        )
        self.is_complete_function = handler_function(
            self,
            "IsComplete",
            handler="handler.is_complete",
            timeout=IS_COMPLETE_TIMEOUT,
            description="Reports whether a Personalize deletion or running import is over",
        )
        framework_logs = explicit_log_group(self, "FrameworkLogs")
        # Two roles, as the framework asks, each allowed to log only to its log group.
        self.framework_on_event_role = logging_role(
            self, "FrameworkOnEventRole", log_group=framework_logs
        )
        self.framework_complete_role = logging_role(
            self, "FrameworkCompleteRole", log_group=framework_logs
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.on_event_function,
            is_complete_handler=self.is_complete_function,
            query_interval=QUERY_INTERVAL,
            total_timeout=TOTAL_TIMEOUT,
            log_group=framework_logs,
            disable_waiter_state_machine_logging=False,
            waiter_state_machine_log_options=cr.LogOptions(
                destination=framework_logs,
                level=sfn.LogLevel.ALL,
                include_execution_data=False,
            ),
            framework_lambda_logging_level=lambda_.ApplicationLogLevel.FATAL,
            framework_on_event_role=self.framework_on_event_role,
            framework_complete_and_timeout_role=self.framework_complete_role,
        )
        self.service_token = self.provider.service_token
        self._confine_waiter_trust()
        self._acknowledge()

    def _framework(self, construct_id: str) -> IConstruct:
        """One of cr.Provider's own constructs, which it does not expose: `framework-onEvent`
        (what CloudFormation invokes), `framework-isComplete`, `framework-onTimeout` and
        `waiter-state-machine` (ids of aws-cdk-lib's provider.ts; a test pins what they are)."""
        return self.provider.node.find_child(construct_id)

    def _acknowledge(self) -> None:
        on_event, is_complete = arn_ref(self.on_event_function), arn_ref(self.is_complete_function)
        for role in (self.framework_on_event_role, self.framework_complete_role):
            acknowledge(role, f"IAM5[Resource::{on_event}:*]", "framework-invoke-versions")
            acknowledge(role, f"IAM5[Resource::{is_complete}:*]", "framework-invoke-versions")
        waiter = self._framework("waiter-state-machine")
        for function in ("framework-isComplete", "framework-onTimeout"):
            invoked = arn_ref(self._framework(function))
            acknowledge(waiter, f"IAM5[Resource::{invoked}:*]", "framework-invoke-versions")
        acknowledge(waiter, "IAM5[Resource::*]", "framework-logs")
        acknowledge(waiter, "SF2", "framework-no-tracing")
        mark(waiter, WAITER_POLICY)
        mark(self._framework("framework-onEvent"), INVOKED_BY_CLOUDFORMATION)

    def _confine_waiter_trust(self) -> None:
        """Name the framework's waiter state machine and let only it assume its role.

        cr.Provider offers no option for either: its waiter (construct id `waiter-state-machine`)
        has a generated name and a role any state machine of the account may assume. The role's
        trust is replaced on its CloudFormation resource, since an added statement would sit
        beside the unconditioned default one.
        """
        waiter = self._framework("waiter-state-machine")
        machine = waiter.node.default_child
        role = waiter.node.find_child("Role")
        assert isinstance(machine, sfn.CfnStateMachine)
        assert isinstance(role, iam.Role)
        machine.state_machine_name = self.waiter_state_machine_name
        cfn_role = role.node.default_child
        assert isinstance(cfn_role, iam.CfnRole)
        cfn_role.assume_role_policy_document = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    actions=["sts:AssumeRole"],
                    principals=[
                        state_machine_principal(
                            self, state_machine_name=self.waiter_state_machine_name
                        )
                    ],
                )
            ]
        )
