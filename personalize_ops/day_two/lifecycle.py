"""Pause and resume recommenders at once (StopRecommender / StartRecommender)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from botocore.exceptions import ClientError

from personalize_ops.day_two.clients import PersonalizeClient
from personalize_ops.day_two.errors import error_detail
from personalize_ops.day_two.stack import StackOutputs
from personalize_ops.day_two.table import render_table


class Action(StrEnum):
    STOP = "stop"
    START = "start"


# Per action: the status it acts on, and the statuses that already are (or lead to) its target.
_ACTS_ON = {Action.STOP: "ACTIVE", Action.START: "INACTIVE"}
_ALREADY = {
    Action.STOP: ("STOP PENDING", "STOP IN_PROGRESS", "INACTIVE"),
    Action.START: ("START PENDING", "START IN_PROGRESS", "ACTIVE"),
}


@dataclass(frozen=True)
class StateChange:
    use_case: str
    name: str
    status_before: str
    outcome: str
    ok: bool


def change_state(
    personalize: PersonalizeClient,
    outputs: StackOutputs,
    *,
    action: Action,
    use_cases: Sequence[str],
    env: str,
) -> list[StateChange]:
    """Stop or start each named recommender (all deployed ones if none are named).

    Recommenders already in (or on their way to) the target state are skipped; the others are
    all attempted even if one fails, so one stuck recommender does not keep the rest billing.
    """
    keys = list(use_cases) or list(outputs.recommender_arns)
    arns = {key: outputs.recommender_arn(key, env) for key in keys}
    changes = []
    for key, arn in arns.items():
        recommender = personalize.describe_recommender(recommenderArn=arn)["recommender"]
        name, status = recommender["name"], recommender["status"]
        if status in _ALREADY[action]:
            changes.append(StateChange(key, name, status, f"skipped: already {status}", True))
            continue
        if status != _ACTS_ON[action]:
            outcome = f"not changed: {action} needs {_ACTS_ON[action]}; try again when it is"
            changes.append(StateChange(key, name, status, outcome, False))
            continue
        try:
            if action is Action.STOP:
                personalize.stop_recommender(recommenderArn=arn)
            else:
                personalize.start_recommender(recommenderArn=arn)
        except ClientError as error:
            _, message = error_detail(error)
            changes.append(StateChange(key, name, status, f"not changed: {message}", False))
            continue
        verb = (
            "stopping (billing stops when INACTIVE)"
            if action is Action.STOP
            else ("starting (billing and weekly retraining resume)")
        )
        changes.append(StateChange(key, name, status, verb, True))
    return changes


def render_changes(changes: list[StateChange]) -> str:
    return render_table(
        ("USE CASE", "RECOMMENDER", "WAS", "NOW"),
        [(c.use_case, c.name, c.status_before, c.outcome) for c in changes],
    )
