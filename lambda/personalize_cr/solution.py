"""Custom::PersonalizeSolution: a custom solution for batch recommendations, trained when asked.

Why not AWS::Personalize::Solution: it has no PerformAutoTraining property, and CreateSolution
defaults it to true, so every solution it creates trains a new (billed) version every 7 days,
the first within an hour. Here auto training is off unless configured (`AutoTraining` is `off` or
`rate(N days)`), and a change of it is applied in place with UpdateSolution.

Recipe, event weights and dataset group define the model; the construct puts a hash of them in
the name, so a change is a new solution (created first; CloudFormation deletes the old one).
Delete stops a version still training (Personalize refuses to delete a solution meanwhile), then
deletes; past the Provider's budget the readiness workflow finishes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from handler_support import (
    DELETE_BUDGET_SECONDS,
    DELETE_STARTED_AT,
    DELETING,
    FOUND_AT_DELETE,
    LATE_CREATE_SECONDS,
    LOGGER,
    NAME_PATTERN,
    OWNER_TAG,
    PENDING_FAILURE,
    REFUSALS,
    HandlerError,
    arn_parts,
    delete_target,
    error_code,
    execution_name,
    is_personalize_arn,
    is_transient,
    now,
    owner_of,
    owner_tag,
    reason_for,
    require,
    require_arn,
    start_readiness,
)
from resource_kinds import ARN, SOLUTION, SOLUTION_DELETE

RESOURCE_TYPE = SOLUTION.resource_type
AUTO_TRAINING_PATTERN = re.compile(r"rate\(([1-9]|[12][0-9]|30) days?\)")
# A version in these statuses trains (and bills); Personalize will not delete its solution.
TRAINING = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})
SETTLING = TRAINING | {"CREATE STOPPING"}


@dataclass(frozen=True)
class Spec:
    name: str
    dataset_group: str
    recipe: str
    events_config: dict[str, Any] | None
    auto_training: str | None  # None: off
    state_machine: str

    @property
    def arn(self) -> str:
        return solution_arn(self.dataset_group, self.name)


def solution_arn(dataset_group_arn: str, name: str) -> str:
    partition, region, account, _ = arn_parts(dataset_group_arn)
    return f"arn:{partition}:personalize:{region}:{account}:solution/{name}"


def spec(props: Mapping[str, Any]) -> Spec:
    """Every property checked before any call."""
    name = require(props, "Name")
    if not NAME_PATTERN.fullmatch(name):
        raise HandlerError(f"property Name {name!r} is not a valid solution name")
    auto = require(props, "AutoTraining")
    if auto != "off" and not AUTO_TRAINING_PATTERN.fullmatch(auto):
        raise HandlerError(
            "property AutoTraining must be 'off' or 'rate(N days)' with N from 1 to 30, "
            f"got {auto!r}"
        )
    raw_events = props.get("EventsConfig") or ""
    events: dict[str, Any] | None = None
    if raw_events:
        try:
            events = json.loads(raw_events)
        except (TypeError, ValueError):
            raise HandlerError(f"property EventsConfig is not JSON: {raw_events!r}") from None
        if not isinstance(events, dict) or not isinstance(events.get("eventParametersList"), list):
            raise HandlerError('property EventsConfig must be {"eventParametersList": [...]}')
    return Spec(
        name=name,
        dataset_group=require_arn(props, "DatasetGroupArn", "personalize", "dataset-group/"),
        recipe=require_arn(props, "RecipeArn", "personalize", "recipe/"),
        events_config=events,
        auto_training=None if auto == "off" else auto,
        state_machine=require_arn(props, "ReadinessStateMachineArn", "states", "stateMachine:"),
    )


def on_event(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    request = event["RequestType"]
    if request == "Create":
        return _create(event, personalize)
    if request == "Update":
        return _update(event, personalize)
    return _delete(event, personalize)


def is_complete(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    if event.get(PENDING_FAILURE):
        raise HandlerError(str(event[PENDING_FAILURE]))
    if event["RequestType"] == "Delete":
        return _delete_progress(event, personalize, sfn)
    arn = str(event.get("PhysicalResourceId") or "")
    try:
        found = _describe(personalize, arn)
    except ClientError as exc:
        if is_transient(exc):
            return {"IsComplete": False}
        raise
    if found is None:
        raise HandlerError(f"Solution {arn} disappeared while it was being created")
    status = found.get("status", "")
    if status == "CREATE FAILED":
        raise HandlerError(
            f"Personalize solution {arn} failed: "
            f"{found.get('failureReason') or 'Personalize gave no failure reason'}"
        )
    update = found.get("latestSolutionUpdate") or {}
    if update.get("status") == "CREATE FAILED":
        raise HandlerError(
            f"Personalize solution {arn} could not apply the new auto training: "
            f"{update.get('failureReason') or 'Personalize gave no failure reason'}"
        )
    settled = status == "ACTIVE" and update.get("status", "ACTIVE") == "ACTIVE"
    return {"IsComplete": settled}


# ---------------------------------------------------------------- create and update


def _create(event: Mapping[str, Any], personalize: Any) -> dict[str, Any]:
    wanted = spec(event["ResourceProperties"])
    owner = owner_of(event)
    existing = _describe(personalize, wanted.arn)
    if existing is None:
        request: dict[str, Any] = {
            "name": wanted.name,
            "datasetGroupArn": wanted.dataset_group,
            "recipeArn": wanted.recipe,
            # Explicit: Personalize's default is true (a new version every 7 days).
            "performAutoTraining": wanted.auto_training is not None,
            "tags": [{"tagKey": OWNER_TAG, "tagValue": owner}],
        }
        config = _solution_config(wanted)
        if config:
            request["solutionConfig"] = config
        try:
            personalize.create_solution(**request)
            LOGGER.info("creating solution %s (%s)", wanted.name, wanted.recipe)
        except ClientError as exc:
            code = error_code(exc)
            if code not in REFUSALS and code != "ResourceAlreadyExistsException":
                return {
                    "PhysicalResourceId": wanted.arn,
                    PENDING_FAILURE: f"Could not create solution {wanted.arn}: {reason_for(exc)}",
                }
            if code != "ResourceAlreadyExistsException":
                raise
            existing = _describe(personalize, wanted.arn)
            if existing is None:
                raise HandlerError(
                    f"Solution {wanted.name} was reported to exist but cannot be found; "
                    "deploy again."
                ) from None
    if existing is not None:
        _adopt(personalize, existing, wanted, owner)
    return {"PhysicalResourceId": wanted.arn, "Data": {"Name": wanted.name}}


def _solution_config(wanted: Spec) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if wanted.events_config is not None:
        config["eventsConfig"] = wanted.events_config
    if wanted.auto_training is not None:
        config["autoTrainingConfig"] = {"schedulingExpression": wanted.auto_training}
    return config


def _adopt(personalize: Any, existing: Mapping[str, Any], wanted: Spec, owner: str) -> None:
    arn = existing.get("solutionArn", wanted.arn)
    current = owner_tag(personalize, arn)
    stack = owner.rsplit("/", 1)[0]
    if current is None or current.rsplit("/", 1)[0] != stack:
        made_by = (
            f"was not created by this project (it has no {OWNER_TAG} tag)"
            if current is None
            else f"is managed by another CloudFormation stack ({current.rsplit('/', 1)[0]})"
        )
        raise HandlerError(
            f"A solution named {wanted.name} already exists and {made_by}; it is left untouched. "
            "Delete it yourself if it is not needed, or choose another namePrefix."
        )
    if existing.get("datasetGroupArn") != wanted.dataset_group or (
        existing.get("recipeArn") != wanted.recipe
    ):
        raise HandlerError(
            f"A solution named {wanted.name} already exists with other settings (dataset group "
            f"{existing.get('datasetGroupArn')}, recipe {existing.get('recipeArn')})."
        )
    if existing.get("status") in DELETING:
        raise HandlerError(
            f"Solution {wanted.name} is still being deleted; deploy again once it is gone."
        )
    if current != owner:
        personalize.tag_resource(resourceArn=arn, tags=[{"tagKey": OWNER_TAG, "tagValue": owner}])
    LOGGER.info("solution %s already exists; adopting it", wanted.name)
    if existing.get("status") == "ACTIVE" and _auto_training(existing) != wanted.auto_training:
        _update_auto_training(personalize, arn, wanted.auto_training)


def _update(event: Mapping[str, Any], personalize: Any) -> dict[str, Any]:
    new, old = event["ResourceProperties"], event.get("OldResourceProperties") or {}
    replaced = any(new.get(k) != old.get(k) for k in SOLUTION.replacing)
    if replaced or not is_personalize_arn(event.get("PhysicalResourceId"), "solution"):
        return _create(event, personalize)
    wanted = spec(new)
    arn = str(event["PhysicalResourceId"])
    existing = _describe(personalize, arn)
    if existing is None:
        raise HandlerError(
            f"Solution {arn} no longer exists (deleted outside CloudFormation?). Deploy with "
            "another namePrefix, or remove the stack and deploy again."
        )
    if _auto_training(existing) != wanted.auto_training:
        _update_auto_training(personalize, arn, wanted.auto_training)
    return {"PhysicalResourceId": arn}


def _auto_training(existing: Mapping[str, Any]) -> str | None:
    """The auto training Personalize has (or is applying): None when off."""
    update = existing.get("latestSolutionUpdate") or {}
    if update.get("status") in ("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"):
        on = update.get("performAutoTraining")
        config = update.get("solutionUpdateConfig") or {}
    else:
        on = existing.get("performAutoTraining")
        config = existing.get("solutionConfig") or {}
    if not on:
        return None
    expression = (config.get("autoTrainingConfig") or {}).get("schedulingExpression")
    return str(expression or "rate(7 days)")


def _update_auto_training(personalize: Any, arn: str, auto_training: str | None) -> None:
    request: dict[str, Any] = {"solutionArn": arn, "performAutoTraining": auto_training is not None}
    if auto_training is not None:
        request["solutionUpdateConfig"] = {
            "autoTrainingConfig": {"schedulingExpression": auto_training}
        }
    personalize.update_solution(**request)
    LOGGER.info("solution %s: auto training now %s", arn, auto_training or "off")


# ---------------------------------------------------------------- delete


def _delete(event: Mapping[str, Any], personalize: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "PhysicalResourceId": event.get("PhysicalResourceId", ""),
        DELETE_STARTED_AT: now(),
    }
    arn = _target(event)
    if arn is None:
        return result
    try:
        existing = _describe(personalize, arn)
        result[FOUND_AT_DELETE] = existing is not None
        if existing is not None and _ours(personalize, existing, event):
            _try_delete(personalize, arn)
    except ClientError as exc:
        if not is_transient(exc):
            raise
        # is_complete describes and deletes again at its next poll.
        LOGGER.info("throttled while deleting %s; is_complete goes on", arn)
    return result


def _delete_progress(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    arn = _target(event)
    if arn is None:
        return {"IsComplete": True}
    try:
        existing = _describe(personalize, arn)
        if existing is None:
            waited = now() - float(event.get(DELETE_STARTED_AT) or 0)
            return {"IsComplete": bool(event.get(FOUND_AT_DELETE)) or waited >= LATE_CREATE_SECONDS}
        if not _ours(personalize, existing, event):
            return {"IsComplete": True}
        status = existing.get("status", "")
        waiting = None if status in DELETING else _try_delete(personalize, arn)
        if waiting is not None:
            _give_up_if_out_of_budget(event, sfn, arn, waiting)
    except ClientError as exc:
        if is_transient(exc):
            return {"IsComplete": False}
        raise
    return {"IsComplete": False}


def _try_delete(personalize: Any, arn: str) -> str | None:
    """Stop what still trains, then delete; while Personalize cannot delete it yet, what it
    waits for, in words for the person running `cdk destroy`."""
    busy = stop_training_versions(personalize, arn)
    if busy:
        LOGGER.info("solution %s: versions %s still settling; waiting", arn, busy)
        return (
            "still has a version training or stopping, and Personalize deletes a solution only "
            "once none does"
        )
    try:
        personalize.delete_solution(solutionArn=arn)
        LOGGER.info("deleting solution %s", arn)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        if is_transient(exc):
            return "could not be deleted yet (Personalize throttled the request)"
        if error_code(exc) == "ResourceInUseException":
            # No version trains, so something else reads one: a batch inference job, likely.
            LOGGER.info("solution %s in use: %s", arn, reason_for(exc))
            return (
                f"is reported in use by Personalize ({reason_for(exc)}) although none of its "
                "versions trains; the likely cause is a batch inference job reading one of its "
                "versions (see `aws personalize list-batch-inference-jobs "
                "--solution-version-arn <version ARN>`), which must end first"
            )
        raise
    return None


def stop_training_versions(personalize: Any, arn: str) -> list[str]:
    """Ask Personalize to stop every version of the solution that trains (billing ends with the
    request); return those not settled yet."""
    busy: list[str] = []
    token: str | None = None
    while True:
        page = personalize.list_solution_versions(
            solutionArn=arn, **({"nextToken": token} if token else {})
        )
        for version in page.get("solutionVersions", []):
            status = version.get("status", "")
            if status in TRAINING:
                try:
                    personalize.stop_solution_version_creation(
                        solutionVersionArn=version["solutionVersionArn"]
                    )
                    LOGGER.info("stopping training of %s", version["solutionVersionArn"])
                except ClientError as exc:
                    if error_code(exc) not in (
                        "ResourceInUseException",
                        "ResourceNotFoundException",
                    ):
                        raise
            if status in SETTLING:
                busy.append(str(version["solutionVersionArn"]))
        token = page.get("nextToken")
        if not token:
            return busy


def _give_up_if_out_of_budget(event: Mapping[str, Any], sfn: Any, arn: str, waiting: str) -> None:
    waited = now() - float(event.get(DELETE_STARTED_AT) or now())
    if waited < DELETE_BUDGET_SECONDS:
        return
    machine = (event.get("ResourceProperties") or {}).get("ReadinessStateMachineArn", "")
    name = arn.rsplit("/", 1)[1]
    request_id = f"{event.get('RequestId', '')}/delete"
    what = f"Solution {name} {waiting}, after {waited / 60:.0f} minutes"
    try:
        start_readiness(
            sfn,
            state_machine_arn=machine,
            resource_key=name,
            request_id=request_id,
            workflow_input=SOLUTION_DELETE.input(**{ARN: arn}),
        )
    except Exception as exc:  # the Delete fails either way; say what to run instead
        raise HandlerError(
            f"{what}; it could not be handed to the readiness workflow ({reason_for(exc)}). Run "
            "`personalize-shop cleanup --env <env>`, then `cdk destroy` for this environment again."
        ) from None
    raise HandlerError(
        f"{what}. Training was asked to stop (billing ends there), and the readiness workflow "
        f"(execution {execution_name(name, request_id)} of {machine.rsplit(':', 1)[-1]}) deletes "
        "the solution as soon as Personalize allows. Then run `cdk destroy` for this environment "
        "again (or `personalize-shop cleanup --env <env>`)."
    )


# ---------------------------------------------------------------- ownership


def _ours(personalize: Any, existing: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    arn = existing.get("solutionArn", "")
    if owner_tag(personalize, arn) != owner_of(event):
        LOGGER.info("solution %s is not managed by this resource; keeping it", arn)
        return False
    group = (event.get("ResourceProperties") or {}).get("DatasetGroupArn")
    return bool(existing.get("datasetGroupArn") == group)


def _target(event: Mapping[str, Any]) -> str | None:
    return delete_target(event, "solution", solution_arn)


def _describe(personalize: Any, arn: str) -> dict[str, Any] | None:
    try:
        return dict(personalize.describe_solution(solutionArn=arn).get("solution") or {})
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise
