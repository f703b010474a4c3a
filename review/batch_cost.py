"""What a stack's batch solutions cost: training hours, and batch inference per job.

A batch solution (`Custom::PersonalizeSolution`) costs nothing while it sits; each solution
version is billed per training hour. `cdk deploy` trains one version per deploy of new data or a
new solution; `autoTraining: rate(N days)` trains one more every N days, whether or not the data
changed, which is the difference this section puts a figure on (Personalize's own default, had
the solution been created without saying, is every 7 days). A batch inference job is billed per
recommendation list it writes: one per user (or item) of its input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from personalize_constructs.resource_kinds import SOLUTION
from personalize_domain.batch_schedule import InvalidSchedule, parse_schedule
from review.intrinsics import render
from review.markdown import cell, code, table
from review.pricing import HOURS_PER_DAY, PriceTable, money
from review.template import Template

SOLUTION_TYPE = SOLUTION.resource_type
SCHEDULE_TYPE = "AWS::Scheduler::Schedule"
STATE_MACHINE_TYPE = "AWS::StepFunctions::StateMachine"
RECIPE_PREFIX = "arn:aws:personalize:::recipe/"
# CreateSolution's default when performAutoTraining is left out (API reference).
PERSONALIZE_DEFAULT = "rate(7 days)"
_RATE = re.compile(r"^rate\((\d+) days?\)$")


@dataclass(frozen=True)
class BatchSolution:
    logical_id: str
    name: str
    recipe: str
    auto_training: str  # "off" or "rate(N days)"

    def trainings_per_month(self, hours_per_month: int) -> Decimal:
        """Trainings auto training adds in a month; 0 when it is off."""
        return auto_trainings_per_month(self.auto_training, hours_per_month)


def auto_trainings_per_month(auto_training: str, hours_per_month: int) -> Decimal:
    found = _RATE.match(auto_training.strip())
    if found is None:
        return Decimal(0)
    return Decimal(hours_per_month) / HOURS_PER_DAY / int(found.group(1))


def batch_solutions(template: Template) -> list[BatchSolution]:
    defaults = SOLUTION.defaults
    found = []
    for resource in template.of_type(SOLUTION_TYPE):
        props = resource.properties
        recipe = render(props.get("RecipeArn", ""))
        found.append(
            BatchSolution(
                logical_id=resource.logical_id,
                name=render(props.get("Name", resource.logical_id)),
                recipe=recipe.removeprefix(RECIPE_PREFIX),
                auto_training=render(props.get("AutoTraining", defaults["AutoTraining"])),
            )
        )
    return sorted(found, key=lambda s: s.name)


@dataclass(frozen=True)
class ScheduledBatch:
    """A schedule that starts a scheduled batch workflow (`batch.<name>.schedule`)."""

    workflow: str
    expression: str
    timezone: str
    runs_per_month: Decimal | None  # None: an expression the review cannot count


def scheduled_batches(template: Template) -> list[ScheduledBatch]:
    machines = {
        r.logical_id: render(r.properties.get("StateMachineName", r.logical_id))
        for r in template.of_type(STATE_MACHINE_TYPE)
    }
    found = []
    for resource in template.of_type(SCHEDULE_TYPE):
        target = resource.properties.get("Target", {}).get("Arn")
        if not (isinstance(target, dict) and target.get("Ref") in machines):
            continue
        expression = render(resource.properties.get("ScheduleExpression", ""))
        try:
            runs: Decimal | None = Decimal(str(parse_schedule(expression).runs_per_month()))
        except InvalidSchedule:
            runs = None
        found.append(
            ScheduledBatch(
                workflow=machines[target["Ref"]],
                expression=expression,
                timezone=render(resource.properties.get("ScheduleExpressionTimezone", "UTC")),
                runs_per_month=runs,
            )
        )
    return sorted(found, key=lambda s: s.workflow)


def _render_schedules(
    template: Template, prices: PriceTable, *, active_users: int, per_training: Decimal | None
) -> list[str]:
    schedules = scheduled_batches(template)
    if not schedules:
        return []
    currency = prices.currency
    job = (
        None
        if prices.batch_per_1000_lists is None
        else prices.batch_per_1000_lists * Decimal(active_users) / 1000
    )
    rows = []
    for schedule in schedules:
        runs = schedule.runs_per_month
        unknown = "not estimated"
        rows.append(
            [
                code(schedule.workflow),
                code(schedule.expression),
                cell(schedule.timezone),
                unknown if runs is None else f"{runs:.1f}",
                unknown if runs is None or job is None else money(runs * job),
                unknown if runs is None or per_training is None else money(runs * per_training),
            ]
        )
    return [
        "",
        "Scheduled batch jobs (`batch.<name>.schedule`): each run is one batch job of "
        f"{active_users:,} lists (the input is the team's list under `batch/<name>/input/`: "
        "priced here at the expected active users) and at most one training, only when an "
        "import finished since the newest version.",
        "",
        *table(
            [
                "Workflow",
                "Schedule",
                "Time zone",
                "Runs/month",
                f"Batch jobs {currency}/month",
                f"Trainings {currency}/month at most",
            ],
            rows,
        ),
    ]


def render_batch_costs(template: Template, prices: PriceTable, *, active_users: int) -> list[str]:
    """The cost drivers' batch part; nothing for a stack without batch solutions."""
    solutions = batch_solutions(template)
    if not solutions:
        return []
    currency = prices.currency
    lines = ["", "### Batch solutions: training and batch inference", ""]
    if prices.training_per_hour is None or prices.assumed_training_hours is None:
        return [
            *lines,
            f"{len(solutions)} batch solution(s); the price table has no `training` block, so "
            "training is not estimated (each version is billed per training hour).",
        ]
    per_training = prices.training_per_hour * prices.assumed_training_hours
    month = prices.hours_per_month
    lines += [
        f"A solution version is billed per training hour ({currency} "
        f"{prices.training_per_hour}/training hour; one training of this data assumed to take "
        f"{prices.assumed_training_hours} training hours, as the price table says): about "
        f"**{currency} {money(per_training)} per training**. `cdk deploy` trains one version "
        "per deploy of new data or of a changed solution, and nothing else unless "
        "`autoTraining` asks: `rate(N days)` adds a training every N days whether or not the "
        f"data changed. Personalize's default, had the solution not said, is "
        f"`{PERSONALIZE_DEFAULT}`.",
        "",
    ]
    rows = []
    for solution in solutions:
        extra = solution.trainings_per_month(month)
        default = auto_trainings_per_month(PERSONALIZE_DEFAULT, month)
        rows.append(
            [
                code(solution.name),
                cell(solution.recipe),
                code(solution.auto_training),
                f"{extra:.1f}",
                money(extra * per_training),
                money(default * per_training),
            ]
        )
    lines += table(
        [
            "Batch solution",
            "Recipe",
            "autoTraining",
            "Trainings/month from autoTraining",
            f"{currency}/month from autoTraining",
            f"{currency}/month with `{PERSONALIZE_DEFAULT}`",
        ],
        rows,
    )
    lines.append("")
    if prices.batch_per_1000_lists is None:
        lines.append(
            "Batch inference: the price table has no `batch_inference` block; not estimated."
        )
    else:
        job = prices.batch_per_1000_lists * Decimal(active_users) / 1000
        lines.append(
            f"Batch inference (`personalize-shop batch`): {currency} "
            f"{prices.batch_per_1000_lists} per 1,000 recommendation lists, one per user or item "
            f"of the input: a job for {active_users:,} users costs about **{currency} "
            f"{money(job)}**, paid per job (S3 requests for its input and output not included)."
        )
    lines += _render_schedules(
        template, prices, active_users=active_users, per_training=per_training
    )
    return lines
