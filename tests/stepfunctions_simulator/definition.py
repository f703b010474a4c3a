"""Static checks of a state machine definition, run when a test registers it.

Step Functions validates a definition when the state machine is created; the simulator does the
same, and also refuses every field it does not implement, so a definition never runs with part
of it silently ignored.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from botocore.exceptions import UnknownServiceError
from botocore.model import ListShape, MapShape, Shape, StructureShape

from tests.personalize_simulator.fake_service import shared_botocore_session

from . import athena_tasks, choice, lambdas, paths, sdk, templates
from .errors import DefinitionError
from .paths import Json

Definition = dict[str, Any]

TOP_LEVEL = frozenset({"StartAt", "States", "Comment", "Version", "TimeoutSeconds"})
_IO = frozenset({"InputPath", "OutputPath"})
_FLOW = frozenset({"Next", "End"})
FIELDS: dict[str, frozenset[str]] = {
    "Pass": _IO | _FLOW | {"Parameters", "ResultPath", "Result"},
    "Task": _IO
    | _FLOW
    | {"Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch"}
    | {"TimeoutSeconds"},
    "Wait": _IO | _FLOW | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
    "Choice": _IO | {"Choices", "Default"},
    "Succeed": _IO,
    "Fail": frozenset({"Error", "ErrorPath", "Cause", "CausePath"}),
}
_RETRIER = frozenset(
    {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds"}
    | {"JitterStrategy", "Comment"}
)
_WAIT_FIELDS = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")
_CATCHER = frozenset({"ErrorEquals", "Next", "ResultPath", "Comment"})
# ASL service names that differ from botocore's.
SDK_SERVICE_ALIASES = {"sfn": "stepfunctions", "cloudwatchlogs": "logs", "eventbridge": "events"}


def load(definition: Definition | str) -> Definition:
    """Parse (a copy of) the definition and check it; raises `DefinitionError`."""
    parsed: Definition = (
        json.loads(definition) if isinstance(definition, str) else copy.deepcopy(definition)
    )
    check(parsed)
    return parsed


def check(definition: Definition) -> None:
    _check_fields(definition, TOP_LEVEL | {"QueryLanguage"}, "The definition")
    _check_query_language(definition, "The definition")
    states = definition.get("States")
    if not isinstance(states, dict) or not states:
        raise DefinitionError("The definition needs a non-empty States object.")
    if definition.get("StartAt") not in states:
        raise DefinitionError(f"StartAt {definition.get('StartAt')!r} is not a state.")
    if "TimeoutSeconds" in definition:
        _positive_int(definition["TimeoutSeconds"], "The definition's TimeoutSeconds")
    for name, state in states.items():
        _check_state(name, state, states)
    _check_reachable(definition["StartAt"], states)


def _check_reachable(start_at: str, states: dict[str, Json]) -> None:
    """Step Functions refuses a state no transition leads to (MISSING_TRANSITION_TARGET)."""
    seen, pending = {start_at}, [start_at]
    while pending:
        for target in _targets(states[pending.pop()]):
            if target not in seen:
                seen.add(target)
                pending.append(target)
    unreachable = sorted(set(states) - seen)
    if unreachable:
        raise DefinitionError(f"States {unreachable} are not reachable from StartAt.")


def _check_state(name: str, state: Json, states: dict[str, Json]) -> None:
    where = f"State {name!r}"
    if not isinstance(state, dict):
        raise DefinitionError(f"{where} must be an object.")
    kind = state.get("Type")
    if kind not in FIELDS:
        raise DefinitionError(
            f"{where}: Type {kind!r} is not supported; supported: {sorted(FIELDS)} "
            "(Parallel and Map are deliberately not simulated)."
        )
    _check_fields(state, FIELDS[kind] | {"Type", "Comment", "QueryLanguage"}, where)
    _check_query_language(state, where)
    for target in _targets(state):
        if target not in states:
            raise DefinitionError(f"{where}: transition to unknown state {target!r}.")
    if kind not in ("Choice", "Succeed", "Fail"):
        _check_next_or_end(state, where)
    _check_io(state, where)
    _CHECKS[kind](state, where)


def _check_fields(obj: dict[str, Json], allowed: frozenset[str], where: str) -> None:
    unknown = set(obj) - allowed
    if unknown:
        raise DefinitionError(
            f"{where}: {sorted(unknown)} not supported by the simulator (or not valid ASL); "
            f"allowed: {sorted(allowed)}."
        )


def _check_query_language(obj: dict[str, Json], where: str) -> None:
    if obj.get("QueryLanguage", "JSONPath") != "JSONPath":
        raise DefinitionError(f"{where}: only the JSONPath query language is simulated.")


def _targets(state: dict[str, Json]) -> list[str]:
    targets = [state["Next"]] if "Next" in state else []
    targets += [rule.get("Next") for rule in state.get("Choices", []) if isinstance(rule, dict)]
    targets += [state["Default"]] if "Default" in state else []
    targets += [catch.get("Next") for catch in state.get("Catch", []) if isinstance(catch, dict)]
    return targets


def _check_next_or_end(state: dict[str, Json], where: str) -> None:
    if ("Next" in state) == (state.get("End") is True):
        raise DefinitionError(f"{where}: needs exactly one of Next and End: true.")


def _check_io(state: dict[str, Json], where: str) -> None:
    for field in ("InputPath", "OutputPath", "ResultPath"):
        if field in state and state[field] is not None:
            path = paths.parse(_string(state[field], f"{where}.{field}"))
            if field == "ResultPath" and path.context:
                raise DefinitionError(f"{where}: ResultPath cannot select the context object.")
    for field in ("Parameters", "ResultSelector"):
        if field in state:
            templates.check(state[field], f"{where}.{field}")


def _check_pass(state: dict[str, Json], where: str) -> None:
    """Pass has nothing beyond the common fields."""


def _check_wait(state: dict[str, Json], where: str) -> None:
    given = [key for key in _WAIT_FIELDS if key in state]
    if len(given) != 1:
        raise DefinitionError(f"{where}: needs exactly one of {_WAIT_FIELDS}; got {given}.")
    value = state[given[0]]
    if given[0] == "Seconds":
        _non_negative_int(value, f"{where}.Seconds")
    elif given[0] == "Timestamp":
        if choice.parse_timestamp(value) is None:
            raise DefinitionError(f"{where}: Timestamp {value!r} is not an RFC 3339 timestamp.")
    else:
        paths.parse(_string(value, f"{where}.{given[0]}"))


def _check_choice(state: dict[str, Json], where: str) -> None:
    rules = state.get("Choices")
    if not isinstance(rules, list) or not rules:
        raise DefinitionError(f"{where}: Choices must be a non-empty list.")
    for index, rule in enumerate(rules):
        choice.check(rule, f"{where}.Choices[{index}]", top_level=True)


def _check_succeed(state: dict[str, Json], where: str) -> None:
    """Succeed has nothing beyond InputPath and OutputPath."""


def _check_fail(state: dict[str, Json], where: str) -> None:
    for static, dynamic in (("Error", "ErrorPath"), ("Cause", "CausePath")):
        if static in state and dynamic in state:
            raise DefinitionError(f"{where}: give {static} or {dynamic}, not both.")
        if dynamic in state:
            templates.check_expression(state[dynamic], f"{where}.{dynamic}")


def _check_task(state: dict[str, Json], where: str) -> None:
    resource = _string(state.get("Resource"), f"{where}.Resource")
    if "TimeoutSeconds" in state:
        _positive_int(state["TimeoutSeconds"], f"{where}.TimeoutSeconds")
    for index, retrier in enumerate(state.get("Retry", [])):
        _check_retrier(retrier, f"{where}.Retry[{index}]", last=index == len(state["Retry"]) - 1)
    for index, catcher in enumerate(state.get("Catch", [])):
        _check_catcher(catcher, f"{where}.Catch[{index}]", last=index == len(state["Catch"]) - 1)
    sdk_call = sdk.parse_resource(resource)
    if athena_tasks.parse_resource(resource) is not None:
        pass  # checked by botocore at run time, against the Athena client the test provides
    elif sdk_call is not None:
        _check_sdk_parameters(state.get("Parameters", {}), sdk_call, resource, where)
    elif lambdas.is_invoke(resource):
        lambdas.check_invoke_parameters(state.get("Parameters"), where)
    elif not lambdas.is_direct(resource):
        raise DefinitionError(
            f"{where}: Resource {resource!r} is not supported; the simulator runs "
            "arn:aws:states:::aws-sdk:<service>:<action>, arn:aws:states:::lambda:invoke and "
            "arn:aws:lambda:<region>:<account>:function:<name>."
        )


def _check_sdk_parameters(
    parameters: Json, sdk_call: tuple[str, str], resource: str, where: str
) -> None:
    service, action = sdk_call
    try:
        model = shared_botocore_session().get_service_model(
            SDK_SERVICE_ALIASES.get(service, service)
        )
    except UnknownServiceError:
        return  # checked at run time, against the model of the client the test provides
    operation = sdk.operation_model(model, action, resource)
    check_parameter_names(parameters, operation.input_shape, f"{where}.Parameters")


def check_parameter_names(template: Json, shape: Shape | None, where: str) -> None:
    """Every key of a Parameters template names a member (PascalCase) of the input shape."""
    if isinstance(shape, StructureShape) and isinstance(template, dict):
        members = {sdk.asl_name(name): name for name in shape.members}
        for key, value in template.items():
            name = key.removesuffix(".$")
            if name not in members:
                raise DefinitionError(
                    f"{where}: {name!r} is not a parameter of {shape.name}; expected one of "
                    f"{sorted(members)}."
                )
            if not key.endswith(".$"):
                check_parameter_names(value, shape.members[members[name]], f"{where}.{name}")
    elif isinstance(shape, ListShape) and isinstance(template, list):
        for index, item in enumerate(template):
            check_parameter_names(item, shape.member, f"{where}[{index}]")
    elif isinstance(shape, MapShape) and isinstance(template, dict):
        for key, value in template.items():
            if not key.endswith(".$"):
                check_parameter_names(value, shape.value, f"{where}.{key}")
    elif shape is None and template:
        raise DefinitionError(f"{where}: the operation takes no parameters.")


def _check_retrier(retrier: Json, where: str, *, last: bool) -> None:
    _check_fields(retrier, _RETRIER, where)
    _check_error_equals(retrier, where, last=last)
    if "IntervalSeconds" in retrier:
        _positive_int(retrier["IntervalSeconds"], f"{where}.IntervalSeconds")
    if "MaxDelaySeconds" in retrier:
        _positive_int(retrier["MaxDelaySeconds"], f"{where}.MaxDelaySeconds")
    if "MaxAttempts" in retrier:
        _non_negative_int(retrier["MaxAttempts"], f"{where}.MaxAttempts")
    rate = retrier.get("BackoffRate", 2.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or rate < 1:
        raise DefinitionError(f"{where}.BackoffRate must be a number >= 1.0, got {rate!r}.")
    if retrier.get("JitterStrategy", "NONE") not in ("NONE", "FULL"):
        raise DefinitionError(f"{where}.JitterStrategy must be NONE or FULL.")


def _check_catcher(catcher: Json, where: str, *, last: bool) -> None:
    _check_fields(catcher, _CATCHER, where)
    _check_error_equals(catcher, where, last=last)
    if "Next" not in catcher:
        raise DefinitionError(f"{where}: needs Next.")
    if catcher.get("ResultPath") is not None:
        paths.parse(_string(catcher["ResultPath"], f"{where}.ResultPath"))


def _check_error_equals(handler: dict[str, Json], where: str, *, last: bool) -> None:
    names = handler.get("ErrorEquals")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise DefinitionError(f"{where}: ErrorEquals must be a non-empty list of error names.")
    if "States.ALL" in names and (len(names) != 1 or not last):
        raise DefinitionError(f"{where}: States.ALL must appear alone, in the last handler.")


def _string(value: Json, where: str) -> str:
    if not isinstance(value, str):
        raise DefinitionError(f"{where} must be a string, got {value!r}.")
    return value


def _non_negative_int(value: Json, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DefinitionError(f"{where} must be a non-negative integer, got {value!r}.")
    return value


def _positive_int(value: Json, where: str) -> int:
    if _non_negative_int(value, where) == 0:
        raise DefinitionError(f"{where} must be a positive integer.")
    return int(value)


_CHECKS = {
    "Pass": _check_pass,
    "Task": _check_task,
    "Wait": _check_wait,
    "Choice": _check_choice,
    "Succeed": _check_succeed,
    "Fail": _check_fail,
}
