"""`personalize-shop forget-user`: a data deletion job for a customer's right to be forgotten.

The user ids become a one-column CSV (`USER_ID`), uploaded content-addressed to the data bucket
(`deletions/<digest>/users.csv`, which the stack's Personalize role can read) and handed to
CreateDataDeletionJob, which the command waits for (Personalize allows up to a day).
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from personalize_ops.day_two.cleanup import Api
from personalize_ops.day_two.data_jobs import JobOutcome, S3Client, require_output, wait_for_job
from personalize_ops.day_two.errors import DayTwoError
from personalize_ops.day_two.stack import StackOutputs

MAX_CSV_BYTES = 100 * 1000 * 1000  # "up to 100 MB" (quotas page)
MAX_PENDING_PER_GROUP = 5
IN_FLIGHT = frozenset({"PENDING", "IN_PROGRESS"})
DELETIONS_PREFIX = "deletions"


def users_csv(user_ids: Sequence[str], file: Path | None) -> bytes:
    """The CSV Personalize reads: header USER_ID, one id a line; from ids or a CSV file."""
    ids = [u.strip() for u in user_ids]
    if file is not None:
        with file.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            if "USER_ID" not in header:
                raise DayTwoError(
                    f"{file}: the first line must be a header with a USER_ID column (found "
                    f"{','.join(header) or 'nothing'}); one user id a line below it"
                )
            column = header.index("USER_ID")
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                if column >= len(row) or not row[column].strip():
                    raise DayTwoError(f"{file}, row {line}: USER_ID is empty; fill it or drop it")
                ids.append(row[column].strip())
    if any(not u for u in ids):
        raise DayTwoError("an empty user id was given; give each USER_ID to forget")
    if not ids:
        raise DayTwoError("no user ids: give USER_ID arguments or --file with a USER_ID column")
    unique = list(dict.fromkeys(ids))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["USER_ID"])
    writer.writerows([u] for u in unique)
    body = buffer.getvalue().encode()
    if len(body) > MAX_CSV_BYTES:
        raise DayTwoError(
            f"{len(unique):,} user ids make a {len(body) / 1e6:,.0f} MB CSV; Personalize reads at "
            f"most 100 MB per data deletion job: split them over several runs"
        )
    return body


def upload_users(s3: S3Client, bucket: str, body: bytes) -> str:
    key = f"{DELETIONS_PREFIX}/{hashlib.sha256(body).hexdigest()[:16]}/users.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/csv")
    return f"s3://{bucket}/{key}"


def start_deletion(
    api: Api, *, outputs: StackOutputs, env_name: str, name_prefix: str, location: str
) -> tuple[str, str]:
    group = outputs.dataset_group_arn
    role = require_output(outputs.values, "PersonalizeRoleArn", outputs.stack_name, env_name)
    jobs = api.call(api.personalize.list_data_deletion_jobs, datasetGroupArn=group)[
        "dataDeletionJobs"
    ]
    pending = [job for job in jobs if job["status"] in IN_FLIGHT]
    if len(pending) >= MAX_PENDING_PER_GROUP:
        raise DayTwoError(
            f"{len(pending)} data deletion jobs of {name_prefix} are still pending or running "
            f"(Personalize allows {MAX_PENDING_PER_GROUP}): wait for one to finish, or put "
            "every user id in one --file"
        )
    name = f"{name_prefix}-forget-{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:4]}"
    arn = api.call(
        api.personalize.create_data_deletion_job,
        jobName=name,
        datasetGroupArn=group,
        dataSource={"dataLocation": location},
        roleArn=role,
    )["dataDeletionJobArn"]
    return name, arn


def wait_for_deletion(api: Api, arn: str, name: str, echo: Callable[[str], None]) -> JobOutcome:
    return wait_for_job(
        api,
        label=f"data deletion job {name}",
        arn=arn,
        describe=lambda: api.personalize.describe_data_deletion_job(dataDeletionJobArn=arn)[
            "dataDeletionJob"
        ],
        done=frozenset({"COMPLETED"}),
        failed=frozenset({"FAILED"}),
        echo=echo,
    )
