"""Our Step Functions workflows share one shape: their own role, which Step Functions may assume
only while it runs that state machine; X-Ray tracing; and every event logged to a log group
`cdk destroy` removes, without execution data (inputs hold presigned WaitCondition handles and
data locations)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from personalize_constructs.environment_arns import state_machine_principal
from personalize_constructs.lambda_functions import explicit_log_group


def private_state_machine(
    scope: Construct, *, name: str, definition: sfn.IChainable, timeout: Duration
) -> sfn.StateMachine:
    """`scope`/StateMachine named `name`, with `scope`/Role and `scope`/Logs."""
    principal = state_machine_principal(scope, state_machine_name=name)
    role = iam.Role(scope, "Role", assumed_by=principal)
    return sfn.StateMachine(
        scope,
        "StateMachine",
        # A readable name for operators; executions are then `<name>:<execution>`.
        state_machine_name=name,
        role=role,
        definition_body=sfn.DefinitionBody.from_chainable(definition),
        timeout=timeout,
        tracing_enabled=True,
        logs=sfn.LogOptions(
            destination=explicit_log_group(scope, "Logs"),
            level=sfn.LogLevel.ALL,
            include_execution_data=False,
        ),
    )
