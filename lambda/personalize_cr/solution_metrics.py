"""Custom::PersonalizeSolutionMetrics: a trained solution version's GetSolutionMetrics as
attributes (one per metric, and `Json`).

It depends on the version's WaitCondition, so it runs once training is over; a new version is a
new `SolutionVersionArn`, so it reads the metrics again. Nothing to delete.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from handler_support import LOGGER, HandlerError, require
from metrics import METRICS
from resource_kinds import SOLUTION_METRICS

RESOURCE_TYPE = SOLUTION_METRICS.resource_type


def on_event(event: Mapping[str, Any], personalize: Any, _sfn: Any) -> dict[str, Any]:
    request = event["RequestType"]
    if request == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId", "")}
    arn = require(event["ResourceProperties"], "SolutionVersionArn")
    pieces = arn.split(":", 5)
    if len(pieces) != 6 or pieces[2] != "personalize" or pieces[5].count("/") != 2:
        raise HandlerError(f"SolutionVersionArn {arn!r} is not a solution version ARN")
    found = personalize.get_solution_metrics(solutionVersionArn=arn).get("metrics") or {}
    metrics = {k: float(v) for k, v in found.items()}
    LOGGER.info("solution version %s metrics: %s", arn, metrics)
    data = {name: "" if name not in metrics else f"{metrics[name]:.4f}" for name in METRICS}
    data["Json"] = json.dumps(metrics, sort_keys=True, separators=(",", ":"))
    return {"PhysicalResourceId": f"{arn}/metrics", "Data": data}


def is_complete(_event: Mapping[str, Any], _personalize: Any, _sfn: Any) -> dict[str, Any]:
    return {"IsComplete": True}
