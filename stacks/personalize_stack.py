"""One environment of the shop's Personalize setup."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import CfnElement, CfnOutput, Duration, RemovalPolicy, Stack
from constructs import Construct

from personalize_constructs.batch_schedule import BatchSchedule
from personalize_constructs.batch_solution import BatchSolution, grant_solution_management
from personalize_constructs.data_bucket import DataBucket
from personalize_constructs.dataset_files import DatasetFiles
from personalize_constructs.dataset_group import ShopDatasetGroup
from personalize_constructs.dataset_import import DatasetImport, grant_import_management
from personalize_constructs.dataset_schema import DatasetSchemaUpdate, grant_schema_updates
from personalize_constructs.event_tracker import ShopEventTracker
from personalize_constructs.filters import RecommendationFilters
from personalize_constructs.metric_attribution import ShopMetricAttribution
from personalize_constructs.monitoring import MonitoredRecommender, ShopMonitoring
from personalize_constructs.pause_schedule import PauseSchedule
from personalize_constructs.personalize_role import PersonalizeRole
from personalize_constructs.provider import PersonalizeProvider
from personalize_constructs.readiness import ReadinessWorkflow
from personalize_constructs.recommender import Recommender, grant_recommender_management
from personalize_constructs.s3_validation import S3SourceValidation, ValidatedSource
from personalize_domain.config import EnvironmentConfig, RecommenderState
from personalize_domain.data_sources import ResolvedDataset
from personalize_domain.schema_history import plan_schema
from personalize_domain.schemas import SCHEMAS_DIR, DatasetType, load_schema
from personalize_domain.stack_outputs import (
    ALARM_TOPIC_ARN,
    DASHBOARD_URL,
    DATASET_GROUP_ARN,
    EVENT_TRACKER_ARN,
    EVENT_TRACKING_ID,
    EXPECTED_ACTIVE_USERS_METADATA,
    METRIC_ATTRIBUTION_ARN,
    TRACKING_ID_PARAMETER_NAME,
    batch_solution_metrics_output,
    batch_solution_version_output,
    filter_arn_output,
    output_label,
    recommender_arn_output,
    recommender_metrics_output,
)


class PersonalizeShopStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        datasets: Sequence[ResolvedDataset],
        schemas_dir: Path = SCHEMAS_DIR,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        if config.expected_active_users is not None:
            # Not a resource: what the review prices recommenders for (their tier).
            self.add_metadata(
                EXPECTED_ACTIVE_USERS_METADATA,
                {"expectedActiveUsers": config.expected_active_users},
            )
        max_wait = Duration.hours(config.readiness_timeout_hours)

        self.data = DataBucket(self, "Data", disposable=config.data_disposable)
        # Stateful resources keep fixed logical IDs, so refactoring the construct tree can never
        # make CloudFormation replace (and lose) them. Tests pin these names. The buckets are
        # pinned first: policies and acknowledgments below refer to them.
        _pin(self.data.bucket.node.default_child, "DataBucket")
        _pin(self.data.access_log_bucket.node.default_child, "AccessLogBucket")
        self.personalize_role = PersonalizeRole(
            self,
            "PersonalizeRole",
            data_bucket=self.data.bucket,
            external_locations=[d.s3_uri for d in datasets if d.s3_uri],
        )
        schema_plans = [plan_schema(d.dataset_type, schemas_dir) for d in datasets]
        self.dataset_group = ShopDatasetGroup(
            self,
            "DatasetGroup",
            name=config.name_prefix,
            schemas=[plan.created for plan in schema_plans],
        )
        self.data_files = DatasetFiles(
            self,
            "DataFiles",
            bucket=self.data.bucket,
            datasets=[d for d in datasets if d.local_path],
            removal_policy=RemovalPolicy.DESTROY
            if config.data_disposable
            else RemovalPolicy.RETAIN,
        )

        self.provider = PersonalizeProvider(self, "Provider", name_prefix=config.name_prefix)
        self.s3_validation = _s3_validation(self, config, datasets, schemas_dir)
        self.readiness = ReadinessWorkflow(
            self,
            "Readiness",
            name_prefix=config.name_prefix,
            personalize_role=self.personalize_role.role,
            max_wait=max_wait,
            validation=self.s3_validation,
        )
        self.readiness.grant_start(self.provider.on_event_function)
        # is_complete hands a recommender that outlasts a Delete's budget to the workflow.
        self.readiness.grant_start(self.provider.is_complete_function)
        grant_import_management(
            self.provider,
            name_prefix=config.name_prefix,
            personalize_role=self.personalize_role.role,
        )

        # A dataset whose schema gained fields since it was created gets them in place.
        self.schema_updates: dict[DatasetType, DatasetSchemaUpdate] = {}
        for plan in schema_plans:
            if plan.evolves:
                self.schema_updates[plan.dataset_type] = DatasetSchemaUpdate(
                    self,
                    f"{plan.dataset_type.value}SchemaUpdate",
                    service_token=self.provider.service_token,
                    dataset=self.dataset_group.datasets[plan.dataset_type],
                    name_prefix=config.name_prefix,
                    schema=plan.current,
                )
        if self.schema_updates:
            grant_schema_updates(self.provider, name_prefix=config.name_prefix)

        self.imports: dict[str, DatasetImport] = {}
        for dataset in datasets:
            label = dataset.dataset_type.value
            data_import = DatasetImport(
                self,
                f"{label}Import",
                service_token=self.provider.service_token,
                workflow=self.readiness,
                dataset=self.dataset_group.datasets[dataset.dataset_type],
                data_location=dataset.s3_uri or self.data_files.locations[dataset.dataset_type],
                data_version=dataset.version,
                role_arn=self.personalize_role.role.role_arn,
                import_mode=config.import_mode.value,
                max_wait=max_wait,
                validation=self.s3_validation.validation_property(dataset.dataset_type)
                if self.s3_validation and dataset.dataset_type in self.s3_validation.tables
                else None,
            )
            # Personalize must be able to read the data before the job starts.
            data_import.resource.node.add_dependency(
                self.personalize_role.role,
                self.data.bucket.policy or self.data.bucket,
                *self.data_files.uploads_of(dataset.dataset_type),
            )
            # New data may carry the new columns: import once the dataset has them.
            if dataset.dataset_type in self.schema_updates:
                data_import.resource.node.add_dependency(
                    self.schema_updates[dataset.dataset_type].resource
                )
            self.imports[label] = data_import

        self.event_tracker: ShopEventTracker | None = None
        if config.event_tracker:
            self.event_tracker = ShopEventTracker(
                self,
                "EventTracker",
                name_prefix=config.name_prefix,
                dataset_group_arn=self.dataset_group.dataset_group_arn,
            )

        # A filter names fields of the datasets: it is created once they have their schemas.
        self.filters = RecommendationFilters(
            self,
            "Filters",
            name_prefix=config.name_prefix,
            dataset_group_arn=self.dataset_group.dataset_group_arn,
            filters=config.filters,
            after=[
                *self.dataset_group.datasets.values(),
                *(update.resource for update in self.schema_updates.values()),
            ],
        )

        grant_recommender_management(self.provider, name_prefix=config.name_prefix)
        # Each recommender trains once every import of its dataset group is ACTIVE, and waits for
        # nothing else: the recommenders train in parallel.
        self.recommenders: dict[str, Recommender] = {}
        for recommender_config in config.recommenders:
            key = recommender_config.use_case.key
            self.recommenders[key] = Recommender(
                self,
                f"{output_label(key)}Recommender",
                service_token=self.provider.service_token,
                workflow=self.readiness,
                dataset_group_arn=self.dataset_group.dataset_group_arn,
                name_prefix=config.name_prefix,
                config=recommender_config,
                after=[i.ready for i in self.imports.values()],
                max_wait=max_wait,
            )

        # Batch solutions train once the data is imported, beside the recommenders.
        self.batch: dict[str, BatchSolution] = {}
        if config.batch:
            grant_solution_management(self.provider, name_prefix=config.name_prefix)
            self.data.allow_batch_output()
            self.personalize_role.allow_batch_output(self.data.bucket)
        for batch_config in config.batch:
            self.batch[batch_config.name] = BatchSolution(
                self,
                f"{output_label(batch_config.name)}Batch",
                service_token=self.provider.service_token,
                workflow=self.readiness,
                dataset_group_arn=self.dataset_group.dataset_group_arn,
                name_prefix=config.name_prefix,
                config=batch_config,
                data_versions=[d.version for d in datasets],
                import_job_arns=[i.job_arn for i in self.imports.values()],
                after=[i.ready for i in self.imports.values()],
                max_wait=max_wait,
            )

        # Scheduled batch jobs (batch.<name>.schedule), once the deploy's version is trained.
        self.batch_schedules: dict[str, BatchSchedule] = {
            batch_config.name: BatchSchedule(
                self,
                f"{output_label(batch_config.name)}BatchSchedule",
                name_prefix=config.name_prefix,
                config=batch_config,
                solution_arn=self.batch[batch_config.name].solution_arn,
                dataset_arns=[d.attr_dataset_arn for d in self.dataset_group.datasets.values()],
                bucket_name=self.data.bucket.bucket_name,
                personalize_role=self.personalize_role.role,
                after=[self.batch[batch_config.name].ready],
            )
            for batch_config in config.batch
            if batch_config.schedule is not None
        }

        self.pause_schedule: PauseSchedule | None = None
        if config.running_hours is not None and self.recommenders:
            self.pause_schedule = PauseSchedule(
                self,
                "PauseSchedule",
                name_prefix=config.name_prefix,
                running_hours=config.running_hours,
                recommenders={output_label(k): r.arn for k, r in self.recommenders.items()},
                after=[r.ready for r in self.recommenders.values()],
            )

        self._monitoring()

        _pin(self.dataset_group.dataset_group, "DatasetGroup")
        for dataset_type, cfn_dataset in self.dataset_group.datasets.items():
            _pin(cfn_dataset, f"{dataset_type.value}Dataset")

        self._outputs()

    def _monitoring(self) -> None:
        """Metric attribution where configured; the dashboard and alarms everywhere."""
        config = self.config
        self.metric_attribution: ShopMetricAttribution | None = None
        if config.metric_attribution is not None:
            self.metric_attribution = ShopMetricAttribution(
                self,
                "MetricAttribution",
                name_prefix=config.name_prefix,
                dataset_group_arn=self.dataset_group.dataset_group_arn,
                has_items_dataset=DatasetType.ITEMS in self.dataset_group.datasets,
                data_bucket=self.data.bucket if config.metric_attribution.publish_to_s3 else None,
            )
            # Items.PRICE is read from the Items dataset: it must exist first.
            self.metric_attribution.resource.node.add_dependency(
                *self.dataset_group.datasets.values()
            )
        self.monitoring = ShopMonitoring(
            self,
            "Monitoring",
            name_prefix=config.name_prefix,
            recommenders=[
                MonitoredRecommender(
                    label=output_label(r.use_case.key),
                    name=self.recommenders[r.use_case.key].name,
                    arn=self.recommenders[r.use_case.key].arn,
                    min_rps=r.min_recommendation_requests_per_second,
                    running=r.state is RecommenderState.RUNNING,
                )
                for r in config.recommenders
            ],
            readiness_state_machine=self.readiness.state_machine,
            alerts=config.alerts,
            event_tracker_arn=(
                self.event_tracker.tracker.attr_event_tracker_arn if self.event_tracker else None
            ),
            running_hours=config.running_hours,
            attributed_metrics=(
                self.metric_attribution.metric_names if self.metric_attribution else ()
            ),
            workflows={
                f"{output_label(name)}Batch": schedule.state_machine
                for name, schedule in self.batch_schedules.items()
            },
        )

    def _outputs(self) -> None:
        # Plain outputs, no exports: scripts read them with describe-stacks, and nothing couples
        # another stack's lifecycle to this one.
        values = {
            "DataBucketName": self.data.bucket.bucket_name,
            "AccessLogBucketName": self.data.access_log_bucket.bucket_name,
            "PersonalizeRoleArn": self.personalize_role.role.role_arn,
            DATASET_GROUP_ARN: self.dataset_group.dataset_group_arn,
            "ReadinessStateMachineArn": self.readiness.state_machine.state_machine_arn,
        }
        for dataset_type, dataset in self.dataset_group.datasets.items():
            values[f"{dataset_type.value}DatasetArn"] = dataset.attr_dataset_arn
        for dataset_type, schema in self.dataset_group.schemas.items():
            update = self.schema_updates.get(dataset_type)
            values[f"{dataset_type.value}SchemaArn"] = (
                update.schema_arn if update else schema.attr_schema_arn
            )
        for label, data_import in self.imports.items():
            values[f"{label}ImportJobArn"] = data_import.job_arn
        for key, recommender in self.recommenders.items():
            values[recommender_arn_output(key)] = recommender.arn
            values[recommender_metrics_output(key)] = recommender.metrics_json
        values[DASHBOARD_URL] = self.monitoring.dashboard_url
        values[ALARM_TOPIC_ARN] = self.monitoring.alarm_topic.topic.topic_arn
        if self.metric_attribution is not None:
            values[METRIC_ATTRIBUTION_ARN] = self.metric_attribution.arn
        for name in self.filters.filters:
            values[filter_arn_output(name)] = self.filters.arn(name)
        for name, batch in self.batch.items():
            values[batch_solution_version_output(name)] = batch.version_arn
            values[batch_solution_metrics_output(name)] = batch.metrics_json
        if self.event_tracker is not None:
            values[EVENT_TRACKER_ARN] = self.event_tracker.tracker.attr_event_tracker_arn
            values[EVENT_TRACKING_ID] = self.event_tracker.tracking_id
            values[TRACKING_ID_PARAMETER_NAME] = self.event_tracker.parameter.parameter_name
        for key, value in values.items():
            CfnOutput(self, key, value=value)


def _pin(resource: Any, logical_id: str) -> None:
    assert isinstance(resource, CfnElement)
    resource.override_logical_id(logical_id)


def _s3_validation(
    scope: Construct,
    config: EnvironmentConfig,
    datasets: Sequence[ResolvedDataset],
    schemas_dir: Path,
) -> S3SourceValidation | None:
    """The Athena validation of the s3:// sources with `validateInS3`, if any."""
    sources = tuple(
        ValidatedSource(d.dataset_type, d.s3_uri, load_schema(d.dataset_type, schemas_dir))
        for d in datasets
        if d.s3_uri
        and (wanted := config.dataset(d.dataset_type)) is not None
        and wanted.validate_in_s3
    )
    if not sources or config.athena_results_location is None:
        return None
    return S3SourceValidation(
        scope,
        "S3SourceValidation",
        name_prefix=config.name_prefix,
        sources=sources,
        workgroup=config.athena_workgroup,
        results_location=config.athena_results_location,
    )
