"""Shared by the Personalize custom-resource handlers: clients, errors, names, readiness start.

Plain boto3 and the standard library only: this folder is the Lambda asset as it is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOGGER = logging.getLogger("personalize_cr")
LOGGER.setLevel(logging.INFO)

# Explicit timeouts and few retries, so that the worst case of one call (every attempt hanging to
# its timeout, plus standard mode's backoff of at most 2 s between two attempts) is known:
# `Deadline` refuses to start a call that could outlast the Lambda. `standard` mode also retries
# LimitExceededException, which for Personalize is a quota, so attempts stay few.
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 2
WORST_CALL_SECONDS = MAX_ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + 2
CLIENT_CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
    retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
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

# CloudFormation refuses a custom-resource response over 4096 bytes. The Provider framework
# sends `Error: <our message>`, a `Logs:` line and its own JavaScript stack as the Reason, next to
# the stack id, request id, physical id and Data, so our messages stay well below.
MAX_REASON_CHARS = 1500

# Keys the Provider framework passes from on_event to every is_complete poll.
PENDING_FAILURE = "PendingFailure"
DELETE_STARTED_AT = "DeleteStartedAt"
FOUND_AT_DELETE = "FoundAtDelete"
# The Provider polls a Delete for 50 minutes (personalize_constructs/provider.py); before that
# budget runs out, a resource that still trains is handed to the workflow and the Delete fails
# with what to run, instead of the framework's bare "Operation timed out".
DELETE_BUDGET_SECONDS = 45 * 60
# A Delete that finds nothing keeps looking this long: a cancelled create's call can still land
# (on_event may run up to its 2-minute timeout).
LATE_CREATE_SECONDS = 150
DELETING = frozenset({"DELETE PENDING", "DELETE IN_PROGRESS"})
# The tag that marks a resource as made by one CloudFormation resource of this project: only the
# resource that made it adopts, updates or deletes it.
OWNER_TAG = "personalize-shop:cloudformation-owner"
# Answers of a Create call that certainly created nothing.
REFUSALS = frozenset(
    {
        "InvalidInputException",
        "LimitExceededException",
        "ResourceNotFoundException",
        "ResourceInUseException",
        "TooManyTagsException",
        "AccessDeniedException",
        "ValidationException",
    }
)


def personalize_client() -> Any:
    return boto3.client("personalize", config=CLIENT_CONFIG)


def stepfunctions_client() -> Any:
    return boto3.client("stepfunctions", config=CLIENT_CONFIG)


def now() -> float:
    """Seconds since the epoch; the one clock the handlers read (tests drive it)."""
    return time.time()


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


class OutOfTime(Exception):
    """The Lambda has too little time left to finish another AWS call."""


def reason_for(exc: BaseException) -> str:
    """One line for CloudFormation: the service's own words first, cut to fit the response."""
    if isinstance(exc, HandlerError):
        return str(exc)
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "") or "call"
        return shorten(
            f"{error.get('Message') or error.get('Code')} ({error.get('Code')}, {operation})"
        )
    return shorten(f"{type(exc).__name__}: {exc}")


class Deadline:
    """What is left of the Lambda's time: no call starts that could outlast it."""

    # Time kept back for returning the result to the framework.
    MARGIN_SECONDS = 3

    def __init__(self, context: Any) -> None:
        remaining_ms = context.get_remaining_time_in_millis() if context is not None else None
        self._ends = None if remaining_ms is None else time.monotonic() + remaining_ms / 1000

    def seconds_left(self) -> float | None:
        return None if self._ends is None else self._ends - time.monotonic()

    def check(self, operation: str) -> None:
        left = self.seconds_left()
        if left is not None and left < WORST_CALL_SECONDS + self.MARGIN_SECONDS:
            raise OutOfTime(
                f"{left:.0f} s left in this Lambda invocation, too little for {operation} "
                f"(up to {WORST_CALL_SECONDS} s with retries)"
            )


class TimedClient:
    """A boto3 client whose calls first check the invocation's `Deadline`."""

    def __init__(self, client: Any, deadline: Deadline) -> None:
        self._client = client
        self._deadline = deadline
        self.exceptions = client.exceptions

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self._deadline.check(name)
            return attribute(*args, **kwargs)

        return call


