"""The Step Functions API a handler calls, and how executions run on the clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.stepfunctions_simulator import (
    ABORTED,
    FAILED,
    RUNNING,
    SUCCEEDED,
    TIMED_OUT,
    StepFunctionsSimulator,
    StepLimitExceeded,
)
from tests.stepfunctions_simulator_tests.helpers import machine, start

WAIT_THEN_SUCCEED = machine(
    {"Pause": {"Type": "Wait", "Seconds": 120, "Next": "Done"}, "Done": {"Type": "Succeed"}}
)


@pytest.fixture
def arn(sfn: StepFunctionsSimulator) -> str:
    return sfn.register_state_machine(sfn.state_machine_arn("waiter"), WAIT_THEN_SUCCEED)


def test_start_execution_with_the_same_name_and_input_while_running_is_idempotent(
    sfn: StepFunctionsSimulator, sfn_client: Any, arn: str
) -> None:
    # GIVEN a running execution named "deploy-1"
    first = start(sfn_client, arn, {"a": 1}, name="deploy-1")
    # WHEN it is started again with the same name and input (a retried custom resource)
    second = start(sfn_client, arn, {"a": 1}, name="deploy-1")
    # THEN the same execution is returned and no second one exists
    assert second == first
    assert sfn.executions() == [first]


def test_start_execution_with_the_same_name_and_other_input_is_refused(
    sfn_client: Any, arn: str
) -> None:
    start(sfn_client, arn, {"a": 1}, name="deploy-1")
    with pytest.raises(sfn_client.exceptions.ExecutionAlreadyExists):
        start(sfn_client, arn, {"a": 2}, name="deploy-1")


def test_start_execution_with_the_name_of_a_closed_execution_is_refused(
    sfn: StepFunctionsSimulator, sfn_client: Any, arn: str
) -> None:
    # GIVEN an execution that has ended
    sfn.run(start(sfn_client, arn, {"a": 1}, name="deploy-1"))
    # WHEN the same name and input are started again THEN it is refused (documented)
    with pytest.raises(sfn_client.exceptions.ExecutionAlreadyExists):
        start(sfn_client, arn, {"a": 1}, name="deploy-1")


def test_start_execution_of_an_unknown_state_machine_is_refused(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    with pytest.raises(sfn_client.exceptions.StateMachineDoesNotExist):
        start(sfn_client, sfn.state_machine_arn("nobody"))


@pytest.mark.parametrize("name", ["has space", "a/b", "x*"])
def test_start_execution_refuses_names_with_forbidden_characters(
    sfn_client: Any, arn: str, name: str
) -> None:
    with pytest.raises(sfn_client.exceptions.InvalidName):
        start(sfn_client, arn, name=name)


def test_start_execution_refuses_input_that_is_not_json(sfn_client: Any, arn: str) -> None:
    with pytest.raises(sfn_client.exceptions.InvalidExecutionInput):
        sfn_client.start_execution(stateMachineArn=arn, input="{not json")


def test_an_execution_does_not_run_until_the_test_runs_it(
    sfn: StepFunctionsSimulator, sfn_client: Any, arn: str
) -> None:
    execution_arn = start(sfn_client, arn)
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert (described["status"], sfn.steps(execution_arn)) == (RUNNING, 0)


def test_describe_execution_of_a_finished_execution_reports_output_and_clock_dates(
    sfn: StepFunctionsSimulator, sfn_client: Any, arn: str
) -> None:
    # GIVEN an execution started now that waits 120 s
    started = sfn.clock.now()
    execution_arn = start(sfn_client, arn, {"a": 1})
    # WHEN it runs
    sfn.run(execution_arn)
    # THEN DescribeExecution reports its input, output and dates from the shared clock
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert described["status"] == SUCCEEDED
    assert (described["input"], described["output"]) == ('{"a": 1}', '{"a":1}')
    assert described["startDate"] == started
    assert described["stopDate"] == started + timedelta(seconds=120)


def test_stop_execution_aborts_a_running_execution(
    sfn: StepFunctionsSimulator, sfn_client: Any, arn: str
) -> None:
    # GIVEN a running execution
    execution_arn = start(sfn_client, arn)
    # WHEN it is stopped with an error and a cause
    sfn_client.stop_execution(executionArn=execution_arn, error="Cancelled", cause="stack deleted")
    # THEN it is ABORTED with them, and running it does nothing more
    assert sfn.run(execution_arn) == ABORTED
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert (described["status"], described["error"], described["cause"]) == (
        ABORTED,
        "Cancelled",
        "stack deleted",
    )
    assert sfn.history(execution_arn) == []


def test_stop_execution_in_the_middle_of_a_wait_ends_it_there(
    sfn: StepFunctionsSimulator, sfn_client: Any, arn: str
) -> None:
    # GIVEN an execution run until 90 s into its 120 s wait
    started = sfn.clock.now()
    execution_arn = start(sfn_client, arn)
    assert sfn.run(execution_arn, until=started + timedelta(seconds=90)) == RUNNING
    # WHEN it is stopped (as a stack deletion would)
    sfn_client.stop_execution(executionArn=execution_arn)
    # THEN it ends ABORTED at that time and never enters the next state
    assert sfn.run(execution_arn) == ABORTED
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert described["stopDate"] == started + timedelta(seconds=90)
    assert [record.name for record in sfn.history(execution_arn)] == ["Pause"]


def test_stop_execution_of_an_unknown_execution_is_refused(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    unknown = sfn.state_machine_arn("waiter").replace("stateMachine", "execution") + ":nope"
    with pytest.raises(sfn_client.exceptions.ExecutionDoesNotExist):
        sfn_client.stop_execution(executionArn=unknown)


def test_list_executions_filters_by_status_newest_first(
    sfn: StepFunctionsSimulator, sfn_client: Any, arn: str
) -> None:
    # GIVEN two finished executions and one still running
    done = [start(sfn_client, arn, name=f"done-{i}") for i in range(2)]
    for execution_arn in done:
        sfn.run(execution_arn)
    running = start(sfn_client, arn, name="running")
    # WHEN executions are listed by status
    succeeded = sfn_client.list_executions(stateMachineArn=arn, statusFilter=SUCCEEDED)
    still_running = sfn_client.list_executions(stateMachineArn=arn, statusFilter=RUNNING)
    # THEN each list holds only that status, the most recently stopped first
    assert [item["executionArn"] for item in succeeded["executions"]] == done[::-1]
    assert [item["executionArn"] for item in still_running["executions"]] == [running]


def test_list_executions_pages_with_next_token(sfn_client: Any, arn: str) -> None:
    started = [start(sfn_client, arn, name=f"e-{i}") for i in range(3)]
    first = sfn_client.list_executions(stateMachineArn=arn, maxResults=2)
    second = sfn_client.list_executions(
        stateMachineArn=arn, maxResults=2, nextToken=first["nextToken"]
    )
    listed = [item["executionArn"] for item in first["executions"] + second["executions"]]
    assert sorted(listed) == sorted(started)
    assert "nextToken" not in second


def test_a_token_from_another_listing_is_refused(sfn_client: Any, arn: str) -> None:
    # GIVEN a token from the unfiltered listing
    for i in range(3):
        start(sfn_client, arn, name=f"t-{i}")
    token = sfn_client.list_executions(stateMachineArn=arn, maxResults=2)["nextToken"]
    # WHEN it is used for another filter THEN Step Functions' own error comes back
    with pytest.raises(sfn_client.exceptions.InvalidToken):
        sfn_client.list_executions(stateMachineArn=arn, statusFilter="FAILED", nextToken=token)


def test_state_machine_timeout_ends_the_execution_timed_out_at_the_deadline(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    # GIVEN a 120 s wait in a state machine that times out after 60 s
    definition = {**WAIT_THEN_SUCCEED, "TimeoutSeconds": 60}
    arn = sfn.register_state_machine(sfn.state_machine_arn("short"), definition)
    started = sfn.clock.now()
    execution_arn = start(sfn_client, arn)
    # WHEN it runs
    status = sfn.run(execution_arn)
    # THEN it times out at the deadline, never reaching the next state
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert (status, described["error"]) == (TIMED_OUT, "States.Timeout")
    assert described["stopDate"] == started + timedelta(seconds=60)
    assert [record.name for record in sfn.history(execution_arn)] == ["Pause"]


def test_run_all_interleaves_executions_in_clock_order(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    # GIVEN a long wait started first and a short wait started second
    def waiter(seconds: int) -> str:
        definition = machine(
            {
                "Pause": {"Type": "Wait", "Seconds": seconds, "Next": "Done"},
                "Done": {"Type": "Pass", "End": True},
            }
        )
        return start(
            sfn_client, sfn.register_state_machine(sfn.state_machine_arn(f"w{seconds}"), definition)
        )

    slow, fast = waiter(300), waiter(60)
    # WHEN all executions run
    sfn.run_all()
    # THEN the short one finished at 60 s even though it was started second
    started = sfn.history(slow)[0].entered
    assert sfn.history(fast)[-1].entered == started + timedelta(seconds=60)
    assert sfn.history(slow)[-1].entered == started + timedelta(seconds=300)


def test_a_loop_that_never_ends_raises_step_limit_exceeded(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    definition = machine({"Again": {"Type": "Wait", "Seconds": 1, "Next": "Again"}})
    arn = sfn.register_state_machine(sfn.state_machine_arn("loop"), definition)
    with pytest.raises(StepLimitExceeded, match="still running after 50 steps"):
        sfn.run(start(sfn_client, arn), max_steps=50)


def test_an_execution_that_fails_is_listed_as_failed(
    sfn: StepFunctionsSimulator, sfn_client: Any
) -> None:
    definition = machine({"Stop": {"Type": "Fail", "Error": "E"}})
    arn = sfn.register_state_machine(sfn.state_machine_arn("failing"), definition)
    sfn.run(start(sfn_client, arn))
    listed = sfn_client.list_executions(stateMachineArn=arn, statusFilter=FAILED)
    assert len(listed["executions"]) == 1
