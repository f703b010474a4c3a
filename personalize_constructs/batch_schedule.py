"""`batch.<name>.schedule`: EventBridge Scheduler starts a Step Functions workflow that trains
when the data changed, runs a batch inference job and waits for it, with no Lambda.

The workflow, one per scheduled batch solution (`<prefix>-batch-<name>`), in order:

1. **The version in use**: the newest ACTIVE version of the solution (ListSolutionVersions,
   every page; Personalize documents no order, so the workflow compares creation times itself).
2. **Did the data change?** It did when any ACTIVE import job of the environment's datasets
   (ListDatasetImportJobs per dataset, every page) last changed (`lastUpdatedDateTime`, when
   the job finished) after that version was created, or when there is no ACTIVE version. Then
   it trains a new version (CreateSolutionVersion, FULL) and polls it every 5 minutes; a failed
   training fails the execution with Personalize's reason.
3. **The batch job**: CreateBatchInferenceJob named `<prefix>-<name>-<yyyymmdd>-<hhmmss>` (the
   execution's UTC start), with the environment's Personalize role, reading every file under
   `s3://<data bucket>/batch/<name>/input/` (the team keeps the list there) and writing to
   `s3://<data bucket>/batch/<name>/output/<yyyy-mm-dd>/` (the execution's UTC start date). It
   polls every 5 minutes; a failed job fails the execution with Personalize's reason.

Failed and timed-out executions are alarmed by the monitoring construct (`workflows`).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct, IDependable

from personalize_constructs.acknowledgments import acknowledge
from personalize_constructs.environment_arns import (
    pass_role_to_personalize,
)
from personalize_constructs.readiness.workflow import NO_REASON, TRANSIENT_ERRORS
from personalize_constructs.state_machines import private_state_machine
from personalize_domain.batch_config import BatchSolutionConfig

POLL_INTERVAL = Duration.minutes(5)
NUM_RESULTS = 25
PAGE_SIZE = 100
TRAINING_MODE = "FULL"
# Training (hours) plus a batch job (tens of minutes, more behind the 5-job quota).
EXECUTION_TIMEOUT = Duration.hours(24)
# How long a busy refusal is retried: a version training already (auto training, a deploy), or
# the region's 5 batch jobs in flight.
BUSY_WAIT = Duration.hours(6)
SCHEDULE_GROUP_SUFFIX = "batch"


def input_prefix(name: str) -> str:
    """The key prefix the team maintains the scheduled job's input under."""
    return f"batch/{name}/input/"


def output_root(name: str) -> str:
    """Scheduled runs write under `<this><yyyy-mm-dd>/`."""
    return f"batch/{name}/output/"


