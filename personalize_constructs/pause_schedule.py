"""Stops recommenders outside their running hours and starts them again, with no Lambda.

EventBridge Scheduler calls StopRecommender/StartRecommender itself through its universal
(AWS SDK) target. A stopped recommender is not billed; starting it resumes billing and retraining.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct, IDependable

from personalize_domain.config import RunningHours


class PauseSchedule(Construct):
    """Two schedules per recommender (start, stop) in the environment's time zone.

    `recommenders` maps a label to a recommender ARN. The schedules are created once the
    recommenders are ready (`after`), so they never act on one still training. They live in the
    environment's own schedule group, `<name_prefix>-pause`, the only source the scheduler may
    assume the role for (Scheduler's confused-deputy guidance scopes aws:SourceArn to a schedule
    group, never to a schedule).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        running_hours: RunningHours,
        recommenders: Mapping[str, str],
        after: Sequence[IDependable],
    ) -> None:
        super().__init__(scope, construct_id)
        if not recommenders:
            raise ValueError(f"{construct_id}: no recommenders to schedule")
        group_name = f"{name_prefix}-pause"
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=group_name)
        group_arn = Stack.of(self).format_arn(
            service="scheduler", resource="schedule-group", resource_name=group_name
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID, "aws:SourceArn": group_arn}}
            ),
            description="Lets EventBridge Scheduler stop and start this environment's recommenders",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["personalize:StartRecommender", "personalize:StopRecommender"],
                resources=list(recommenders.values()),
            )
        )
        self.schedules: list[scheduler.CfnSchedule] = []
        for label, arn in recommenders.items():
            for action, at in (("start", running_hours.start), ("stop", running_hours.stop)):
                schedule = scheduler.CfnSchedule(
                    self,
                    f"{label}{action.title()}",
                    description=f"{action.title()} recommender {label} at {at} "
                    f"({running_hours.days}, {running_hours.timezone})",
                    group_name=group_name,
                    schedule_expression=running_hours.cron(at),
                    schedule_expression_timezone=running_hours.timezone,
                    flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(
                        mode="OFF"
                    ),
                    target=scheduler.CfnSchedule.TargetProperty(
                        arn=f"arn:{Aws.PARTITION}:scheduler:::aws-sdk:personalize:"
                        f"{action}Recommender",
                        role_arn=self.role.role_arn,
                        input=Stack.of(self).to_json_string({"RecommenderArn": arn}),
                        # Throttling and 5xx are retried by the scheduler; an hour later the
                        # invocation is stale (the next one is hours away).
                        retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                            maximum_event_age_in_seconds=3600, maximum_retry_attempts=10
                        ),
                    ),
                )
                schedule.node.add_dependency(self.group, *after)
                self.schedules.append(schedule)
