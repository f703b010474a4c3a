"""Choice rules (JSONPath flavour): comparisons, type tests, And/Or/Not.

Semantics follow the ASL specification: a comparison between values of different types is
false, not an error; a `Variable` that selects nothing is a `States.Runtime` error except for
`IsPresent`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import paths
from .errors import DefinitionError, runtime_error
from .paths import Json

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def parse_timestamp(value: Json) -> datetime | None:
    """An RFC 3339 timestamp as ASL requires it (uppercase T, Z or an offset), else None."""
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _is_number(value: Json) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_string(value: Json) -> Json:
    return value if isinstance(value, str) else None


def _as_number(value: Json) -> Json:
    return value if _is_number(value) else None


def _as_boolean(value: Json) -> Json:
    return value if isinstance(value, bool) else None


# Each kind converts a value to something comparable, or None when the type does not fit.
_KINDS: dict[str, Callable[[Json], Any]] = {
    "String": _as_string,
    "Numeric": _as_number,
    "Timestamp": parse_timestamp,
}
COMPARISONS: dict[str, tuple[Callable[[Json], Any], Callable[[Any, Any], bool]]] = {
    f"{kind}{name}": (convert, compare)
    for kind, convert in _KINDS.items()
    for name, compare in _ORDER.items()
}
COMPARISONS["BooleanEquals"] = (_as_boolean, operator.eq)

TYPE_TESTS: dict[str, Callable[[Json], bool]] = {
    "IsNull": lambda value: value is None,
    "IsNumeric": _is_number,
    "IsString": lambda value: isinstance(value, str),
    "IsBoolean": lambda value: isinstance(value, bool),
    "IsTimestamp": lambda value: parse_timestamp(value) is not None,
}

OPERATORS = frozenset(
    {*COMPARISONS, *(f"{name}Path" for name in COMPARISONS), *TYPE_TESTS}
    | {"IsPresent", "StringMatches"}
)


def matches(rule: dict[str, Json], data: Json, context: Json) -> bool:
    """Whether `rule` (a Choice rule or one nested in And/Or/Not) holds for `data`."""
    if "And" in rule:
        return all(matches(inner, data, context) for inner in rule["And"])
    if "Or" in rule:
        return any(matches(inner, data, context) for inner in rule["Or"])
    if "Not" in rule:
        return not matches(rule["Not"], data, context)
    name = _operator(rule)
    variable = paths.parse(rule["Variable"])
    if name == "IsPresent":
        return _present(variable, data, context) is rule[name]
    value = _resolve(variable, data, context)
    if name in TYPE_TESTS:
        return TYPE_TESTS[name](value) is rule[name]
    if name == "StringMatches":
        return isinstance(value, str) and _wildcard(rule[name]).fullmatch(value) is not None
    base = name.removesuffix("Path")
    operand = rule[name]
    if name != base:
        operand = _resolve(paths.parse(operand), data, context)
    convert, compare = COMPARISONS[base]
    left, right = convert(value), convert(operand)
    return left is not None and right is not None and compare(left, right)


def _operator(rule: dict[str, Json]) -> str:
    return next(key for key in rule if key in OPERATORS)


def _present(path: paths.Path, data: Json, context: Json) -> bool:
    try:
        paths.resolve(path, data, context)
    except paths.PathNotFound:
        return False
    return True


def _resolve(path: paths.Path, data: Json, context: Json) -> Json:
    try:
        return paths.resolve(path, data, context)
    except paths.PathNotFound:
        raise runtime_error(
            f"Invalid path '{path.text}': The choice state's condition path references an "
            "invalid value."
        ) from None


def _wildcard(pattern: str) -> re.Pattern[str]:
    """ASL's StringMatches: `*` matches any run of characters; `\\*` and `\\\\` are literal."""
    parts: list[str] = []
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\" and position + 1 < len(pattern):
            parts.append(re.escape(pattern[position + 1]))
            position += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        position += 1
    return re.compile("".join(parts), re.DOTALL)


# -- static checks, run when a state machine is registered -------------------------------------


def check(rule: Json, where: str, *, top_level: bool) -> None:
    if not isinstance(rule, dict):
        raise DefinitionError(f"{where}: a Choice rule must be an object.")
    if top_level and "Next" not in rule:
        raise DefinitionError(f"{where}: a top-level Choice rule needs Next.")
    if not top_level and "Next" in rule:
        raise DefinitionError(f"{where}: only top-level Choice rules may have Next.")
    for combinator in ("And", "Or"):
        if combinator in rule:
            inner = rule[combinator]
            if not isinstance(inner, list) or not inner:
                raise DefinitionError(f"{where}.{combinator} must be a non-empty list.")
            for index, nested in enumerate(inner):
                check(nested, f"{where}.{combinator}[{index}]", top_level=False)
            return
    if "Not" in rule:
        check(rule["Not"], f"{where}.Not", top_level=False)
        return
    _check_comparison(rule, where)


def _check_comparison(rule: dict[str, Json], where: str) -> None:
    found = [key for key in rule if key in OPERATORS]
    unknown = set(rule) - OPERATORS - {"Variable", "Next", "Comment"}
    if len(found) != 1 or unknown:
        raise DefinitionError(
            f"{where}: expected exactly one supported operator, found {found}; "
            f"unknown fields {sorted(unknown)}. Supported: {sorted(OPERATORS)}."
        )
    if not paths.is_path(rule.get("Variable")):
        raise DefinitionError(f"{where}: Variable must be a path.")
    paths.parse(rule["Variable"])
    _check_operand(found[0], rule[found[0]], where)


def _check_operand(name: str, operand: Json, where: str) -> None:
    if name.endswith("Path"):
        valid = paths.is_path(operand) and bool(paths.parse(operand))
    elif name in TYPE_TESTS or name in ("IsPresent", "BooleanEquals"):
        valid = isinstance(operand, bool)
    elif name.startswith("Numeric"):
        valid = _is_number(operand)
    elif name.startswith("Timestamp"):
        valid = parse_timestamp(operand) is not None
    else:
        valid = isinstance(operand, str)
    if not valid:
        raise DefinitionError(f"{where}: {operand!r} is not a valid operand of {name}.")
