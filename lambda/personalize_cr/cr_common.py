"""Shared by the Personalize custom-resource handlers: clients, errors, names, readiness start.

Plain boto3 and the standard library only: this folder is the Lambda asset as it is.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOGGER = logging.getLogger("personalize_cr")
LOGGER.setLevel(logging.INFO)

# Explicit timeouts and bounded retries: the worst case stays far below the Lambda timeout.
# `standard` mode also retries LimitExceededException, which for Personalize is a quota, so
# attempts are few.
CLIENT_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"mode": "standard", "max_attempts": 4},
)

# Error codes that mean "not now": polling answers "not yet", never a failure.
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)

# CloudFormation caps the whole custom-resource response at 4096 bytes; the framework adds the
# stack trace and a log link to Reason, so our own messages stay well below.
MAX_REASON_CHARS = 1000


def personalize_client() -> Any:
    return boto3.client("personalize", config=CLIENT_CONFIG)


def stepfunctions_client() -> Any:
    return boto3.client("stepfunctions", config=CLIENT_CONFIG)


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code"))
    return None


def is_transient(exc: BaseException) -> bool:
    return error_code(exc) in TRANSIENT_CODES


def shorten(text: str, limit: int = MAX_REASON_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 25] + f"… ({len(text):,} chars, cut)"


class HandlerError(Exception):
    """A failure whose message is written for the person running `cdk deploy`."""

    def __init__(self, message: str) -> None:
        super().__init__(shorten(message))


def short_hash(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


def arn_parts(arn: str) -> tuple[str, str, str, str]:
    """(partition, region, account, resource) of an ARN; HandlerError when it is not one."""
    pieces = arn.split(":", 5)
    if len(pieces) != 6 or pieces[0] != "arn":
        raise HandlerError(f"{arn!r} is not an ARN")
    return pieces[1], pieces[3], pieces[4], pieces[5]


def is_personalize_arn(value: str, resource_type: str) -> bool:
    pieces = value.split(":", 5)
    return (
        len(pieces) == 6
        and pieces[0] == "arn"
        and pieces[2] == "personalize"
        and pieces[5].startswith(f"{resource_type}/")
    )


def require(props: Mapping[str, Any], name: str) -> str:
    value = props.get(name)
    if not isinstance(value, str) or not value:
        raise HandlerError(f"property {name} is missing or empty")
    return value


def start_readiness(
    sfn: Any,
    *,
    props: Mapping[str, Any],
    resource_name: str,
    workflow_input: Mapping[str, Any],
) -> str:
    """Start the workflow that waits for an operation and signals its WaitCondition.

    The execution name (the resource's name and the operation's handle) is deterministic, so a
    retried handler finds the same execution instead of starting a second one (StartExecution
    is idempotent for the same name and input).
    """
    handle = require(props, "ReadinessHandle")
    body = json.dumps(
        {**workflow_input, "HandleUrl": handle}, sort_keys=True, separators=(",", ":")
    )
    name = execution_name(resource_name, handle)
    try:
        response = sfn.start_execution(
            stateMachineArn=require(props, "ReadinessStateMachineArn"), name=name, input=body
        )
    except ClientError as exc:
        if error_code(exc) != "ExecutionAlreadyExists":
            raise
        # Same name, other input: a workflow for this operation already runs; keep it.
        LOGGER.info("readiness execution %s already exists", name)
        return name
    LOGGER.info("started readiness execution %s", response["executionArn"])
    return str(response["executionArn"])


def execution_name(resource_name: str, handle_url: str) -> str:
    # Step Functions names: <= 80 characters of [A-Za-z0-9-_].
    return f"{resource_name[:60]}-{short_hash(handle_url, length=12)}"


def stop_readiness(sfn: Any, *, props: Mapping[str, Any], resource_name: str) -> None:
    """Stop the workflow `start_readiness` started for this operation, if there can be one."""
    state_machine_arn, handle = props.get("ReadinessStateMachineArn"), props.get("ReadinessHandle")
    if not state_machine_arn or not handle:
        return
    partition, region, account, resource = arn_parts(state_machine_arn)
    machine = resource.split(":", 1)[1]
    name = execution_name(resource_name, handle)
    execution_arn = f"arn:{partition}:states:{region}:{account}:execution:{machine}:{name}"
    try:
        sfn.stop_execution(executionArn=execution_arn, cause="resource deleted by CloudFormation")
    except ClientError as exc:
        if error_code(exc) not in ("ExecutionDoesNotExist", "ResourceNotFound"):
            raise


# Members whose value is a map: its keys are data (e.g. "explorationWeight"), not member names.
MAP_MEMBERS = frozenset({"itemExplorationConfig", "excludedDatasetColumns", "tags"})


def pascal_case(value: Any) -> Any:
    """API member names as Step Functions' SDK integrations take them (jobName -> JobName)."""
    if not isinstance(value, dict):
        return value
    return {
        k[:1].upper() + k[1:]: v if k in MAP_MEMBERS else pascal_case(v) for k, v in value.items()
    }
