"""Answer a real boto3 client's calls in-process, the way `botocore.stub.Stubber` does.

`FakeService` is the service-neutral half of the simulator: it hooks `before-call.<service>`, so
botocore has already validated the request against its model before we see it; it records every
call, applies injected faults, dispatches to the `@operation` methods of a subclass, checks the
answer against the operation's output shape and modelled errors, and hands botocore an HTTP
response that botocore's own JSON parser turns into the dict (or exception) the caller gets.

A fake for another service (personalize-runtime, personalize-events) is a subclass with its own
`service_name` and `@operation` methods, attached to a client of that service.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from functools import cache
from typing import Any, ClassVar, TypeVar

import boto3
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import create_parser
from botocore.validate import ParamValidator

from .clock import Clock
from .errors import (
    DEFAULT_FAULT_MESSAGES,
    UNMODELED_ERROR_STATUS,
    InvalidSimulatedResponse,
    ServiceError,
    UnimplementedOperation,
)
from .validation import constraint_violations, validation_message

Params = dict[str, Any]
Handler = TypeVar("Handler", bound=Callable[..., Params])

_OPERATION_ATTR = "_fake_service_operation"


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register a method as the handler of the API operation `name` (e.g. "CreateRecommender")."""

    def register(method: Handler) -> Handler:
        setattr(method, _OPERATION_ATTR, name)
        return method

    return register


@dataclass
class Call:
    """One request the code under test sent, as the service received it."""

    operation: str
    params: Params
    error: str | None = None  # the error code returned, None on success


@dataclass
class Fault:
    """An injected error; `remaining=None` means every matching call fails."""

    operation: str
    code: str
    message: str
    remaining: int | None
    when: Callable[[Params], bool] | None = None

    def matches(self, operation_name: str, params: Params) -> bool:
        if operation_name != self.operation or self.remaining == 0:
            return False
        return self.when is None or self.when(params)


