"""Custom::PersonalizeDatasetSchema: gives an existing dataset a newer schema with UpdateDataset.

A dataset's schema is create-only in CloudFormation, so the dataset keeps the schema it was created
with and this resource moves it on. Create and Update create the schema under its content-derived
name (adopting one of that name and content, so a retried request does not fail), call
UpdateDataset unless the dataset already has or is getting that schema, and `is_complete` waits
until `latestDatasetUpdate` is ACTIVE or fails with Personalize's reason. The physical id is the
schema's ARN, so CloudFormation deletes the superseded schema once the dataset has left it.

Personalize can add fields to a schema but never remove them: a rollback to a schema with fewer
fields keeps the dataset on its newer one. Delete removes the schema when no dataset uses it; one
still in use (the dataset is deleted after this resource) is left to the dataset's owner.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError
from handler_support import (
    LOGGER,
    HandlerError,
    arn_parts,
    error_code,
    is_personalize_arn,
    is_transient,
    require,
)
from resource_kinds import DATASET_SCHEMA

RESOURCE_TYPE = DATASET_SCHEMA.resource_type
RUNNING = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})
ACTIVE, FAILED = "ACTIVE", "CREATE FAILED"


def on_event(event: Mapping[str, Any], personalize: Any, _sfn: Any = None) -> dict[str, Any]:
    request = event["RequestType"]
    if request in ("Create", "Update"):
        return _apply(event["ResourceProperties"], personalize)
    if request == "Delete":
        return _delete(event.get("PhysicalResourceId", ""), personalize)
    raise HandlerError(f"unknown request type {request!r}")


def is_complete(event: Mapping[str, Any], personalize: Any, _sfn: Any = None) -> dict[str, Any]:
    """Done when the dataset's latest update to this schema is ACTIVE; raise if it failed."""
    if event["RequestType"] == "Delete":
        return {"IsComplete": True}
    props = event["ResourceProperties"]
    dataset_arn = require(props, "DatasetArn")
    target = schema_arn(dataset_arn, require(props, "SchemaName"))
    try:
        dataset = personalize.describe_dataset(datasetArn=dataset_arn)["dataset"]
    except ClientError as exc:
        if is_transient(exc):
            LOGGER.info("throttled while describing %s; polling again", dataset_arn)
            return {"IsComplete": False}
        raise
    latest = dataset.get("latestDatasetUpdate") or {}
    if latest.get("schemaArn") != target:
        # Either it was already the dataset's schema, or the dataset keeps a schema with more
        # fields (a rollback): on_event asked Personalize for nothing.
        return {"IsComplete": True}
    status = latest.get("status")
    LOGGER.info("schema update of %s to %s is %s", dataset_arn, target, status)
    if status == FAILED:
        raise HandlerError(
            f"Personalize could not give dataset {dataset_arn} the schema {target}: "
            f"{latest.get('failureReason', 'no reason given')}"
        )
    return {"IsComplete": status == ACTIVE}


def schema_arn(dataset_arn: str, name: str) -> str:
    partition, region, account, _ = arn_parts(dataset_arn)
    return f"arn:{partition}:personalize:{region}:{account}:schema/{name}"


def _apply(props: Mapping[str, Any], personalize: Any) -> dict[str, Any]:
    dataset_arn = require(props, "DatasetArn")
    name, body = require(props, "SchemaName"), require(props, "Schema")
    arn = schema_arn(dataset_arn, name)
    _ensure_schema(personalize, arn, name=name, body=body, domain=require(props, "Domain"))
    result = {"PhysicalResourceId": arn}
    dataset = personalize.describe_dataset(datasetArn=dataset_arn)["dataset"]
    latest = dataset.get("latestDatasetUpdate") or {}
    if latest.get("schemaArn") == arn and latest.get("status") in RUNNING | {ACTIVE}:
        LOGGER.info("dataset %s is already getting schema %s", dataset_arn, arn)
        return result
    if dataset["schemaArn"] == arn:
        LOGGER.info("dataset %s already has schema %s", dataset_arn, arn)
        return result
    current = personalize.describe_schema(schemaArn=dataset["schemaArn"])["schema"]["schema"]
    if set(_field_names(body)) < set(_field_names(current)):
        LOGGER.info(
            "dataset %s has schema %s with more fields than %s; Personalize cannot remove fields, "
            "so it keeps them",
            dataset_arn,
            dataset["schemaArn"],
            arn,
        )
        return result
    try:
        personalize.update_dataset(datasetArn=dataset_arn, schemaArn=arn)
    except ClientError as exc:
        if error_code(exc) in ("InvalidInputException", "ResourceInUseException"):
            raise HandlerError(
                f"Personalize refused schema {arn} for dataset {dataset_arn}: {exc}"
            ) from None
        raise
    LOGGER.info("updating dataset %s to schema %s", dataset_arn, arn)
    return result


def _ensure_schema(personalize: Any, arn: str, *, name: str, body: str, domain: str) -> None:
    try:
        existing = personalize.describe_schema(schemaArn=arn)["schema"]
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
    else:
        if json.loads(existing["schema"]) != json.loads(body):
            raise HandlerError(
                f"a schema named {name} exists with other content; its name is derived from "
                "the content, so delete it (aws personalize delete-schema) and deploy again"
            )
        LOGGER.info("schema %s already exists; adopting it", arn)
        return
    try:
        personalize.create_schema(name=name, schema=body, domain=domain)
        LOGGER.info("created schema %s", arn)
    except ClientError as exc:
        if error_code(exc) != "ResourceAlreadyExistsException":
            raise
        LOGGER.info("schema %s was created meanwhile; adopting it", arn)


def _delete(physical_id: str, personalize: Any) -> dict[str, Any]:
    if is_personalize_arn(physical_id, "schema"):
        try:
            personalize.delete_schema(schemaArn=physical_id)
            LOGGER.info("deleted schema %s", physical_id)
        except ClientError as exc:
            if error_code(exc) not in ("ResourceInUseException", "ResourceNotFoundException"):
                raise
            LOGGER.info("schema %s not deleted: %s", physical_id, error_code(exc))
    return {"PhysicalResourceId": physical_id}


def _field_names(schema: str) -> list[str]:
    return [str(field["name"]) for field in json.loads(schema).get("fields", [])]
