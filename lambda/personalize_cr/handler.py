"""Entry points of the Personalize custom-resource provider (one provider per stack).

`on_event` and `is_complete` dispatch on the custom resource type to the module that owns it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import dataset_schema
import import_job
import metrics
import recommender
from cr_common import LOGGER, HandlerError, personalize_client, stepfunctions_client

_MODULES = {
    module.RESOURCE_TYPE: module for module in (import_job, recommender, metrics, dataset_schema)
}


def on_event(event: Mapping[str, Any], _context: Any = None) -> dict[str, Any]:
    LOGGER.info("on_event %s", json.dumps(_loggable(event)))
    result: dict[str, Any] = _module(event).on_event(
        event, personalize_client(), stepfunctions_client()
    )
    return result


def is_complete(event: Mapping[str, Any], _context: Any = None) -> dict[str, Any]:
    result: dict[str, Any] = _module(event).is_complete(event, personalize_client())
    return result


def _module(event: Mapping[str, Any]) -> Any:
    resource_type = event.get("ResourceType")
    if resource_type not in _MODULES:
        raise HandlerError(f"unsupported resource type {resource_type!r}")
    return _MODULES[resource_type]


def _loggable(event: Mapping[str, Any]) -> dict[str, Any]:
    # The response URL and the wait handle are presigned: whoever reads them can answer for us.
    hidden = {"ResponseURL", "ReadinessHandle"}
    clean = {k: v for k, v in event.items() if k not in hidden}
    for key in ("ResourceProperties", "OldResourceProperties"):
        if key in clean:
            clean[key] = {k: v for k, v in clean[key].items() if k not in hidden}
    return clean
