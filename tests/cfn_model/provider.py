"""The CDK Provider framework (aws-cdk-lib 2.275, `custom-resources/lib/provider-framework/
runtime/framework.js` and `cfn-response.js`), as it drives our `on_event` and `is_complete`.

What it reproduces, rule by rule from that code:
- `safeHandler`: a Delete whose physical id is the CREATE_FAILED marker is answered SUCCESS
  without calling the handler; an error during Create with no physical id yet answers FAILED with
  that marker; the Reason of a failure is the JavaScript error's `stack`, whose first line is
  `Error: <errorMessage>` followed by `Logs: /aws/lambda/<function>` (Python payloads have no
  `trace`, so the rest is the framework's own stack).
- `createResponseEvent`: on_event's result is merged into the event; a missing physical id
  defaults to the RequestId on Create and to the current id otherwise; a Delete may not change it.
- the waiter state machine: `is_complete` runs right after `on_event`, then is retried every
  `query_interval` up to `total_timeout / query_interval` more times; a user error there answers
  FAILED at once (no retry); `Data` with `IsComplete: false` is an error; when attempts run out,
  `onTimeout` answers FAILED "Operation timed out".
- `submitResponse`: the JSON body CloudFormation receives; over 4096 bytes CloudFormation
  rejects it.

Operations are generators that yield how many seconds to wait, so the CloudFormation model can
run several at once on the simulators' shared clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
MISSING_PHYSICAL_ID_MARKER = "AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID"
MAX_RESPONSE_BYTES = 4096
# The frames `new Error(message)` in invokeUserFunction carries on Node.js 22.
_JS_STACK = (
    "    at invokeUserFunction (/var/task/framework.js:1:4853)\n"
    "    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)\n"
    "    at async onEvent (/var/task/framework.js:1:1432)\n"
    "    at async Runtime.handler (/var/task/cfn-response.js:1:1826)"
)

Operation = Generator[float, None, "Response"]
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class Response:
    """What the framework PUTs to CloudFormation's response URL."""

    status: str
    reason: str
    physical_id: str
    data: dict[str, Any]
    body: bytes

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


class LambdaError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Context:
    """The Python runtime's context: the function's timeout is all the time it has."""

    function_name: str
    timeout_seconds: float
    aws_request_id: str = "req"

    def get_remaining_time_in_millis(self) -> int:
        return int(self.timeout_seconds * 1000)


@dataclass
class ProviderFramework:
    on_event: Handler
    is_complete: Handler
    query_interval: float
    total_timeout: float
    on_event_timeout: float
    is_complete_timeout: float
    on_event_name: str = "shop-dev-ProviderOnEvent"
    is_complete_name: str = "shop-dev-ProviderIsComplete"
    responses: list[Response] = field(default_factory=list)
    invocations: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.total_timeout % self.query_interval:
            raise ValueError("totalTimeout is not integrally dividable by queryInterval")
        self.max_attempts = int(self.total_timeout // self.query_interval)

    def request(self, event: dict[str, Any]) -> Operation:
        """One CloudFormation request, from the framework's onEvent to its response."""
        event = json.loads(json.dumps(event))
        if event["RequestType"] == "Delete" and event.get("PhysicalResourceId") == (
            CREATE_FAILED_MARKER
        ):
            return self._respond("SUCCESS", event)
        try:
            result = self._invoke(self.on_event, event, self.on_event_name, self.on_event_timeout)
            resource_event = _response_event(event, result)
        except LambdaError as error:
            if not event.get("PhysicalResourceId") and event["RequestType"] == "Create":
                event["PhysicalResourceId"] = CREATE_FAILED_MARKER
            return self._respond("FAILED", event, reason=error.message)
        # The waiter: first attempt at once, then `max_attempts` retries.
        for attempt in range(self.max_attempts + 1):
            if attempt:
                yield self.query_interval
            try:
                done = self._invoke(
                    self.is_complete,
                    resource_event,
                    self.is_complete_name,
                    self.is_complete_timeout,
                )
            except LambdaError as error:
                return self._respond("FAILED", resource_event, reason=error.message)
            if done.get("IsComplete"):
                merged = {
                    **resource_event,
                    **done,
                    "Data": {**resource_event.get("Data", {}), **done.get("Data", {})},
                }
                return self._respond("SUCCESS", merged)
            if done.get("Data"):
                return self._respond(
                    "FAILED",
                    resource_event,
                    reason='Error: "Data" is not allowed if "IsComplete" is "False"',
                )
        return self._respond("FAILED", resource_event, reason="Operation timed out")

    def _invoke(
        self, handler: Handler, event: dict[str, Any], function: str, timeout: float
    ) -> dict[str, Any]:
        payload = json.loads(json.dumps(event))
        self.invocations.append((function, event["RequestType"]))
        try:
            result = handler(payload, Context(function, timeout))
        except Exception as exc:  # the Python runtime's FunctionError
            message = f"{exc}\n\nLogs: /aws/lambda/{function}\n"
            raise LambdaError(f"Error: {message}\n{_JS_STACK}") from exc
        # The runtime serialises the result; what cannot be serialised is an error.
        parsed: dict[str, Any] = json.loads(json.dumps(result)) if result is not None else {}
        return parsed

    def _respond(
        self, status: str, event: dict[str, Any], *, reason: str | None = None
    ) -> Response:
        body = {
            "Status": status,
            "Reason": reason or status,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "PhysicalResourceId": event.get("PhysicalResourceId") or MISSING_PHYSICAL_ID_MARKER,
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": event.get("NoEcho"),
            "Data": event.get("Data"),
        }
        response = Response(
            status=status,
            reason=body["Reason"],
            physical_id=body["PhysicalResourceId"],
            data=dict(body["Data"] or {}),
            body=json.dumps(body).encode(),
        )
        self.responses.append(response)
        return response


def _response_event(request: dict[str, Any], result: dict[str, Any] | None) -> dict[str, Any]:
    result = result or {}
    physical_id = result.get("PhysicalResourceId") or (
        request["RequestId"]
        if request["RequestType"] == "Create"
        else request["PhysicalResourceId"]
    )
    if request["RequestType"] == "Delete" and physical_id != request["PhysicalResourceId"]:
        raise LambdaError(
            "Error: DELETE: cannot change the physical resource ID from "
            f'"{request["PhysicalResourceId"]}" to "{result.get("PhysicalResourceId")}" during '
            "deletion"
        )
    return {**request, **result, "PhysicalResourceId": physical_id}
