"""Offline metrics of each recommender side by side, as the console's evaluation table."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from personalize_ops.day_two.clients import PersonalizeClient
from personalize_ops.day_two.stack import StackOutputs
from personalize_ops.day_two.table import render_table

# Personalize's modelMetrics keys, in the order of the guide's table, with a short human name.
METRICS: tuple[tuple[str, str], ...] = (
    ("coverage", "Coverage"),
    ("mean_reciprocal_rank_at_25", "Mean reciprocal rank @25"),
    ("normalized_discounted_cumulative_gain_at_5", "NDCG @5"),
    ("normalized_discounted_cumulative_gain_at_10", "NDCG @10"),
    ("normalized_discounted_cumulative_gain_at_25", "NDCG @25"),
    ("precision_at_5", "Precision @5"),
    ("precision_at_10", "Precision @10"),
    ("precision_at_25", "Precision @25"),
)


@dataclass(frozen=True)
class RecommenderMetrics:
    use_case: str
    values: dict[str, float]
    # "personalize" (DescribeRecommender), "stack output" (describe failed or had none), or
    # "none" (not trained yet and no output recorded).
    source: str


def collect_metrics(
    personalize: PersonalizeClient, outputs: StackOutputs
) -> list[RecommenderMetrics]:
    result = []
    for use_case, arn in outputs.recommender_arns.items():
        try:
            recommender = personalize.describe_recommender(recommenderArn=arn)["recommender"]
            live = dict(recommender.get("modelMetrics") or {})
        except ClientError:
            # The stack recorded the metrics at deploy time; a throttled or denied describe
            # should not hide them.
            live = None
        if live:
            result.append(RecommenderMetrics(use_case, live, "personalize"))
            continue
        stored = outputs.stored_metrics(use_case)
        if stored:
            result.append(RecommenderMetrics(use_case, stored, "stack output"))
        else:
            result.append(RecommenderMetrics(use_case, {}, "none"))
    return result


def render_metrics(columns: list[RecommenderMetrics]) -> str:
    headers = ["METRIC", *(c.use_case + _mark(c) for c in columns)]
    rows = [[label, *(_number(c.values.get(key)) for c in columns)] for key, label in METRICS]
    table = render_table(headers, rows, right=range(1, len(headers)))
    notes = []
    if any(c.source == "stack output" for c in columns):
        notes.append("* read from the stack output: DescribeRecommender gave no metrics")
    if any(c.source == "none" for c in columns):
        notes.append("- no metrics yet: the recommender has not finished training")
    return "\n".join([table, *notes])


def _mark(column: RecommenderMetrics) -> str:
    return " *" if column.source == "stack output" else ""


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