def short_hash(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


def arn_parts(arn: str) -> tuple[str, str, str, str]:
    """(partition, region, account, resource) of an ARN; HandlerError when it is not one."""
    pieces = arn.split(":", 5)
    if len(pieces) != 6 or pieces[0] != "arn":
        raise HandlerError(f"{arn!r} is not an ARN")
    return pieces[1], pieces[3], pieces[4], pieces[5]


def is_personalize_arn(value: Any, resource_type: str) -> bool:
    if not isinstance(value, str):
        return False
    pieces = value.split(":", 5)
    return (
        len(pieces) == 6
        and pieces[0] == "arn"
        and pieces[2] == "personalize"
        and pieces[5].startswith(f"{resource_type}/")
        and len(pieces[5]) > len(resource_type) + 1
    )


def require(props: Mapping[str, Any], name: str) -> str:
    value = props.get(name)
    if not isinstance(value, str) or not value:
        raise HandlerError(f"property {name} is missing or empty (got {_shown(value)})")
    return value


def require_arn(props: Mapping[str, Any], name: str, service: str, resource_type: str) -> str:
    """A property that must be the ARN of one kind of resource."""
    value = require(props, name)
    pieces = value.split(":", 5)
    if (
        len(pieces) != 6
        or pieces[0] != "arn"
        or pieces[2] != service
        or not pieces[5].startswith(resource_type)
    ):
        raise HandlerError(
            f"property {name} must be a {service} {resource_type.rstrip('/:')} ARN, "
            f"got {_shown(value)}"
        )
    return value


def _shown(value: Any) -> str:
    return shorten(repr(value), 120)


def execution_name(resource_key: str, request_id: str) -> str:
    """The readiness execution of one request for one resource.

    Unique per request: a rollback that brings back an old handle is a new request, so it gets a
    new execution instead of colliding with one that already ended. A retried request (same
    RequestId) gets the same name, so the start stays idempotent.
    Step Functions names: <= 80 characters of [A-Za-z0-9-_].
    """
    return f"{resource_key[:60]}-{short_hash(request_id, length=12)}"


def _is_execution_of(name: str, resource_key: str) -> bool:
    return re.fullmatch(re.escape(resource_key[:60]) + r"-[0-9a-f]{12}", name) is not None


def stop_readiness(
    sfn: Any,
    *,
    state_machine_arn: Any,
    resource_key: str,
    keep: str | None = None,
    only_for: str | None = None,
) -> list[str]:
    """Stop every running execution for this resource but `keep`; return the stopped names.

    One resource has at most one execution that converges it: a newer request (a rollback, a
    delete) supersedes whatever an older one still does. With `only_for`, only executions whose
    input's `Arn` is that ARN are stopped: deleting one import job must not stop the execution
    that is re-importing earlier data into the same dataset (a rollback).
    """
    if not isinstance(state_machine_arn, str) or not state_machine_arn:
        return []
    stopped: list[str] = []
    token: str | None = None
    while True:
        page = sfn.list_executions(
            stateMachineArn=state_machine_arn,
            statusFilter="RUNNING",
            **({"nextToken": token} if token else {}),
        )
        for execution in page.get("executions", []):
            name = execution.get("name", "")
            if (
                name != keep
                and _is_execution_of(name, resource_key)
                and (only_for is None or _input_arn(sfn, execution) == only_for)
            ):
                try:
                    sfn.stop_execution(
                        executionArn=execution["executionArn"],
                        cause="superseded by a newer CloudFormation request",
                    )
                except ClientError as exc:
                    if error_code(exc) != "ExecutionDoesNotExist":
                        raise
                stopped.append(name)
        token = page.get("nextToken")
        if not token:
            break
    if stopped:
        LOGGER.info("stopped readiness executions %s", stopped)
    return stopped


def _input_arn(sfn: Any, execution: Mapping[str, Any]) -> str | None:
    try:
        found = sfn.describe_execution(executionArn=execution["executionArn"])
    except ClientError as exc:
        if error_code(exc) == "ExecutionDoesNotExist":
            return None
        raise
    try:
        return str(json.loads(found.get("input") or "{}").get("Arn"))
    except ValueError:
        return None


def start_readiness(
    sfn: Any,
    *,
    state_machine_arn: str,
    resource_key: str,
    request_id: str,
    workflow_input: Mapping[str, Any],
) -> str:
    """Start the workflow for this request, after stopping any older one for the resource."""
    name = execution_name(resource_key, request_id)
    stop_readiness(sfn, state_machine_arn=state_machine_arn, resource_key=resource_key, keep=name)
    body = json.dumps(dict(workflow_input), sort_keys=True, separators=(",", ":"))
    try:
        response = sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=body)
    except ClientError as exc:
        if error_code(exc) != "ExecutionAlreadyExists":
            raise
        # A retried request whose execution already ended: its outcome stands.
        LOGGER.info("readiness execution %s already exists", name)
        return name
    LOGGER.info("started readiness execution %s", response["executionArn"])
    return str(response["executionArn"])


# Members whose value is a map: its keys are data (e.g. "explorationWeight"), not member names.
MAP_MEMBERS = frozenset(
    {"itemExplorationConfig", "excludedDatasetColumns", "includedDatasetColumns", "tags"}
)


def pascal_case(value: Any) -> Any:
    """API member names as Step Functions' SDK integrations take them (jobName -> JobName)."""
    if not isinstance(value, dict):
        return value
    return {
        k[:1].upper() + k[1:]: v if k in MAP_MEMBERS else pascal_case(v) for k, v in value.items()
    }


def owner_of(event: Mapping[str, Any]) -> str:
    """The owner tag's value for the resource this request is about: its stack and logical id."""
    return f"{event.get('StackId', '')}/{event.get('LogicalResourceId', '')}"


def owner_tag(personalize: Any, arn: str) -> str | None:
    tags = personalize.list_tags_for_resource(resourceArn=arn).get("tags", [])
    return next((t.get("tagValue") for t in tags if t.get("tagKey") == OWNER_TAG), None)


# Names Personalize accepts for recommenders and solutions.
NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9\-_]{0,62}")


def delete_target(
    event: Mapping[str, Any], kind: str, arn_in_group: Callable[[str, str], str]
) -> str | None:
    """The resource of `kind` a Delete is about, even when the physical id is not its ARN.

    A create that failed before Personalize answered, or one CloudFormation cancelled, leaves a
    physical id that is not an ARN (aws-cdk#26139); the deterministic name still finds it.
    """
    physical_id = event.get("PhysicalResourceId", "")
    if is_personalize_arn(physical_id, kind):
        return str(physical_id)
    props = event.get("ResourceProperties") or {}
    name, group = props.get("Name"), props.get("DatasetGroupArn")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        return None
    if not is_personalize_arn(group, "dataset-group"):
        return None
    return arn_in_group(str(group), name)
