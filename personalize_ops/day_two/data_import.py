"""`personalize-shop import`: new data into a deployed environment without a deploy.

A local file is checked by the validator synth uses (same rules, same minimums for the
environment's recommenders), uploaded to the data bucket under the key a deploy of the same file
would use (`datasets/<type>/<digest>/<name>`), and imported with a dataset import job that the
command waits for. Data already in S3 is imported as it is (validate it first with
`personalize-shop validate s3://...`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, cast

from botocore.exceptions import ClientError

from personalize_domain.data.validator import validate_dataset
from personalize_domain.data_keys import data_key
from personalize_domain.schemas import DatasetType
from personalize_ops.day_two.cleanup import Api
from personalize_ops.day_two.data_jobs import (
    JobOutcome,
    S3Client,
    require_output,
    split_s3_uri,
    wait_for_job,
)
from personalize_ops.day_two.errors import DayTwoError, error_detail
from personalize_ops.day_two.stack import StackOutputs

FULL, INCREMENTAL = "FULL", "INCREMENTAL"
RUNNING = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})
MAX_JOB_NAME = 63


@dataclass(frozen=True)
class Staged:
    location: str  # s3://bucket/key the import reads
    uploaded: bool  # False: the same content was already there (content-addressed)
    summary: str  # the validator's one-line summary of the file


def stage_local_file(
    s3: S3Client,
    *,
    bucket: str,
    path: Path,
    dataset_type: DatasetType,
    use_cases: Iterable[str],
    cache_dir: Path | None,
) -> Staged:
    """Validate `path` (errors refuse the import, nothing is uploaded), then upload it."""
    if not path.is_file():
        raise DayTwoError(f"{path}: no such file; give a CSV file or an s3:// URI")
    report = validate_dataset(path, dataset_type, use_cases, cache_dir=cache_dir)
    if not report.ok:
        raise DayTwoError(
            f"{path} fails validation, so nothing was uploaded or imported; fix the file:\n"
            f"{report.render()}"
        )
    key = data_key(dataset_type.key, report.digest, path.name)
    uploaded = False
    if not _exists(s3, bucket, key):
        # upload_file switches to a multipart upload for large files.
        s3.upload_file(str(path), bucket, key)
        uploaded = True
    return Staged(f"s3://{bucket}/{key}", uploaded, report.stats.summary())


def _exists(s3: S3Client, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        code, _ = error_detail(error)
        if code in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def dataset_arn_of(outputs: StackOutputs, dataset_type: DatasetType, env_name: str) -> str:
    arn = outputs.values.get(f"{dataset_type.value}DatasetArn")
    if not arn:
        raise DayTwoError(
            f"environment {env_name} has no {dataset_type.key} dataset; add "
            f"environments.{env_name}.datasets.{dataset_type.key}.source to cdk.json and run "
            f"`make deploy ENV={env_name}`"
        )
    return arn


def job_name(name_prefix: str, dataset_type: DatasetType, now: datetime) -> str:
    """`<prefix>-<type>-cli-<UTC time>-<4 random hex>`: never one a deploy uses (theirs end in a
    hash of the request), and two runs in the same second do not collide."""
    stamp = f"{now.astimezone(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:4]}"
    return f"{name_prefix}-{dataset_type.key}-cli-{stamp}"[:MAX_JOB_NAME]


def start_import(
    api: Api,
    *,
    outputs: StackOutputs,
    env_name: str,
    name_prefix: str,
    dataset_type: DatasetType,
    location: str,
    mode: str,
    now: datetime,
) -> tuple[str, str]:
    """Start the import job; its (name, ARN). Refuses what Personalize would refuse later."""
    split_s3_uri(location)
    dataset_arn = dataset_arn_of(outputs, dataset_type, env_name)
    role_arn = require_output(outputs.values, "PersonalizeRoleArn", outputs.stack_name, env_name)
    jobs = api.call(api.personalize.list_dataset_import_jobs, datasetArn=dataset_arn)[
        "datasetImportJobs"
    ]
    running = [job for job in jobs if job["status"] in RUNNING]
    if running:
        raise DayTwoError(
            f"import job {running[0]['jobName']} into {dataset_type.key} is still "
            f"{running[0]['status']}; Personalize runs one import per dataset at a time: wait "
            "for it (`personalize-shop status`) and run this again"
        )
    if mode == INCREMENTAL and not any(
        job["status"] == "ACTIVE" and job.get("importMode", FULL) == FULL for job in jobs
    ):
        raise DayTwoError(
            f"the {dataset_type.key} dataset has no successful FULL import yet, and Personalize "
            "adds INCREMENTAL data only to bulk data: run with --mode FULL"
        )
    name = job_name(name_prefix, dataset_type, now)
    arn = api.call(
        api.personalize.create_dataset_import_job,
        jobName=name,
        datasetArn=dataset_arn,
        dataSource={"dataLocation": location},
        roleArn=role_arn,
        # Checked by the CLI's choice; the stubs want the literal type.
        importMode=cast(Literal["FULL", "INCREMENTAL"], mode),
    )["datasetImportJobArn"]
    return name, arn


def wait_for_import(api: Api, arn: str, name: str, echo: Callable[[str], None]) -> JobOutcome:
    return wait_for_job(
        api,
        label=f"import job {name}",
        arn=arn,
        describe=lambda: api.personalize.describe_dataset_import_job(datasetImportJobArn=arn)[
            "datasetImportJob"
        ],
        done=frozenset({"ACTIVE"}),
        failed=frozenset({"CREATE FAILED"}),
        echo=echo,
    )