class BatchSchedule(Construct):
    """The workflow of one scheduled batch solution, and the schedule that starts it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        config: BatchSolutionConfig,
        solution_arn: str,
        dataset_arns: Sequence[str],
        bucket_name: str,
        personalize_role: iam.IRole,
        after: Sequence[IDependable],
    ) -> None:
        super().__init__(scope, construct_id)
        if config.schedule is None:
            raise ValueError(f"{construct_id}: batch.{config.name} has no schedule")
        if not dataset_arns:
            raise ValueError(f"{construct_id}: a schedule needs the datasets it watches")
        self.config = config
        self.schedule_config = config.schedule
        self.solution_arn = solution_arn
        self.state_machine_name = f"{name_prefix}-batch-{config.name}"
        self.job_name_base = f"{name_prefix}-{config.name}"
        self.input_path = f"s3://{bucket_name}/{input_prefix(config.name)}"
        self.output_root = f"s3://{bucket_name}/{output_root(config.name)}"
        self._personalize_role = personalize_role
        self._versions = f"{solution_arn}/*"
        self._batch_jobs = Stack.of(self).format_arn(
            service="personalize",
            resource="batch-inference-job",
            resource_name=f"{name_prefix}-{config.name}-*",
        )

        definition = self._start(dataset_arns)
        self.state_machine = private_state_machine(
            self, name=self.state_machine_name, definition=definition, timeout=EXECUTION_TIMEOUT
        )
        self.state_machine.add_to_role_policy(
            pass_role_to_personalize(personalize_role, sid="PassRoleToPersonalize")
        )
        self._schedule(name_prefix, after)
        self._acknowledge(name_prefix)

    # ------------------------------------------------------------------ workflow

    def _call(
        self,
        construct_id: str,
        action: str,
        resources: list[str],
        parameters: dict[str, object],
        result_path: str,
    ) -> tasks.CallAwsService:
        task = tasks.CallAwsService(
            self,
            construct_id,
            service="personalize",
            action=action,
            iam_action=f"personalize:{action[:1].upper()}{action[1:]}",
            iam_resources=resources,
            parameters=parameters,
            result_path=result_path,
        )
        task.add_retry(
            errors=TRANSIENT_ERRORS, interval=Duration.seconds(5), backoff_rate=2, max_attempts=8
        )
        return task

    def _fail_on_error(self, task: tasks.CallAwsService, construct_id: str, doing: str) -> None:
        """Any error left after the retries fails the execution, naming what it could not do."""
        task.add_catch(
            sfn.Fail(
                self,
                construct_id,
                error=construct_id,
                cause_path=sfn.JsonPath.format(
                    f"Could not {doing}: {{}}: {{}}",
                    sfn.JsonPath.string_at("$.Error.Error"),
                    sfn.JsonPath.string_at("$.Error.Cause"),
                ),
            ),
            errors=["States.ALL"],
            result_path="$.Error",
        )

    def _start(self, dataset_arns: Sequence[str]) -> sfn.IChainable:
        # The bucket name is a token: it goes in as data, never into a States.Format template.
        begin = sfn.Pass(
            self,
            "Start",
            parameters={
                "Datasets": list(dataset_arns),
                "OutputRoot": self.output_root,
                "Latest": {"Found": False, "CreationDateTime": "1970-01-01T00:00:00Z"},
            },
        )
        parts = sfn.JsonPath.string_split(sfn.JsonPath.string_at("$$.Execution.StartTime"), "-T:.")
        names = sfn.Pass(
            self,
            "RunNames",
            comment="The job name and the dated output prefix, from the UTC start time",
            parameters={
                "JobName": sfn.JsonPath.format(
                    self.job_name_base + "-{}{}{}-{}{}{}",
                    *(sfn.JsonPath.array_get_item(parts, i) for i in range(6)),
                ),
                "OutputPath": sfn.JsonPath.format(
                    "{}{}-{}-{}/",
                    sfn.JsonPath.string_at("$.OutputRoot"),
                    *(sfn.JsonPath.array_get_item(parts, i) for i in range(3)),
                ),
            },
            result_path="$.Run",
        )
        run_job = self._run_job()
        train = self._train(run_job)
        data_check = self._data_changed(train, run_job)
        latest = self._latest_version(then=data_check, none=train)
        return begin.next(names).next(latest)

    def _scan(
        self,
        prefix: str,
        items: str,
        *,
        first: tasks.CallAwsService,
        next_page: tasks.CallAwsService,
        match: sfn.Condition,
        on_match: sfn.IChainable,
        done: sfn.IChainable,
    ) -> sfn.Choice:
        """Every item of every page (`$.Page`), one at a time; `match` on `$.Scan.Item`.

        Returns the loop's Choice, where a matched item's state may come back to.
        """
        index = sfn.Pass(
            self,
            f"{prefix}Index",
            parameters={
                "I": 0,
                "N": sfn.JsonPath.array_length(sfn.JsonPath.list_at(f"$.Page.{items}")),
            },
            result_path="$.Scan",
        )
        pick = sfn.Pass(
            self,
            f"{prefix}Pick",
            parameters={
                "Item": sfn.JsonPath.array_get_item(
                    sfn.JsonPath.list_at(f"$.Page.{items}"), sfn.JsonPath.number_at("$.Scan.I")
                ),
                "I": sfn.JsonPath.math_add(sfn.JsonPath.number_at("$.Scan.I"), 1),
                "N": sfn.JsonPath.number_at("$.Scan.N"),
            },
            result_path="$.Scan",
        )
        more = sfn.Choice(self, f"{prefix}More")
        first.next(index)
        next_page.next(index)
        index.next(more)
        more.when(sfn.Condition.number_less_than_json_path("$.Scan.I", "$.Scan.N"), pick)
        more.when(sfn.Condition.is_present("$.Page.NextToken"), next_page)
        more.otherwise(done)
        pick.next(sfn.Choice(self, f"{prefix}Matches").when(match, on_match).otherwise(more))
        return more

    def _latest_version(self, *, then: sfn.IChainable, none: sfn.IChainable) -> sfn.IChainable:
        """`$.Latest`: the newest ACTIVE version's ARN and creation time (Found false if none)."""
        parameters: dict[str, object] = {"SolutionArn": self.solution_arn, "MaxResults": PAGE_SIZE}
        first = self._call(
            "ListVersions", "listSolutionVersions", [self.solution_arn], parameters, "$.Page"
        )
        next_page = self._call(
            "ListVersionsNextPage",
            "listSolutionVersions",
            [self.solution_arn],
            {**parameters, "NextToken": sfn.JsonPath.string_at("$.Page.NextToken")},
            "$.Page",
        )
        for task in (first, next_page):
            self._fail_on_error(task, f"{task.node.id}Error", "list the solution versions")
        keep = sfn.Pass(
            self,
            "KeepNewerVersion",
            parameters={
                "Found": True,
                "Arn": sfn.JsonPath.string_at("$.Scan.Item.SolutionVersionArn"),
                "CreationDateTime": sfn.JsonPath.string_at("$.Scan.Item.CreationDateTime"),
            },
            result_path="$.Latest",
        )
        done = (
            sfn.Choice(self, "HasActiveVersion")
            .when(sfn.Condition.boolean_equals("$.Latest.Found", True), then)
            .otherwise(none)
        )
        more = self._scan(
            "Versions",
            "SolutionVersions",
            first=first,
            next_page=next_page,
            match=sfn.Condition.and_(
                sfn.Condition.string_equals("$.Scan.Item.Status", "ACTIVE"),
                sfn.Condition.timestamp_greater_than_json_path(
                    "$.Scan.Item.CreationDateTime", "$.Latest.CreationDateTime"
                ),
            ),
            on_match=keep,
            done=done,
        )
        keep.next(more)
        return first

    def _data_changed(self, train: sfn.IChainable, run_job: sfn.IChainable) -> sfn.IChainable:
        """Any ACTIVE import job of any dataset finished after `$.Latest` was created: train."""
        dataset = sfn.JsonPath.array_get_item(
            sfn.JsonPath.list_at("$.Datasets"), sfn.JsonPath.number_at("$.DatasetScan.D")
        )
        parameters: dict[str, object] = {"DatasetArn": dataset, "MaxResults": PAGE_SIZE}
        # ListDatasetImportJobs has no resource type: '*' (Service Authorization Reference).
        first = self._call("ListImportJobs", "listDatasetImportJobs", ["*"], parameters, "$.Page")
        next_page = self._call(
            "ListImportJobsNextPage",
            "listDatasetImportJobs",
            ["*"],
            {**parameters, "NextToken": sfn.JsonPath.string_at("$.Page.NextToken")},
            "$.Page",
        )
        for task in (first, next_page):
            self._fail_on_error(task, f"{task.node.id}Error", "list the dataset import jobs")
        next_dataset = sfn.Pass(
            self,
            "NextDataset",
            parameters={
                "D": sfn.JsonPath.math_add(sfn.JsonPath.number_at("$.DatasetScan.D"), 1),
                "N": sfn.JsonPath.number_at("$.DatasetScan.N"),
            },
            result_path="$.DatasetScan",
        )
        use_latest = sfn.Pass(
            self,
            "DataUnchanged",
            comment="No import finished after the newest ACTIVE version: use it, train nothing",
            parameters={"Arn": sfn.JsonPath.string_at("$.Latest.Arn"), "Trained": False},
            result_path="$.Version",
        ).next(run_job)
        datasets_more = (
            sfn.Choice(self, "DatasetsMore")
            .when(
                sfn.Condition.number_less_than_json_path("$.DatasetScan.D", "$.DatasetScan.N"),
                first,
            )
            .otherwise(use_latest)
        )
        next_dataset.next(datasets_more)
        self._scan(
            "ImportJobs",
            "DatasetImportJobs",
            first=first,
            next_page=next_page,
            match=sfn.Condition.and_(
                sfn.Condition.string_equals("$.Scan.Item.Status", "ACTIVE"),
                sfn.Condition.timestamp_greater_than_json_path(
                    "$.Scan.Item.LastUpdatedDateTime", "$.Latest.CreationDateTime"
                ),
            ),
            on_match=train,
            done=next_dataset,
        )
        return sfn.Pass(
            self,
            "DatasetIndex",
            parameters={
                "D": 0,
                "N": sfn.JsonPath.array_length(sfn.JsonPath.list_at("$.Datasets")),
            },
            result_path="$.DatasetScan",
        ).next(datasets_more)

    def _train(self, run_job: sfn.IChainable) -> sfn.IChainable:
        create = self._call(
            "Train",
            "createSolutionVersion",
            [self.solution_arn],
            {"SolutionArn": self.solution_arn, "TrainingMode": TRAINING_MODE},
            "$.Training",
        )
        trained = sfn.Pass(
            self,
            "UseTrainedVersion",
            parameters={
                "Arn": sfn.JsonPath.string_at("$.Training.SolutionVersionArn"),
                "Trained": True,
            },
            result_path="$.Version",
        ).next(run_job)
        return self._until_settled(
            create,
            # A version already training (auto training, a deploy) is refused as in use: wait.
            busy="Personalize.ResourceInUseException",
            subject="Training",
            what="solution version",
            doing=("start training", "read the training"),
            describe=("describeSolutionVersion", [self._versions], "SolutionVersion"),
            arn_path="$.Training.SolutionVersionArn",
            active=trained,
            stopped=True,
        )

    def _run_job(self) -> sfn.IChainable:
        create = self._call(
            "StartBatchJob",
            "createBatchInferenceJob",
            [self._batch_jobs, self._versions],
            {
                "JobName": sfn.JsonPath.string_at("$.Run.JobName"),
                "SolutionVersionArn": sfn.JsonPath.string_at("$.Version.Arn"),
                "RoleArn": self._personalize_role.role_arn,
                "NumResults": NUM_RESULTS,
                "JobInput": {"S3DataSource": {"Path": self.input_path}},
                "JobOutput": {
                    "S3DataDestination": {"Path": sfn.JsonPath.string_at("$.Run.OutputPath")}
                },
            },
            "$.Job",
        )
        done = sfn.Pass(
            self,
            "BatchJobDone",
            parameters={
                "BatchInferenceJobArn": sfn.JsonPath.string_at("$.Job.BatchInferenceJobArn"),
                "SolutionVersionArn": sfn.JsonPath.string_at("$.Version.Arn"),
                "Trained": sfn.JsonPath.string_at("$.Version.Trained"),
                "Output": sfn.JsonPath.string_at("$.Run.OutputPath"),
            },
        ).next(sfn.Succeed(self, "Done"))
        return self._until_settled(
            create,
            # At most 5 batch jobs run at once per region: wait for a slot.
            busy="Personalize.LimitExceededException",
            subject="BatchJob",
            what="batch inference job",
            doing=("start the batch inference job", "read the batch inference job"),
            describe=("describeBatchInferenceJob", [self._batch_jobs], "BatchInferenceJob"),
            arn_path="$.Job.BatchInferenceJobArn",
            active=done,
            stopped=False,
        )

    def _until_settled(
        self,
        create: tasks.CallAwsService,
        *,
        busy: str,
        subject: str,
        what: str,
        doing: tuple[str, str],
        describe: tuple[str, list[str], str],
        arn_path: str,
        active: sfn.IChainable,
        stopped: bool,
    ) -> sfn.IChainable:
        """`create`, retried while Personalize answers `busy` (up to BUSY_WAIT), then its
        resource described every POLL_INTERVAL until ACTIVE (on to `active`) or failed (the
        execution fails with Personalize's reason; with `stopped`, also when it was stopped)."""
        create.add_retry(
            errors=[busy],
            interval=POLL_INTERVAL,
            backoff_rate=1,
            max_attempts=int(BUSY_WAIT.to_seconds() // POLL_INTERVAL.to_seconds()),
        )
        starting, reading = doing
        self._fail_on_error(create, f"{subject}NotStarted", starting)
        action, resources, member = describe
        key = arn_path.rsplit(".", 1)[1]  # the ARN's name in the create's answer
        check = self._call(
            f"Describe{subject}",
            action,
            resources,
            {key: sfn.JsonPath.string_at(arn_path)},
            "$.Describe",
        )
        self._fail_on_error(check, f"Describe{subject}Error", reading)
        wait = sfn.Wait(self, f"WaitFor{subject}", time=sfn.WaitTime.duration(POLL_INTERVAL))
        wait.next(check)
        status = f"$.Describe.{member}.Status"
        reason = f"$.Describe.{member}.FailureReason"
        failed = sfn.Condition.string_equals(status, "CREATE FAILED")
        settled = (
            sfn.Choice(self, f"{subject}Settled")
            .when(sfn.Condition.string_equals(status, "ACTIVE"), active)
            .when(
                sfn.Condition.and_(failed, sfn.Condition.is_present(reason)),
                self._fail(
                    f"{subject}Failed", arn_path, f"Personalize {what} {{}} failed: {{}}", reason
                ),
            )
            .when(
                failed,
                self._fail(
                    f"{subject}FailedNoReason",
                    arn_path,
                    f"Personalize {what} {{}} failed: {NO_REASON}",
                ),
            )
        )
        if stopped:
            settled = settled.when(
                sfn.Condition.string_equals(status, "CREATE STOPPED"),
                self._fail(
                    f"{subject}Stopped",
                    arn_path,
                    f"Personalize {what} {{}} was stopped before training ended",
                ),
            )
        check.next(settled.otherwise(wait))
        create.next(wait)
        return create

    def _fail(
        self, construct_id: str, arn: str, template: str, reason: str | None = None
    ) -> sfn.Fail:
        paths = [arn] if reason is None else [arn, reason]
        return sfn.Fail(
            self,
            construct_id,
            error=construct_id,
            cause_path=sfn.JsonPath.format(template, *(sfn.JsonPath.string_at(p) for p in paths)),
        )

    # ------------------------------------------------------------------ schedule

    def _schedule(self, name_prefix: str, after: Sequence[IDependable]) -> None:
        schedule = self.schedule_config
        assert schedule is not None
        stack = Stack.of(self)
        group_name = f"{name_prefix}-{SCHEDULE_GROUP_SUFFIX}-{self.config.name}"
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=group_name)
        group_arn = stack.format_arn(
            service="scheduler", resource="schedule-group", resource_name=group_name
        )
        self.scheduler_role = iam.Role(
            self,
            "SchedulerRole",
            # Confused-deputy protection: only this schedule group, in this account.
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID, "aws:SourceArn": group_arn}}
            ),
            description=f"Lets EventBridge Scheduler start the {self.state_machine_name} workflow",
        )
        self.scheduler_role.add_to_policy(
            iam.PolicyStatement(
                actions=["states:StartExecution"],
                resources=[self.state_machine.state_machine_arn],
            )
        )
        self.schedule = scheduler.CfnSchedule(
            self,
            "Schedule",
            description=f"Batch recommendations {self.config.name}: {schedule.expression} "
            f"({schedule.timezone})",
            group_name=group_name,
            schedule_expression=schedule.expression,
            schedule_expression_timezone=schedule.timezone,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=self.state_machine.state_machine_arn,
                role_arn=self.scheduler_role.role_arn,
                input="{}",
                # A start refused (throttling) is retried for an hour; later, the run is stale.
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_event_age_in_seconds=3600, maximum_retry_attempts=10
                ),
            ),
        )
        # The first run needs the trained version the deploy awaits.
        self.schedule.node.add_dependency(self.group, *after)

    def _acknowledge(self, name_prefix: str) -> None:
        role = self.state_machine.role
        acknowledge(
            role,
            f"IAM5[Resource::arn:<AWS::Partition>:personalize:<AWS::Region>:<AWS::AccountId>:"
            f"batch-inference-job/{name_prefix}-{self.config.name}-*]",
            "scheduled-batch-jobs",
        )
        acknowledge(role, "IAM5[Resource::*]", "scheduled-batch-list-and-logs")
        # cdk-nag prints a Ref as <LogicalId>, a literal ARN as it is.
        solution = Stack.of(self).resolve(self.solution_arn)
        printed = f"<{solution['Ref']}>" if isinstance(solution, dict) else str(solution)
        acknowledge(role, f"IAM5[Resource::{printed}/*]", "scheduled-batch-versions")
