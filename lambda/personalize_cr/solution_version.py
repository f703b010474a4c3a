"""Custom::PersonalizeSolutionVersion: one training of a batch solution on the data deployed.

Create starts the training (CreateSolutionVersion) and hands the wait to the readiness workflow,
which fails the deploy with Personalize's reason if training fails. New data (`DataVersion`) or a
new solution is a new version. The version's name is a hash of the solution, the data, the mode
and the readiness handle, so a retry adopts its own version and the rollback of an update adopts
the version it rolls back to (the old handle comes back), instead of training again; deploying
earlier data again is a new operation with a new handle, so it trains again. Personalize has
no DeleteSolutionVersion: a version goes with its solution. Delete therefore stops a version
that still trains (StopSolutionVersionCreation; billing ends with the request) and leaves the
rest to the solution's Delete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from handler_support import (
    LOGGER,
    OWNER_TAG,
    PENDING_FAILURE,
    REFUSALS,
    HandlerError,
    error_code,
    is_personalize_arn,
    is_transient,
    owner_of,
    owner_tag,
    reason_for,
    require,
    require_arn,
    short_hash,
    start_readiness,
    stop_readiness,
)
from resource_kinds import ARN, HANDLE_URL, SOLUTION_VERSION, SOLUTION_VERSION_READINESS
from solution import TRAINING

RESOURCE_TYPE = SOLUTION_VERSION.resource_type
TRAINING_MODES = ("FULL",)
# Versions described, newest first, to find one by name (see _find).
MAX_NAME_LOOKUPS = 20
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    solution: str
    data_version: str
    training_mode: str
    state_machine: str
    handle: str

    @property
    def name(self) -> str:
        """Per operation, not per request: the rollback of an update sends the old handle back,
        so it finds the version trained for it; data A, B, then A again has a new handle."""
        solution_name = self.solution.rsplit("/", 1)[1]
        digest = short_hash(self.solution, self.data_version, self.training_mode, self.handle)
        return f"{solution_name[:50]}-{digest}"


def spec(props: Mapping[str, Any]) -> Spec:
    """Every property checked before any call."""
    mode = require(props, "TrainingMode")
    if mode not in TRAINING_MODES:
        raise HandlerError(f"property TrainingMode must be one of {TRAINING_MODES}, got {mode!r}")
    return Spec(
        solution=require_arn(props, "SolutionArn", "personalize", "solution/"),
        data_version=require(props, "DataVersion"),
        training_mode=mode,
        state_machine=require_arn(props, "ReadinessStateMachineArn", "states", "stateMachine:"),
        handle=require(props, "ReadinessHandle"),
    )


def on_event(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    request = event["RequestType"]
    if request == "Create":
        return _create(event, personalize, sfn)
    if request == "Update":
        new, old = event["ResourceProperties"], event.get("OldResourceProperties") or {}
        if any(new.get(k) != old.get(k) for k in SOLUTION_VERSION.replacing) or (
            new.get("ReadinessHandle") != old.get("ReadinessHandle")
        ):
            return _create(event, personalize, sfn)
        spec(new)
        return {"PhysicalResourceId": event.get("PhysicalResourceId", "")}
    return _delete(event, personalize, sfn)


def is_complete(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    if event.get(PENDING_FAILURE):
        raise HandlerError(str(event[PENDING_FAILURE]))
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    try:
        targets = _targets(event, personalize)
        still = [arn for arn, status in targets if status in TRAINING]
        for arn in still:
            _stop(personalize, arn)
    except ClientError as exc:
        if is_transient(exc):
            return {"IsComplete": False}
        raise
    return {"IsComplete": not still}


def _create(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    wanted = spec(event["ResourceProperties"])
    name = wanted.name
    owner = owner_of(event)
    solution = _describe_solution(personalize, wanted.solution)
    if solution is None:
        raise HandlerError(f"Solution {wanted.solution} does not exist")
    arn = _find(personalize, wanted.solution, name)
    if arn is None:
        try:
            arn = personalize.create_solution_version(
                name=name,
                solutionArn=wanted.solution,
                trainingMode=wanted.training_mode,
                tags=[{"tagKey": OWNER_TAG, "tagValue": owner}],
            )["solutionVersionArn"]
            LOGGER.info("training solution version %s of %s", name, wanted.solution)
        except ClientError as exc:
            code = error_code(exc)
            if code == "LimitExceededException":
                raise HandlerError(
                    f"{reason_for(exc)}. Personalize refused to train {name}: at most 20 solution "
                    "versions may train at once per region; deploy again later."
                ) from None
            if code in REFUSALS:
                raise
            # It may exist although the call failed (a timeout, a 5xx): look once more, so the
            # rollback Delete knows its ARN and stops it.
            arn = _find(personalize, wanted.solution, name)
            if arn is None:
                raise
            return {
                "PhysicalResourceId": arn,
                PENDING_FAILURE: f"Could not train solution version {arn}: {reason_for(exc)}",
            }
    elif owner_tag(personalize, arn) != owner:
        raise HandlerError(
            f"A solution version named {name} exists that this resource did not create; "
            "it is left untouched."
        )
    result: dict[str, Any] = {"PhysicalResourceId": arn, "Data": {"Name": name}}
    try:
        start_readiness(
            sfn,
            state_machine_arn=wanted.state_machine,
            resource_key=name,
            request_id=str(event.get("RequestId", "")),
            workflow_input=SOLUTION_VERSION_READINESS.input(
                **{ARN: arn, HANDLE_URL: wanted.handle}
            ),
        )
    except Exception as exc:  # reported through is_complete with the ARN, see recommender.py
        LOGGER.exception("solution version %s exists, but its workflow could not start", arn)
        result[PENDING_FAILURE] = f"Could not start waiting for solution version {arn}: " + (
            reason_for(exc)
        )
    return result


def _delete(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    physical_id = event.get("PhysicalResourceId", "")
    props = event.get("ResourceProperties") or {}
    if is_personalize_arn(physical_id, "solution") and str(physical_id).count("/") >= 2:
        found = _describe_version(personalize, str(physical_id))
        if found is not None and found.get("name"):
            # Its workflow would only report the stop to a condition being deleted.
            stop_readiness(
                sfn,
                state_machine_arn=props.get("ReadinessStateMachineArn"),
                resource_key=str(found["name"]),
            )
    for arn, status in _targets(event, personalize):
        if status in TRAINING:
            _stop(personalize, arn)
    return {"PhysicalResourceId": physical_id}


def _stop(personalize: Any, arn: str) -> None:
    try:
        personalize.stop_solution_version_creation(solutionVersionArn=arn)
        LOGGER.info("stopping training of %s", arn)
    except ClientError as exc:
        if error_code(exc) not in ("ResourceInUseException", "ResourceNotFoundException"):
            raise


def _targets(event: Mapping[str, Any], personalize: Any) -> list[tuple[str, str]]:
    """(ARN, status) of the versions this Delete is about, ours only.

    The physical id is the version's ARN, unless the create never returned one (a cancelled
    create, aws-cdk#26139): then every version of the solution this resource tagged that still
    trains (nothing else needs this Delete).
    """
    physical_id = event.get("PhysicalResourceId", "")
    owner = owner_of(event)
    if is_personalize_arn(physical_id, "solution") and str(physical_id).count("/") >= 2:
        found = _describe_version(personalize, str(physical_id))
        if found is None or owner_tag(personalize, str(physical_id)) != owner:
            return []
        return [(str(physical_id), str(found.get("status", "")))]
    solution = (event.get("ResourceProperties") or {}).get("SolutionArn")
    if not is_personalize_arn(solution, "solution"):
        return []
    training: list[tuple[str, str]] = []
    token: str | None = None
    while True:
        try:
            page = personalize.list_solution_versions(
                solutionArn=solution, maxResults=100, **({"nextToken": token} if token else {})
            )
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return []
            raise
        training += [
            (str(v["solutionVersionArn"]), str(v.get("status", "")))
            for v in page.get("solutionVersions", [])
            if v.get("status", "") in TRAINING
        ]
        token = page.get("nextToken")
        if not token:
            break
    return [(arn, status) for arn, status in training if owner_tag(personalize, arn) == owner]


def _find(personalize: Any, solution: str, name: str) -> str | None:
    """The version of `solution` named `name`, among the newest MAX_NAME_LOOKUPS a request made.

    Summaries carry no name, so candidates are described one by one; auto training adds a version
    every few days, so describing every version would slow each Create down until it runs out of
    time. The version a retry or a rollback adopts was made by a request minutes or hours ago
    (auto-trained versions have no name and are skipped); an older match is trained again.
    """
    candidates: list[Mapping[str, Any]] = []
    token: str | None = None
    while True:
        page = personalize.list_solution_versions(
            solutionArn=solution, maxResults=100, **({"nextToken": token} if token else {})
        )
        candidates += [
            v for v in page.get("solutionVersions", []) if v.get("trainingType") != "AUTOMATIC"
        ]
        token = page.get("nextToken")
        if not token:
            break
    candidates.sort(key=lambda v: v.get("creationDateTime") or EPOCH, reverse=True)
    for summary in candidates[:MAX_NAME_LOOKUPS]:
        found = _describe_version(personalize, summary["solutionVersionArn"])
        if found is not None and found.get("name") == name:
            return str(summary["solutionVersionArn"])
    return None


def _describe_version(personalize: Any, arn: str) -> dict[str, Any] | None:
    try:
        return dict(
            personalize.describe_solution_version(solutionVersionArn=arn).get("solutionVersion")
            or {}
        )
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise


def _describe_solution(personalize: Any, arn: str) -> dict[str, Any] | None:
    try:
        return dict(personalize.describe_solution(solutionArn=arn).get("solution") or {})
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise
