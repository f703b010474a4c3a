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
from review.intrinsics import render
from review.markdown import cell, code, table
from review.pricing import HOURS_PER_DAY, PriceTable, money
from review.template import Template

SOLUTION_TYPE = SOLUTION.resource_type
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
    return lines
