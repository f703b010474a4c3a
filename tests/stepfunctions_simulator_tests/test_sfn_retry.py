"""Retry and Catch mechanics, on Lambda tasks whose failures the test scripts."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest

from tests.stepfunctions_simulator import (
    FAILED,
    SUCCEEDED,
    DefinitionError,
    LambdaContext,
    StatesError,
    StepFunctionsSimulator,
)
from tests.stepfunctions_simulator_tests.helpers import LAMBDA_INVOKE, machine, run_definition


def failing(sfn: StepFunctionsSimulator, failures: int, error: str = "Flaky") -> list[datetime]:
    """Register `flaky`, which fails `failures` times with `error`; returns its call times."""
    calls: list[datetime] = []

    def handler(event: Any, context: LambdaContext) -> str:
        calls.append(sfn.clock.now())
        if len(calls) <= failures:
            raise StatesError(error, "scripted failure")
        return "ok"

    sfn.lambdas["flaky"] = handler
    return calls


def task(**fields: Any) -> dict[str, Any]:
    state = {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": "flaky", "Payload": {}},
        "End": True,
        **fields,
    }
    states: dict[str, Any] = {"Call": state}
    if "Catch" in fields:
        states["Caught"] = {"Type": "Pass", "End": True}
    return machine(states)


def gaps(calls: list[datetime]) -> list[float]:
    return [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(calls)]


def test_max_delay_seconds_caps_the_backoff(sfn: StepFunctionsSimulator) -> None:
    calls = failing(sfn, 4)
    retry = {"ErrorEquals": ["Flaky"], "IntervalSeconds": 10, "BackoffRate": 3, "MaxAttempts": 4}
    run_definition(sfn, task(Retry=[{**retry, "MaxDelaySeconds": 60}]))
    assert gaps(calls) == [10, 30, 60, 60]


def test_retry_defaults_are_one_second_doubling_three_times(sfn: StepFunctionsSimulator) -> None:
    calls = failing(sfn, 3)
    execution_arn = run_definition(sfn, task(Retry=[{"ErrorEquals": ["States.ALL"]}]))
    assert gaps(calls) == [1, 2, 4]
    assert sfn.status(execution_arn) == SUCCEEDED


def test_max_attempts_zero_never_retries(sfn: StepFunctionsSimulator) -> None:
    calls = failing(sfn, 1)
    execution_arn = run_definition(sfn, task(Retry=[{"ErrorEquals": ["Flaky"], "MaxAttempts": 0}]))
    assert (len(calls), sfn.status(execution_arn)) == (1, FAILED)


def test_an_exhausted_retrier_hands_the_error_to_catch(sfn: StepFunctionsSimulator) -> None:
    # GIVEN a task failing three times, retried once, then caught
    calls = failing(sfn, 3)
    definition = task(
        Retry=[{"ErrorEquals": ["Flaky"], "MaxAttempts": 1}],
        Catch=[{"ErrorEquals": ["Flaky"], "Next": "Caught"}],
    )
    # WHEN it runs
    execution_arn = run_definition(sfn, definition)
    # THEN it was called twice, and the error output replaced the state's output
    assert len(calls) == 2
    assert sfn.output(execution_arn) == {"Error": "Flaky", "Cause": "scripted failure"}


def test_the_first_matching_retrier_is_the_only_one_used(sfn: StepFunctionsSimulator) -> None:
    calls = failing(sfn, 2)
    retriers = [
        {"ErrorEquals": ["Flaky"], "MaxAttempts": 1},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5},
    ]
    execution_arn = run_definition(sfn, task(Retry=retriers))
    assert (len(calls), sfn.status(execution_arn)) == (2, FAILED)


def test_states_task_failed_does_not_match_a_timeout(sfn: StepFunctionsSimulator) -> None:
    calls = failing(sfn, 1, error="States.Timeout")
    execution_arn = run_definition(sfn, task(Retry=[{"ErrorEquals": ["States.TaskFailed"]}]))
    assert (len(calls), sfn.status(execution_arn)) == (1, FAILED)


def test_retry_count_is_visible_in_the_context_object(sfn: StepFunctionsSimulator) -> None:
    seen: list[int] = []

    def handler(event: Any, context: LambdaContext) -> None:
        seen.append(event["retry"])
        if len(seen) < 3:
            raise StatesError("Flaky")

    sfn.lambdas["flaky"] = handler
    definition = task(
        Parameters={"FunctionName": "flaky", "Payload": {"retry.$": "$$.State.RetryCount"}},
        Retry=[{"ErrorEquals": ["Flaky"]}],
    )
    run_definition(sfn, definition)
    assert seen == [0, 1, 2]


def test_full_jitter_needs_a_jitter_function(sfn: StepFunctionsSimulator) -> None:
    failing(sfn, 1)
    definition = task(Retry=[{"ErrorEquals": ["Flaky"], "JitterStrategy": "FULL"}])
    with pytest.raises(DefinitionError, match="JitterStrategy FULL"):
        run_definition(sfn, definition)


def test_full_jitter_uses_the_jitter_function_given(clock: Any) -> None:
    sfn = StepFunctionsSimulator(clock=clock, jitter=lambda delay: delay / 4)
    calls = failing(sfn, 1)
    retry = {"ErrorEquals": ["Flaky"], "IntervalSeconds": 8, "JitterStrategy": "FULL"}
    run_definition(sfn, task(Retry=[retry]))
    assert gaps(calls) == [2]
