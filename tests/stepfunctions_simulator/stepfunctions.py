"""StepFunctionsSimulator: the Step Functions control plane a handler calls, plus the runner.

Executions are started through a real boto3 `stepfunctions` client (validated by botocore,
answered here) and then run only when the test says so, with `run()` or `run_all()`, on the
clock it shares with the other simulators.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Any

from tests.personalize_simulator import Clock, FakeService, ServiceError, operation
from tests.personalize_simulator.fake_service import Params, page

from . import definition as asl
from .errors import StepLimitExceeded
from .interpreter import (
    ABORTED,
    RUNNING,
    Execution,
    Interpreter,
    Jitter,
    StateMachine,
    StateRecord,
    finish,
    start,
    time_out,
)
from .lambdas import LambdaHandler
from .paths import Json

_STATE_MACHINE_ARN = re.compile(
    r"arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})"
)
_EXECUTION_ARN = re.compile(r"arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+")
# StartExecution's documented rule: no whitespace, brackets, wildcards, listed specials, controls.
_BAD_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
_DEFAULT_PAGE = 100


def _does_not_exist(kind: str, arn: str) -> ServiceError:
    # [H] message text.
    words = " ".join(re.findall(r"[A-Z][a-z]*", kind))
    return ServiceError(f"{kind}DoesNotExist", f"{words} Does Not Exist: '{arn}'")


class StepFunctionsSimulator(FakeService):
    """In-memory Step Functions for one account and region; see README.md."""

    service_name = "stepfunctions"

    def __init__(
        self,
        region: str = "us-east-1",
        account: str = "123456789012",
        *,
        clock: Clock | None = None,
        jitter: Jitter | None = None,
    ) -> None:
        super().__init__(region=region, account=account, clock=clock)
        self.sdk_clients: dict[str, Any] = {}
        self.lambdas: dict[str, LambdaHandler] = {}
        self._machines: dict[str, StateMachine] = {}
        self._executions: dict[str, Execution] = {}
        self._names = 0
        self._interpreter = Interpreter(
            clock=self.clock,
            region=region,
            account=account,
            sdk_clients=self.sdk_clients,
            lambda_handlers=self.lambdas,
            jitter=jitter,
        )

    # -- setup ---------------------------------------------------------------------------------

    def state_machine_arn(self, name: str) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:stateMachine:{name}"

    def register_state_machine(
        self, arn: str, definition: asl.Definition | str, *, role_arn: str | None = None
    ) -> str:
        """Check `definition` (a dict or ASL JSON text) and make `arn` runnable; returns `arn`."""
        found = _STATE_MACHINE_ARN.fullmatch(arn)
        if found is None:
            raise ValueError(f"{arn!r} is not a state machine ARN.")
        if (found.group(1), found.group(2)) != (self.region, self.account):
            raise ValueError(f"{arn} is not in {self.region}/{self.account}, the simulator's.")
        if arn in self._machines:
            raise ValueError(f"State machine {arn} is already registered.")
        self._machines[arn] = StateMachine(
            arn=arn,
            name=found.group(3),
            definition=asl.load(definition),
            role_arn=role_arn or f"arn:aws:iam::{self.account}:role/{found.group(3)}-role",
        )
        return arn

    # -- running -------------------------------------------------------------------------------

    def run(
        self, execution_arn: str, *, max_steps: int = 10_000, until: datetime | None = None
    ) -> str:
        """Run one execution until it ends, moving the clock through its waits; its status.

        With `until`, stop before any step due later and leave the clock at `until`, e.g. to
        stop an execution in the middle of a wait.
        """
        execution = self._execution(execution_arn)
        for _ in range(max_steps):
            if execution.status != RUNNING:
                return execution.status
            if until is not None and self._due(execution) > until:
                self.clock.advance_to(until)
                return execution.status
            self._advance(execution)
        if execution.status != RUNNING:
            return execution.status
        raise StepLimitExceeded(
            f"{execution_arn} is still running after {max_steps} steps, in state "
            f"{execution.state!r}; raise max_steps or check the loop ends."
        )

    def run_all(self, *, max_steps: int = 10_000, until: datetime | None = None) -> None:
        """Run every RUNNING execution to its end (or to `until`), interleaved in clock order."""
        for _ in range(max_steps):
            running = [ex for ex in self._executions.values() if ex.status == RUNNING]
            if not running:
                return
            execution = min(running, key=self._due)
            if until is not None and self._due(execution) > until:
                self.clock.advance_to(until)
                return
            self._advance(execution)
        if any(ex.status == RUNNING for ex in self._executions.values()):
            raise StepLimitExceeded(f"Executions still running after {max_steps} steps.")

    def _due(self, execution: Execution) -> datetime:
        deadline = execution.deadline
        if deadline is not None and deadline < execution.ready_at:
            return deadline
        return execution.ready_at

    def _advance(self, execution: Execution) -> None:
        deadline = execution.deadline
        due = max(execution.ready_at, self.clock.now())
        if deadline is not None and due > deadline:
            self.clock.advance_to(deadline)
            time_out(execution, deadline)
            return
        self.clock.advance_to(due)
        self._interpreter.step(execution)
        if deadline is not None and execution.status == RUNNING and self.clock.now() > deadline:
            time_out(execution, self.clock.now())

    # -- inspection ----------------------------------------------------------------------------

    def history(self, execution_arn: str) -> list[StateRecord]:
        """Every state entered so far, in order, with clock times, input and output."""
        return list(self._execution(execution_arn).history)

    def steps(self, execution_arn: str) -> int:
        """States run so far, each Task retry counting as one more."""
        return self._execution(execution_arn).steps

    def status(self, execution_arn: str) -> str:
        return self._execution(execution_arn).status

    def output(self, execution_arn: str) -> Json:
        """The parsed output of a SUCCEEDED execution (None otherwise)."""
        text = self._execution(execution_arn).output_text
        return None if text is None else json.loads(text)

    def executions(self) -> list[str]:
        """The ARNs of every execution started, oldest first."""
        return list(self._executions)

    def _execution(self, arn: str) -> Execution:
        try:
            return self._executions[arn]
        except KeyError:
            raise KeyError(f"No execution {arn}; started: {self.executions()}.") from None

    # -- operations ----------------------------------------------------------------------------

    @operation("StartExecution")
    def _start_execution(self, req: Params) -> Params:
        machine = self._machine(req["stateMachineArn"])
        name = req.get("name") or self._new_name(machine.arn)
        if _BAD_NAME.search(name):
            raise ServiceError("InvalidName", f"Invalid Name: '{name}'")
        input_text = req.get("input", "{}")
        try:
            json.loads(input_text)
        except json.JSONDecodeError as error:
            raise ServiceError(
                "InvalidExecutionInput", f"Invalid State Machine Execution Input: '{error}'"
            ) from None
        arn = machine.arn.replace(":stateMachine:", ":execution:") + f":{name}"
        existing = self._executions.get(arn)
        if existing is not None:
            return self._restart(existing, input_text)
        execution = Execution(arn, name, machine, input_text, self.clock.now())
        start(execution, self.clock.now())
        self._executions[arn] = execution
        return {"executionArn": arn, "startDate": execution.started}

    @staticmethod
    def _restart(existing: Execution, input_text: str) -> Params:
        """Documented: same name and input while RUNNING is idempotent; anything else refused."""
        if existing.status == RUNNING and existing.input_text == input_text:
            return {"executionArn": existing.arn, "startDate": existing.started}
        raise ServiceError("ExecutionAlreadyExists", f"Execution Already Exists: '{existing.arn}'")

    def _new_name(self, machine_arn: str) -> str:
        self._names += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{machine_arn}/{self._names}"))

    @operation("StopExecution")
    def _stop_execution(self, req: Params) -> Params:
        execution = self._existing(req["executionArn"])
        if execution.status == RUNNING:
            now = self.clock.now()
            finish(execution, ABORTED, now, error=req.get("error"), cause=req.get("cause"))
        # [H] Stopping an execution that already ended changes nothing and is not an error.
        return {"stopDate": execution.stopped}

    @operation("DescribeExecution")
    def _describe_execution(self, req: Params) -> Params:
        execution = self._existing(req["executionArn"])
        view = self._summary(execution)
        if req.get("includedData") != "METADATA_ONLY":
            view.update(input=execution.input_text, inputDetails={"included": True})
            if execution.output_text is not None:
                view.update(output=execution.output_text, outputDetails={"included": True})
        for key in ("error", "cause"):
            if getattr(execution, key) is not None:
                view[key] = getattr(execution, key)
        return view

    @operation("ListExecutions")
    def _list_executions(self, req: Params) -> Params:
        if "stateMachineArn" not in req:
            raise ServiceError("ValidationException", "Must provide a stateMachineArn.")  # [H]
        machine = self._machine(req["stateMachineArn"])
        wanted = req.get("statusFilter")
        found = [
            ex
            for ex in self._executions.values()
            if ex.machine is machine and (wanted is None or ex.status == wanted)
        ]
        # Documented: newest first; running ones by startDate, the others by stopDate.
        found.sort(key=lambda ex: ex.stopped or ex.started, reverse=True)
        return page(
            [self._summary(ex) for ex in found],
            req,
            key="executions",
            size=req.get("maxResults") or _DEFAULT_PAGE,
            scope=f"{machine.arn}/{wanted}",
            # [H] message text
            invalid_token=lambda token: ServiceError("InvalidToken", f"Invalid Token: '{token}'"),
        )

    def _summary(self, execution: Execution) -> Params:
        view: Params = {
            "executionArn": execution.arn,
            "stateMachineArn": execution.machine.arn,
            "name": execution.name,
            "status": execution.status,
            "startDate": execution.started,
        }
        if execution.stopped is not None:
            view["stopDate"] = execution.stopped
        return view

    def _machine(self, arn: str) -> StateMachine:
        if _STATE_MACHINE_ARN.fullmatch(arn) is None:
            raise ServiceError("InvalidArn", f"Invalid Arn: '{arn}'")  # [H] message text
        machine = self._machines.get(arn)
        if machine is None:
            raise _does_not_exist("StateMachine", arn)
        return machine

    def _existing(self, arn: str) -> Execution:
        if _EXECUTION_ARN.fullmatch(arn) is None:
            raise ServiceError("InvalidArn", f"Invalid Arn: '{arn}'")  # [H] message text
        execution = self._executions.get(arn)
        if execution is None:
            raise _does_not_exist("Execution", arn)
        return execution
