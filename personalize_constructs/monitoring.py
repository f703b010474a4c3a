"""What the recommenders serve and cost, on one dashboard, and alarms that say when to act.

Metric names and dimensions are those of the `AWS/Personalize` namespace; which of them the
documentation confirms and which come from public code is in docs/monitoring.md. Each alarm's
metric, statistic, period and missing-data treatment is explained there too; tests evaluate each
alarm's condition on synthetic series (tests/stacks/alarm_evaluator.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aws_cdk import ArnFormat, Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from personalize_domain.config import RunningHours
from personalize_domain.monitoring_config import (
    NAMESPACE,
    RECOMMENDER_DIMENSION,
    REQUESTS,
    SECONDS_PER_HOUR,
    AlertsConfig,
    iso_weekdays,
)

EVENT_TRACKER_DIMENSION = "EventTrackerArn"
LATENCY = "GetRecommendationsLatency"
ERRORS_4XX = "GetRecommendations4xxErrors"
ERRORS_5XX = "GetRecommendations5xxErrors"
PUT_EVENTS = "PutEventsRequests"
PUT_EVENTS_4XX = "PutEvents4xxErrors"
PUT_EVENTS_5XX = "PutEvents5xxErrors"
FIVE_MINUTES = Duration.minutes(5)
ONE_HOUR = Duration.hours(1)
# Metric attribution aggregates over 15-minute windows.
ATTRIBUTION_PERIOD = Duration.minutes(15)
# A fixed year, so the synthesized template does not change with the date of the synth.
_OFFSET_YEAR = 2026


@dataclass(frozen=True)
class MonitoredRecommender:
    label: str  # PascalCase, e.g. "BestSellers"
    name: str  # Personalize name, e.g. "shop-dev-best-sellers"
    arn: str
    min_rps: int
    # A recommender configured stopped serves nothing by design: no idle or utilization alarm.
    running: bool = True


def recommender_metric(
    arn: str, metric_name: str, *, statistic: str, period: Duration
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=metric_name,
        dimensions_map={RECOMMENDER_DIMENSION: arn},
        statistic=statistic,
        period=period,
    )


def running_window_condition(running_hours: RunningHours, metric_id: str) -> str:
    """A metric-math condition, true for hourly datapoints inside the running hours.

    CloudWatch's HOUR() and DAY() read the datapoint's UTC timestamp (DAY: 1 is Monday). An hour
    counts only if it is running whatever the daylight-saving offset, and not the first running
    hour: a recommender takes minutes to start, so that hour is never a full one.
    """
    hours_by_day = running_utc_hours(running_hours)
    by_hours: dict[tuple[int, ...], list[int]] = {}
    for day, day_hours in sorted(hours_by_day.items()):
        if day_hours:
            by_hours.setdefault(tuple(sorted(day_hours)), []).append(day)
    clauses = []
    for hours, days in by_hours.items():
        day_part = " OR ".join(_range(f"DAY({metric_id})", r) for r in _runs(days))
        hour_part = " OR ".join(_range(f"HOUR({metric_id})", r) for r in _runs(list(hours)))
        clauses.append(f"(({day_part}) AND ({hour_part}))")
    return " OR ".join(clauses) if clauses else "0"


def running_utc_hours(running_hours: RunningHours) -> dict[int, set[int]]:
    """{ISO weekday in UTC: UTC hours} that are full running hours under every offset of the zone.

    The offsets are those of mid-January and mid-July, which covers every zone that shifts once
    a year each way.
    """
    zone = ZoneInfo(running_hours.timezone)
    days = iso_weekdays(running_hours.days)
    start_h, start_m = (int(x) for x in running_hours.start.split(":"))
    stop_h, stop_m = (int(x) for x in running_hours.stop.split(":"))
    start = start_h * 60 + start_m
    stop = stop_h * 60 + stop_m
    if stop <= start:
        stop += 24 * 60  # a window across midnight
    result: dict[int, set[int]] | None = None
    for month in (1, 7):
        offset = datetime(_OFFSET_YEAR, month, 15, tzinfo=zone).utcoffset() or timedelta(0)
        offset_minutes = int(offset.total_seconds() // 60)
        hours: dict[int, set[int]] = {d: set() for d in range(1, 8)}
        for day in days:
            # Whole local hours [h, h+1) inside [start + 60, stop), the first hour skipped.
            minute = start + 60
            first_full = minute if minute % 60 == 0 else minute + (60 - minute % 60)
            for local in range(first_full, stop - 59, 60):
                utc = (day - 1) * 24 * 60 + local - offset_minutes
                if utc % 60:
                    continue  # a zone with a non-whole-hour offset: hour boundaries differ
                utc_day = (utc // (24 * 60)) % 7 + 1
                hours[utc_day].add((utc // 60) % 24)
        result = hours if result is None else {d: result[d] & hours[d] for d in result}
    assert result is not None
    return result


def _runs(values: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for value in sorted(values):
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _range(term: str, run: tuple[int, int]) -> str:
    low, high = run
    return f"{term} == {low}" if low == high else f"({term} >= {low} AND {term} <= {high})"


class AlarmTopic(Construct):
    """An SNS topic for the alarms, encrypted with a key CloudWatch may use, TLS only.

    A customer managed key, not SNS's AWS managed key: CloudWatch alarms cannot publish to a
    topic encrypted with the AWS managed key, whose policy cannot grant them.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, name_prefix: str, email: str | None
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        alarms_of_this_environment = stack.format_arn(
            service="cloudwatch",
            resource="alarm",
            resource_name=f"{name_prefix}-*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        cloudwatch_here = iam.ServicePrincipal("cloudwatch.amazonaws.com").with_conditions(
            {
                "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                "ArnLike": {"aws:SourceArn": alarms_of_this_environment},
            }
        )
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the {name_prefix} alarm topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[cloudwatch_here],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name=f"{name_prefix} Personalize alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[cloudwatch_here],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
            )
        )
        if email is not None:
            sns.Subscription(
                self,
                "Email",
                topic=self.topic,
                protocol=sns.SubscriptionProtocol.EMAIL,
                endpoint=email,
            )


