"""Custom::PersonalizeDatasetImport: one dataset import job per data operation.

Create and Update start a job whose name carries a hash of the data location, the mode and the
CloudFormation request, so a retried request adopts its own job while every new operation
(reverting to earlier data included) imports again, then hand the wait to the readiness workflow
(past CloudFormation's one-hour cap). Import jobs can be neither stopped nor deleted: Delete only
waits while the job runs, so the dataset can be deleted after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from handler_support import (
    DELETE_BUDGET_SECONDS,
    DELETE_STARTED_AT,
    LOGGER,
    PENDING_FAILURE,
    HandlerError,
    arn_parts,
    error_code,
    is_personalize_arn,
    is_transient,
    now,
    pascal_case,
    reason_for,
    require,
    require_arn,
    short_hash,
    start_readiness,
    stop_readiness,
)
from handler_support import REFUSALS as ALL_REFUSALS
from resource_kinds import ARN, CREATE, DATASET_IMPORT, HANDLE_URL, IMPORT_READINESS, VALIDATE

RESOURCE_TYPE = DATASET_IMPORT.resource_type
# Only new data is a new import (a new physical id); a new mode applies to the next data change.
NEW_IMPORT_PROPERTIES = DATASET_IMPORT.replacing
RUNNING = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})
FULL, INCREMENTAL = "FULL", "INCREMENTAL"
DATASET_TYPES = ("INTERACTIONS", "ITEMS", "USERS", "ACTIONS", "ACTION_INTERACTIONS")
# Answers of CreateDatasetImportJob that mean "not now": the workflow creates the job later.
# LimitExceeded: five imports pending per region, not adjustable. ResourceInUse: another import
# of this dataset still runs (a rollback re-importing earlier data while the newer one runs).
BUSY = frozenset({"LimitExceededException", "ResourceInUseException"})
# Answers that certainly created nothing (the busy ones mean "not now" here).
REFUSALS = ALL_REFUSALS - BUSY


@dataclass(frozen=True)
class Spec:
    """The validated properties of one request."""

    dataset: str
    location: str
    role: str
    mode: str
    state_machine: str
    handle: str
    # The Athena query the workflow runs before it creates the job, or None.
    validation: dict[str, str] | None = None


def on_event(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    request = event["RequestType"]
    if request == "Create":
        return _create(event, spec(event["ResourceProperties"], mode=FULL), personalize, sfn)
    if request == "Update":
        return _update(event, personalize, sfn)
    return _delete(event, sfn)


def is_complete(event: Mapping[str, Any], personalize: Any, _sfn: Any) -> dict[str, Any]:
    """Create/Update are awaited by the readiness workflow; Delete waits for a running job."""
    if event.get(PENDING_FAILURE):
        # The job may exist: fail with its ARN as the physical id (see on_event's _hand_over).
        raise HandlerError(str(event[PENDING_FAILURE]))
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    try:
        running = _running_jobs(event, personalize)
    except ClientError as exc:
        if is_transient(exc):
            LOGGER.info("throttled while reading import jobs; polling again")
            return {"IsComplete": False}
        raise
    if not running:
        return {"IsComplete": True}
    waited = now() - float(event.get(DELETE_STARTED_AT) or now())
    if waited >= DELETE_BUDGET_SECONDS:
        raise HandlerError(
            f"Import job {running[0]} still runs after {waited / 60:.0f} minutes. Personalize "
            "can neither stop nor delete an import job, and its dataset can be deleted only once "
            "it has ended. Nothing bills while it runs; run `cdk destroy` for this environment "
            "again once it has ended (or `personalize-shop cleanup --env <env>`, which waits as "
            "long as needed)."
        )
    LOGGER.info("import jobs %s still run", running)
    return {"IsComplete": False}


def spec(props: Mapping[str, Any], *, mode: str) -> Spec:
    """Every property checked before any call."""
    if mode not in (FULL, INCREMENTAL):
        raise HandlerError(f"property ImportMode must be FULL or INCREMENTAL, got {mode!r}")
    dataset = require_arn(props, "DatasetArn", "personalize", "dataset/")
    _dataset_key(dataset)
    location = require(props, "DataLocation")
    if not location.startswith("s3://") or len(location) <= len("s3://"):
        raise HandlerError(f"property DataLocation must be an s3:// URI, got {location!r}")
    return Spec(
        dataset=dataset,
        location=location,
        role=require_arn(props, "RoleArn", "iam", "role/"),
        mode=mode,
        state_machine=require_arn(props, "ReadinessStateMachineArn", "states", "stateMachine:"),
        handle=require(props, "ReadinessHandle"),
        validation=_validation(props.get("Validation")),
    )


VALIDATION_FIELDS = ("QueryString", "WorkGroup", "OutputLocation")


def _validation(value: Any) -> dict[str, str] | None:
    """Absent or empty: no validation; else the query, its workgroup and results location."""
    if value in (None, "", {}):
        return None
    if not isinstance(value, Mapping) or any(
        not isinstance(value.get(k), str) or not value.get(k) for k in VALIDATION_FIELDS
    ):
        raise HandlerError(
            f"property Validation must be an object with the strings {', '.join(VALIDATION_FIELDS)}"
        )
    if not str(value["OutputLocation"]).startswith("s3://"):
        raise HandlerError("property Validation.OutputLocation must be an s3:// URI")
    return {k: str(value[k]) for k in VALIDATION_FIELDS}


def job_name(dataset_arn: str, location: str, mode: str, request_id: str) -> str:
    """<group>-<type>-<hash>: readable, unique per operation, the same for a retried request."""
    return f"{_dataset_key(dataset_arn)}-{short_hash(location, mode, request_id)}"


def job_arn(dataset_arn: str, name: str) -> str:
    partition, region, account, _ = arn_parts(dataset_arn)
    return f"arn:{partition}:personalize:{region}:{account}:dataset-import-job/{name}"


def _dataset_key(dataset_arn: str) -> str:
    # dataset/<group>/<TYPE> -> <group>-<type>; at most 63 characters with the hash.
    _, _, _, resource = arn_parts(dataset_arn)
    parts = resource.split("/")
    if len(parts) != 3 or not parts[1] or parts[2].upper() not in DATASET_TYPES:
        raise HandlerError(
            f"property DatasetArn {dataset_arn!r} does not name a dataset type "
            f"(expected dataset/<group>/<{'|'.join(DATASET_TYPES)}>)"
        )
    dataset_type = parts[2].lower()
    return f"{parts[1][: 63 - 13 - len(dataset_type) - 1]}-{dataset_type}"


def _update(event: Mapping[str, Any], personalize: Any, sfn: Any) -> dict[str, Any]:
    new, old = event["ResourceProperties"], event.get("OldResourceProperties") or {}
    # A new dataset has no bulk data yet, so its first import must be FULL.
    same_dataset = new.get("DatasetArn") == old.get("DatasetArn")
    wanted = spec(new, mode=require(new, "ImportMode") if same_dataset else FULL)
    if all(new.get(k) == old.get(k) for k in NEW_IMPORT_PROPERTIES):
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    return _create(event, wanted, personalize, sfn)


def _create(event: Mapping[str, Any], wanted: Spec, personalize: Any, sfn: Any) -> dict[str, Any]:
    name = job_name(wanted.dataset, wanted.location, wanted.mode, str(event.get("RequestId", "")))
    arn = job_arn(wanted.dataset, name)
    if wanted.mode == INCREMENTAL and not _has_active_full_import(personalize, wanted.dataset):
        raise HandlerError(
            f"{wanted.dataset}: an INCREMENTAL import needs a successful FULL import first "
            "(Personalize appends incremental data to bulk data). Deploy once with "
            "importMode FULL for this environment, then switch back to INCREMENTAL."
        )
    fields: dict[str, Any] = {ARN: arn, HANDLE_URL: wanted.handle}
    result: dict[str, Any] = {
        "PhysicalResourceId": arn,
        "Data": {"JobName": name, "ImportMode": wanted.mode},
    }
    request = {
        "jobName": name,
        "datasetArn": wanted.dataset,
        "dataSource": {"dataLocation": wanted.location},
        "roleArn": wanted.role,
        "importMode": wanted.mode,
    }
    if wanted.validation is not None:
        # The data is validated first: the workflow creates the job only if Athena finds nothing.
        LOGGER.info("import job %s waits for the validation of %s", name, wanted.location)
        fields[CREATE] = pascal_case(request)
        fields[VALIDATE] = wanted.validation
        return _start_workflow(event, wanted, arn, fields, result, sfn)
    try:
        personalize.create_dataset_import_job(**request)
        LOGGER.info("started %s import job %s from %s", wanted.mode, name, wanted.location)
    except ClientError as exc:
        code = error_code(exc)
        if code == "ResourceAlreadyExistsException":
            LOGGER.info("import job %s already exists; adopting it (a retried request)", name)
        elif code in BUSY:
            LOGGER.info("%s; the readiness workflow will create %s", code, name)
            fields[CREATE] = pascal_case(request)
        elif code in REFUSALS:
            raise
        else:
            # Personalize may have started it before the call failed: report with the ARN.
            result[PENDING_FAILURE] = f"Could not start import job {arn}: {reason_for(exc)}"
            return result
    return _start_workflow(event, wanted, arn, fields, result, sfn)


def _start_workflow(
    event: Mapping[str, Any],
    wanted: Spec,
    arn: str,
    fields: dict[str, Any],
    result: dict[str, Any],
    sfn: Any,
) -> dict[str, Any]:
    try:
        start_readiness(
            sfn,
            state_machine_arn=wanted.state_machine,
            resource_key=_dataset_key(wanted.dataset),
            request_id=str(event.get("RequestId", "")),
            workflow_input=IMPORT_READINESS.input(**fields),
        )
    except Exception as exc:  # the job runs: fail through is_complete, with its ARN
        LOGGER.exception("import job %s started, but its workflow could not", arn)
        result[PENDING_FAILURE] = f"Could not start waiting for import job {arn}: {reason_for(exc)}"
    return result


def _delete(event: Mapping[str, Any], sfn: Any) -> dict[str, Any]:
    props = event.get("ResourceProperties") or {}
    dataset = props.get("DatasetArn")
    job = event.get("PhysicalResourceId", "")
    # Its own job's execution only; a cancelled create (no job ARN) may have started any.
    only_for = str(job) if is_personalize_arn(job, "dataset-import-job") else None
    if is_personalize_arn(dataset, "dataset"):
        try:
            key = _dataset_key(str(dataset))
        except HandlerError:
            key = None
        if key is not None:
            # A workflow still polling a job whose stack rolls back has nothing left to signal.
            stop_readiness(
                sfn,
                state_machine_arn=props.get("ReadinessStateMachineArn"),
                resource_key=key,
                only_for=only_for,
            )
    return {"PhysicalResourceId": event.get("PhysicalResourceId", ""), DELETE_STARTED_AT: now()}


def _running_jobs(event: Mapping[str, Any], personalize: Any) -> list[str]:
    """The jobs this Delete must outwait: its own job, or, when CloudFormation cancelled the
    create before it learnt the job's ARN, every running import of the dataset."""
    job = event.get("PhysicalResourceId", "")
    if is_personalize_arn(job, "dataset-import-job"):
        try:
            found = personalize.describe_dataset_import_job(datasetImportJobArn=job)
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return []
            raise
        status = (found.get("datasetImportJob") or {}).get("status")
        return [str(job)] if status in RUNNING else []
    dataset = (event.get("ResourceProperties") or {}).get("DatasetArn")
    if not is_personalize_arn(dataset, "dataset"):
        return []
    return [
        summary.get("datasetImportJobArn", "")
        for summary in _import_jobs(personalize, str(dataset))
        if summary.get("status") in RUNNING
    ]


def _import_jobs(personalize: Any, dataset_arn: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        try:
            page = personalize.list_dataset_import_jobs(
                datasetArn=dataset_arn, **({"nextToken": token} if token else {})
            )
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return jobs
            raise
        jobs.extend(page.get("datasetImportJobs", []))
        token = page.get("nextToken")
        if not token:
            return jobs


def _has_active_full_import(personalize: Any, dataset_arn: str) -> bool:
    return any(
        summary.get("status") == "ACTIVE" and summary.get("importMode", FULL) == FULL
        for summary in _import_jobs(personalize, dataset_arn)
    )
