"""Custom::PersonalizeDatasetImport: one dataset import job per data location.

Create and Update start a job named after the dataset and a hash of the data location and mode,
so a retried request adopts the job instead of starting a second one, then hand the wait to the
readiness workflow (past CloudFormation's one-hour cap). A new data location is a new job, hence
a new physical id. Import jobs cannot be deleted: Delete only waits while ours still runs, so the
dataset can be deleted after it.
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
    short_hash,
    start_readiness,
    stop_readiness,
)

RESOURCE_TYPE = "Custom::PersonalizeDatasetImport"
# Property names shared with personalize_constructs/dataset_import.py (a test checks both sides).
PROPERTIES = (
    "DatasetArn",
    "DataLocation",
    "RoleArn",
    "ImportMode",
    "ReadinessHandle",
    "ReadinessStateMachineArn",
)
# Only new data is a new import (a new physical id); a new mode applies to the next data change.
# review/diff.py reports changes of these as replacements (a test checks both sides).
NEW_IMPORT_PROPERTIES = ("DatasetArn", "DataLocation")
RUNNING = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})
FULL, INCREMENTAL = "FULL", "INCREMENTAL"


def on_event(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    request = event["RequestType"]
    if request == "Create":
        return _create(event["ResourceProperties"], personalize, sfn, mode=FULL)
    if request == "Update":
        return _update(event, personalize, sfn)
    if request == "Delete":
        return _delete(event, sfn)
    raise HandlerError(f"unknown request type {request!r}")


def is_complete(event: Mapping[str, Any], personalize: Any) -> dict[str, Any]:
    """Create/Update are awaited by the readiness workflow; Delete waits for a running job."""
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    job_arn = event.get("PhysicalResourceId", "")
    if not is_personalize_arn(job_arn, "dataset-import-job"):
        return {"IsComplete": True}
    try:
        job = personalize.describe_dataset_import_job(datasetImportJobArn=job_arn)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return {"IsComplete": True}
        if is_transient(exc):
            LOGGER.info("throttled while describing %s; polling again", job_arn)
            return {"IsComplete": False}
        raise
    status = job["datasetImportJob"]["status"]
    LOGGER.info("import job %s is %s", job_arn, status)
    return {"IsComplete": status not in RUNNING}


def job_name(dataset_arn: str, location: str, mode: str) -> str:
    # dataset/<group>/<TYPE> -> <group>-<type>-<hash>: readable, unique per location and mode.
    _, _, _, resource = arn_parts(dataset_arn)
    _, group, dataset_type = resource.split("/", 2)
    return f"{group}-{dataset_type.lower()}-{short_hash(location, mode)}"


def job_arn(dataset_arn: str, name: str) -> str:
    partition, region, account, _ = arn_parts(dataset_arn)
    return f"arn:{partition}:personalize:{region}:{account}:dataset-import-job/{name}"


def _update(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    new, old = event["ResourceProperties"], event.get("OldResourceProperties", {})
    if all(new.get(k) == old.get(k) for k in NEW_IMPORT_PROPERTIES):
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    # A new dataset has no bulk data yet, so its first import must be FULL.
    same_dataset = new.get("DatasetArn") == old.get("DatasetArn")
    mode = require(new, "ImportMode") if same_dataset else FULL
    return _create(new, personalize, sfn, mode=mode)


def _create(props: Mapping[str, Any], personalize: Any, sfn: Any, *, mode: str) -> dict[str, Any]:
    if mode not in (FULL, INCREMENTAL):
        raise HandlerError(f"ImportMode must be FULL or INCREMENTAL, got {mode!r}")
    dataset_arn = require(props, "DatasetArn")
    location = require(props, "DataLocation")
    name = job_name(dataset_arn, location, mode)
    arn = job_arn(dataset_arn, name)
    if mode == INCREMENTAL and not _has_active_full_import(personalize, dataset_arn):
        raise HandlerError(
            f"{dataset_arn}: an INCREMENTAL import needs a successful FULL import first "
            "(Personalize appends incremental data to bulk data). Deploy once with "
            "importMode FULL for this environment, then switch back to INCREMENTAL."
        )
    workflow_input: dict[str, Any] = {"Kind": "import", "Arn": arn}
    if not _exists(personalize, arn):
        request = {
            "jobName": name,
            "datasetArn": dataset_arn,
            "dataSource": {"dataLocation": location},
            "roleArn": require(props, "RoleArn"),
            "importMode": mode,
        }
        try:
            personalize.create_dataset_import_job(**request)
            LOGGER.info("started %s import job %s from %s", mode, name, location)
        except ClientError as exc:
            code = error_code(exc)
            if code == "ResourceAlreadyExistsException":
                LOGGER.info("import job %s already exists; adopting it", name)
            elif code == "LimitExceededException":
                # Five imports may be pending per region and the quota is not adjustable: the
                # workflow creates the job once a slot frees up instead of failing the deploy.
                LOGGER.info("import quota reached; the readiness workflow will create %s", name)
                workflow_input["Create"] = pascal_case(request)
            else:
                raise
    else:
        LOGGER.info("import job %s already exists; adopting it", name)
    start_readiness(
        sfn,
        props=props,
        resource_name=name,
        workflow_input=workflow_input,
    )
    return {"PhysicalResourceId": arn, "Data": {"JobName": name, "ImportMode": mode}}


def _delete(event: Mapping[str, Any], sfn: Any) -> dict[str, Any]:
    props = event.get("ResourceProperties", {})
    job = event.get("PhysicalResourceId", "")
    if is_personalize_arn(job, "dataset-import-job"):
        # A workflow still polling a job whose stack is rolling back has nothing left to signal.
        stop_readiness(sfn, props=props, resource_name=job.rsplit("/", 1)[1])
    return {"PhysicalResourceId": job}


def _exists(personalize: Any, arn: str) -> bool:
    try:
        personalize.describe_dataset_import_job(datasetImportJobArn=arn)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return False
        raise
    return True


def _has_active_full_import(personalize: Any, dataset_arn: str) -> bool:
    paginator = personalize.get_paginator("list_dataset_import_jobs")
    for page in paginator.paginate(datasetArn=dataset_arn):
        for summary in page.get("datasetImportJobs", []):
            if summary.get("status") == "ACTIVE" and summary.get("importMode", FULL) == FULL:
                return True
    return False
