"""Server-side checks of the constraints in the service model that botocore does not enforce.

botocore validates types, required members and minimums on the client. The service also enforces
maximum lengths, enums and regular-expression patterns, and answers with the Coral-style text
"1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: ...".
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StringShape, StructureShape

# The model writes patterns in Java syntax; these are the only Java-only classes it uses here.
_JAVA_CLASSES = {
    r"\p{ASCII}": r"[\x00-\x7F]",
    r"\p{L}": r"\w",
    r"\p{N}": r"\d",
    r"\p{Z}": r"\s",
}

# Tag lists over the limit are reported as TooManyTagsException by the operations themselves.
_LENGTH_CHECKED_ELSEWHERE = frozenset({"Tags"})


@cache
def _compile(java_pattern: str) -> re.Pattern[str] | None:
    pattern = java_pattern
    for java, python in _JAVA_CLASSES.items():
        pattern = pattern.replace(java, python)
    if r"\p{" in pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def constraint_violations(
    shape: Shape | None, value: Any, path: str = "", *, check_patterns: bool = True
) -> list[str]:
    """Every constraint `value` breaks, as Coral phrases them, with dotted member paths."""
    if shape is None or value is None:
        return []
    found: list[str] = []
    meta = shape.metadata
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            if name in value:
                child = f"{path}.{name}" if path else name
                found += constraint_violations(
                    member, value[name], child, check_patterns=check_patterns
                )
    elif isinstance(shape, ListShape):
        if shape.name not in _LENGTH_CHECKED_ELSEWHERE:
            found += _length(value, path, meta)
        for index, item in enumerate(value, start=1):
            found += constraint_violations(
                shape.member, item, f"{path}.{index}.member", check_patterns=check_patterns
            )
    elif isinstance(shape, MapShape):
        found += _length(value, path, meta)
        for key, item in value.items():
            found += constraint_violations(
                shape.value, item, f"{path}.{key}", check_patterns=check_patterns
            )
    elif isinstance(shape, StringShape):
        found += _length(value, path, meta)
        if shape.enum and value not in shape.enum:
            found.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
            )
        pattern = meta.get("pattern")
        compiled = _compile(pattern) if check_patterns and pattern else None
        if compiled is not None and compiled.fullmatch(value) is None:
            found.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {pattern}"
            )
    elif shape.type_name in ("integer", "long") and value > meta.get("max", value):
        found.append(
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {meta['max']}"
        )
    return found


def _length(value: Any, path: str, meta: dict[str, Any]) -> list[str]:
    shown = value if isinstance(value, str) else "[...]"
    if "max" in meta and len(value) > meta["max"]:
        return [
            f"Value '{shown}' at '{path}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {meta['max']}"
        ]
    # botocore checks minimums client-side, so a short value never gets here; kept for fidelity.
    if "min" in meta and len(value) < meta["min"]:
        return [
            f"Value '{shown}' at '{path}' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {meta['min']}"
        ]
    return []


def validation_message(violations: list[str]) -> str:
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(violations)
