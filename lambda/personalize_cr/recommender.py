"""Custom::PersonalizeRecommender: one ECOMMERCE recommender, created, updated, stopped/started
and deleted as CloudFormation asks, never touching a recommender this stack did not create.

Create and Update return as soon as Personalize has accepted the request and hand the wait to the
readiness workflow (past CloudFormation's one-hour cap). Delete removes the recommender once it
can be deleted; a training that outlasts the Provider's polling budget is handed to the workflow,
which deletes it when training ends, so nothing is left billing.
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
    pascal_case,
    reason_for,
    require,
    require_arn,
    start_readiness,
    stop_readiness,
)
from resource_kinds import (
    ARN,
    HANDLE_URL,
    RECOMMENDER,
    RECOMMENDER_DELETE,
    RECOMMENDER_READINESS,
    TARGET,
    UPDATE,
    WATCH_UPDATE,
)

RESOURCE_TYPE = RECOMMENDER.resource_type
# A change of these needs a new recommender (a new physical id).
REPLACING_PROPERTIES = RECOMMENDER.replacing
STATES = {"running": "ACTIVE", "stopped": "INACTIVE"}
# Which CloudFormation resource manages the recommender: `<stack id>/<logical id>`. Set when the
# recommender is created; a recommender without it was not made by this project.
# Only these can be deleted; anything else is on its way to one of them (or already going).
DELETABLE = frozenset({"ACTIVE", "CREATE FAILED", "INACTIVE"})


@dataclass(frozen=True)
class Spec:
    """The validated properties of one request."""

    name: str
    dataset_group: str
    recipe: str
    target: str
    config: dict[str, Any]
    state_machine: str
    handle: str

    @property
    def arn(self) -> str:
        return recommender_arn(self.dataset_group, self.name)


def on_event(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    request = event["RequestType"]
    if request == "Create":
        return _create(event, personalize, sfn)
    if request == "Update":
        return _update(event, personalize, sfn)
    return _delete(event, personalize, sfn)


def is_complete(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    """Create/Update are awaited by the readiness workflow; Delete waits until it is gone."""
    if event.get(PENDING_FAILURE):
        # on_event created the recommender but could not finish: fail now, with its ARN as the
        # physical id, so that CloudFormation's rollback Delete reaches us and removes it.
        raise HandlerError(str(event[PENDING_FAILURE]))
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    return _delete_progress(event, personalize, sfn)


def recommender_arn(dataset_group_arn: str, name: str) -> str:
    partition, region, account, _ = arn_parts(dataset_group_arn)
    return f"arn:{partition}:personalize:{region}:{account}:recommender/{name}"


def recommender_config(props: Mapping[str, Any]) -> dict[str, Any]:
    """The RecommenderConfig of the API from the (string) custom-resource properties."""
    raw_rps = require(props, "MinRecommendationRequestsPerSecond")
    if not re.fullmatch(r"[1-9][0-9]{0,8}", raw_rps):
        raise HandlerError(
            "property MinRecommendationRequestsPerSecond must be a whole number from 1 to "
            f"999999999, got {raw_rps!r}"
        )
    config: dict[str, Any] = {"minRecommendationRequestsPerSecond": int(raw_rps)}
    # Personalize takes exploration values as strings ("0.3", "30").
    exploration: dict[str, str] = {}
    for key, prop in (
        ("explorationWeight", "ExplorationWeight"),
        ("explorationItemAgeCutOff", "ExplorationItemAgeCutOff"),
    ):
        value = props.get(prop)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            raise HandlerError(f"property {prop} must be a string, got {type(value).__name__}")
        exploration[key] = value
    if exploration:
        config["itemExplorationConfig"] = exploration
    metadata = props.get("EnableMetadataWithRecommendations")
    if metadata not in (None, ""):
        if metadata not in ("true", "false"):
            raise HandlerError(
                "property EnableMetadataWithRecommendations must be true or false, got "
                f"{metadata!r}"
            )
        config["enableMetadataWithRecommendations"] = metadata == "true"
    training = props.get("TrainingDataConfig")
    if training not in (None, ""):
        config["trainingDataConfig"] = _training_data_config(training)
    return config


def _training_data_config(raw: Any) -> dict[str, dict[str, list[str]]]:
    """The property's JSON: {"excludedDatasetColumns"|"includedDatasetColumns": {type: [...]}}."""
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    members = ("excludedDatasetColumns", "includedDatasetColumns")
    valid = isinstance(value, dict) and all(
        key in members
        and isinstance(columns_by_type, dict)
        and all(
            isinstance(columns, list) and all(isinstance(c, str) for c in columns)
            for columns in columns_by_type.values()
        )
        for key, columns_by_type in value.items()
    )
    if not valid:
        raise HandlerError(
            "property TrainingDataConfig must be JSON such as "
            '{"excludedDatasetColumns": {"ITEMS": ["COLUMN"]}}, got ' + repr(raw)
        )
    assert isinstance(value, dict)
    return value


