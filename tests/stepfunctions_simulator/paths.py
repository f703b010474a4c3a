"""ASL JSONPath, restricted to what a Reference Path can say: `$`, `$.a.b`, `$.a[0]`, `$['a b']`.

ASL allows full JSONPath (wildcards, filters, `..`) in InputPath, OutputPath and Parameters, but
then a path may select a list of matches, and each JSONPath library disagrees with Step Functions
(Jayway) on when the result is wrapped in a list. Refusing those forms is stricter than guessing:
a definition that needs them fails with `DefinitionError` instead of running differently here.
`$$` selects from the context object instead of the state's input.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from .errors import DefinitionError, StatesError, runtime_error

Json = Any
Step = str | int

_NAME = re.compile(r"[^.\[\]'\"*?()@,\s]+")
_INDEX = re.compile(r"\[(\d+)\]")
_QUOTED = re.compile(r"""\[(?:'([^']*)'|"([^"]*)")\]""")


@dataclass(frozen=True)
class Path:
    text: str
    context: bool  # `$$...`: the context object rather than the state's input
    steps: tuple[Step, ...]


class PathNotFound(Exception):
    """The path selects nothing in the given data."""


def is_path(text: object) -> bool:
    return isinstance(text, str) and text.startswith("$")


def parse(text: str) -> Path:
    """Parse a path, or raise `DefinitionError` naming the unsupported part."""
    if not text.startswith("$"):
        raise DefinitionError(f"{text!r} is not a JSONPath: it must start with '$'.")
    context = text.startswith("$$")
    position = 2 if context else 1
    steps: list[Step] = []
    while position < len(text):
        step, position = _next_step(text, position)
        steps.append(step)
    return Path(text, context, tuple(steps))


def _next_step(text: str, position: int) -> tuple[Step, int]:
    if text.startswith("..", position):
        raise _unsupported(text, "recursive descent '..'")
    if text[position] == ".":
        found = _NAME.match(text, position + 1)
        if found is None:
            raise _unsupported(text, f"the name at offset {position + 1}")
        return found.group(0), found.end()
    for pattern in (_INDEX, _QUOTED):
        found = pattern.match(text, position)
        if found is not None:
            if pattern is _INDEX:
                return int(found.group(1)), found.end()
            return found.group(1) if found.group(1) is not None else found.group(2), found.end()
    raise _unsupported(text, f"{text[position:]!r}")


def _unsupported(text: str, what: str) -> DefinitionError:
    return DefinitionError(
        f"JSONPath {text!r}: {what} is not supported. The simulator implements $, $.name, "
        "$['name'] and $.list[0] (wildcards, filters, slices and '..' are refused)."
    )


def resolve(path: Path, data: Json, context: Json) -> Json:
    """The value `path` selects; raises `PathNotFound` if any step is missing."""
    value = context if path.context else data
    for step in path.steps:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                raise PathNotFound(path.text)
        elif not isinstance(value, dict) or step not in value:
            raise PathNotFound(path.text)
        value = value[step]
    return value


def select(text: str | None, data: Json, context: Json, *, field: str) -> Json:
    """InputPath/OutputPath: `None` (JSON null) gives `{}`; a missing path is `States.Runtime`."""
    if text is None:
        return {}
    try:
        return resolve(parse(text), data, context)
    except PathNotFound:
        raise runtime_error(f"Invalid path '{text}' in {field}: it selects nothing.") from None


def assign(text: str | None, target: Json, value: Json) -> Json:
    """ResultPath: put `value` into a copy of `target`, creating objects on the way."""
    if text is None:
        return target
    path = parse(text)
    if path.context:
        raise DefinitionError(f"ResultPath {text!r} cannot write to the context object.")
    if not path.steps:
        return value
    result = copy.deepcopy(target)
    node = result
    for step in path.steps[:-1]:
        node = _child_object(node, step, text)
    _require_object(node, text)
    node[_key(path.steps[-1], text)] = value
    return result


def _child_object(node: Json, step: Step, text: str) -> Json:
    _require_object(node, text)
    key = _key(step, text)
    if key not in node:
        node[key] = {}
    return node[key]


def _require_object(node: Json, text: str) -> None:
    if not isinstance(node, dict):
        raise StatesError(
            "States.ResultPathMatchFailure",
            f"Unable to apply ResultPath '{text}' to the input: it does not select an object.",
        )


def _key(step: Step, text: str) -> str:
    if isinstance(step, int):
        raise DefinitionError(f"ResultPath {text!r}: an array index cannot be written.")
    return step
