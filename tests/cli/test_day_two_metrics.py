"""`metrics`: the console's evaluation table, one column per recommender."""

from __future__ import annotations

import importlib
import json

from day_two_env import DeployedEnv

from personalize_ops.day_two import METRICS


def test_the_table_shows_the_metrics_the_stack_records() -> None:
    # The metrics handler (a Lambda asset, which cannot import this package) names them too.
    handler = importlib.import_module("metrics")
    assert [key for key, _ in METRICS] == list(handler.METRICS)


def _rows(output: str) -> dict[str, list[str]]:
    labels = dict(METRICS).values()
    rows = {}
    for line in output.splitlines():
        for label in labels:
            if line.startswith(label + " "):
                rows[label] = line[len(label) :].split()
    return rows


def test_metrics_shows_every_metric_for_every_recommender(deployed: DeployedEnv) -> None:
    # GIVEN two trained recommenders
    control = deployed.sim.client()
    live = {
        key: control.describe_recommender(recommenderArn=arn)["recommender"]["modelMetrics"]
        for key, arn in deployed.recommenders.items()
    }
    # WHEN metrics runs
    result = deployed.invoke(["metrics"])
    # THEN the columns are the use cases and each row is one metric, from Personalize
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == [
        "METRIC",
        "best-sellers",
        "recommended-for-you",
    ]
    rows = _rows(result.output)
    assert list(rows) == [label for _, label in METRICS]
    for key, label in METRICS:
        assert rows[label] == [
            f"{live['best-sellers'][key]:.4f}",
            f"{live['recommended-for-you'][key]:.4f}",
        ]


def test_metrics_fall_back_to_the_stack_output(deployed: DeployedEnv) -> None:
    # GIVEN DescribeRecommender is denied, and the stack recorded coverage 0.1234 for both
    deployed.sim.inject("DescribeRecommender", "AccessDeniedException", times=None)
    for label in ("RecommendedForYou", "BestSellers"):
        stored = json.loads(deployed.outputs[f"{label}RecommenderMetrics"])
        deployed.outputs[f"{label}RecommenderMetrics"] = json.dumps({**stored, "coverage": 0.1234})
    # WHEN metrics runs
    result = deployed.invoke(["metrics"])
    # THEN it succeeds with the stored values, and says where they came from
    assert result.exit_code == 0, result.output
    assert _rows(result.output)["Coverage"] == ["0.1234", "0.1234"]
    assert "* read from the stack output" in result.output


def test_metrics_mark_an_untrained_recommender(deployed: DeployedEnv) -> None:
    # GIVEN best-sellers has neither live metrics (denied) nor a stored output
    deployed.sim.inject("DescribeRecommender", "AccessDeniedException", times=None)
    del deployed.outputs["BestSellersRecommenderMetrics"]
    # WHEN metrics runs
    result = deployed.invoke(["metrics"])
    # THEN its column shows dashes and a note explains them
    assert _rows(result.output)["NDCG @10"][0] == "-"
    assert "no metrics yet" in result.output
