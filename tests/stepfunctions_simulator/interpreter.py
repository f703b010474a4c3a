"""The ASL interpreter: runs one state (or one retry of a Task) of an execution per step.

Time never passes inside a step. A Wait state or a Retry interval sets the time at which the
execution's next step is due (`ready_at`); the scheduler in `stepfunctions.py` moves the shared
clock there before stepping. That way several executions, and the simulators whose statuses
follow the same clock, interleave as they would in real time.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.personalize_simulator import Clock

from . import athena_tasks, choice, lambdas, paths, sdk, templates
from .definition import Definition
from .errors import DefinitionError, StatesError, runtime_error
from .paths import Json

RUNNING = "RUNNING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
TIMED_OUT = "TIMED_OUT"
ABORTED = "ABORTED"

Jitter = Callable[[float], float]


@dataclass(frozen=True)
class StateMachine:
    arn: str
    name: str
    definition: Definition
    role_arn: str


@dataclass
class StateRecord:
    """One entry into a state, as `sfn.history(execution_arn)` reports it."""

    name: str
    type: str
    entered: datetime
    input: Json
    left: datetime | None = None  # for a Wait, when the wait ended
    output: Json = None
    attempts: int = 0  # Task calls made, retries included
    errors: list[tuple[str, str | None]] = field(default_factory=list)  # one per failed call


@dataclass
class Execution:
    arn: str
    name: str
    machine: StateMachine
    input_text: str
    started: datetime
    status: str = RUNNING
    stopped: datetime | None = None
    output_text: str | None = None
    error: str | None = None
    cause: str | None = None
    steps: int = 0
    history: list[StateRecord] = field(default_factory=list)
    # The cursor: the state to run next (None once only the end is pending), its input, when.
    state: str | None = None
    state_input: Json = None
    ready_at: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=UTC))
    retries: dict[int, int] = field(default_factory=dict)  # attempts used, per retrier index
    record: StateRecord | None = None  # set while a Task waits to be retried

    @property
    def deadline(self) -> datetime | None:
        seconds = self.machine.definition.get("TimeoutSeconds")
        return None if seconds is None else self.started + timedelta(seconds=seconds)


@dataclass(frozen=True)
class _Next:
    state: str
    output: Json
    at: datetime


@dataclass(frozen=True)
class _Retry:
    at: datetime


@dataclass(frozen=True)
class _Succeed:
    output: Json
    at: datetime


@dataclass(frozen=True)
class _Fail:
    error: str | None
    cause: str | None


_Outcome = _Next | _Retry | _Succeed | _Fail


def start(execution: Execution, now: datetime) -> None:
    execution.state = execution.machine.definition["StartAt"]
    execution.state_input = json.loads(execution.input_text)
    execution.ready_at = now


def finish(
    execution: Execution,
    status: str,
    at: datetime,
    *,
    output: Json = None,
    error: str | None = None,
    cause: str | None = None,
) -> None:
    execution.status = status
    execution.stopped = at
    execution.output_text = (
        json.dumps(output, separators=(",", ":"), ensure_ascii=False)
        if status == SUCCEEDED
        else None
    )
    execution.error = error
    execution.cause = cause
    execution.state = None


def time_out(execution: Execution, at: datetime) -> None:
    # [H] DescribeExecution reports error States.Timeout and no cause.
    finish(execution, TIMED_OUT, at, error="States.Timeout")


def error_matches(names: list[str], error: str) -> bool:
    """ASL's ErrorEquals: exact names, States.ALL, and States.TaskFailed (all but timeouts).

    Uncatchable errors (States.Runtime, ...) never get here: `_run_task` re-raises them.
    """
    return any(
        name == error
        or name == "States.ALL"
        or (name == "States.TaskFailed" and error != "States.Timeout")
        for name in names
    )


def context_time(value: datetime) -> str:
    """Context object timestamps, e.g. 2019-03-26T20:14:13.192Z (always milliseconds)."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class Interpreter:
    def __init__(
        self,
        *,
        clock: Clock,
        region: str,
        account: str,
        sdk_clients: Mapping[str, Any],
        lambda_handlers: Mapping[str, lambdas.LambdaHandler],
        jitter: Jitter | None,
    ) -> None:
        self.clock = clock
        self.region = region
        self.account = account
        self.sdk_clients = sdk_clients
        self.lambda_handlers = lambda_handlers
        self.jitter = jitter
        self._invocations = 0

    def step(self, execution: Execution) -> None:
        """Run the execution's next state, or finish it if only its end was pending."""
        now = self.clock.now()
        if execution.state is None:
            finish(execution, SUCCEEDED, now, output=execution.state_input)
            return
        execution.steps += 1
        state = execution.machine.definition["States"][execution.state]
        record = execution.record or self._enter(execution, state, now)
        try:
            outcome = self._run(execution, state, record)
        except StatesError as error:
            outcome = _Fail(error.error, self._explain(error, record.name))
        self._apply(execution, record, outcome)

    def _enter(self, execution: Execution, state: Json, now: datetime) -> StateRecord:
        assert execution.state is not None
        record = StateRecord(execution.state, state["Type"], now, execution.state_input)
        execution.history.append(record)
        execution.retries = {}
        return record

    @staticmethod
    def _explain(error: StatesError, state_name: str) -> str | None:
        if error.error != "States.Runtime":
            return error.cause
        return f"An error occurred while executing the state '{state_name}'. {error.cause}"

    def _apply(self, execution: Execution, record: StateRecord, outcome: _Outcome) -> None:
        now = self.clock.now()
        execution.record = None
        if isinstance(outcome, _Retry):
            execution.record = record
            execution.ready_at = outcome.at
            return
        if isinstance(outcome, _Fail):
            record.left = now
            finish(execution, FAILED, now, error=outcome.error, cause=outcome.cause)
            return
        record.left, record.output = outcome.at, outcome.output
        execution.state_input = outcome.output
        execution.ready_at = outcome.at
        if isinstance(outcome, _Next):
            execution.state = outcome.state
        elif outcome.at > now:
            execution.state = None  # a final Wait: the execution ends when the wait does
        else:
            finish(execution, SUCCEEDED, now, output=outcome.output)

    # -- states --------------------------------------------------------------------------------

    def _run(self, execution: Execution, state: Json, record: StateRecord) -> _Outcome:
        context = self._context(execution, record)
        raw = record.input
        kind = state["Type"]
        if kind == "Fail":
            return self._fail(state, raw, context)
        effective = paths.select(state.get("InputPath", "$"), raw, context, field="InputPath")
        if kind == "Task":
            return self._task(execution, state, record, raw, effective, context)
        if kind == "Pass":
            return self._pass(state, raw, effective, context)
        output = paths.select(state.get("OutputPath", "$"), effective, context, field="OutputPath")
        if kind == "Wait":
            return self._next(state, output, at=self._wait_until(state, effective, context))
        if kind == "Choice":
            return _Next(self._choose(state, effective, context), output, self.clock.now())
        return _Succeed(output, self.clock.now())

    def _context(self, execution: Execution, record: StateRecord) -> dict[str, Json]:
        machine = execution.machine
        return {
            "Execution": {
                "Id": execution.arn,
                "Input": json.loads(execution.input_text),
                "Name": execution.name,
                "RoleArn": machine.role_arn,
                "StartTime": context_time(execution.started),
                "RedriveCount": 0,
            },
            "State": {
                "EnteredTime": context_time(record.entered),
                "Name": record.name,
                "RetryCount": sum(execution.retries.values()),
            },
            "StateMachine": {"Id": machine.arn, "Name": machine.name},
        }

    def _next(self, state: Json, output: Json, *, at: datetime | None = None) -> _Outcome:
        when = at if at is not None and at > self.clock.now() else self.clock.now()
        if state.get("End") is True:
            return _Succeed(output, when)
        return _Next(state["Next"], output, when)

    def _finish_output(self, state: Json, raw: Json, result: Json, context: Json) -> Json:
        """ResultPath then OutputPath, shared by Pass and Task."""
        output = paths.assign(state.get("ResultPath", "$"), raw, result)
        return paths.select(state.get("OutputPath", "$"), output, context, field="OutputPath")

    def _pass(self, state: Json, raw: Json, effective: Json, context: Json) -> _Outcome:
        if "Parameters" in state:
            effective = templates.render(state["Parameters"], effective, context)
        # A copy, so that nothing downstream can alter the definition itself.
        result = copy.deepcopy(state["Result"]) if "Result" in state else effective
        return self._next(state, self._finish_output(state, raw, result, context))

    def _wait_until(self, state: Json, effective: Json, context: Json) -> datetime:
        now = self.clock.now()
        if "Seconds" in state:
            return now + timedelta(seconds=state["Seconds"])
        if "Timestamp" in state:
            return _timestamp(state["Timestamp"], "Timestamp")
        if "SecondsPath" in state:
            seconds = paths.select(state["SecondsPath"], effective, context, field="SecondsPath")
            if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
                raise runtime_error(f"SecondsPath selected {seconds!r}, not a non-negative int.")
            return now + timedelta(seconds=seconds)
        value = paths.select(state["TimestampPath"], effective, context, field="TimestampPath")
        return _timestamp(value, "TimestampPath")

    def _choose(self, state: Json, effective: Json, context: Json) -> str:
        for rule in state["Choices"]:
            if choice.matches(rule, effective, context):
                target: str = rule["Next"]
                return target
        if "Default" in state:
            default: str = state["Default"]
            return default
        raise StatesError("States.NoChoiceMatched", "No Matches!")  # [H] cause text

    def _fail(self, state: Json, raw: Json, context: Json) -> _Outcome:
        error = state.get("Error")
        cause = state.get("Cause")
        if "ErrorPath" in state:
            error = _string_from(state["ErrorPath"], raw, context, "ErrorPath")
        if "CausePath" in state:
            cause = _string_from(state["CausePath"], raw, context, "CausePath")
        return _Fail(error, cause)

    # -- Task, Retry and Catch -----------------------------------------------------------------

    def _task(
        self,
        execution: Execution,
        state: Json,
        record: StateRecord,
        raw: Json,
        effective: Json,
        context: Json,
    ) -> _Outcome:
        arguments = (
            templates.render(state["Parameters"], effective, context)
            if "Parameters" in state
            else effective
        )
        record.attempts += 1
        try:
            result = self._call(state, arguments)
        except StatesError as error:
            if not error.catchable:
                raise
            record.errors.append((error.error, error.cause))
            return self._handle(execution, state, raw, error)
        if "ResultSelector" in state:
            result = templates.render(state["ResultSelector"], result, context)
        return self._next(state, self._finish_output(state, raw, result, context))

    def _call(self, state: Json, arguments: Json) -> Json:
        started = self.clock.now()
        result = self._invoke(state["Resource"], arguments)
        timeout = state.get("TimeoutSeconds")
        # Calls are instant unless a Lambda callable moves the clock, e.g. to model a slow one.
        if timeout is not None and self.clock.now() - started > timedelta(seconds=timeout):
            raise StatesError("States.Timeout")
        return result

    def _invoke(self, resource: str, arguments: Json) -> Json:
        athena_call = athena_tasks.parse_resource(resource)
        if athena_call is not None:
            action, sync = athena_call
            return athena_tasks.call(self.sdk_clients.get("athena"), action, sync, arguments)
        sdk_call = sdk.parse_resource(resource)
        if sdk_call is not None:
            service, action = sdk_call
            client = self.sdk_clients.get(service)
            if client is None:
                raise DefinitionError(
                    f"{resource}: no client for {service!r}; set "
                    f"sfn.sdk_clients[{service!r}] = <a boto3 {service} client>."
                )
            return sdk.call(client, action, arguments, resource)
        if lambdas.is_invoke(resource):
            function = arguments.get("FunctionName")
            if not isinstance(function, str):
                raise DefinitionError(f"lambda:invoke FunctionName must be a string: {function!r}")
            if arguments.get("InvocationType", "RequestResponse") != "RequestResponse":
                raise DefinitionError("Only InvocationType RequestResponse is simulated.")
            context = self._lambda_context(function)
            payload = self._run_lambda(function, arguments["Payload"], context)
            return lambdas.invoke_result(payload, context.aws_request_id)
        return self._run_lambda(resource, arguments, self._lambda_context(resource))

    def _lambda_context(self, function: str) -> lambdas.LambdaContext:
        self._invocations += 1
        name = lambdas.function_name(function)
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sfn-sim/{name}/{self._invocations}"))
        return lambdas.LambdaContext(
            function_name=name,
            invoked_function_arn=(
                function
                if function.startswith("arn:")
                else f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"
            ),
            aws_request_id=request_id,
            log_group_name=f"/aws/lambda/{name}",
        )

    def _run_lambda(self, function: str, event: Json, context: lambdas.LambdaContext) -> Json:
        handler = lambdas.find(self.lambda_handlers, function)
        return lambdas.invoke(handler, event, context)

    def _handle(self, execution: Execution, state: Json, raw: Json, error: StatesError) -> _Outcome:
        """Apply the first matching retrier; once it is exhausted, the first matching catcher."""
        for index, retrier in enumerate(state.get("Retry", [])):
            if error_matches(retrier["ErrorEquals"], error.error):
                used = execution.retries.get(index, 0)
                if used < retrier.get("MaxAttempts", 3):
                    execution.retries[index] = used + 1
                    delay = self._retry_delay(retrier, used)
                    return _Retry(self.clock.now() + timedelta(seconds=delay))
                break
        for catcher in state.get("Catch", []):
            if error_matches(catcher["ErrorEquals"], error.error):
                error_output: dict[str, Json] = {"Error": error.error}
                if error.cause is not None:
                    error_output["Cause"] = error.cause
                output = paths.assign(catcher.get("ResultPath", "$"), raw, error_output)
                return _Next(catcher["Next"], output, self.clock.now())
        raise error

    def _retry_delay(self, retrier: Json, used: int) -> float:
        delay = float(retrier.get("IntervalSeconds", 1) * retrier.get("BackoffRate", 2.0) ** used)
        if "MaxDelaySeconds" in retrier:
            delay = min(delay, float(retrier["MaxDelaySeconds"]))
        if retrier.get("JitterStrategy", "NONE") == "FULL":
            if self.jitter is None:
                raise DefinitionError(
                    "JitterStrategy FULL draws a random delay; pass "
                    "StepFunctionsSimulator(jitter=lambda delay: ...) to choose it."
                )
            delay = self.jitter(delay)
        return delay


def _timestamp(value: Json, field_name: str) -> datetime:
    parsed = choice.parse_timestamp(value)
    if parsed is None:
        raise runtime_error(f"{field_name} value {value!r} is not an RFC 3339 timestamp.")
    return parsed


def _string_from(text: str, raw: Json, context: Json, field_name: str) -> str:
    try:
        value = templates.expression(text, raw, context)
    except paths.PathNotFound:
        raise runtime_error(f"Invalid path '{text}' in {field_name}: it selects nothing.") from None
    if not isinstance(value, str):
        raise runtime_error(f"{field_name} selected {value!r}, which is not a string.")
    return value