def spec(props: Mapping[str, Any]) -> Spec:
    """Every property checked before any call: nothing is created from a request that cannot
    be carried through."""
    name = require(props, "Name")
    if not NAME_PATTERN.fullmatch(name):
        raise HandlerError(
            f"property Name {name!r} is not a valid recommender name (1-63 of letters, digits, "
            "'-' and '_', starting with a letter or digit)"
        )
    state = require(props, "State")
    if state not in STATES:
        raise HandlerError(f"property State must be one of {sorted(STATES)}, got {state!r}")
    return Spec(
        name=name,
        dataset_group=require_arn(props, "DatasetGroupArn", "personalize", "dataset-group/"),
        recipe=require_arn(props, "RecipeArn", "personalize", "recipe/"),
        target=STATES[state],
        config=recommender_config(props),
        state_machine=require_arn(props, "ReadinessStateMachineArn", "states", "stateMachine:"),
        handle=require(props, "ReadinessHandle"),
    )


# ---------------------------------------------------------------- create and update


def _create(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    wanted = spec(event["ResourceProperties"])
    arn, owner = wanted.arn, owner_of(event)
    existing = _describe(personalize, arn)
    if existing is None:
        try:
            personalize.create_recommender(
                name=wanted.name,
                datasetGroupArn=wanted.dataset_group,
                recipeArn=wanted.recipe,
                recommenderConfig=wanted.config,
                tags=[{"tagKey": OWNER_TAG, "tagValue": owner}],
            )
            LOGGER.info("creating recommender %s (%s)", wanted.name, wanted.recipe)
        except ClientError as exc:
            code = error_code(exc)
            if code not in REFUSALS and code != "ResourceAlreadyExistsException":
                # Personalize may have created it before the call failed (a timeout, a 5xx):
                # report the failure with the ARN, so the rollback Delete can find it.
                return {
                    "PhysicalResourceId": arn,
                    PENDING_FAILURE: f"Could not create recommender {arn}: {reason_for(exc)}",
                }
            if code == "LimitExceededException":
                raise HandlerError(
                    f"{reason_for(exc)}. Personalize refused to create recommender "
                    f"{wanted.name}: recommenders are limited per dataset group and per region; "
                    "delete unused ones or ask AWS for a higher quota."
                ) from None
            if code != "ResourceAlreadyExistsException":
                raise
            existing = _describe(personalize, arn)
            if existing is None:
                raise HandlerError(
                    f"Recommender {wanted.name} was reported to exist but cannot be found; "
                    "deploy again."
                ) from None
    update = None
    if existing is not None:
        update = _adopt(personalize, existing, wanted, owner)
    return _hand_over(sfn, event, wanted, update=update)


def _hand_over(
    sfn: Any, event: Mapping[str, Any], wanted: Spec, *, update: str | None
) -> dict[str, Any]:
    """Start the readiness workflow. The recommender exists now: whatever fails from here on is
    reported through is_complete with its ARN as the physical id, never by raising, which would
    leave CloudFormation without the ARN and the recommender billing after the rollback."""
    result: dict[str, Any] = {"PhysicalResourceId": wanted.arn, "Data": {"Name": wanted.name}}
    try:
        _start_workflow(sfn, event, wanted, update=update)
    except Exception as exc:  # reported through is_complete, see above
        LOGGER.exception("recommender %s exists, but its workflow could not start", wanted.arn)
        result[PENDING_FAILURE] = (
            f"Could not start waiting for recommender {wanted.arn}: {reason_for(exc)}"
        )
    return result


def _adopt(personalize: Any, existing: Mapping[str, Any], wanted: Spec, owner: str) -> str | None:
    """Take over a recommender this stack created, updating it if its config differs."""
    name, arn = existing.get("name", wanted.name), existing.get("recommenderArn", wanted.arn)
    current = owner_tag(personalize, arn)
    stack = owner.rsplit("/", 1)[0]
    if current is None or current.rsplit("/", 1)[0] != stack:
        made_by = (
            f"was not created by this project (it has no {OWNER_TAG} tag)"
            if current is None
            else f"is managed by another CloudFormation stack ({current.rsplit('/', 1)[0]})"
        )
        raise HandlerError(
            f"A recommender named {name} already exists and {made_by}; it is left untouched. "
            "Delete it yourself if it is not needed, or choose another namePrefix for this "
            "environment."
        )
    if existing.get("datasetGroupArn") != wanted.dataset_group or (
        existing.get("recipeArn") != wanted.recipe
    ):
        raise HandlerError(
            f"A recommender named {name} already exists with other settings (dataset group "
            f"{existing.get('datasetGroupArn')}, recipe {existing.get('recipeArn')}). Delete it "
            "or choose another namePrefix for this environment."
        )
    status = existing.get("status", "")
    if status in DELETING:
        raise HandlerError(
            f"Recommender {name} is still being deleted ({status}); deploy again once it is gone."
        )
    if current != owner:
        # The same stack, another logical id: a renamed construct takes its recommender over.
        LOGGER.info("taking recommender %s over from %s", arn, current)
        personalize.tag_resource(resourceArn=arn, tags=[{"tagKey": OWNER_TAG, "tagValue": owner}])
    LOGGER.info("recommender %s already exists (%s); adopting it", name, status)
    if status in ("ACTIVE", "INACTIVE") and not _same_config(existing, wanted.config):
        return _update_config(personalize, arn, wanted.config)
    return None


def _update(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    new, old = event["ResourceProperties"], event.get("OldResourceProperties") or {}
    replaced = any(new.get(k) != old.get(k) for k in REPLACING_PROPERTIES)
    if replaced or not is_personalize_arn(event.get("PhysicalResourceId"), "recommender"):
        # A new recommender; CloudFormation deletes the old physical id after the update.
        return _create(event, personalize, sfn)
    wanted = spec(new)
    arn = str(event["PhysicalResourceId"])
    update = None
    # Compared with Personalize's view, not with the old properties: a rollback Update must undo
    # what the forward update asked for even if that update is still running.
    existing = _describe(personalize, arn)
    if existing is None:
        raise HandlerError(
            f"Recommender {arn} no longer exists (deleted outside CloudFormation?). Deploy with "
            "another namePrefix, or remove the stack and deploy again."
        )
    if not _same_config(existing, wanted.config):
        update = _update_config(personalize, arn, wanted.config)
    if (
        update is not None
        or new.get("ReadinessHandle") != old.get("ReadinessHandle")
        or existing.get("status") != wanted.target
    ):
        return _hand_over(sfn, event, wanted, update=update)
    return {"PhysicalResourceId": arn}


UPDATED, DEFERRED = "updated", "deferred"


def _update_config(personalize: Any, arn: str, config: Mapping[str, Any]) -> str:
    """Ask for the new configuration: UPDATED now, or DEFERRED to the readiness workflow.

    DEFERRED when another update or a transition still runs (ResourceInUse), or the recommender
    is stopped: that means wait, not fail.
    """
    try:
        personalize.update_recommender(recommenderArn=arn, recommenderConfig=dict(config))
    except ClientError as exc:
        if error_code(exc) != "ResourceInUseException":
            raise
        LOGGER.info("recommender %s is busy; the readiness workflow will update it", arn)
        return DEFERRED
    LOGGER.info("updating recommender %s to %s", arn, config)
    return UPDATED


def _start_workflow(
    sfn: Any, event: Mapping[str, Any], wanted: Spec, *, update: str | None
) -> None:
    fields: dict[str, Any] = {
        ARN: wanted.arn,
        HANDLE_URL: wanted.handle,
        TARGET: wanted.target,
        # Watch latestRecommenderUpdate too, so a failed update fails the deploy.
        WATCH_UPDATE: update is not None,
    }
    if update == DEFERRED:
        fields[UPDATE] = pascal_case(wanted.config)
    workflow_input = RECOMMENDER_READINESS.input(**fields)
    start_readiness(
        sfn,
        state_machine_arn=wanted.state_machine,
        resource_key=wanted.name,
        request_id=str(event.get("RequestId", "")),
        workflow_input=workflow_input,
    )


# ---------------------------------------------------------------- delete


def _delete(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    physical_id = event.get("PhysicalResourceId", "")
    result: dict[str, Any] = {"PhysicalResourceId": physical_id, DELETE_STARTED_AT: now()}
    target = _target(event)
    if target is None:
        return result
    arn, props = target, event.get("ResourceProperties") or {}
    # A workflow still converging an older request has nothing left to do.
    stop_readiness(
        sfn,
        state_machine_arn=props.get("ReadinessStateMachineArn"),
        resource_key=arn.rsplit("/", 1)[1],
    )
    try:
        existing = _describe(personalize, arn)
        result[FOUND_AT_DELETE] = existing is not None
        if existing is not None and _ours(personalize, existing, event):
            _try_delete(personalize, existing)
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
            done = bool(event.get(FOUND_AT_DELETE)) or waited >= LATE_CREATE_SECONDS
            return {"IsComplete": done}
        if not _ours(personalize, existing, event):
            return {"IsComplete": True}
        status = existing.get("status", "")
        if status not in DELETING and not _try_delete(personalize, existing):
            _give_up_if_out_of_budget(event, sfn, arn, status)
    except ClientError as exc:
        if is_transient(exc):
            LOGGER.info("throttled while deleting %s; polling again", arn)
            return {"IsComplete": False}
        raise
    LOGGER.info("recommender %s is %s; waiting until it is gone", arn, status)
    return {"IsComplete": False}


def _try_delete(personalize: Any, existing: Mapping[str, Any]) -> bool:
    """Ask Personalize to delete; False while it cannot yet (training, an update, a transition)."""
    arn = existing.get("recommenderArn", "")
    if existing.get("status") in DELETING:
        return True
    if existing.get("status") not in DELETABLE or _update_running(existing):
        return False
    try:
        personalize.delete_recommender(recommenderArn=arn)
        LOGGER.info("deleting recommender %s", arn)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return True
        if error_code(exc) == "ResourceInUseException" or is_transient(exc):
            return False
        raise
    return True


def _give_up_if_out_of_budget(event: Mapping[str, Any], sfn: Any, arn: str, status: str) -> None:
    waited = now() - float(event.get(DELETE_STARTED_AT) or now())
    if waited < DELETE_BUDGET_SECONDS:
        return
    props = event.get("ResourceProperties") or {}
    machine = props.get("ReadinessStateMachineArn", "")
    name = arn.rsplit("/", 1)[1]
    request_id = f"{event.get('RequestId', '')}/delete"
    try:
        start_readiness(
            sfn,
            state_machine_arn=machine,
            resource_key=name,
            request_id=request_id,
            workflow_input=RECOMMENDER_DELETE.input(**{ARN: arn}),
        )
    except Exception as exc:  # the Delete fails either way; say what to run instead
        raise HandlerError(
            f"Recommender {name} is still {status or 'busy'} after {waited / 60:.0f} minutes and "
            "Personalize deletes a recommender only once it is ACTIVE, INACTIVE or CREATE FAILED; "
            f"it could not be handed to the readiness workflow ({reason_for(exc)}). Run "
            "`personalize-shop cleanup --env <env>`, which waits until it can delete it, then "
            "`cdk destroy` for this environment again."
        ) from None
    raise HandlerError(
        f"Recommender {name} is still {status or 'busy'} after {waited / 60:.0f} minutes and "
        "Personalize deletes a recommender only once it is ACTIVE, INACTIVE or CREATE FAILED. "
        f"It will be deleted as soon as that happens by the readiness workflow (execution "
        f"{execution_name(name, request_id)} of {machine.rsplit(':', 1)[-1]}), so it will not be "
        "left billing. Then run `cdk destroy` for this environment again (or "
        "`personalize-shop cleanup --env <env>`, which waits as long as needed)."
    )


# ---------------------------------------------------------------- ownership


def _ours(personalize: Any, existing: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Only the recommender this very resource manages is deleted.

    Its owner tag must name this resource (a renamed construct's new self may have taken it
    over) and, when it was found by name rather than by its ARN, it must be in this dataset
    group.
    """
    arn = existing.get("recommenderArn", "")
    if owner_tag(personalize, arn) != owner_of(event):
        LOGGER.info("recommender %s is not managed by this resource; keeping it", arn)
        return False
    group = (event.get("ResourceProperties") or {}).get("DatasetGroupArn")
    if existing.get("datasetGroupArn") != group:
        LOGGER.info("recommender %s is in another dataset group; keeping it", arn)
        return False
    return True


def _target(event: Mapping[str, Any]) -> str | None:
    return delete_target(event, "recommender", recommender_arn)


def _describe(personalize: Any, arn: str) -> dict[str, Any] | None:
    try:
        return dict(personalize.describe_recommender(recommenderArn=arn).get("recommender") or {})
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise


def _update_running(existing: Mapping[str, Any]) -> bool:
    latest = existing.get("latestRecommenderUpdate") or {}
    return latest.get("status") in ("CREATE PENDING", "CREATE IN_PROGRESS")


def _same_config(existing: Mapping[str, Any], config: Mapping[str, Any]) -> bool:
    """Does Personalize already have (or is it applying) this configuration?"""
    latest = existing.get("latestRecommenderUpdate") or {}
    applying = latest.get("recommenderConfig") if _update_running(existing) else None
    current = applying or existing.get("recommenderConfig") or {}
    return bool(
        current.get("minRecommendationRequestsPerSecond", 1)
        == config["minRecommendationRequestsPerSecond"]
        and current.get("itemExplorationConfig", {}) == config.get("itemExplorationConfig", {})
        and bool(current.get("enableMetadataWithRecommendations", False))
        == bool(config.get("enableMetadataWithRecommendations", False))
        and _columns(current.get("trainingDataConfig"))
        == _columns(config.get("trainingDataConfig"))
    )


def _columns(training: Any) -> dict[str, dict[str, list[str]]]:
    """trainingDataConfig compared as Personalize may echo it: dataset types in any case, lists
    in any order, empty maps the same as none."""
    return {
        member: {key.upper(): sorted(columns) for key, columns in by_type.items()}
        for member, by_type in (training or {}).items()
        if by_type
    }