class _RawBody:
    """The minimum of urllib3's response that `AWSResponse.content` reads."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        # The JSON protocol sends timestamps as epoch seconds; botocore parses them back.
        return value.timestamp()
    raise TypeError(f"cannot serialise {type(value).__name__}")


class FakeService:
    """Base class: transport, call log and fault injection for one AWS service."""

    service_name: ClassVar[str]
    _operations: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        operations: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                name = getattr(value, _OPERATION_ATTR, None)
                if name is not None:
                    operations[name] = attr
        cls._operations = operations

    def __init__(self, *, region: str, account: str, clock: Clock | None = None) -> None:
        self.region = region
        self.account = account
        self.clock = clock or Clock()
        self.calls: list[Call] = []
        self._faults: list[Fault] = []
        self._omissions: list[tuple[str, str]] = []
        self._request_count = 0
        self._model: ServiceModel = _service_model(self.service_name)

    # -- public API ---------------------------------------------------------------------------

    @classmethod
    def implemented_operations(cls) -> list[str]:
        return sorted(cls._operations)

    def attach(self, client: BaseClient) -> BaseClient:
        """Answer every call `client` makes from now on; returns the client for chaining."""
        meta = client.meta
        if meta.service_model.service_name != self.service_name:
            raise ValueError(
                f"{type(self).__name__} simulates {self.service_name!r}; the client is for "
                f"{meta.service_model.service_name!r}."
            )
        if meta.region_name != self.region:
            raise ValueError(
                f"{type(self).__name__} simulates region {self.region}; the client is for "
                f"{meta.region_name}. Create the simulator with region={meta.region_name!r}."
            )
        service_id = meta.service_model.service_id.hyphenize()
        hook_id = f"fake-service-{id(self)}"
        # The stubs type handlers as returning None, but before-call uses the return value.
        answer: Callable[..., None] = self._answer  # type: ignore[assignment]
        meta.events.register_first(f"before-call.{service_id}", answer, unique_id=f"{hook_id}-call")
        meta.events.register_first(
            f"before-send.{service_id}", self._refuse_network, unique_id=f"{hook_id}-send"
        )
        meta.events.register(
            f"before-endpoint-resolution.{service_id}",
            _no_account_id_lookup,
            unique_id=f"{hook_id}-endpoint",
        )
        return client

    def client(self, **client_kwargs: Any) -> Any:
        """A new boto3 client for this service and region, with dummy credentials, attached."""
        session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            region_name=self.region,
            botocore_session=shared_botocore_session(),
        )
        return self.attach(session.client(self.service_name, **client_kwargs))  # type: ignore[call-overload]

    def inject(
        self,
        operation_name: str,
        code: str,
        *,
        times: int | None = 1,
        message: str | None = None,
        when: Callable[[Params], bool] | None = None,
    ) -> Fault:
        """Make the next `times` calls of `operation_name` (matching `when`) fail with `code`."""
        if operation_name not in self._operations:
            raise ValueError(
                f"{operation_name} is not implemented by {type(self).__name__}; "
                f"implemented: {', '.join(self.implemented_operations())}."
            )
        modeled = _modeled_errors(self._model.operation_model(operation_name))
        if code not in modeled and code not in UNMODELED_ERROR_STATUS:
            raise ValueError(
                f"{self.service_name} {operation_name} cannot return {code}; it models "
                f"{sorted(modeled)} and any API can return {sorted(UNMODELED_ERROR_STATUS)}."
            )
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every call.")
        fault = Fault(
            operation=operation_name,
            code=code,
            message=message or DEFAULT_FAULT_MESSAGES.get(code, f"Injected {code}."),
            remaining=times,
            when=when,
        )
        self._faults.append(fault)
        return fault

    def omit(self, operation_name: str, path: str = "*") -> None:
        """Leave optional members out of an operation's answers, as the API allows.

        `path` is a dotted member path (`datasetImportJob.failureReason`), or `*` for every
        member the output shape does not require, at every depth.
        """
        self._model.operation_model(operation_name)  # refuses an unknown operation
        self._omissions.append((operation_name, path))

    def clear_faults(self) -> None:
        self._faults.clear()

    def calls_to(self, operation_name: str) -> list[Params]:
        """The parameters of every call of `operation_name`, in order."""
        return [call.params for call in self.calls if call.operation == operation_name]

    # -- transport ----------------------------------------------------------------------------

    def _answer(
        self, model: OperationModel, params: Params, **_: Any
    ) -> tuple[AWSResponse, Params]:
        # `params` is the serialised request; its JSON body is exactly what the service receives.
        request: Params = json.loads(params.get("body") or b"{}")
        call = Call(model.name, request)
        self.calls.append(call)
        try:
            result = self._respond(model, request)
        except ServiceError as error:
            call.error = error.code
            return self._error_response(model, params.get("url", ""), error)
        self._check_output(model, result)
        for operation, path in self._omissions:
            if operation == model.name:
                result = _omit(result, model.output_shape, path)
        return self._response(model, params.get("url", ""), 200, result)

    def _respond(self, model: OperationModel, request: Params) -> Params:
        for fault in self._faults:
            if fault.matches(model.name, request):
                if fault.remaining is not None:
                    fault.remaining -= 1
                raise ServiceError(fault.code, fault.message)
        return self._dispatch(model, request)

    def _dispatch(self, model: OperationModel, request: Params) -> Params:
        method = self._operations.get(model.name)
        if method is None:
            raise UnimplementedOperation(
                f"{type(self).__name__} does not implement {self.service_name} {model.name}. "
                f"Implemented: {', '.join(self.implemented_operations())}. Add an @operation "
                "method to the simulator rather than letting the call through."
            )
        violations = constraint_violations(model.input_shape, request)
        if violations:
            modeled = _modeled_errors(model)
            code = (
                "InvalidInputException"
                if "InvalidInputException" in modeled
                else "ValidationException"
            )
            raise ServiceError(code, validation_message(violations))
        self._before_dispatch()
        handler: Callable[[Params], Params] = getattr(self, method)
        return handler(request)

    def _before_dispatch(self) -> None:
        """Subclass hook run before every operation, e.g. to drop resources whose delete ended."""

    def _invoke(self, operation_name: str, request: Params) -> Params:
        """Run an operation for a setup helper: validated, but not logged and never faulted."""
        return self._dispatch(self._model.operation_model(operation_name), request)

    def _check_output(self, model: OperationModel, result: Params) -> None:
        shape = model.output_shape
        if shape is None:
            if result:
                raise InvalidSimulatedResponse(f"{model.name} has no output, got {result!r}.")
            return
        report = ParamValidator().validate(result, shape)
        if report.has_errors():
            raise InvalidSimulatedResponse(
                f"{model.name} response does not match its output shape:\n"
                f"{report.generate_report()}"
            )
        # Output patterns are skipped: the model's are wrong in places (e.g. roleArn is typed
        # as a personalize Arn in DescribeDatasetImportJob but holds an IAM role ARN).
        violations = constraint_violations(shape, result, check_patterns=False)
        if violations:
            raise InvalidSimulatedResponse(
                f"{model.name} response breaks its output constraints: {violations}"
            )

    def _error_response(
        self, model: OperationModel, url: str, error: ServiceError
    ) -> tuple[AWSResponse, Params]:
        modeled = _modeled_errors(model)
        if error.code not in modeled and error.code not in UNMODELED_ERROR_STATUS:
            raise InvalidSimulatedResponse(
                f"{model.name} cannot return {error.code}; it models {sorted(modeled)}."
            )
        status = UNMODELED_ERROR_STATUS.get(error.code, 400)
        body = {"__type": error.code, "message": error.message}
        return self._response(model, url, status, body)

    def _response(
        self, model: OperationModel, url: str, status: int, body: Params
    ) -> tuple[AWSResponse, Params]:
        self._request_count += 1
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{id(self)}/{self._request_count}"))
        payload = json.dumps(body, default=_json_default).encode()
        headers = {
            "x-amzn-requestid": request_id,
            "content-type": "application/x-amz-json-1.1",
            "content-length": str(len(payload)),
            "date": format_datetime(self.clock.now(), usegmt=True),
        }
        http = AWSResponse(url, status, headers, _RawBody(payload))  # type: ignore[arg-type]
        response_dict = {
            "headers": http.headers,
            "status_code": status,
            "body": payload,
            "context": {"operation_name": model.name},
        }
        parser = create_parser(self._model.resolved_protocol)
        # An operation without output has no shape; botocore's endpoint passes None as well.
        parsed: Params = parser.parse(response_dict, model.output_shape)  # type: ignore[arg-type]
        if status >= 300:
            # botocore's endpoint adds the modelled error members in a second pass; so do we.
            error_shape = self._model.shape_for_error_code(parsed["Error"]["Code"])
            if error_shape is not None:
                parsed.update(parser.parse(response_dict, error_shape))
        parsed["ResponseMetadata"]["RetryAttempts"] = 0
        return http, parsed

    def _refuse_network(self, request: Any, **_: Any) -> None:
        raise AssertionError(
            f"{type(self).__name__}: a request to {getattr(request, 'url', '?')} reached the "
            "network layer; the simulator must answer every call."
        )


def _no_account_id_lookup(builtins: Params, **_: Any) -> None:
    # As Stubber does: resolving the account-id builtin would look up credentials.
    if "AWS::Auth::AccountId" in builtins:
        builtins["AWS::Auth::AccountId"] = None


def _omit(value: Any, shape: Any, path: str) -> Any:
    if not isinstance(value, dict):
        return value
    if path != "*":
        head, _, rest = path.partition(".")
        if head not in value:
            return value
        if not rest:
            return {k: v for k, v in value.items() if k != head}
        return {**value, head: _omit(value[head], None, rest)}
    if shape is None or shape.type_name != "structure":
        return value
    required = set(shape.required_members)
    return {
        k: _omit(v, shape.members[k], "*")
        for k, v in value.items()
        if k in required and k in shape.members
    }


def _modeled_errors(model: OperationModel) -> set[str]:
    return {shape.name for shape in model.error_shapes}


@cache
def shared_botocore_session() -> botocore.session.Session:
    """One botocore session for all fakes: it loads each service model once (~25 ms a client)."""
    return botocore.session.get_session()


@cache
def _service_model(service_name: str) -> ServiceModel:
    return shared_botocore_session().get_service_model(service_name)


def page(
    items: list[Any],
    req: Params,
    *,
    key: str,
    size: int,
    scope: str,
    invalid_token: Callable[[str], ServiceError],
) -> Params:
    """One page of `items` under `key`, and a `nextToken` while more remain.

    The token carries the listing it belongs to (`scope`) and the offset; a token from another
    listing, or one that does not decode, raises the service's own error.
    """
    offset = 0
    if "nextToken" in req:
        offset = _page_offset(req["nextToken"], scope, invalid_token)
    response: Params = {key: items[offset : offset + size]}
    if offset + size < len(items):
        raw = json.dumps([scope, offset + size]).encode()
        response["nextToken"] = base64.urlsafe_b64encode(raw).decode()
    return response


def _page_offset(token: str, scope: str, invalid_token: Callable[[str], ServiceError]) -> int:
    try:
        token_scope, offset = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, TypeError):
        token_scope, offset = None, 0
    if token_scope != scope or not isinstance(offset, int) or offset < 0:
        raise invalid_token(token)
    return offset
