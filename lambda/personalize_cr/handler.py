"""Entry points of the Personalize custom-resource provider (one provider per stack).

`on_event` and `is_complete` dispatch on the custom resource type to the module that owns it.
Every failure leaves here as one `HandlerError` line, cut to fit CloudFormation's response, and
no AWS call starts that could outlast the invocation (`Deadline`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import dataset_schema
import import_job
import metrics
import recommender
import solution
import solution_metrics
import solution_version
from handler_support import (
    LOGGER,
    Deadline,
    HandlerError,
    OutOfTime,
    TimedClient,
    personalize_client,
    reason_for,
    stepfunctions_client,
)

_MODULES = {
    module.RESOURCE_TYPE: module
    for module in (
        import_job,
        recommender,
        metrics,
        dataset_schema,
        solution,
        solution_version,
        solution_metrics,
    )
}
REQUEST_TYPES = ("Create", "Update", "Delete")


def on_event(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    LOGGER.info("on_event %s", json.dumps(_loggable(event)))
    try:
        return _run("on_event", event, context)
    except OutOfTime as exc:
        raise HandlerError(
            f"{event['RequestType']} of {event.get('LogicalResourceId')} stopped early: {exc}. "
            "Nothing was left half-done that a retry cannot finish: deploy again."
        ) from None


def is_complete(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    try:
        return _run("is_complete", event, context)
    except OutOfTime as exc:
        # The framework polls again; this poll simply ends early.
        LOGGER.info("is_complete: %s; polling again", exc)
        return {"IsComplete": False}


def _run(entry: str, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Call the kind's `entry` with clients bound to the invocation's deadline; any failure but
    running out of time leaves as one HandlerError line."""
    module = _module(event)
    deadline = Deadline(context)
    try:
        result: dict[str, Any] = getattr(module, entry)(
            event,
            TimedClient(personalize_client(), deadline),
            TimedClient(stepfunctions_client(), deadline),
        )
    except (HandlerError, OutOfTime):
        raise
    except Exception as exc:  # every failure reaches CloudFormation as one line
        LOGGER.exception("%s failed", entry)
        raise HandlerError(reason_for(exc)) from None
    return result


def _module(event: Mapping[str, Any]) -> Any:
    resource_type = event.get("ResourceType")
    if resource_type not in _MODULES:
        raise HandlerError(f"unsupported resource type {resource_type!r}")
    if event.get("RequestType") not in REQUEST_TYPES:
        raise HandlerError(
            f"unknown request type {event.get('RequestType')!r}; expected one of {REQUEST_TYPES}"
        )
    if not isinstance(event.get("ResourceProperties", {}), Mapping):
        raise HandlerError("ResourceProperties must be an object")
    return _MODULES[resource_type]


def _loggable(event: Mapping[str, Any]) -> dict[str, Any]:
    # The response URL and the wait handle are presigned: whoever reads them can answer for us.
    hidden = {"ResponseURL", "ReadinessHandle"}
    clean = {k: v for k, v in event.items() if k not in hidden}
    for key in ("ResourceProperties", "OldResourceProperties"):
        if isinstance(clean.get(key), Mapping):
            clean[key] = {k: v for k, v in clean[key].items() if k not in hidden}
    return clean
