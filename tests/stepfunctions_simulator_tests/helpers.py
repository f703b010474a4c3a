"""Small builders for ASL definitions and a start-and-run shortcut used across the tests."""

from __future__ import annotations

import itertools
import json
from typing import Any

from tests.stepfunctions_simulator import StepFunctionsSimulator

PERSONALIZE = "arn:aws:states:::aws-sdk:personalize:"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
ROLE_ARN = "arn:aws:iam::123456789012:role/personalize-import"
_names = itertools.count(1)


def machine(states: dict[str, Any], **top_level: Any) -> dict[str, Any]:
    """A definition starting at the first state given."""
    return {"StartAt": next(iter(states)), "States": states, **top_level}


def start(client: Any, arn: str, payload: Any = None, *, name: str | None = None) -> str:
    """StartExecution through the real boto3 client; the execution ARN."""
    kwargs: dict[str, Any] = {"stateMachineArn": arn, "input": json.dumps(payload or {})}
    if name is not None:
        kwargs["name"] = name
    execution_arn: str = client.start_execution(**kwargs)["executionArn"]
    return execution_arn


def run_definition(
    sfn: StepFunctionsSimulator, definition: dict[str, Any], payload: Any = None
) -> str:
    """Register `definition`, start it with `payload`, run it to its end; the execution ARN."""
    arn = sfn.state_machine_arn(f"machine-{next(_names)}")
    sfn.register_state_machine(arn, definition)
    execution_arn = start(sfn.client(), arn, payload)
    sfn.run(execution_arn)
    return execution_arn
