"""PersonalizeSimulator: a stateful, clock-driven fake of Amazon Personalize (API 2018-05-22).

Rules marked [H] in README.md are reasoned guesses where AWS documents that a call fails but not
with which error or text; everything else follows the botocore model and the developer guide.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .clock import Clock
from .data_jobs import DataJobsMixin
from .errors import (
    ServiceError,
    already_exists,
    in_use,
    invalid_input,
    limit_exceeded,
    not_found,
)
from .fake_service import FakeService, Params, operation, page
from .filtering import FilterExpressionError, parse_filter, referenced_fields
from .lifecycle import (
    ACTIVE,
    CREATE_FAILED,
    GONE,
    IN_FLIGHT_CREATE,
    INACTIVE,
    Durations,
    Timeline,
    new_timeline,
)
from .metric_attribution import MetricAttribution, MetricAttributionOperations
from .resources import (
    DATASET_TYPES,
    DOMAIN_RECIPES,
    RECIPE_PREFIX,
    REQUIRED_DOMAIN_FIELDS,
    TRAINED_STATUSES,
    Dataset,
    DatasetGroup,
    DatasetUpdate,
    EventTracker,
    Filter,
    ImportJob,
    Recommender,
    RecommenderUpdate,
    Schema,
    model_metrics,
)
from .solutions import SolutionOperations, SolutionStores

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

DEFAULT_IMPORT_FAILURE = "Input CSV is missing the following columns: [EVENT_TYPE]."
DEFAULT_RECOMMENDER_FAILURE = (
    "Create failed. Dataset has fewer than 25 users with at least 2 interactions each."
)
DEFAULT_UPDATE_FAILURE = (
    "Dataset has fewer than 1000 interactions after filtering by event type: Purchase"
)
DEFAULT_DATASET_GROUP_FAILURE = "Insufficient privileges to use the KMS key."
DEFAULT_DATASET_UPDATE_FAILURE = "An internal error occurred while updating the dataset schema."

RECOMMENDED_FOR_YOU = RECIPE_PREFIX + "aws-ecomm-recommended-for-you"

ECOMMERCE_INTERACTIONS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Interactions",
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "ITEM_ID", "type": "string"},
            {"name": "EVENT_TYPE", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
        ],
        "version": "1.0",
    },
    separators=(",", ":"),
)

# Only these datasets' schemas can be replaced (dev guide, "Replacing a dataset's schema").
REPLACEABLE_DATASET_TYPES = frozenset({"ITEMS", "USERS"})

MAX_TAGS = 200
DEFAULT_PAGE_SIZE = 100
_EXPLORATION_KEYS = ("explorationWeight", "explorationItemAgeCutOff")


@dataclass(frozen=True)
class Quotas:
    """Service quotas (dev guide, quotas page). Only the import-job limit is not adjustable."""

    dataset_groups_per_region: int = 5
    schemas_per_region: int = 500
    in_flight_import_jobs_per_region: int = 5
    recommenders_per_dataset_group: int = 5
    recommenders_per_region: int = 15
    # The current quotas page (30, adjustable); the 2023 table said 10.
    filters_per_dataset_group: int = 30
    in_flight_solution_versions_per_region: int = 20
    in_flight_batch_jobs_per_region: int = 5


@dataclass(frozen=True)
class ReadyDatasetGroup:
    """What `create_ready_dataset_group` built, all ACTIVE."""

    dataset_group_arn: str
    schema_arn: str
    dataset_arn: str
    import_job_arn: str


@dataclass
class _FailurePlan:
    kind: str
    target: str
    reason: str
    remaining: int


class _Timed(Protocol):
    timeline: Timeline


T = TypeVar("T", bound=_Timed)
R = TypeVar("R")


class PersonalizeSimulator(
    DataJobsMixin, MetricAttributionOperations, SolutionOperations, FakeService
):
    """An in-memory Amazon Personalize for one account and region; see README.md."""

    service_name = "personalize"

    def __init__(
        self,
        region: str = "us-east-1",
        account: str = "123456789012",
        *,
        clock: Clock | None = None,
        durations: Durations | None = None,
        quotas: Quotas | None = None,
    ) -> None:
        super().__init__(region=region, account=account, clock=clock)
        self.durations = durations or Durations()
        self.quotas = quotas or Quotas()
        self._groups: dict[str, DatasetGroup] = {}
        self._schemas: dict[str, Schema] = {}
        self._datasets: dict[str, Dataset] = {}
        self._imports: dict[str, ImportJob] = {}
        self._recommenders: dict[str, Recommender] = {}
        self._trackers: dict[str, EventTracker] = {}
        self._attributions: dict[str, MetricAttribution] = {}
        self._filters: dict[str, Filter] = {}
        self._tags: dict[str, dict[str, str]] = {}
        self._failure_plans: list[_FailurePlan] = []
        self._init_data_jobs()
        self._sol = SolutionStores()

    # -- clients and time ---------------------------------------------------------------------

    def client(self, **client_kwargs: Any) -> PersonalizeClient:
        """A new boto3 Personalize client (typed) with dummy credentials, already attached."""
        client: PersonalizeClient = super().client(**client_kwargs)
        return client

    def advance(self, seconds: float) -> datetime:
        return self.clock.advance(seconds)

    def settle(self) -> datetime:
        """Advance the clock until every transition under way has finished."""
        ends = [timeline.settles_at() for timeline in self._timelines()]
        if ends:
            self.clock.advance_to(max(ends))
        return self.clock.now()

    def status(self, arn: str) -> str | None:
        """The status of a resource right now, or None if it does not exist (or is deleted)."""
        stores = (
            self._groups,
            self._datasets,
            self._imports,
            self._recommenders,
            self._trackers,
            self._filters,
        )
        for store in (*stores, *self._data_job_stores(), *self._solution_stores()):
            resource = store.get(arn)
            if resource is not None:
                status = resource.timeline.status(self.clock.now())
                return None if status == GONE else status
        return "ACTIVE" if arn in self._schemas else None

    # -- outcome control ----------------------------------------------------------------------

    def fail_import(
        self, target: str, reason: str = DEFAULT_IMPORT_FAILURE, *, times: int = 1
    ) -> None:
        """The next `times` import jobs named `target`, or into dataset ARN `target`, fail.

        Jobs already under way count first; finished jobs are not affected.
        """
        candidates = [
            (job.timeline, (job.name, job.arn, job.dataset_arn)) for job in self._imports.values()
        ]
        self._arm_failure("import", target, reason, times, candidates)

    def fail_recommender(
        self, target: str, reason: str = DEFAULT_RECOMMENDER_FAILURE, *, times: int = 1
    ) -> None:
        """The next `times` creations of recommender `target` (name or ARN) end CREATE FAILED."""
        candidates = [(rec.timeline, (rec.name, rec.arn)) for rec in self._recommenders.values()]
        self._arm_failure("recommender", target, reason, times, candidates)

    def fail_next_update(self, target: str, reason: str = DEFAULT_UPDATE_FAILURE) -> None:
        """The update under way, or else the next one, of recommender `target` fails."""
        candidates = [
            (rec.update.timeline, (rec.name, rec.arn))
            for rec in self._recommenders.values()
            if rec.update is not None
        ]
        self._arm_failure("update", target, reason, 1, candidates)

    def fail_dataset_update(
        self, target: str, reason: str = DEFAULT_DATASET_UPDATE_FAILURE
    ) -> None:
        """The schema update under way, or else the next one, of dataset `target` fails.

        `target` is a dataset name or ARN. The dataset keeps its previous schema.
        """
        candidates = [
            (d.update.timeline, (d.name, d.arn))
            for d in self._datasets.values()
            if d.update is not None
        ]
        self._arm_failure("dataset_update", target, reason, 1, candidates)

    def fail_dataset_group(
        self, target: str, reason: str = DEFAULT_DATASET_GROUP_FAILURE, *, times: int = 1
    ) -> None:
        """The next `times` creations of dataset group `target` (name or ARN) fail."""
        candidates = [(group.timeline, (group.name, group.arn)) for group in self._groups.values()]
        self._arm_failure("dataset_group", target, reason, times, candidates)

    # -- setup helpers (not logged, never faulted) --------------------------------------------

    def create_ready_dataset_group(
        self,
        name: str = "sim-dsg",
        *,
        domain: str = "ECOMMERCE",
        schemas: Mapping[str, str] | None = None,
    ) -> ReadyDatasetGroup:
        """An ACTIVE dataset group with an ACTIVE Interactions dataset and one ACTIVE FULL import.

        `schemas` adds more ACTIVE datasets: dataset type ("Items", "Users") -> schema JSON.
        Advances the clock by as long as those creations take.
        """
        group_arn = self._invoke("CreateDatasetGroup", {"name": name, "domain": domain})[
            "datasetGroupArn"
        ]
        self._settle(self._groups[group_arn].timeline)
        schema_arn = self._invoke(
            "CreateSchema",
            {
                "name": f"{name}-interactions",
                "domain": domain,
                "schema": ECOMMERCE_INTERACTIONS_SCHEMA,
            },
        )["schemaArn"]
        dataset_arn = self._invoke(
            "CreateDataset",
            {
                "name": f"{name}-interactions",
                "datasetGroupArn": group_arn,
                "datasetType": "Interactions",
                "schemaArn": schema_arn,
            },
        )["datasetArn"]
        self._settle(self._datasets[dataset_arn].timeline)
        job_arn = self._invoke(
            "CreateDatasetImportJob",
            {
                "jobName": f"{name}-initial-import",
                "datasetArn": dataset_arn,
                "dataSource": {"dataLocation": f"s3://{name}-data/interactions.csv"},
                "roleArn": f"arn:aws:iam::{self.account}:role/{name}-personalize",
                "importMode": "FULL",
            },
        )["datasetImportJobArn"]
        self._settle(self._imports[job_arn].timeline)
        for dataset_type, body in (schemas or {}).items():
            extra_schema = self._invoke(
                "CreateSchema",
                {"name": f"{name}-{dataset_type.lower()}", "domain": domain, "schema": body},
            )["schemaArn"]
            extra = self._invoke(
                "CreateDataset",
                {
                    "name": f"{name}-{dataset_type.lower()}",
                    "datasetGroupArn": group_arn,
                    "datasetType": dataset_type,
                    "schemaArn": extra_schema,
                },
            )["datasetArn"]
            self._settle(self._datasets[extra].timeline)
        return ReadyDatasetGroup(group_arn, schema_arn, dataset_arn, job_arn)

    def create_ready_recommender(
        self,
        name: str = "sim-recommender",
        *,
        dataset_group_arn: str | None = None,
        recipe_arn: str = RECOMMENDED_FOR_YOU,
        config: Params | None = None,
    ) -> str:
        """An ACTIVE recommender (in a new ready dataset group unless one is given); its ARN."""
        if dataset_group_arn is None:
            dataset_group_arn = self.create_ready_dataset_group(f"{name}-dsg").dataset_group_arn
        request: Params = {
            "name": name,
            "datasetGroupArn": dataset_group_arn,
            "recipeArn": recipe_arn,
        }
        if config is not None:
            request["recommenderConfig"] = config
        arn: str = self._invoke("CreateRecommender", request)["recommenderArn"]
        self._settle(self._recommenders[arn].timeline)
        return arn

    # -- dataset groups -----------------------------------------------------------------------

    @operation("CreateDatasetGroup")
    def _create_dataset_group(self, req: Params) -> Params:
        name = req["name"]
        arn = self._arn(f"dataset-group/{name}")
        if arn in self._groups:
            raise already_exists(f"Dataset group {arn} already exists.")
        role_arn, kms_key_arn = req.get("roleArn"), req.get("kmsKeyArn")
        if role_arn and not kms_key_arn:
            raise invalid_input("roleArn is only valid when kmsKeyArn is also specified.")
        if kms_key_arn and not role_arn:
            raise invalid_input("kmsKeyArn requires a roleArn with permission to use the key.")
        self._check_new_tags(req)
        if len(self._groups) >= self.quotas.dataset_groups_per_region:
            raise limit_exceeded(
                f"The limit of {self.quotas.dataset_groups_per_region} dataset groups per "
                "region has been reached."
            )
        now = self.clock.now()
        reason = self._planned_failure("dataset_group", (name, arn))
        self._groups[arn] = DatasetGroup(
            arn=arn,
            name=name,
            domain=req.get("domain"),
            role_arn=role_arn,
            kms_key_arn=kms_key_arn,
            created=now,
            timeline=self._create_timeline(self.durations.dataset_group, reason),
        )
        self._store_tags(arn, req)
        response: Params = {"datasetGroupArn": arn}
        if req.get("domain"):
            response["domain"] = req["domain"]
        return response

    @operation("DescribeDatasetGroup")
    def _describe_dataset_group(self, req: Params) -> Params:
        group = self._get(self._groups, req["datasetGroupArn"])
        view = self._group_view(group)
        for key, value in (("roleArn", group.role_arn), ("kmsKeyArn", group.kms_key_arn)):
            if value:
                view[key] = value
        return {"datasetGroup": view}

    @operation("ListDatasetGroups")
    def _list_dataset_groups(self, req: Params) -> Params:
        views = [self._group_view(group) for group in self._groups.values()]
        return self._page("ListDatasetGroups", "datasetGroups", views, req, scope="")

    @operation("DeleteDatasetGroup")
    def _delete_dataset_group(self, req: Params) -> Params:
        group = self._get(self._groups, req["datasetGroupArn"])
        self._require_deletable("Dataset group", group.arn, group.timeline, (ACTIVE, CREATE_FAILED))
        children = [
            f"{len(found)} {kind}(s)"
            for kind, found in (
                ("dataset", [d for d in self._datasets.values() if d.group_arn == group.arn]),
                (
                    "recommender",
                    [r for r in self._recommenders.values() if r.group_arn == group.arn],
                ),
                ("event tracker", [t for t in self._trackers.values() if t.group_arn == group.arn]),
                ("filter", [f for f in self._filters.values() if f.group_arn == group.arn]),
                (
                    "solution",
                    [s for s in self._sol.solutions.values() if s.group_arn == group.arn],
                ),
            )
            if found
        ]
        if children:
            raise in_use(
                f"Dataset group {group.arn} still has {', '.join(children)}. Delete them (and "
                "wait for the deletes to finish) before deleting the dataset group."
            )
        self._begin_delete(group.timeline)
        return {}

    def _group_view(self, group: DatasetGroup) -> Params:
        view = self._common_view(group.name, group.created, group.timeline)
        view["datasetGroupArn"] = group.arn
        if group.domain:
            view["domain"] = group.domain
        return view

    # -- schemas ------------------------------------------------------------------------------

    @operation("CreateSchema")
    def _create_schema(self, req: Params) -> Params:
        name = req["name"]
        arn = self._arn(f"schema/{name}")
        if arn in self._schemas:
            raise already_exists(f"Schema {arn} already exists.")
        field_names = _schema_field_names(req["schema"])
        if len(self._schemas) >= self.quotas.schemas_per_region:
            raise limit_exceeded(
                f"The limit of {self.quotas.schemas_per_region} schemas per region has been "
                "reached."
            )
        self._schemas[arn] = Schema(
            arn=arn,
            name=name,
            body=req["schema"],
            domain=req.get("domain"),
            field_names=field_names,
            created=self.clock.now(),
        )
        return {"schemaArn": arn}

    @operation("DescribeSchema")
    def _describe_schema(self, req: Params) -> Params:
        schema = self._get(self._schemas, req["schemaArn"])
        view = self._schema_view(schema)
        view["schema"] = schema.body
        return {"schema": view}

    @operation("ListSchemas")
    def _list_schemas(self, req: Params) -> Params:
        views = [self._schema_view(schema) for schema in self._schemas.values()]
        return self._page("ListSchemas", "schemas", views, req, scope="")

    @operation("DeleteSchema")
    def _delete_schema(self, req: Params) -> Params:
        arn = self._get(self._schemas, req["schemaArn"]).arn
        now = self.clock.now()
        users = [
            d.arn
            for d in self._datasets.values()
            if arn == d.schema_at(now)
            or (d.update is not None and d.update_in_flight(now) and d.update.schema_arn == arn)
        ]
        if users:
            raise in_use(f"Schema {arn} is used by dataset(s) {', '.join(users)}.")
        # Schemas have no status: the delete takes effect at once.
        del self._schemas[arn]
        return {}

    @staticmethod
    def _schema_view(schema: Schema) -> Params:
        view: Params = {
            "name": schema.name,
            "schemaArn": schema.arn,
            "creationDateTime": schema.created,
            "lastUpdatedDateTime": schema.created,
        }
        if schema.domain:
            view["domain"] = schema.domain
        return view

    # -- datasets -----------------------------------------------------------------------------

    @operation("CreateDataset")
    def _create_dataset(self, req: Params) -> Params:
        group = self._get(self._groups, req["datasetGroupArn"])
        schema = self._get(self._schemas, req["schemaArn"])
        dataset_type = req["datasetType"].upper()
        if dataset_type not in DATASET_TYPES:
            raise invalid_input(
                f"Invalid datasetType {req['datasetType']}. Valid values (case insensitive): "
                "Interactions, Items, Users, Actions, Action_Interactions."
            )
        self._require_active("Dataset group", group.arn, group.timeline, "adding datasets")
        arn = self._arn(f"dataset/{group.name}/{dataset_type}")
        if arn in self._datasets:
            raise already_exists(
                f"Dataset group {group.arn} already has a dataset of type {dataset_type}: {arn}."
            )
        if schema.domain != group.domain:
            raise invalid_input(
                f"Schema {schema.arn} has domain {schema.domain or 'none (custom)'} but dataset "
                f"group {group.arn} has domain {group.domain or 'none (custom)'}; they must match."
            )
        required = REQUIRED_DOMAIN_FIELDS.get((group.domain or "", dataset_type), ())
        missing = [name for name in required if name not in schema.field_names]
        if missing:
            raise invalid_input(
                f"Schema {schema.arn} is missing the fields a {group.domain} {dataset_type} "
                f"dataset requires: [{', '.join(missing)}]."
            )
        self._check_new_tags(req)
        self._datasets[arn] = Dataset(
            arn=arn,
            name=req["name"],
            dataset_type=dataset_type,
            group_arn=group.arn,
            base_schema_arn=schema.arn,
            created=self.clock.now(),
            timeline=self._create_timeline(self.durations.dataset, None),
        )
        self._store_tags(arn, req)
        return {"datasetArn": arn}

    @operation("DescribeDataset")
    def _describe_dataset(self, req: Params) -> Params:
        dataset = self._get(self._datasets, req["datasetArn"])
        view = self._dataset_view(dataset)
        now = self.clock.now()
        view.update(datasetGroupArn=dataset.group_arn, schemaArn=dataset.schema_at(now))
        if dataset.update is not None:
            update = dataset.update
            summary = self._common_view(None, update.created, update.timeline)
            summary["schemaArn"] = update.schema_arn
            view["latestDatasetUpdate"] = summary
        return {"dataset": view}

    @operation("UpdateDataset")
    def _update_dataset(self, req: Params) -> Params:
        dataset = self._get(self._datasets, req["datasetArn"])
        schema = self._get(self._schemas, req["schemaArn"])
        now = self.clock.now()
        if dataset.update_in_flight(now):
            assert dataset.update is not None
            raise in_use(
                f"Dataset {dataset.arn} has a schema update in "
                f"{dataset.update.timeline.status(now)} status. Wait for it to finish."
            )
        self._require_active("Dataset", dataset.arn, dataset.timeline, "updating it")
        if dataset.dataset_type not in REPLACEABLE_DATASET_TYPES:
            raise invalid_input(
                f"The schema of a dataset of type {dataset.dataset_type} cannot be replaced; "
                "only Items and Users datasets can be updated."
            )
        group = self._groups[dataset.group_arn]
        if schema.domain != group.domain:
            raise invalid_input(
                f"Schema {schema.arn} has domain {schema.domain or 'none (custom)'} but dataset "
                f"{dataset.arn} has domain {group.domain or 'none (custom)'}; they must match."
            )
        previous = self._schemas[dataset.schema_at(now)]
        problem = _replacement_problem(previous.body, schema.body)
        if problem:
            raise invalid_input(f"Schema {schema.arn} cannot replace {previous.arn}: {problem}")
        dataset.base_schema_arn = previous.arn
        reason = self._planned_failure("dataset_update", (dataset.name, dataset.arn))
        dataset.update = DatasetUpdate(
            schema_arn=schema.arn,
            created=now,
            timeline=self._create_timeline(self.durations.dataset_update, reason),
        )
        return {"datasetArn": dataset.arn}

    @operation("ListDatasets")
    def _list_datasets(self, req: Params) -> Params:
        scope = req.get("datasetGroupArn")
        views = [
            self._dataset_view(d)
            for d in self._datasets.values()
            if scope is None or d.group_arn == scope
        ]
        return self._page("ListDatasets", "datasets", views, req, scope=scope or "")

    @operation("DeleteDataset")
    def _delete_dataset(self, req: Params) -> Params:
        dataset = self._get(self._datasets, req["datasetArn"])
        self._require_deletable("Dataset", dataset.arn, dataset.timeline, (ACTIVE, CREATE_FAILED))
        now = self.clock.now()
        for job in self._imports.values():
            if job.dataset_arn == dataset.arn and job.timeline.status(now) in IN_FLIGHT_CREATE:
                raise in_use(
                    f"Dataset {dataset.arn} has dataset import job {job.arn} in "
                    f"{job.timeline.status(now)} status. Wait for it to finish; import jobs "
                    "cannot be stopped."
                )
        for rec in self._recommenders.values():
            if rec.group_arn == dataset.group_arn and rec.timeline.status(now) in IN_FLIGHT_CREATE:
                raise in_use(
                    f"Recommender {rec.arn} is in {rec.timeline.status(now)} status and is "
                    f"training on dataset {dataset.arn}. Wait for it to finish."
                )
        self._begin_delete(dataset.timeline)
        return {}

    def _dataset_view(self, dataset: Dataset) -> Params:
        view = self._common_view(dataset.name, dataset.created, dataset.timeline)
        view.update(datasetArn=dataset.arn, datasetType=dataset.dataset_type)
        view.pop("failureReason", None)
        return view

    # -- dataset import jobs ------------------------------------------------------------------

    @operation("CreateDatasetImportJob")
    def _create_dataset_import_job(self, req: Params) -> Params:
        name = req["jobName"]
        arn = self._arn(f"dataset-import-job/{name}")
        if arn in self._imports:
            raise already_exists(f"Dataset import job {arn} already exists.")
        dataset = self._get(self._datasets, req["datasetArn"])
        self._require_active("Dataset", dataset.arn, dataset.timeline, "importing data")
        now = self.clock.now()
        into_dataset = [job for job in self._imports.values() if job.dataset_arn == dataset.arn]
        for job in into_dataset:
            if job.timeline.status(now) in IN_FLIGHT_CREATE:
                raise in_use(
                    f"Dataset {dataset.arn} already has dataset import job {job.arn} in "
                    f"{job.timeline.status(now)} status."
                )
        mode = req.get("importMode", "FULL")
        if mode == "INCREMENTAL" and not any(
            job.import_mode == "FULL" and job.timeline.status(now) == ACTIVE for job in into_dataset
        ):
            raise invalid_input(
                f"importMode INCREMENTAL requires a previous successful bulk import into dataset "
                f"{dataset.arn}. Use importMode FULL for the first import into a dataset."
            )
        in_flight = [
            j for j in self._imports.values() if j.timeline.status(now) in IN_FLIGHT_CREATE
        ]
        limit = self.quotas.in_flight_import_jobs_per_region
        if len(in_flight) >= limit:
            raise limit_exceeded(f"More than {limit} resources with PENDING or IN_PROGRESS status.")
        self._check_new_tags(req)
        reason = self._planned_failure("import", (name, arn, dataset.arn))
        self._imports[arn] = ImportJob(
            arn=arn,
            name=name,
            dataset_arn=dataset.arn,
            data_location=req["dataSource"].get("dataLocation", ""),
            role_arn=req.get("roleArn"),
            import_mode=mode,
            publish_metrics=req.get("publishAttributionMetricsToS3", False),
            created=now,
            timeline=self._create_timeline(self.durations.import_job, reason),
        )
        self._store_tags(arn, req)
        return {"datasetImportJobArn": arn}

    @operation("DescribeDatasetImportJob")
    def _describe_dataset_import_job(self, req: Params) -> Params:
        job = self._get(self._imports, req["datasetImportJobArn"])
        view = self._import_view(job)
        view.update(
            datasetArn=job.dataset_arn,
            dataSource={"dataLocation": job.data_location},
            publishAttributionMetricsToS3=job.publish_metrics,
        )
        if job.role_arn:
            view["roleArn"] = job.role_arn
        return {"datasetImportJob": view}

    @operation("ListDatasetImportJobs")
    def _list_dataset_import_jobs(self, req: Params) -> Params:
        scope = req.get("datasetArn")
        views = [
            self._import_view(job)
            for job in self._imports.values()
            if scope is None or job.dataset_arn == scope
        ]
        return self._page(
            "ListDatasetImportJobs", "datasetImportJobs", views, req, scope=scope or ""
        )

    def _import_view(self, job: ImportJob) -> Params:
        view = self._common_view(job.name, job.created, job.timeline)
        view["jobName"] = view.pop("name")
        view.update(datasetImportJobArn=job.arn, importMode=job.import_mode)
        return view

    # -- recommenders -------------------------------------------------------------------------

    @operation("CreateRecommender")
    def _create_recommender(self, req: Params) -> Params:
        name = req["name"]
        arn = self._arn(f"recommender/{name}")
        if arn in self._recommenders:
            raise already_exists(f"Recommender {arn} already exists.")
        group = self._get(self._groups, req["datasetGroupArn"])
        recipe_arn = req["recipeArn"]
        if group.domain is None:
            raise invalid_input(
                "Please use a domains-specific Dataset Group to create the Recommender"
            )
        if recipe_arn not in DOMAIN_RECIPES[group.domain]:
            if any(recipe_arn in recipes for recipes in DOMAIN_RECIPES.values()):
                raise invalid_input(
                    f"Recipe {recipe_arn} is not a use case of the {group.domain} domain of "
                    f"dataset group {group.arn}."
                )
            raise not_found(recipe_arn)
        self._require_active("Dataset group", group.arn, group.timeline, "creating recommenders")
        config = req.get("recommenderConfig", {})
        self._check_recommender_config(config)
        self._require_interactions(group)
        in_group = [r for r in self._recommenders.values() if r.group_arn == group.arn]
        if len(in_group) >= self.quotas.recommenders_per_dataset_group:
            raise limit_exceeded(
                f"The limit of {self.quotas.recommenders_per_dataset_group} recommenders per "
                f"dataset group has been reached for {group.arn}."
            )
        if len(self._recommenders) >= self.quotas.recommenders_per_region:
            raise limit_exceeded(
                f"The limit of {self.quotas.recommenders_per_region} recommenders per region "
                "has been reached."
            )
        self._check_new_tags(req)
        reason = self._planned_failure("recommender", (name, arn))
        self._recommenders[arn] = Recommender(
            arn=arn,
            name=name,
            group_arn=group.arn,
            recipe_arn=recipe_arn,
            base_config=_with_defaults(config),
            created=self.clock.now(),
            timeline=self._create_timeline(self.durations.recommender_create, reason),
        )
        self._store_tags(arn, req)
        return {"recommenderArn": arn}

    @operation("DescribeRecommender")
    def _describe_recommender(self, req: Params) -> Params:
        rec = self._get(self._recommenders, req["recommenderArn"])
        now = self.clock.now()
        view = self._recommender_view(rec)
        if rec.timeline.status(now) in TRAINED_STATUSES:
            view["modelMetrics"] = model_metrics(rec.name, rec.recipe_arn)
        if rec.update is not None:
            update = self._common_view(None, rec.update.created, rec.update.timeline)
            update["recommenderConfig"] = copy.deepcopy(rec.update.config)
            view["latestRecommenderUpdate"] = update
        return {"recommender": view}

    @operation("ListRecommenders")
    def _list_recommenders(self, req: Params) -> Params:
        scope = req.get("datasetGroupArn")
        views = [
            self._recommender_view(rec)
            for rec in self._recommenders.values()
            if scope is None or rec.group_arn == scope
        ]
        for view in views:
            view.pop("failureReason", None)
        return self._page("ListRecommenders", "recommenders", views, req, scope=scope or "")

    @operation("UpdateRecommender")
    def _update_recommender(self, req: Params) -> Params:
        rec = self._get(self._recommenders, req["recommenderArn"])
        now = self.clock.now()
        self._require_no_update(rec, "updating again")
        self._require_active("Recommender", rec.arn, rec.timeline, "updating it")
        self._check_recommender_config(req["recommenderConfig"])
        rec.base_config = rec.config_at(now)
        reason = self._planned_failure("update", (rec.name, rec.arn))
        rec.update = RecommenderUpdate(
            config=_with_defaults(req["recommenderConfig"]),
            created=now,
            timeline=self._create_timeline(self.durations.recommender_update, reason),
        )
        return {"recommenderArn": rec.arn}

    @operation("StopRecommender")
    def _stop_recommender(self, req: Params) -> Params:
        rec = self._get(self._recommenders, req["recommenderArn"])
        self._require_no_update(rec, "stopping it")
        self._require_active("Recommender", rec.arn, rec.timeline, "stopping it")
        rec.timeline.begin(
            self.clock.now(),
            "STOP",
            self.durations.recommender_stop,
            self.durations.pending,
            INACTIVE,
        )
        return {"recommenderArn": rec.arn}

    @operation("StartRecommender")
    def _start_recommender(self, req: Params) -> Params:
        rec = self._get(self._recommenders, req["recommenderArn"])
        status = rec.timeline.status(self.clock.now())
        if status != INACTIVE:
            raise in_use(
                f"Recommender {rec.arn} is in {status} status; only INACTIVE recommenders can "
                "be started."
            )
        rec.timeline.begin(
            self.clock.now(),
            "START",
            self.durations.recommender_start,
            self.durations.pending,
            ACTIVE,
        )
        return {"recommenderArn": rec.arn}

    @operation("DeleteRecommender")
    def _delete_recommender(self, req: Params) -> Params:
        rec = self._get(self._recommenders, req["recommenderArn"])
        self._require_no_update(rec, "deleting it")
        self._require_deletable(
            "Recommender", rec.arn, rec.timeline, (ACTIVE, CREATE_FAILED, INACTIVE)
        )
        self._begin_delete(rec.timeline)
        return {}

    def _recommender_view(self, rec: Recommender) -> Params:
        view = self._common_view(rec.name, rec.created, rec.timeline)
        view.update(
            recommenderArn=rec.arn,
            datasetGroupArn=rec.group_arn,
            recipeArn=rec.recipe_arn,
            recommenderConfig=copy.deepcopy(rec.config_at(self.clock.now())),
        )
        return view

    def _require_no_update(self, rec: Recommender, doing: str) -> None:
        now = self.clock.now()
        if rec.update is not None and rec.update_in_flight(now):
            raise in_use(
                f"Recommender {rec.arn} has an update in {rec.update.timeline.status(now)} "
                f"status. Wait for it to finish before {doing}."
            )

    def _check_recommender_config(self, config: Params) -> None:
        # Whether exploration settings are refused for use cases without exploration is
        # undocumented, so they are accepted there (and validated the same way).
        exploration: dict[str, str] = config.get("itemExplorationConfig", {})
        unknown = sorted(set(exploration) - set(_EXPLORATION_KEYS))
        if unknown:
            raise invalid_input(
                f"itemExplorationConfig has unsupported keys {unknown}; supported keys are "
                f"{', '.join(_EXPLORATION_KEYS)}."
            )
        if "explorationWeight" in exploration:
            weight = _decimal(exploration["explorationWeight"])
            if weight is None or not Decimal(0) <= weight <= Decimal(1):
                raise invalid_input(
                    "explorationWeight must be a decimal between 0 and 1 inclusive, given as a "
                    f"string; got {exploration['explorationWeight']!r}."
                )
        if "explorationItemAgeCutOff" in exploration:
            cutoff = _decimal(exploration["explorationItemAgeCutOff"])
            if cutoff is None or cutoff < 1:
                raise invalid_input(
                    "explorationItemAgeCutOff must be a number of days of at least 1, given as a "
                    f"string; got {exploration['explorationItemAgeCutOff']!r}."
                )
        training = config.get("trainingDataConfig", {})
        for key in ("excludedDatasetColumns", "includedDatasetColumns"):
            for dataset_type, columns in training.get(key, {}).items():
                if dataset_type.upper() not in DATASET_TYPES:
                    raise invalid_input(
                        f"trainingDataConfig.{key} has an unknown dataset type {dataset_type!r}."
                    )
                if key == "excludedDatasetColumns" and "EVENT_TYPE" in columns:
                    raise invalid_input("EVENT_TYPE cannot be excluded from training.")

    def _require_interactions(self, group: DatasetGroup) -> None:
        now = self.clock.now()
        dataset_arn = self._arn(f"dataset/{group.name}/INTERACTIONS")
        statuses = [
            j.timeline.status(now) for j in self._imports.values() if j.dataset_arn == dataset_arn
        ]
        if ACTIVE in statuses:
            return
        if any(status in IN_FLIGHT_CREATE for status in statuses):
            raise in_use(
                f"The Interactions dataset of {group.arn} has an import job in progress. Create "
                "the recommender once the import is ACTIVE."
            )
        raise invalid_input(
            f"Dataset group {group.arn} has no imported interactions. Create an Interactions "
            "dataset and complete a dataset import job before creating a recommender."
        )

    # -- event trackers -----------------------------------------------------------------------

    @operation("CreateEventTracker")
    def _create_event_tracker(self, req: Params) -> Params:
        group = self._get(self._groups, req["datasetGroupArn"])
        self._require_active("Dataset group", group.arn, group.timeline, "adding an event tracker")
        existing = [t.arn for t in self._trackers.values() if t.group_arn == group.arn]
        if existing:
            raise already_exists(
                f"Dataset group {group.arn} already has event tracker {existing[0]}; a dataset "
                "group can have only one."
            )
        self._check_new_tags(req)
        seed = f"{group.arn}/{req['name']}/{len(self._trackers)}/{self.clock.now().isoformat()}"
        arn = self._arn(f"event-tracker/{hashlib.sha256(seed.encode()).hexdigest()[:8]}")
        tracking_id = str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
        self._trackers[arn] = EventTracker(
            arn=arn,
            name=req["name"],
            group_arn=group.arn,
            tracking_id=tracking_id,
            created=self.clock.now(),
            timeline=self._create_timeline(self.durations.event_tracker, None),
        )
        self._store_tags(arn, req)
        return {"eventTrackerArn": arn, "trackingId": tracking_id}

    @operation("DescribeEventTracker")
    def _describe_event_tracker(self, req: Params) -> Params:
        tracker = self._get(self._trackers, req["eventTrackerArn"])
        view = self._tracker_view(tracker)
        view.update(
            accountId=self.account,
            trackingId=tracker.tracking_id,
            datasetGroupArn=tracker.group_arn,
        )
        return {"eventTracker": view}

    @operation("ListEventTrackers")
    def _list_event_trackers(self, req: Params) -> Params:
        scope = req.get("datasetGroupArn")
        views = [
            self._tracker_view(t)
            for t in self._trackers.values()
            if scope is None or t.group_arn == scope
        ]
        return self._page("ListEventTrackers", "eventTrackers", views, req, scope=scope or "")

    @operation("DeleteEventTracker")
    def _delete_event_tracker(self, req: Params) -> Params:
        tracker = self._get(self._trackers, req["eventTrackerArn"])
        self._require_deletable(
            "Event tracker", tracker.arn, tracker.timeline, (ACTIVE, CREATE_FAILED)
        )
        self._begin_delete(tracker.timeline)
        return {}

    def _tracker_view(self, tracker: EventTracker) -> Params:
        view = self._common_view(tracker.name, tracker.created, tracker.timeline)
        view["eventTrackerArn"] = tracker.arn
        view.pop("failureReason", None)
        return view

    # -- filters ------------------------------------------------------------------------------

    @operation("CreateFilter")
    def _create_filter(self, req: Params) -> Params:
        name = req["name"]
        arn = self._arn(f"filter/{name}")
        if arn in self._filters:
            raise already_exists(f"Filter {arn} already exists.")
        group = self._get(self._groups, req["datasetGroupArn"])
        status = group.timeline.status(self.clock.now())
        if status != ACTIVE:
            # [H] CreateFilter models no ResourceInUse.
            raise invalid_input(f"Dataset group {group.arn} is in {status} status, not ACTIVE.")
        self._check_filter_expression(group, req["filterExpression"])
        in_group = [f for f in self._filters.values() if f.group_arn == group.arn]
        if len(in_group) >= self.quotas.filters_per_dataset_group:
            raise limit_exceeded(
                f"The limit of {self.quotas.filters_per_dataset_group} filters per dataset group "
                f"has been reached for {group.arn}."
            )
        self._check_new_tags(req)
        self._filters[arn] = Filter(
            arn=arn,
            name=name,
            group_arn=group.arn,
            expression=req["filterExpression"],
            created=self.clock.now(),
            timeline=self._create_timeline(self.durations.filter, None),
        )
        self._store_tags(arn, req)
        return {"filterArn": arn}

    @operation("DescribeFilter")
    def _describe_filter(self, req: Params) -> Params:
        found = self._get(self._filters, req["filterArn"])
        view = self._filter_view(found)
        view["filterExpression"] = found.expression
        return {"filter": view}

    @operation("ListFilters")
    def _list_filters(self, req: Params) -> Params:
        scope = req.get("datasetGroupArn")
        views = [
            self._filter_view(f)
            for f in self._filters.values()
            if scope is None or f.group_arn == scope
        ]
        # The model spells this list's key with a capital F.
        return self._page("ListFilters", "Filters", views, req, scope=scope or "")

    @operation("DeleteFilter")
    def _delete_filter(self, req: Params) -> Params:
        found = self._get(self._filters, req["filterArn"])
        self._require_deletable("Filter", found.arn, found.timeline, (ACTIVE, CREATE_FAILED))
        self._begin_delete(found.timeline)
        return {}

    def _filter_view(self, found: Filter) -> Params:
        view = self._common_view(found.name, found.created, found.timeline)
        view.update(filterArn=found.arn, datasetGroupArn=found.group_arn)
        return view

    def _check_filter_expression(self, group: DatasetGroup, expression: str) -> None:
        """[D] a malformed expression, or [H code] one naming a field that no dataset of the
        group has, is refused with InvalidInput."""
        try:
            parts = parse_filter(expression)
        except FilterExpressionError as error:
            raise invalid_input(f"Invalid filter expression: {error}") from None
        now = self.clock.now()
        fields: dict[str, tuple[str, ...]] = {}
        for dataset in self._datasets.values():
            if dataset.group_arn == group.arn and dataset.timeline.status(now) == ACTIVE:
                schema = self._schemas.get(dataset.schema_at(now))
                fields[dataset.dataset_type.title()] = schema.field_names if schema else ()
        for scope, name in sorted(referenced_fields(parts)):
            if scope not in fields:
                raise invalid_input(
                    f"Invalid filter expression: dataset group {group.arn} has no {scope} dataset."
                )
            if name not in fields[scope]:
                raise invalid_input(
                    f"Invalid filter expression: the {scope} dataset has no field {name}."
                )

    # -- tags ---------------------------------------------------------------------------------

    @operation("TagResource")
    def _tag_resource(self, req: Params) -> Params:
        arn = req["resourceArn"]
        self._require_exists(arn)
        merged = {**self._tags.get(arn, {}), **_tag_dict(req["tags"])}
        if len(merged) > MAX_TAGS:
            raise ServiceError(
                "TooManyTagsException", f"A resource can have at most {MAX_TAGS} tags."
            )
        self._tags[arn] = merged
        return {}

    @operation("UntagResource")
    def _untag_resource(self, req: Params) -> Params:
        arn = req["resourceArn"]
        self._require_exists(arn)
        for key in req["tagKeys"]:
            self._tags.get(arn, {}).pop(key, None)
        return {}

    @operation("ListTagsForResource")
    def _list_tags_for_resource(self, req: Params) -> Params:
        arn = req["resourceArn"]
        self._require_exists(arn)
        tags = self._tags.get(arn, {})
        return {"tags": [{"tagKey": key, "tagValue": value} for key, value in tags.items()]}

    def _check_new_tags(self, req: Params) -> None:
        if len(req.get("tags", [])) > MAX_TAGS:
            raise ServiceError(
                "TooManyTagsException", f"A resource can have at most {MAX_TAGS} tags."
            )

    def _store_tags(self, arn: str, req: Params) -> None:
        if req.get("tags"):
            self._tags[arn] = _tag_dict(req["tags"])

    def _require_exists(self, arn: str) -> None:
        stores: tuple[dict[str, Any], ...] = (
            self._groups,
            self._schemas,
            self._datasets,
            self._imports,
            self._recommenders,
            self._trackers,
            self._attributions,
            self._filters,
            *self._solution_stores(),
        )
        if not any(arn in store for store in (*stores, *self._data_job_stores())):
            raise not_found(arn)

    # -- shared machinery ---------------------------------------------------------------------

    def _before_dispatch(self) -> None:
        now = self.clock.now()
        self._solutions_tick(now)
        self._purge(self._recommenders, now)
        self._purge(self._trackers, now)
        self._purge(self._attributions, now)
        self._purge(self._filters, now)
        self._purge(self._datasets, now)
        self._purge(self._groups, now)
        orphans = [
            arn for arn, job in self._imports.items() if job.dataset_arn not in self._datasets
        ]
        for arn in orphans:
            # Import jobs cannot be deleted; they go with their dataset.
            del self._imports[arn]
            self._tags.pop(arn, None)
        # Deletion and export jobs cannot be deleted either; they go with their group or dataset.
        for store, parent, owners in (
            (self._deletions, "dataset_group_arn", self._groups),
            (self._exports, "dataset_arn", self._datasets),
        ):
            for arn in [a for a, job in store.items() if getattr(job, parent) not in owners]:
                del store[arn]
                self._tags.pop(arn, None)

    def _purge(self, store: dict[str, T], now: datetime) -> None:
        for arn in [arn for arn, res in store.items() if res.timeline.status(now) == GONE]:
            del store[arn]
            self._tags.pop(arn, None)

    def _timelines(self) -> Iterable[Timeline]:
        for group in self._groups.values():
            yield group.timeline
        for dataset in self._datasets.values():
            yield dataset.timeline
            if dataset.update is not None:
                yield dataset.update.timeline
        for job in self._imports.values():
            yield job.timeline
        for rec in self._recommenders.values():
            yield rec.timeline
            if rec.update is not None:
                yield rec.update.timeline
        for tracker in self._trackers.values():
            yield tracker.timeline
        for store in self._data_job_stores():
            for job in store.values():
                yield job.timeline
        for attribution in self._attributions.values():
            yield attribution.timeline
        for found in self._filters.values():
            yield found.timeline
        yield from self._solution_timelines()

    def _settle(self, timeline: Timeline) -> None:
        self.clock.advance_to(timeline.settles_at())

    def _arn(self, resource: str) -> str:
        if self.region.startswith("cn-"):
            partition = "aws-cn"
        elif self.region.startswith("us-gov-"):
            partition = "aws-us-gov"
        else:
            partition = "aws"
        return f"arn:{partition}:personalize:{self.region}:{self.account}:{resource}"

    @staticmethod
    def _get(store: dict[str, R], arn: str) -> R:
        resource = store.get(arn)
        if resource is None:
            raise not_found(arn)
        return resource

    def _create_timeline(self, seconds: float, fail_reason: str | None) -> Timeline:
        return new_timeline(
            self.clock.now(), seconds, self.durations.pending, fail_reason=fail_reason
        )

    def _begin_delete(self, timeline: Timeline) -> None:
        timeline.begin(
            self.clock.now(), "DELETE", self.durations.delete, self.durations.pending, GONE
        )

    def _require_active(self, kind: str, arn: str, timeline: Timeline, doing: str) -> None:
        status = timeline.status(self.clock.now())
        if status != ACTIVE:
            raise in_use(f"{kind} {arn} is in {status} status; it must be ACTIVE before {doing}.")

    def _require_deletable(
        self, kind: str, arn: str, timeline: Timeline, allowed: tuple[str, ...]
    ) -> None:
        status = timeline.status(self.clock.now())
        if status not in allowed:
            raise in_use(
                f"{kind} {arn} is in {status} status and cannot be deleted; only "
                f"{', '.join(allowed)} resources can be deleted."
            )

    def _common_view(self, name: str | None, created: datetime, timeline: Timeline) -> Params:
        now = self.clock.now()
        status = timeline.status(now)
        view: Params = {
            "status": status,
            "creationDateTime": created,
            "lastUpdatedDateTime": timeline.since(now),
        }
        if name is not None:
            view["name"] = name
        if status == CREATE_FAILED and timeline.failure_reason:
            view["failureReason"] = timeline.failure_reason
        return view

    def _page(
        self, operation_name: str, key: str, items: list[Params], req: Params, *, scope: str
    ) -> Params:
        return page(
            items,
            req,
            key=key,
            size=req.get("maxResults", DEFAULT_PAGE_SIZE),
            scope=f"{operation_name}/{scope}",
            invalid_token=lambda _: ServiceError(
                "InvalidNextTokenException", "The next token is not valid."
            ),
        )

    def _planned_failure(self, kind: str, keys: tuple[str, ...]) -> str | None:
        for plan in self._failure_plans:
            if plan.kind == kind and plan.target in keys and plan.remaining > 0:
                plan.remaining -= 1
                self._failure_plans = [p for p in self._failure_plans if p.remaining > 0]
                return plan.reason
        return None

    def _arm_failure(
        self,
        kind: str,
        target: str,
        reason: str,
        times: int,
        candidates: Sequence[tuple[Timeline, tuple[str, ...]]],
    ) -> None:
        if times < 1:
            raise ValueError("times must be at least 1.")
        remaining = times
        now = self.clock.now()
        for timeline, keys in candidates:
            if remaining and target in keys and timeline.fail_pending_outcome(now, reason):
                remaining -= 1
        if remaining:
            self._failure_plans.append(_FailurePlan(kind, target, reason, remaining))


def _replacement_problem(previous: str, replacement: str) -> str | None:
    """Why Personalize refuses `replacement` as the new schema of a dataset on `previous`.

    Dev guide, "Replacing a dataset's schema": keep every field with its type and attributes;
    every new field must support null.
    """
    old = {f["name"]: f for f in json.loads(previous)["fields"]}
    new = {f["name"]: f for f in json.loads(replacement)["fields"]}
    for name, field in old.items():
        if name not in new:
            return f"field {name} of the current schema is missing."
        if _definition(new[name]) != _definition(field):
            return f"field {name} changed its type or attributes."
    for name, field in new.items():
        types = field["type"] if isinstance(field["type"], list) else [field["type"]]
        if name not in old and "null" not in types:
            return f"new field {name} must support null data."
    return None


def _definition(field: Params) -> Params:
    return {k: v for k, v in field.items() if k not in ("doc", "default")}


def _schema_field_names(text: str) -> tuple[str, ...]:
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise invalid_input(f"The schema is not valid JSON: {exc.msg}.") from None
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if (
        not isinstance(schema, dict)
        or schema.get("type") != "record"
        or not isinstance(fields, list)
    ):
        raise invalid_input(
            'The schema must be an Avro record: {"type": "record", "fields": [...]}.'
        )
    names = []
    for field in fields:
        if (
            not isinstance(field, dict)
            or not isinstance(field.get("name"), str)
            or "type" not in field
        ):
            raise invalid_input(
                f"Invalid schema field {field!r}: each field needs a name and a type."
            )
        names.append(field["name"])
    return tuple(names)


def _with_defaults(config: Params) -> Params:
    # DescribeRecommender reports the documented default when none was given [H].
    filled = copy.deepcopy(config)
    filled.setdefault("minRecommendationRequestsPerSecond", 1)
    return filled


def _decimal(text: str) -> Decimal | None:
    if text != text.strip():
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _tag_dict(tags: list[Params]) -> dict[str, str]:
    return {tag["tagKey"]: tag["tagValue"] for tag in tags}
