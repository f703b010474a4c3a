"""Athena's optimized integration: `arn:aws:states:::athena:<apiAction>[.sync]`.

Supported: `startQueryExecution` (request-response or `.sync`) and `getQueryResults`, called with
the boto3 client in `sfn.sdk_clients["athena"]` (usually `AthenaSimulator`'s), so botocore
validates each request. Athena's API already names members in PascalCase, and the optimized
integration passes them through unchanged [V: developer guide, "Run Athena queries with Step
Functions"]; results are the API's response without `ResponseMetadata`.

- `.sync` starts the query, then reads GetQueryExecution until the state is final: the fake's
  queries end at once, so the task does too. SUCCEEDED: the result is GetQueryExecution's
  response. FAILED or CANCELLED: the task fails with `States.TaskFailed` and that response as the
  cause [H: the error name and the cause's shape are not documented].
- Errors of the API itself are named as for SDK integrations (`Athena.InvalidRequestException`)
  [H].
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from . import sdk
from .errors import DefinitionError, StatesError
from .paths import Json

_RESOURCE = re.compile(r"arn:aws[a-z-]*:states:::athena:([A-Za-z]+)(\.sync)?")
SUPPORTED = {
    ("startQueryExecution", False),
    ("startQueryExecution", True),
    ("getQueryResults", False),
}
FINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


def parse_resource(resource: str) -> tuple[str, bool] | None:
    """(apiAction, sync) of an Athena Resource, None for other resources."""
    found = _RESOURCE.fullmatch(resource)
    if found is None:
        return None
    call = (found.group(1), bool(found.group(2)))
    if call not in SUPPORTED:
        raise DefinitionError(f"{resource}: only {sorted(SUPPORTED)} are simulated.")
    return call


def call(client: Any, action: str, sync: bool, parameters: Json) -> Json:
    if client is None:
        raise DefinitionError("no client for 'athena'; set sfn.sdk_clients['athena'].")
    if not isinstance(parameters, dict):
        raise DefinitionError(f"athena:{action} takes an object of parameters, got {parameters!r}")
    if action == "getQueryResults":
        return _api(client, "get_query_results", parameters)
    started = _api(client, "start_query_execution", parameters)
    if not sync:
        return started
    execution = _api(
        client, "get_query_execution", {"QueryExecutionId": started["QueryExecutionId"]}
    )
    state = execution["QueryExecution"]["Status"]["State"]
    if state not in FINAL:
        raise DefinitionError(f"the fake left query {started['QueryExecutionId']} {state}")
    if state != "SUCCEEDED":
        raise StatesError("States.TaskFailed", json.dumps(execution, default=str))
    return execution


def _api(client: Any, method: str, parameters: dict[str, Any]) -> dict[str, Any]:
    try:
        response: dict[str, Any] = getattr(client, method)(**parameters)
    except ParamValidationError as error:
        raise DefinitionError(
            f"athena {method}: botocore rejected {parameters!r}: {error}"
        ) from error
    except ClientError as error:
        raise sdk.sdk_error(client.meta.service_model, error) from error
    response.pop("ResponseMetadata", None)
    return json.loads(json.dumps(response, default=sdk.iso_timestamp))
