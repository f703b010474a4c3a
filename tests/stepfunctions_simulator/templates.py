"""Payload templates (Parameters, ResultSelector): keys ending in `.$` take a path or intrinsic."""

from __future__ import annotations

import json

from . import intrinsics, paths
from .errors import DefinitionError, runtime_error
from .paths import Json


def render(template: Json, data: Json, context: Json) -> Json:
    """A copy of `template` with every `"key.$": expression` replaced by `"key": value`."""
    if isinstance(template, dict):
        rendered: dict[str, Json] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                rendered[key[:-2]] = _field_value(key, value, data, context)
            else:
                rendered[key] = render(value, data, context)
        return rendered
    if isinstance(template, list):
        return [render(item, data, context) for item in template]
    return template


def expression(text: str, data: Json, context: Json) -> Json:
    """The value of a path or intrinsic call, e.g. `$.a`, `$$.Execution.Id`, `States.Array(1)`."""
    if intrinsics.is_intrinsic(text):
        return intrinsics.evaluate(text, data, context)
    return paths.resolve(paths.parse(text), data, context)


def _field_value(key: str, text: Json, data: Json, context: Json) -> Json:
    if not isinstance(text, str):
        raise DefinitionError(f"The value of {key!r} must be a path or intrinsic function.")
    try:
        return expression(text, data, context)
    except paths.PathNotFound:
        shown = json.dumps(data, separators=(",", ":"))
        raise runtime_error(
            f"The JSONPath '{text}' specified for the field '{key}' could not be found in the "
            f"input '{shown}'"
        ) from None


def check(template: Json, where: str) -> None:
    """Parse every expression of a template now, so a bad one fails at registration."""
    if isinstance(template, dict):
        for key, value in template.items():
            if key.endswith(".$"):
                check_expression(value, f"{where}.{key}")
            else:
                check(value, f"{where}.{key}")
    elif isinstance(template, list):
        for index, item in enumerate(template):
            check(item, f"{where}[{index}]")


def check_expression(text: Json, where: str) -> None:
    """A path or an intrinsic function, parsed now so a bad one fails at registration."""
    if intrinsics.is_intrinsic(text):
        intrinsics.parse(text)
    elif paths.is_path(text):
        paths.parse(text)
    else:
        raise DefinitionError(f"{where}: {text!r} is neither a path nor an intrinsic function.")
