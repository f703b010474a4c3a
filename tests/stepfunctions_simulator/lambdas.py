"""Lambda tasks: `arn:aws:states:::lambda:invoke` and the older `arn:aws:lambda:...:function:f`.

The function is a Python callable the test registers. Its event and its return value go through
JSON, as they would over the wire, so a handler can neither share objects with the state machine
nor return something Lambda could not serialise.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import DefinitionError, StatesError
from .paths import Json

_INVOKE = re.compile(r"arn:aws[a-z-]*:states:::lambda:invoke(\..+)?")
_FUNCTION = re.compile(
    r"(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?(?:function:)?"
    r"([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?"
)
_DIRECT = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_:$-]+")
INVOKE_PARAMETERS = frozenset(
    {"FunctionName", "Payload", "Qualifier", "InvocationType", "ClientContext", "LogType"}
)


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of the Python runtime's context object that handlers commonly read."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    log_group_name: str = ""
    log_stream_name: str = "sfn-sim"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


LambdaHandler = Callable[[Any, LambdaContext], Any]


def is_invoke(resource: str) -> bool:
    found = _INVOKE.fullmatch(resource)
    if found is not None and found.group(1):
        raise DefinitionError(
            f"{resource}: the integration pattern {found.group(1)!r} is not supported; only "
            "request-response lambda:invoke is simulated."
        )
    return found is not None


def is_direct(resource: str) -> bool:
    """The older form, `arn:aws:lambda:<region>:<account>:function:<name>`, as Resource."""
    return _DIRECT.fullmatch(resource) is not None


def function_name(name_or_arn: str) -> str:
    """The bare function name of a name, a partial ARN or a full ARN (qualifier dropped)."""
    found = _FUNCTION.fullmatch(name_or_arn)
    if found is None:
        raise DefinitionError(f"{name_or_arn!r} is not a Lambda function name or ARN.")
    return found.group(1)


def check_invoke_parameters(parameters: Json, state: str) -> None:
    if not isinstance(parameters, dict):
        raise DefinitionError(f"State {state!r}: lambda:invoke needs Parameters.")
    names = {key.removesuffix(".$") for key in parameters}
    unknown = names - INVOKE_PARAMETERS
    if unknown:
        raise DefinitionError(
            f"State {state!r}: lambda:invoke does not take {sorted(unknown)}; it takes "
            f"{sorted(INVOKE_PARAMETERS)}."
        )
    for required in ("FunctionName", "Payload"):
        # Without Payload, what the function receives is not documented; refuse to guess.
        if required not in names:
            raise DefinitionError(f"State {state!r}: lambda:invoke needs {required}.")


def find(lambdas: Mapping[str, LambdaHandler], function: str) -> LambdaHandler:
    wanted = function_name(function)
    for key, handler in lambdas.items():
        if function_name(key) == wanted:
            return handler
    raise DefinitionError(
        f"No Lambda function {function!r} is registered; set sfn.lambdas[{wanted!r}] = "
        f"handler. Registered: {sorted(lambdas)}."
    )


def invoke(handler: LambdaHandler, event: Json, context: LambdaContext) -> Json:
    """Run `handler` as Lambda would; a raised exception becomes the function's error."""
    try:
        result = handler(json.loads(json.dumps(event)), context)
    except (StatesError, AssertionError):
        # An AssertionError means the test or a simulator found a defect: never hide it.
        raise
    except Exception as error:
        raise function_error(error, context.aws_request_id) from error
    try:
        return json.loads(json.dumps(result))
    except (TypeError, ValueError) as error:
        message = f"Unable to marshal response: {error}"
        raise _error("Runtime.MarshalError", message, context.aws_request_id, []) from error


def invoke_result(payload: Json, request_id: str) -> dict[str, Json]:
    """The optimized integration's result: the function's return value is under Payload. [H]"""
    headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST"}
    return {
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {key: [value] for key, value in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }


def function_error(error: Exception, request_id: str) -> StatesError:
    """Error = the exception's class name; Cause = the runtime's JSON error document."""
    stack = traceback.format_tb(error.__traceback__)
    return _error(type(error).__name__, str(error), request_id, stack)


def _error(error_type: str, message: str, request_id: str, stack: list[str]) -> StatesError:
    document = {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack,
    }
    return StatesError(error_type, json.dumps(document))
