"""`personalize-shop export`: a dataset export job to S3, waited for.

`--ingestion bulk` exports what import jobs brought in (BULK), `incremental` what came one record
or event at a time (PutEvents, PutItems, PutUsers, incremental console uploads: PUT), `both` all
of it (ALL). Personalize writes CSV files under the output prefix.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, cast

from personalize_domain.schemas import DatasetType
from personalize_ops.day_two.cleanup import Api
from personalize_ops.day_two.data_import import RUNNING, dataset_arn_of
from personalize_ops.day_two.data_jobs import JobOutcome, split_s3_uri, wait_for_job
from personalize_ops.day_two.errors import DayTwoError
from personalize_ops.day_two.stack import StackOutputs

INGESTION_MODES = {"bulk": "BULK", "incremental": "PUT", "both": "ALL"}


def start_export(
    api: Api,
    *,
    outputs: StackOutputs,
    env_name: str,
    name_prefix: str,
    dataset_type: DatasetType,
    out: str,
    ingestion: str,
    role_arn: str,
) -> tuple[str, str]:
    split_s3_uri(out)
    if not out.endswith("/"):
        out += "/"  # Personalize writes files under it: a folder
    dataset_arn = dataset_arn_of(outputs, dataset_type, env_name)
    jobs = api.call(api.personalize.list_dataset_export_jobs, datasetArn=dataset_arn)[
        "datasetExportJobs"
    ]
    running = [job for job in jobs if job["status"] in RUNNING]
    if running:
        raise DayTwoError(
            f"export job {running[0]['jobName']} of {dataset_type.key} is still "
            f"{running[0]['status']}: wait for it and run this again"
        )
    stamp = f"{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:4]}"
    name = f"{name_prefix}-{dataset_type.key}-export-{stamp}"[:63]
    arn = api.call(
        api.personalize.create_dataset_export_job,
        jobName=name,
        datasetArn=dataset_arn,
        ingestionMode=cast(Literal["BULK", "PUT", "ALL"], INGESTION_MODES[ingestion]),
        roleArn=role_arn,
        jobOutput={"s3DataDestination": {"path": out}},
    )["datasetExportJobArn"]
    return name, arn


def wait_for_export(api: Api, arn: str, name: str, echo: Callable[[str], None]) -> JobOutcome:
    return wait_for_job(
        api,
        label=f"export job {name}",
        arn=arn,
        describe=lambda: api.personalize.describe_dataset_export_job(datasetExportJobArn=arn)[
            "datasetExportJob"
        ],
        done=frozenset({"ACTIVE"}),
        failed=frozenset({"CREATE FAILED"}),
        echo=echo,
    )
