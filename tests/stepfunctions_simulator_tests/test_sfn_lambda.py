"""Lambda tasks: the optimized lambda:invoke integration and the direct function ARN form."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.stepfunctions_simulator import (
    DefinitionError,
    LambdaContext,
    StatesError,
    StepFunctionsSimulator,
)
from tests.stepfunctions_simulator_tests.helpers import LAMBDA_INVOKE, machine, run_definition

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:signal-wait-condition"


def invoke_state(**fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": FUNCTION_ARN, "Payload.$": "$"},
        "End": True,
        **fields,
    }


def test_lambda_invoke_passes_the_payload_and_wraps_the_return_value(
    sfn: StepFunctionsSimulator,
) -> None:
    # GIVEN a registered function that echoes what it got
    events: list[Any] = []

    def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
        events.append(event)
        return {"signalled": True, "function": context.function_name}

    sfn.lambdas[FUNCTION_ARN] = handler
    # WHEN a lambda:invoke task runs with Payload.$ = $
    execution_arn = run_definition(sfn, machine({"Signal": invoke_state()}), {"stack": "s1"})
    # THEN the function got the payload and the result has the integration's shape
    assert events == [{"stack": "s1"}]
    result = sfn.output(execution_arn)
    assert result["Payload"] == {"signalled": True, "function": "signal-wait-condition"}
    assert (result["StatusCode"], result["ExecutedVersion"]) == (200, "$LATEST")


def test_result_selector_can_pick_from_the_lambda_payload(sfn: StepFunctionsSimulator) -> None:
    # GIVEN a function registered by bare name and a ResultSelector reading $.Payload
    sfn.lambdas["signal-wait-condition"] = lambda event, context: {"x": 7, "noise": 1}
    state = invoke_state(ResultSelector={"x.$": "$.Payload.x"}, ResultPath="$.signal")
    # WHEN it runs
    execution_arn = run_definition(sfn, machine({"Signal": state}), {"keep": 1})
    # THEN only the selected value is placed at ResultPath
    assert sfn.output(execution_arn) == {"keep": 1, "signal": {"x": 7}}


def test_an_exception_in_the_function_is_an_error_named_after_its_class(
    sfn: StepFunctionsSimulator,
) -> None:
    # GIVEN a function that raises ValueError, and a Catch on that name
    def handler(event: Any, context: LambdaContext) -> None:
        raise ValueError("no such stack")

    sfn.lambdas[FUNCTION_ARN] = handler
    catch = {"ErrorEquals": ["ValueError"], "ResultPath": "$.error", "Next": "Caught"}
    definition = machine({"Signal": invoke_state(Catch=[catch]), "Caught": {"Type": "Succeed"}})
    # WHEN it runs
    execution_arn = run_definition(sfn, definition, {})
    # THEN the catcher gets Error = class name and Cause = the runtime's JSON error document
    error = sfn.output(execution_arn)["error"]
    assert error["Error"] == "ValueError"
    cause = json.loads(error["Cause"])
    assert (cause["errorType"], cause["errorMessage"]) == ("ValueError", "no such stack")


def test_an_assertion_error_in_the_function_is_never_caught(sfn: StepFunctionsSimulator) -> None:
    # GIVEN a function whose own check fails (as a simulator's defect report would)
    def handler(event: Any, context: LambdaContext) -> None:
        raise AssertionError("simulator defect")

    sfn.lambdas[FUNCTION_ARN] = handler
    catch = {"ErrorEquals": ["States.ALL"], "Next": "Caught"}
    definition = machine({"Signal": invoke_state(Catch=[catch]), "Caught": {"Type": "Succeed"}})
    # WHEN it runs THEN the assertion reaches the test
    with pytest.raises(AssertionError, match="simulator defect"):
        run_definition(sfn, definition, {})


def test_a_states_runtime_error_escapes_a_states_all_catch(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    # GIVEN a function failing with States.Runtime, under a Catch on States.ALL
    def handler(event: Any, context: LambdaContext) -> None:
        raise StatesError("States.Runtime", "bad path")

    sfn.lambdas[FUNCTION_ARN] = handler
    catch = {"ErrorEquals": ["States.ALL"], "Next": "Caught"}
    definition = machine({"Signal": invoke_state(Catch=[catch]), "Caught": {"Type": "Succeed"}})
    # WHEN it runs
    execution_arn = run_definition(sfn, definition, {})
    # THEN the execution fails: States.Runtime cannot be caught
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")


def test_a_states_error_raised_by_the_function_is_retried_like_a_lambda_service_error(
    sfn: StepFunctionsSimulator,
) -> None:
    # GIVEN a function that fails once with Lambda.ServiceException, and CDK's default retrier
    calls: list[datetime] = []

    def handler(event: Any, context: LambdaContext) -> str:
        calls.append(sfn.clock.now())
        if len(calls) == 1:
            raise StatesError("Lambda.ServiceException", "Lambda is busy")
        return "ok"

    sfn.lambdas[FUNCTION_ARN] = handler
    retry = {
        "ErrorEquals": ["Lambda.ServiceException", "Lambda.SdkClientException"],
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "BackoffRate": 2,
    }
    # WHEN it runs
    execution_arn = run_definition(sfn, machine({"Signal": invoke_state(Retry=[retry])}), {})
    # THEN the second call came 2 s after the first and succeeded
    assert (calls[1] - calls[0]).total_seconds() == 2
    assert sfn.output(execution_arn)["Payload"] == "ok"


def test_the_direct_function_arn_form_returns_the_function_result_itself(
    sfn: StepFunctionsSimulator,
) -> None:
    sfn.lambdas[FUNCTION_ARN] = lambda event, context: {"got": event}
    state = {"Type": "Task", "Resource": FUNCTION_ARN, "End": True}
    execution_arn = run_definition(sfn, machine({"Signal": state}), {"a": 1})
    assert sfn.output(execution_arn) == {"got": {"a": 1}}


def test_a_return_value_lambda_cannot_serialise_is_a_marshal_error(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    sfn.lambdas[FUNCTION_ARN] = lambda event, context: {"when": datetime.now(UTC)}
    execution_arn = run_definition(sfn, machine({"Signal": invoke_state()}), {})
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert described["error"] == "Runtime.MarshalError"


def test_a_function_the_test_did_not_register_fails_the_run_loudly(
    sfn: StepFunctionsSimulator,
) -> None:
    with pytest.raises(DefinitionError, match=r"sfn.lambdas\['signal-wait-condition'\]"):
        run_definition(sfn, machine({"Signal": invoke_state()}), {})


def test_a_slow_function_past_the_task_timeout_is_a_states_timeout(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    # GIVEN a function that takes 30 s of simulated time, in a task with a 10 s timeout
    def handler(event: Any, context: LambdaContext) -> None:
        sfn.clock.advance(30)

    sfn.lambdas[FUNCTION_ARN] = handler
    # WHEN it runs THEN the task fails with States.Timeout
    execution_arn = run_definition(sfn, machine({"Signal": invoke_state(TimeoutSeconds=10)}), {})
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert described["error"] == "States.Timeout"