class ShopMonitoring(Construct):
    """The environment's dashboard, its alarm topic and the five kinds of alarm."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        recommenders: Sequence[MonitoredRecommender],
        readiness_state_machine: sfn.IStateMachine,
        alerts: AlertsConfig,
        event_tracker_arn: str | None = None,
        running_hours: RunningHours | None = None,
        attributed_metrics: Sequence[str] = (),
        workflows: Mapping[str, sfn.IStateMachine] | None = None,
    ) -> None:
        """`workflows`: other state machines whose failures need a person (label -> machine),
        e.g. scheduled batch jobs; each gets an alarm and a graph beside the readiness ones."""
        super().__init__(scope, construct_id)
        self.name_prefix = name_prefix
        self.alerts = alerts
        self.running_hours = running_hours
        self.alarm_topic = AlarmTopic(self, "Alarms", name_prefix=name_prefix, email=alerts.email)
        self._action = cloudwatch_actions.SnsAction(self.alarm_topic.topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        self._readiness_alarm(readiness_state_machine)
        for label, workflow in (workflows or {}).items():
            self._workflow_alarm(label, workflow)
        for recommender in recommenders:
            self._recommender_alarms(recommender)
        if event_tracker_arn is not None:
            self._put_events_alarm(event_tracker_arn)

        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=name_prefix,
            default_interval=Duration.days(7),
        )
        self._dashboard_widgets(
            recommenders, readiness_state_machine, event_tracker_arn, attributed_metrics
        )
        if workflows:
            self.dashboard.add_widgets(
                *(
                    cloudwatch.GraphWidget(
                        title=f"{label} workflow executions",
                        left=[
                            workflow.metric_failed(statistic="Sum", label="failed"),
                            workflow.metric_timed_out(statistic="Sum", label="timed out"),
                            workflow.metric_succeeded(statistic="Sum", label="succeeded"),
                        ],
                        width=8,
                    )
                    for label, workflow in workflows.items()
                )
            )
        self.dashboard_url = (
            f"https://{Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region={Aws.REGION}"
            f"#dashboards:name={name_prefix}"
        )

    # ------------------------------------------------------------------ alarms

    def _alarm(
        self,
        key: str,
        *,
        metric: cloudwatch.IMetric,
        description: str,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator,
        evaluation_periods: int,
        datapoints_to_alarm: int,
        treat_missing_data: cloudwatch.TreatMissingData,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            f"{key}Alarm",
            alarm_name=f"{self.name_prefix}-{_kebab(key)}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=treat_missing_data,
        )
        alarm.add_alarm_action(self._action)
        self.alarms[key] = alarm
        return alarm

    def _readiness_alarm(self, state_machine: sfn.IStateMachine) -> None:
        failed = state_machine.metric_failed(statistic="Sum", period=FIVE_MINUTES)
        timed_out = state_machine.metric_timed_out(statistic="Sum", period=FIVE_MINUTES)
        self._alarm(
            "ReadinessFailed",
            metric=cloudwatch.MathExpression(
                expression="FILL(failed, 0) + FILL(timedOut, 0)",
                using_metrics={"failed": failed, "timedOut": timed_out},
                label="Readiness executions failed or timed out",
                period=FIVE_MINUTES,
            ),
            description=(
                "The readiness workflow failed or timed out: an import, training or delete did "
                "not settle. See the execution in Step Functions and docs/readiness.md."
            ),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _workflow_alarm(self, label: str, state_machine: sfn.IStateMachine) -> None:
        """A scheduled workflow failed or timed out: nobody watches it run, so it alarms."""
        failed = state_machine.metric_failed(statistic="Sum", period=FIVE_MINUTES)
        timed_out = state_machine.metric_timed_out(statistic="Sum", period=FIVE_MINUTES)
        self._alarm(
            f"{label}WorkflowFailed",
            metric=cloudwatch.MathExpression(
                expression="FILL(failed, 0) + FILL(timedOut, 0)",
                using_metrics={"failed": failed, "timedOut": timed_out},
                label=f"{label} executions failed or timed out",
                period=FIVE_MINUTES,
            ),
            description=(
                f"The {label} workflow failed or timed out: its execution's error and cause "
                "say why (Personalize's reason for a failed training or batch job). See "
                "docs/batch.md."
            ),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _recommender_alarms(self, recommender: MonitoredRecommender) -> None:
        alerts = self.alerts
        hourly = recommender_metric(recommender.arn, REQUESTS, statistic="Sum", period=ONE_HOUR)
        # Hours without a request have no datapoint, and HOUR()/DAY() of a missing datapoint
        # are missing too: the window is tested on the filled series.
        filled = cloudwatch.MathExpression(
            expression="FILL(requests, 0)",
            using_metrics={"requests": hourly},
            label=f"{recommender.name} requests per hour",
            period=ONE_HOUR,
        )
        in_window = (
            running_window_condition(self.running_hours, "filled")
            if self.running_hours is not None
            else None
        )
        if not recommender.running:
            self._server_errors_alarm(recommender)
            return
        self._alarm(
            f"{recommender.label}Idle",
            metric=cloudwatch.MathExpression(
                expression=f"IF({in_window}, filled, 1)" if in_window else "filled",
                using_metrics={"filled": filled},
                label=f"{recommender.name} requests per hour",
                period=ONE_HOUR,
            ),
            description=(
                f"{recommender.name} served no recommendations for {alerts.idle_hours} hours "
                f"while running, yet bills {recommender.min_rps} request(s)/s every hour. Stop "
                "it (personalize-shop stop) or find out why the shop stopped calling it."
            ),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=alerts.idle_hours,
            datapoints_to_alarm=alerts.idle_hours,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )
        if recommender.min_rps > 1:
            billed_per_hour = recommender.min_rps * SECONDS_PER_HOUR
            utilization = f"100 * filled / {billed_per_hour}"
            self._alarm(
                f"{recommender.label}LowUtilization",
                metric=cloudwatch.MathExpression(
                    expression=(
                        f"IF({in_window}, {utilization}, 100)" if in_window else utilization
                    ),
                    using_metrics={"filled": filled},
                    label=f"{recommender.name} utilization of its billed minimum (%)",
                    period=ONE_HOUR,
                ),
                description=(
                    f"{recommender.name} used less than {alerts.low_utilization_percent}% of "
                    f"its billed minimum of {recommender.min_rps} requests/s every hour for "
                    f"{alerts.low_utilization_hours} hours: money wasted. Lower "
                    "minRecommendationRequestsPerSecond (personalize-shop usage suggests one)."
                ),
                threshold=alerts.low_utilization_percent,
                comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                evaluation_periods=alerts.low_utilization_hours,
                datapoints_to_alarm=alerts.low_utilization_hours,
                treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
            )
        self._server_errors_alarm(recommender)

    def _server_errors_alarm(self, recommender: MonitoredRecommender) -> None:
        alerts = self.alerts
        self._alarm(
            f"{recommender.label}ServerErrors",
            metric=recommender_metric(
                recommender.arn, ERRORS_5XX, statistic="Sum", period=FIVE_MINUTES
            ),
            description=(
                f"GetRecommendations on {recommender.name} returned at least "
                f"{alerts.recommendation_5xx_per_5_minutes} server errors (5xx) in 2 of the "
                "last 3 five-minute periods: the shop is showing no recommendations."
            ),
            threshold=alerts.recommendation_5xx_per_5_minutes,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _put_events_alarm(self, event_tracker_arn: str) -> None:
        def errors(name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=NAMESPACE,
                metric_name=name,
                dimensions_map={EVENT_TRACKER_DIMENSION: event_tracker_arn},
                statistic="Sum",
                period=FIVE_MINUTES,
            )

        self._alarm(
            "PutEventsErrors",
            metric=cloudwatch.MathExpression(
                expression="FILL(clientErrors, 0) + FILL(serverErrors, 0)",
                using_metrics={
                    "clientErrors": errors(PUT_EVENTS_4XX),
                    "serverErrors": errors(PUT_EVENTS_5XX),
                },
                label="PutEvents errors (4xx + 5xx)",
                period=FIVE_MINUTES,
            ),
            description=(
                f"PutEvents to {self.name_prefix}-events failed at least "
                f"{self.alerts.put_events_errors_per_5_minutes} times (4xx or 5xx) in 2 of the "
                "last 3 five-minute periods: interactions are being lost."
            ),
            threshold=self.alerts.put_events_errors_per_5_minutes,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    # ------------------------------------------------------------------ dashboard

    def _dashboard_widgets(
        self,
        recommenders: Sequence[MonitoredRecommender],
        state_machine: sfn.IStateMachine,
        event_tracker_arn: str | None,
        attributed_metrics: Sequence[str],
    ) -> None:
        board = self.dashboard
        board.add_widgets(
            cloudwatch.TextWidget(
                markdown=(
                    f"# {self.name_prefix}: Personalize recommendations\n"
                    "A recommender bills max(its minimum requests/s, the actual ones) every "
                    "running hour. Alarms and their choices: docs/monitoring.md."
                ),
                width=24,
                height=2,
            ),
            cloudwatch.AlarmStatusWidget(
                title="Alarms", alarms=list(self.alarms.values()), width=24, height=3
            ),
        )
        for recommender in recommenders:
            arn, name = recommender.arn, recommender.name
            requests = recommender_metric(arn, REQUESTS, statistic="Sum", period=FIVE_MINUTES)
            board.add_widgets(
                cloudwatch.GraphWidget(
                    title=f"{name}: actual requests/s against the billed minimum",
                    left=[
                        cloudwatch.MathExpression(
                            expression="FILL(requests, 0) / PERIOD(requests)",
                            using_metrics={"requests": requests},
                            label="actual requests/s",
                            period=FIVE_MINUTES,
                        )
                    ],
                    left_annotations=[
                        cloudwatch.HorizontalAnnotation(
                            value=recommender.min_rps, label="billed minimum requests/s"
                        )
                    ],
                    width=6,
                ),
                cloudwatch.GraphWidget(
                    title=f"{name}: GetRecommendations",
                    left=[requests.with_(label="requests")],
                    width=6,
                ),
                cloudwatch.GraphWidget(
                    title=f"{name}: latency (ms)",
                    left=[
                        recommender_metric(arn, LATENCY, statistic=stat, period=FIVE_MINUTES).with_(
                            label=stat
                        )
                        for stat in ("Average", "p95")
                    ],
                    width=6,
                ),
                cloudwatch.GraphWidget(
                    title=f"{name}: errors",
                    left=[
                        recommender_metric(arn, metric, statistic="Sum", period=FIVE_MINUTES).with_(
                            label=label
                        )
                        for metric, label in ((ERRORS_4XX, "4xx"), (ERRORS_5XX, "5xx"))
                    ],
                    width=6,
                ),
            )
        row: list[cloudwatch.IWidget] = []
        if event_tracker_arn is not None:
            row.append(
                cloudwatch.GraphWidget(
                    title="PutEvents: requests and errors",
                    left=[
                        cloudwatch.Metric(
                            namespace=NAMESPACE,
                            metric_name=metric,
                            dimensions_map={EVENT_TRACKER_DIMENSION: event_tracker_arn},
                            statistic="Sum",
                            period=FIVE_MINUTES,
                            label=label,
                        )
                        for metric, label in (
                            (PUT_EVENTS, "requests"),
                            (PUT_EVENTS_4XX, "4xx"),
                            (PUT_EVENTS_5XX, "5xx"),
                        )
                    ],
                    width=8,
                )
            )
        row.append(
            cloudwatch.GraphWidget(
                title="Readiness workflow executions",
                left=[
                    state_machine.metric_failed(statistic="Sum", label="failed"),
                    state_machine.metric_timed_out(statistic="Sum", label="timed out"),
                    state_machine.metric_succeeded(statistic="Sum", label="succeeded"),
                ],
                width=8,
            )
        )
        for metric_name in attributed_metrics:
            # Searched by name: the attribution's namespace and dimensions are unconfirmed in
            # the docs, and the name carries the environment's prefix.
            row.append(
                cloudwatch.GraphWidget(
                    title=f"Attributed: {metric_name} (15-minute sums, by source)",
                    left=[
                        cloudwatch.MathExpression(
                            expression=(
                                f"SEARCH('MetricName=\"{metric_name}\"', 'Sum', "
                                f"{int(ATTRIBUTION_PERIOD.to_seconds())})"
                            ),
                            using_metrics={},
                            label=metric_name,
                            period=ATTRIBUTION_PERIOD,
                        )
                    ],
                    width=8,
                )
            )
        board.add_widgets(*row)


def _kebab(label: str) -> str:
    out = []
    for i, char in enumerate(label):
        if char.isupper() and i:
            out.append("-")
        out.append(char.lower())
    return "".join(out)
