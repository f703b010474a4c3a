"""The one Lambda asset of our custom-resource handlers, and functions built from it."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

HANDLER_DIR = Path(__file__).resolve().parent.parent / "lambda" / "personalize_cr"
# Bytecode written by tests would change the asset hash and ship .pyc files in the zip.
_EXCLUDE = ["__pycache__", "*.pyc"]
# The newest Python runtime: cdk-nag's L1 flags older ones, and it ships boto3.
RUNTIME = lambda_.Runtime.PYTHON_3_14
LOG_RETENTION = logs.RetentionDays.ONE_MONTH


def explicit_log_group(scope: Construct, construct_id: str) -> logs.LogGroup:
    """A log group that `cdk destroy` removes (Lambda's implicit ones outlive the stack)."""
    return logs.LogGroup(
        scope,
        construct_id,
        retention=LOG_RETENTION,
        removal_policy=RemovalPolicy.DESTROY,
    )


def logging_role(scope: Construct, construct_id: str, *, log_group: logs.ILogGroup) -> iam.Role:
    """A Lambda role that may write only to `log_group`.

    Instead of AWSLambdaBasicExecutionRole, which may create and write any log group.
    """
    role = iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group.log_group_arn],
        )
    )
    return role


def handler_function(
    scope: Construct,
    construct_id: str,
    *,
    handler: str,
    timeout: Duration,
    description: str,
) -> lambda_.Function:
    """A function from `lambda/personalize_cr` with its own log group and a role to write to it."""
    log_group = explicit_log_group(scope, f"{construct_id}Logs")
    return lambda_.Function(
        scope,
        construct_id,
        runtime=RUNTIME,
        code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=_EXCLUDE),
        handler=handler,
        timeout=timeout,
        memory_size=256,
        description=description,
        log_group=log_group,
        role=logging_role(scope, f"{construct_id}Role", log_group=log_group),
        logging_format=lambda_.LoggingFormat.JSON,
    )
