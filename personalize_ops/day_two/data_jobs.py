"""What the day-two data commands share: their S3 client, and waiting for a Personalize job.

Import, data deletion and export jobs all run for minutes to hours and cannot be stopped; the
wait prints a line when the status changes and every `Pacing.report_seconds` meanwhile, and ends
with the job's status and, when it failed, Personalize's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3

from personalize_ops.day_two.cleanup import Api
from personalize_ops.day_two.errors import DayTwoError

# S3 is used through a few calls (HeadObject, uploads, GetObject): typed as Any.
S3Client = Any


@dataclass(frozen=True)
class StorageClients:
    """The clients the data commands need beyond `Clients`; tests pass moto-backed ones."""

    s3: S3Client
    athena: Any = None


def default_storage_clients(region: str | None) -> StorageClients:
    session = boto3.session.Session(region_name=region)
    if session.region_name is None:
        raise DayTwoError("no AWS region: pass --region or set AWS_REGION")
    return StorageClients(s3=session.client("s3"), athena=session.client("athena"))


@dataclass(frozen=True)
class JobOutcome:
    arn: str
    status: str
    failure_reason: str | None
    details: Mapping[str, Any]

    @property
    def ok(self) -> bool:
        return self.failure_reason is None and self.status in ("ACTIVE", "COMPLETED")


def wait_for_job(
    api: Api,
    *,
    label: str,
    arn: str,
    describe: Callable[[], Mapping[str, Any]],
    done: frozenset[str],
    failed: frozenset[str],
    echo: Callable[[str], None],
) -> JobOutcome:
    """Poll `describe` (one job's description) until its status is in `done` or `failed`."""
    last_status: str | None = None
    last_line = api.pacing.clock()
    while True:
        job = api.call(describe)
        status = str(job.get("status", "?"))
        now = api.pacing.clock()
        if status != last_status or now - last_line >= api.pacing.report_seconds:
            echo(f"[{_elapsed(now - api.started)}] {label}: {status}")
            last_status, last_line = status, now
        if status in done or status in failed:
            reason = job.get("failureReason") if status in failed else None
            return JobOutcome(arn, status, reason or (None if status in done else "?"), job)
        api.pacing.sleep(api.pacing.poll_seconds)


def _elapsed(seconds: float) -> str:
    return str(timedelta(seconds=int(seconds)))


def require_output(values: dict[str, str], key: str, stack: str, env_name: str) -> str:
    """A stack output the data commands need, or what to do when an older stack lacks it."""
    value = values.get(key)
    if not value:
        raise DayTwoError(
            f"stack {stack} has no {key} output; run `make deploy ENV={env_name}` with this "
            "version of the project first"
        )
    return value


def split_s3_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/key` -> (bucket, key); a DayTwoError naming the URI otherwise."""
    if not uri.startswith("s3://") or "/" not in uri[5:] or uri[5:].startswith("/"):
        raise DayTwoError(f"{uri!r} is not an S3 URI; write it as s3://bucket/key")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key
