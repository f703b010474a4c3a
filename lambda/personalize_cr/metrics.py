"""Custom::PersonalizeRecommenderMetrics: a trained recommender's modelMetrics as attributes.

It depends on the recommender's WaitCondition, so it runs once training (or an update) is over,
and its `Operation` property changes with every recommender operation, so it reads the metrics
again after each one. Nothing to delete.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from handler_support import LOGGER, HandlerError, is_personalize_arn, require
from resource_kinds import RECOMMENDER_METRICS

RESOURCE_TYPE = RECOMMENDER_METRICS.resource_type
# The guide's evaluation table (coverage, MRR@25, NDCG@5/10/25, precision@5/10/25).
METRICS = (
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
)


def on_event(event: Mapping[str, Any], personalize: Any, _sfn: Any) -> dict[str, Any]:
    request = event["RequestType"]
    if request == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId", "")}
    if request not in ("Create", "Update"):
        raise HandlerError(f"unknown request type {request!r}")
    arn = require(event["ResourceProperties"], "RecommenderArn")
    if not is_personalize_arn(arn, "recommender"):
        raise HandlerError(f"RecommenderArn {arn!r} is not a recommender ARN")
    found = personalize.describe_recommender(recommenderArn=arn)["recommender"]
    metrics = {k: float(v) for k, v in (found.get("modelMetrics") or {}).items()}
    LOGGER.info("recommender %s metrics: %s", arn, metrics)
    data = {name: _text(metrics.get(name)) for name in METRICS}
    data["Json"] = json.dumps(metrics, sort_keys=True, separators=(",", ":"))
    return {"PhysicalResourceId": f"{arn}/metrics", "Data": data}


def is_complete(_event: Mapping[str, Any], _personalize: Any, _sfn: Any) -> dict[str, Any]:
    return {"IsComplete": True}


def _text(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
