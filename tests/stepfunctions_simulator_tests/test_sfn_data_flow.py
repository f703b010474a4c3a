"""Input and output processing, intrinsic functions, the context object, Choice, Wait and Fail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.stepfunctions_simulator import FAILED, SUCCEEDED, StepFunctionsSimulator
from tests.stepfunctions_simulator_tests.helpers import machine, run_definition


def run_pass(sfn: StepFunctionsSimulator, state: dict[str, Any], payload: Any) -> Any:
    """The output of a one-Pass-state machine given `payload`."""
    execution_arn = run_definition(
        sfn, machine({"Only": {"Type": "Pass", "End": True, **state}}), payload
    )
    assert sfn.status(execution_arn) == SUCCEEDED
    return sfn.output(execution_arn)


def test_parameters_resolve_paths_and_the_context_object(sfn: StepFunctionsSimulator) -> None:
    # GIVEN Parameters mixing static values, input paths and context object paths
    parameters = {
        "static": {"kept": True},
        "name.$": "$.who.name",
        "first.$": "$.items[0]",
        "spaced.$": "$['odd key']",
        "execution.$": "$$.Execution.Name",
        "state.$": "$$.State.Name",
        "startedAt.$": "$$.Execution.StartTime",
    }
    payload = {"who": {"name": "shop"}, "items": ["a", "b"], "odd key": 1}
    # WHEN the state runs
    output = run_pass(sfn, {"Parameters": parameters}, payload)
    # THEN every `.$` key is replaced by the value it selects
    assert output == {
        "static": {"kept": True},
        "name": "shop",
        "first": "a",
        "spaced": 1,
        "execution": sfn.executions()[0].rsplit(":", 1)[1],
        "state": "Only",
        "startedAt": "2025-01-01T00:00:00.000Z",
    }


def test_intrinsic_functions_compose(sfn: StepFunctionsSimulator) -> None:
    parameters = {
        "greeting.$": "States.Format('{} has {} items, \\{literal\\}', $.name, $.count)",
        "parsed.$": "States.StringToJson($.text)",
        "text.$": "States.JsonToString($.object)",
        "array.$": "States.Array($.name, 1, true, null)",
        "sum.$": "States.MathAdd($.count, -1)",
        "nested.$": "States.ArrayGetItem(States.Array('x', 'y'), States.MathAdd(0, 1))",
    }
    payload = {"name": "shop", "count": 3, "text": '{"a": [1]}', "object": {"b": "c"}}
    output = run_pass(sfn, {"Parameters": parameters}, payload)
    assert output == {
        "greeting": "shop has 3 items, {literal}",
        "parsed": {"a": [1]},
        "text": '{"b":"c"}',
        "array": ["shop", 1, True, None],
        "sum": 2,
        "nested": "y",
    }


def test_string_split_splits_on_every_delimiter_character(sfn: StepFunctionsSimulator) -> None:
    # GIVEN the guide's example and an execution start time split into its date and time parts
    parameters = {
        "guide.$": "States.StringSplit($.text, '.+,=')",
        "date.$": "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)",
        "parts.$": "States.StringSplit($$.Execution.StartTime, '-T:.')",
    }
    output = run_pass(sfn, {"Parameters": parameters}, {"text": "This.is+a,test=string"})
    # THEN each character is a delimiter and no empty piece is kept
    assert output == {
        "guide": ["This", "is", "a", "test", "string"],
        "date": "2025-01-01",
        "parts": ["2025", "01", "01", "00", "00", "00", "000Z"],
    }


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"Result": {"r": 1}}, {"r": 1}),
        ({"Result": {"r": 1}, "ResultPath": "$.deep.er"}, {"keep": 1, "deep": {"er": {"r": 1}}}),
        ({"Result": {"r": 1}, "ResultPath": None}, {"keep": 1}),
        ({"Result": {"r": 1}, "ResultPath": "$.x", "OutputPath": "$.x.r"}, 1),
        (
            {"InputPath": "$.keep", "Parameters": {"v.$": "$"}, "ResultPath": "$.p"},
            {"keep": 1, "p": {"v": 1}},
        ),
        ({"OutputPath": None}, {}),
    ],
)
def test_result_path_and_output_path_shape_the_output(
    sfn: StepFunctionsSimulator, state: dict[str, Any], expected: Any
) -> None:
    assert run_pass(sfn, state, {"keep": 1}) == expected


def test_a_parameters_path_that_selects_nothing_fails_the_execution_uncaught(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    # GIVEN a Pass state whose Parameters read a missing field
    definition = machine(
        {"Only": {"Type": "Pass", "Parameters": {"v.$": "$.missing"}, "End": True}}
    )
    # WHEN it runs
    execution_arn = run_definition(sfn, definition, {"present": 1})
    # THEN the execution fails with States.Runtime naming the path
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert (described["status"], described["error"]) == (FAILED, "States.Runtime")
    assert "The JSONPath '$.missing' specified for the field 'v.$'" in described["cause"]


@pytest.mark.parametrize(
    ("rule", "payload", "matched"),
    [
        ({"StringEquals": "ACTIVE"}, {"v": "ACTIVE"}, True),
        ({"StringEquals": "ACTIVE"}, {"v": 1}, False),
        ({"StringEqualsPath": "$.w"}, {"v": "a", "w": "a"}, True),
        ({"StringMatches": "CREATE *"}, {"v": "CREATE FAILED"}, True),
        ({"StringMatches": "a\\*"}, {"v": "ab"}, False),
        ({"NumericEquals": 2}, {"v": 2.0}, True),
        ({"NumericLessThan": 2}, {"v": 1}, True),
        ({"NumericGreaterThanEquals": 2}, {"v": 2}, True),
        ({"NumericGreaterThan": 2}, {"v": "3"}, False),
        ({"NumericEquals": 1}, {"v": True}, False),
        ({"BooleanEquals": True}, {"v": True}, True),
        ({"IsPresent": False}, {}, True),
        ({"IsNull": True}, {"v": None}, True),
        ({"IsString": True}, {"v": "x"}, True),
        ({"IsNumeric": True}, {"v": False}, False),
        ({"TimestampLessThan": "2025-01-02T00:00:00Z"}, {"v": "2025-01-01T12:00:00Z"}, True),
        ({"TimestampGreaterThan": "2025-01-02T00:00:00Z"}, {"v": "not a time"}, False),
    ],
)
def test_choice_comparisons(
    sfn: StepFunctionsSimulator, rule: dict[str, Any], payload: Any, matched: bool
) -> None:
    # GIVEN a Choice with one rule on $.v
    definition = machine(
        {
            "Choose": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.v", **rule, "Next": "Matched"}],
                "Default": "Unmatched",
            },
            "Matched": {"Type": "Succeed"},
            "Unmatched": {"Type": "Succeed"},
        }
    )
    # WHEN it runs THEN it takes the rule's branch exactly when the rule holds
    execution_arn = run_definition(sfn, definition, payload)
    assert sfn.history(execution_arn)[-1].name == ("Matched" if matched else "Unmatched")


def test_choice_combinators(sfn: StepFunctionsSimulator) -> None:
    rule = {
        "And": [
            {"Variable": "$.status", "StringEquals": "ACTIVE"},
            {"Not": {"Variable": "$.count", "NumericLessThan": 3}},
            {
                "Or": [
                    {"Variable": "$.a", "IsPresent": True},
                    {"Variable": "$.b", "IsPresent": True},
                ]
            },
        ],
        "Next": "Matched",
    }
    definition = machine(
        {
            "Choose": {"Type": "Choice", "Choices": [rule], "Default": "Unmatched"},
            "Matched": {"Type": "Succeed"},
            "Unmatched": {"Type": "Succeed"},
        }
    )
    execution_arn = run_definition(sfn, definition, {"status": "ACTIVE", "count": 3, "b": 0})
    assert sfn.history(execution_arn)[-1].name == "Matched"


def test_no_matching_choice_without_default_fails_with_no_choice_matched(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    definition = machine(
        {
            "Choose": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.v", "StringEquals": "x", "Next": "Done"}],
            },
            "Done": {"Type": "Succeed"},
        }
    )
    execution_arn = run_definition(sfn, definition, {"v": "y"})
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert described["error"] == "States.NoChoiceMatched"


def test_a_choice_variable_that_selects_nothing_fails_with_states_runtime(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    definition = machine(
        {
            "Choose": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.missing", "StringEquals": "x", "Next": "Done"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        }
    )
    execution_arn = run_definition(sfn, definition, {})
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert (described["status"], described["error"]) == (FAILED, "States.Runtime")


@pytest.mark.parametrize(
    ("wait", "payload", "seconds"),
    [
        ({"Seconds": 90}, {}, 90),
        ({"SecondsPath": "$.delay"}, {"delay": 45}, 45),
        ({"Timestamp": "2025-01-01T01:00:00Z"}, {}, 3600),
        ({"TimestampPath": "$.at"}, {"at": "2025-01-01T00:10:00+00:00"}, 600),
        ({"Timestamp": "2024-12-31T00:00:00Z"}, {}, 0),
    ],
)
def test_wait_advances_the_shared_clock_instead_of_sleeping(
    sfn: StepFunctionsSimulator, wait: dict[str, Any], payload: Any, seconds: int
) -> None:
    # GIVEN a Wait state, and the clock at 2025-01-01T00:00:00Z
    started = sfn.clock.now()
    definition = machine(
        {"Pause": {"Type": "Wait", "Next": "Done", **wait}, "Done": {"Type": "Succeed"}}
    )
    # WHEN it runs
    execution_arn = run_definition(sfn, definition, payload)
    # THEN the next state is entered, and the clock stands, that many seconds later
    assert sfn.history(execution_arn)[-1].entered == started + timedelta(seconds=seconds)
    assert sfn.clock.now() == started + timedelta(seconds=seconds)


def test_fail_state_takes_error_and_cause_from_paths_and_intrinsics(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    definition = machine(
        {
            "Stop": {
                "Type": "Fail",
                "ErrorPath": "$.code",
                "CausePath": "States.Format('import {} failed', $.job)",
            }
        }
    )
    execution_arn = run_definition(sfn, definition, {"code": "ImportFailed", "job": "j1"})
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert (described["error"], described["cause"]) == ("ImportFailed", "import j1 failed")
