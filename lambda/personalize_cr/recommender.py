"""Custom::PersonalizeRecommender: one ECOMMERCE recommender per use case and environment.

Create describes-or-creates by a deterministic name; a change of minimum requests per second or
exploration updates the same recommender in place; `State` (running/stopped) is converged by the
readiness workflow, which also waits for training past CloudFormation's one-hour cap. Delete
waits until the recommender is gone, whatever its state, so the dataset group can go after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError
from cr_common import (
    LOGGER,
    HandlerError,
    arn_parts,
    error_code,
    is_personalize_arn,
    is_transient,
    pascal_case,
    require,
    start_readiness,
    stop_readiness,
)

RESOURCE_TYPE = "Custom::PersonalizeRecommender"
# Property names shared with personalize_constructs/recommender.py (a test checks both sides).
PROPERTIES = (
    "Name",
    "DatasetGroupArn",
    "RecipeArn",
    "MinRecommendationRequestsPerSecond",
    "ExplorationWeight",
    "ExplorationItemAgeCutOff",
    "State",
    "ReadinessHandle",
    "ReadinessStateMachineArn",
)
# A change of these needs a new recommender (a new physical id); review/diff.py reports them as
# replacements (a test checks both sides).
REPLACING_PROPERTIES = ("Name", "DatasetGroupArn", "RecipeArn")
STATES = {"running": "ACTIVE", "stopped": "INACTIVE"}
# Which CloudFormation resource manages the recommender: `<stack id>/<logical id>`. It keeps a
# renamed construct (new logical id, same recommender name) from deleting what it just adopted.
OWNER_TAG = "personalize-shop:cloudformation-owner"
# Only these can be deleted; anything else is on its way to one of them (or already going).
DELETABLE = frozenset({"ACTIVE", "CREATE FAILED", "INACTIVE"})
DELETING = frozenset({"DELETE PENDING", "DELETE IN_PROGRESS"})


def on_event(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    request = event["RequestType"]
    if request == "Create":
        return _create(event, personalize, sfn)
    if request == "Update":
        return _update(event, personalize, sfn)
    if request == "Delete":
        return _delete(event, personalize, sfn)
    raise HandlerError(f"unknown request type {request!r}")


def is_complete(event: Mapping[str, Any], personalize: Any) -> dict[str, Any]:
    """Create/Update are awaited by the readiness workflow; Delete waits until it is gone."""
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    arn = _target_arn(event)
    if arn is None:
        return {"IsComplete": True}
    try:
        status = _status(personalize, arn)
        if status is None or not _owned_by(personalize, arn, _owner(event)):
            return {"IsComplete": True}
        if status in DELETABLE:
            # A create or update that was still running when Delete arrived has now settled.
            _request_delete(personalize, arn)
    except ClientError as exc:
        if is_transient(exc):
            LOGGER.info("throttled while deleting %s; polling again", arn)
            return {"IsComplete": False}
        raise
    LOGGER.info("recommender %s is %s; waiting until it is gone", arn, status)
    return {"IsComplete": False}


def recommender_arn(dataset_group_arn: str, name: str) -> str:
    partition, region, account, _ = arn_parts(dataset_group_arn)
    return f"arn:{partition}:personalize:{region}:{account}:recommender/{name}"


def recommender_config(props: Mapping[str, Any]) -> dict[str, Any]:
    """The RecommenderConfig of the API from the (string) custom-resource properties."""
    raw_rps = require(props, "MinRecommendationRequestsPerSecond")
    try:
        rps = int(raw_rps)
    except ValueError:
        raise HandlerError(
            f"MinRecommendationRequestsPerSecond must be an integer >= 1, got {raw_rps!r}"
        ) from None
    if rps < 1:
        raise HandlerError(f"MinRecommendationRequestsPerSecond must be >= 1, got {rps}")
    config: dict[str, Any] = {"minRecommendationRequestsPerSecond": rps}
    # Personalize takes exploration values as strings ("0.3", "30").
    exploration = {
        key: str(props[prop])
        for key, prop in (
            ("explorationWeight", "ExplorationWeight"),
            ("explorationItemAgeCutOff", "ExplorationItemAgeCutOff"),
        )
        if props.get(prop) not in (None, "")
    }
    if exploration:
        config["itemExplorationConfig"] = exploration
    return config


def _create(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    props = event["ResourceProperties"]
    name = require(props, "Name")
    dataset_group = require(props, "DatasetGroupArn")
    recipe = require(props, "RecipeArn")
    target = _target_status(props)
    config = recommender_config(props)
    arn = recommender_arn(dataset_group, name)
    update: str | None = None
    existing = _describe(personalize, arn)
    if existing is None:
        try:
            personalize.create_recommender(
                name=name,
                datasetGroupArn=dataset_group,
                recipeArn=recipe,
                recommenderConfig=config,
                tags=[{"tagKey": OWNER_TAG, "tagValue": _owner(event)}],
            )
            LOGGER.info("creating recommender %s (%s)", name, recipe)
        except ClientError as exc:
            if error_code(exc) == "LimitExceededException":
                raise HandlerError(
                    f"Personalize refused to create recommender {name}: {exc}. Recommenders are "
                    "limited per dataset group and per region; delete unused ones or ask AWS "
                    "for a higher quota."
                ) from None
            if error_code(exc) != "ResourceAlreadyExistsException":
                raise
            existing = _describe(personalize, arn)
    if existing is not None:
        _take_ownership(personalize, arn, _owner(event))
        update = _adopt(personalize, existing, dataset_group, recipe, config)
    _start_workflow(sfn, props, arn, target=target, update=update)
    return {"PhysicalResourceId": arn, "Data": {"Name": name}}


def _adopt(
    personalize: Any,
    existing: Mapping[str, Any],
    dataset_group: str,
    recipe: str,
    config: Mapping[str, Any],
) -> str | None:
    """Take over a recommender of ours that already exists, updating it if its config differs."""
    name = existing["name"]
    if existing["datasetGroupArn"] != dataset_group or existing["recipeArn"] != recipe:
        raise HandlerError(
            f"A recommender named {name} already exists with other settings (dataset group "
            f"{existing['datasetGroupArn']}, recipe {existing['recipeArn']}). Delete it or choose "
            "another namePrefix for this environment."
        )
    status = existing["status"]
    if status in DELETING:
        raise HandlerError(
            f"Recommender {name} is still being deleted ({status}); deploy again once it is gone."
        )
    LOGGER.info("recommender %s already exists (%s); adopting it", name, status)
    if status in ("ACTIVE", "INACTIVE") and not _same_config(existing, config):
        return _update_config(personalize, existing["recommenderArn"], config)
    return None


def _update(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    new, old = event["ResourceProperties"], event.get("OldResourceProperties", {})
    replaced = any(new.get(k) != old.get(k) for k in REPLACING_PROPERTIES)
    if replaced or not is_personalize_arn(event.get("PhysicalResourceId", ""), "recommender"):
        # A new recommender; CloudFormation deletes the old physical id after the update.
        return _create(event, personalize, sfn)
    arn = event["PhysicalResourceId"]
    config = recommender_config(new)
    update = None
    if config != recommender_config(old):
        update = _update_config(personalize, arn, config)
    if new.get("ReadinessHandle") != old.get("ReadinessHandle"):
        _start_workflow(sfn, new, arn, target=_target_status(new), update=update)
    return {"PhysicalResourceId": arn}


UPDATED, DEFERRED = "updated", "deferred"


def _update_config(personalize: Any, arn: str, config: Mapping[str, Any]) -> str:
    """Ask for the new configuration: UPDATED now, or DEFERRED to the readiness workflow.

    DEFERRED when another update still runs (ResourceInUse): that means wait, not fail.
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
    sfn: Any, props: Mapping[str, Any], arn: str, *, target: str, update: str | None
) -> None:
    workflow_input: dict[str, Any] = {
        "Kind": "recommender",
        "Arn": arn,
        "Target": target,
        # Watch latestRecommenderUpdate too, so a failed update fails the deploy.
        "WatchUpdate": update is not None,
    }
    if update == DEFERRED:
        workflow_input["Update"] = pascal_case(recommender_config(props))
    start_readiness(
        sfn,
        props=props,
        resource_name=arn.rsplit("/", 1)[1],
        workflow_input=workflow_input,
    )


