"""Data deletion jobs and dataset export jobs of the Personalize simulator.

A mixin of `PersonalizeSimulator` (its operations are collected through the MRO like the others),
kept in its own module so the day-two data operations do not grow `personalize.py`.

Statuses: a data deletion job goes `PENDING` -> `IN_PROGRESS` -> `COMPLETED` or `FAILED` (API
reference, DataDeletionJob.status); an export job goes `CREATE PENDING` -> `CREATE IN_PROGRESS`
-> `ACTIVE` or `CREATE FAILED` (DatasetExportJob.status). Neither can be deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .errors import already_exists, in_use, invalid_input, limit_exceeded
from .fake_service import Params, operation
from .lifecycle import ACTIVE, Timeline

if TYPE_CHECKING:
    from .resources import Dataset, DatasetGroup

DELETION_PENDING = "PENDING"
DELETION_IN_PROGRESS = "IN_PROGRESS"
DELETION_COMPLETED = "COMPLETED"
DELETION_FAILED = "FAILED"
DELETION_IN_FLIGHT = frozenset({DELETION_PENDING, DELETION_IN_PROGRESS})
# Quotas page: "Maximum number of pending data deletion jobs per dataset group: 5" [D]; whether
# IN_PROGRESS jobs count too is not documented [H]: they do here (stricter).
PENDING_DELETIONS_PER_GROUP = 5
DEFAULT_DELETION_FAILURE = "The input CSV file must have a USER_ID column."
DEFAULT_EXPORT_FAILURE = "Access Denied: the role cannot write to the output location."


@dataclass
class DataDeletionJob:
    arn: str
    name: str
    dataset_group_arn: str
    data_location: str
    role_arn: str
    created: datetime
    timeline: Timeline
    num_deleted: int | None


@dataclass
class DatasetExportJob:
    arn: str
    name: str
    dataset_arn: str
    ingestion_mode: str
    role_arn: str
    output_path: str
    kms_key_arn: str | None
    created: datetime
    timeline: Timeline


class DataJobsMixin:
    """CreateDataDeletionJob/Describe/List and CreateDatasetExportJob/Describe/List."""

    # Provided by PersonalizeSimulator.
    if TYPE_CHECKING:
        _groups: dict[str, DatasetGroup]
        _datasets: dict[str, Dataset]
        clock: Any
        durations: Any

        def _arn(self, resource: str) -> str: ...
        def _get(self, store: dict[str, Any], arn: str) -> Any: ...
        def _require_active(self, kind: str, arn: str, timeline: Timeline, doing: str) -> None: ...
        def _check_new_tags(self, req: Params) -> None: ...
        def _store_tags(self, arn: str, req: Params) -> None: ...
        def _common_view(
            self, name: str | None, created: datetime, timeline: Timeline
        ) -> Params: ...
        def _page(
            self, operation_name: str, key: str, items: list[Params], req: Params, *, scope: str
        ) -> Params: ...
        def _planned_failure(self, kind: str, keys: tuple[str, ...]) -> str | None: ...
        def _arm_failure(
            self, kind: str, target: str, reason: str, times: int, candidates: Any
        ) -> None: ...
        def _create_timeline(self, seconds: float, fail_reason: str | None) -> Timeline: ...

    def _init_data_jobs(self) -> None:
        self._deletions: dict[str, DataDeletionJob] = {}
        self._exports: dict[str, DatasetExportJob] = {}
        # Rows a deletion "found", by dataLocation: tests set it to see numDeleted.
        self.deletion_rows: dict[str, int] = {}

    def _data_job_stores(self) -> tuple[dict[str, Any], ...]:
        return (self._deletions, self._exports)

    # -- outcome control ----------------------------------------------------------------------

    def fail_data_deletion(
        self, target: str, reason: str = DEFAULT_DELETION_FAILURE, *, times: int = 1
    ) -> None:
        """The next `times` deletion jobs named `target` (or of dataset group `target`) fail."""
        candidates = [
            (job.timeline, (job.name, job.arn, job.dataset_group_arn))
            for job in self._deletions.values()
        ]
        self._arm_failure("data_deletion", target, reason, times, candidates)

    def fail_export(
        self, target: str, reason: str = DEFAULT_EXPORT_FAILURE, *, times: int = 1
    ) -> None:
        """The next `times` export jobs named `target` (or of dataset `target`) fail."""
        candidates = [
            (job.timeline, (job.name, job.arn, job.dataset_arn)) for job in self._exports.values()
        ]
        self._arm_failure("export", target, reason, times, candidates)

    # -- data deletion jobs -------------------------------------------------------------------

    @operation("CreateDataDeletionJob")
    def _create_data_deletion_job(self, req: Params) -> Params:
        name = req["jobName"]
        arn = self._arn(f"data-deletion-job/{name}")
        if arn in self._deletions:
            raise already_exists(f"Data deletion job {arn} already exists.")
        group = self._get(self._groups, req["datasetGroupArn"])
        self._require_active("Dataset group", group.arn, group.timeline, "deleting data")
        location = req["dataSource"].get("dataLocation")
        if not location:
            raise invalid_input("dataSource.dataLocation is required.")
        now = self.clock.now()
        pending = [
            job
            for job in self._deletions.values()
            if job.dataset_group_arn == group.arn and job.timeline.status(now) in DELETION_IN_FLIGHT
        ]
        if len(pending) >= PENDING_DELETIONS_PER_GROUP:
            raise limit_exceeded(
                f"More than {PENDING_DELETIONS_PER_GROUP} resources with PENDING or IN_PROGRESS "
                "status."
            )
        self._check_new_tags(req)
        reason = self._planned_failure("data_deletion", (name, arn, group.arn))
        seconds = self.durations.data_deletion
        first = min(self.durations.pending, seconds / 2)
        timeline = Timeline(
            phases=[
                (now, DELETION_PENDING),
                (now + timedelta(seconds=first), DELETION_IN_PROGRESS),
                (now + timedelta(seconds=seconds), DELETION_FAILED if reason else ACTIVE),
            ],
            failure_reason=reason,
        )
        self._deletions[arn] = DataDeletionJob(
            arn=arn,
            name=name,
            dataset_group_arn=group.arn,
            data_location=location,
            role_arn=req["roleArn"],
            created=now,
            timeline=timeline,
            num_deleted=self.deletion_rows.get(location),
        )
        self._store_tags(arn, req)
        return {"dataDeletionJobArn": arn}

    @operation("DescribeDataDeletionJob")
    def _describe_data_deletion_job(self, req: Params) -> Params:
        job: DataDeletionJob = self._get(self._deletions, req["dataDeletionJobArn"])
        view = self._deletion_view(job)
        view.update(dataSource={"dataLocation": job.data_location}, roleArn=job.role_arn)
        if view["status"] == DELETION_COMPLETED and job.num_deleted is not None:
            view["numDeleted"] = job.num_deleted
        return {"dataDeletionJob": view}

    @operation("ListDataDeletionJobs")
    def _list_data_deletion_jobs(self, req: Params) -> Params:
        scope = req.get("datasetGroupArn")
        views = [
            self._deletion_view(job)
            for job in self._deletions.values()
            if scope is None or job.dataset_group_arn == scope
        ]
        return self._page("ListDataDeletionJobs", "dataDeletionJobs", views, req, scope=scope or "")

    def _deletion_view(self, job: DataDeletionJob) -> Params:
        view = self._common_view(job.name, job.created, job.timeline)
        # The shared timeline ends in ACTIVE/CREATE FAILED; a deletion job says COMPLETED/FAILED.
        if view["status"] == ACTIVE:
            view["status"] = DELETION_COMPLETED
        if view["status"] == DELETION_FAILED and job.timeline.failure_reason:
            view["failureReason"] = job.timeline.failure_reason
        view["jobName"] = view.pop("name")
        view.update(dataDeletionJobArn=job.arn, datasetGroupArn=job.dataset_group_arn)
        return view

    # -- dataset export jobs ------------------------------------------------------------------

    @operation("CreateDatasetExportJob")
    def _create_dataset_export_job(self, req: Params) -> Params:
        name = req["jobName"]
        arn = self._arn(f"dataset-export-job/{name}")
        if arn in self._exports:
            raise already_exists(f"Dataset export job {arn} already exists.")
        dataset = self._get(self._datasets, req["datasetArn"])
        self._require_active("Dataset", dataset.arn, dataset.timeline, "exporting data")
        now = self.clock.now()
        for job in self._exports.values():
            if job.dataset_arn == dataset.arn and job.timeline.status(now) in (
                "CREATE PENDING",
                "CREATE IN_PROGRESS",
            ):
                # [H]: one export at a time per dataset, as for imports.
                raise in_use(
                    f"Dataset {dataset.arn} already has dataset export job {job.arn} in "
                    f"{job.timeline.status(now)} status."
                )
        self._check_new_tags(req)
        destination = req["jobOutput"]["s3DataDestination"]
        reason = self._planned_failure("export", (name, arn, dataset.arn))
        self._exports[arn] = DatasetExportJob(
            arn=arn,
            name=name,
            dataset_arn=dataset.arn,
            ingestion_mode=req.get("ingestionMode", "PUT"),
            role_arn=req["roleArn"],
            output_path=destination["path"],
            kms_key_arn=destination.get("kmsKeyArn"),
            created=now,
            timeline=self._create_timeline(self.durations.dataset_export, reason),
        )
        self._store_tags(arn, req)
        return {"datasetExportJobArn": arn}

    @operation("DescribeDatasetExportJob")
    def _describe_dataset_export_job(self, req: Params) -> Params:
        job: DatasetExportJob = self._get(self._exports, req["datasetExportJobArn"])
        view = self._export_view(job)
        destination: Params = {"path": job.output_path}
        if job.kms_key_arn:
            destination["kmsKeyArn"] = job.kms_key_arn
        view.update(
            datasetArn=job.dataset_arn,
            ingestionMode=job.ingestion_mode,
            roleArn=job.role_arn,
            jobOutput={"s3DataDestination": destination},
        )
        return {"datasetExportJob": view}

    @operation("ListDatasetExportJobs")
    def _list_dataset_export_jobs(self, req: Params) -> Params:
        scope = req.get("datasetArn")
        views = [
            self._export_view(job)
            for job in self._exports.values()
            if scope is None or job.dataset_arn == scope
        ]
        return self._page(
            "ListDatasetExportJobs", "datasetExportJobs", views, req, scope=scope or ""
        )

    def _export_view(self, job: DatasetExportJob) -> Params:
        view = self._common_view(job.name, job.created, job.timeline)
        view["jobName"] = view.pop("name")
        view["datasetExportJobArn"] = job.arn
        return view