def _delete(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    props = event.get("ResourceProperties", {})
    physical_id = event.get("PhysicalResourceId", "")
    arn = _target_arn(event)
    if arn is not None:
        stop_readiness(sfn, props=props, resource_name=arn.rsplit("/", 1)[1])
        try:
            if _owned_by(personalize, arn, _owner(event)):
                _request_delete(personalize, arn)
            else:
                LOGGER.info("recommender %s now belongs to another resource; keeping it", arn)
        except ClientError as exc:
            # Still creating or updating: is_complete deletes it once it has settled.
            if error_code(exc) not in (
                "ResourceInUseException",
                "ResourceNotFoundException",
            ) and not is_transient(exc):
                raise
    return {"PhysicalResourceId": physical_id}


def _owner(event: Mapping[str, Any]) -> str:
    return f"{event.get('StackId', '')}/{event.get('LogicalResourceId', '')}"


def _owner_tag(personalize: Any, arn: str) -> str | None:
    tags = personalize.list_tags_for_resource(resourceArn=arn).get("tags", [])
    return next((t["tagValue"] for t in tags if t["tagKey"] == OWNER_TAG), None)


def _owned_by(personalize: Any, arn: str, owner: str) -> bool:
    """True unless another CloudFormation resource has taken the recommender over.

    A recommender without the tag (made before it existed, or by hand) counts as ours.
    """
    current = _owner_tag(personalize, arn)
    return current is None or current == owner


def _take_ownership(personalize: Any, arn: str, owner: str) -> None:
    current = _owner_tag(personalize, arn)
    if current == owner:
        return
    stack = current.rsplit("/", 1)[0] if current else None
    if stack is not None and stack != owner.rsplit("/", 1)[0]:
        raise HandlerError(
            f"Recommender {arn} is managed by another CloudFormation stack ({stack}). "
            "Choose another namePrefix for this environment."
        )
    if current is not None:
        LOGGER.info("taking recommender %s over from %s", arn, current)
    personalize.tag_resource(resourceArn=arn, tags=[{"tagKey": OWNER_TAG, "tagValue": owner}])


def _target_arn(event: Mapping[str, Any]) -> str | None:
    """The recommender a Delete is about, even when the physical id is not its ARN.

    A create that failed before Personalize answered, or one CloudFormation cancelled, leaves a
    physical id that is not an ARN (aws-cdk#26139); the deterministic name still finds it.
    """
    physical_id = event.get("PhysicalResourceId", "")
    if is_personalize_arn(physical_id, "recommender"):
        return str(physical_id)
    props = event.get("ResourceProperties", {})
    name, group = props.get("Name"), props.get("DatasetGroupArn")
    if not name or not group or not is_personalize_arn(group, "dataset-group"):
        return None
    return recommender_arn(group, name)


def _request_delete(personalize: Any, arn: str) -> None:
    try:
        personalize.delete_recommender(recommenderArn=arn)
        LOGGER.info("deleting recommender %s", arn)
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise


def _describe(personalize: Any, arn: str) -> dict[str, Any] | None:
    try:
        return dict(personalize.describe_recommender(recommenderArn=arn)["recommender"])
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise


def _status(personalize: Any, arn: str) -> str | None:
    recommender = _describe(personalize, arn)
    return None if recommender is None else str(recommender["status"])


def _same_config(existing: Mapping[str, Any], config: Mapping[str, Any]) -> bool:
    current = existing.get("recommenderConfig", {})
    return bool(
        current.get("minRecommendationRequestsPerSecond", 1)
        == config["minRecommendationRequestsPerSecond"]
        and current.get("itemExplorationConfig", {}) == config.get("itemExplorationConfig", {})
    )


def _target_status(props: Mapping[str, Any]) -> str:
    state = require(props, "State")
    if state not in STATES:
        raise HandlerError(f"State must be one of {sorted(STATES)}, got {state!r}")
    return STATES[state]
