"""CloudFormation values as short readable strings: `<DataBucket>.Arn/*`, not nested JSON.

A reviewer needs to see *what* a value points at, not evaluate it, so references stay symbolic:
`Ref` is `<LogicalId>`, `Fn::GetAtt` is `<LogicalId>.Attribute`, pseudo parameters are
`<AWS::Region>`; `Fn::Join` and `Fn::Sub` are spliced into one string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def render(value: object) -> str:
    """One line for any template value, intrinsic functions resolved into symbols."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    if isinstance(value, Mapping):
        intrinsic = _intrinsic(value)
        if intrinsic is not None:
            return intrinsic
        return "{" + ", ".join(f"{k}: {render(value[k])}" for k in sorted(value)) + "}"
    return repr(value)


def render_list(value: object) -> list[str]:
    """A value that may be one item or a list (IAM's Action, Resource) as rendered items."""
    items = value if isinstance(value, list) else [value]
    return [render(item) for item in items]


def _intrinsic(value: Mapping[str, object]) -> str | None:
    if len(value) != 1:
        return None
    (name, argument), *_ = value.items()
    if name == "Ref":
        return f"<{argument}>" if isinstance(argument, str) else None
    if name == "Fn::GetAtt":
        return _get_att(argument)
    if name == "Fn::Join":
        return _join(argument)
    if name == "Fn::Sub":
        return _sub(argument)
    if name == "Fn::Select":
        return _select(argument)
    if name.startswith("Fn::") or name == "Condition":
        return f"{name.removeprefix('Fn::')}({_arguments(argument)})"
    return None


def _arguments(argument: object) -> str:
    if isinstance(argument, list):
        return ", ".join(render(item) for item in argument)
    return render(argument)


def _get_att(argument: object) -> str:
    if isinstance(argument, list) and len(argument) == 2:
        return f"<{render(argument[0])}>.{render(argument[1])}"
    if isinstance(argument, str) and "." in argument:
        logical_id, attribute = argument.split(".", 1)
        return f"<{logical_id}>.{attribute}"
    return f"GetAtt({_arguments(argument)})"


def _join(argument: object) -> str:
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
        separator: str = argument[0]
        parts = argument[1]
        if isinstance(parts, list):
            return separator.join(render(part) for part in parts)
    return f"Join({_arguments(argument)})"


def _sub(argument: object) -> str:
    argument, variables = _sub_parts(argument)
    if not isinstance(argument, str):
        return f"Sub({_arguments(argument)})"

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"  # `${!Literal}` is Sub's escape for a literal `${`.
        if name in variables:
            return render(variables[name])
        if "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            return f"<{logical_id}>.{attribute}"
        return f"<{name}>"

    return _SUB_VARIABLE.sub(replace, argument)


def _select(argument: object) -> str:
    if isinstance(argument, list) and len(argument) == 2:
        index, items = argument
        if isinstance(items, list) and isinstance(index, int | str) and str(index).isdigit():
            position = int(index)
            if position < len(items):
                return render(items[position])
    return f"Select({_arguments(argument)})"


def references(value: object) -> Iterator[str]:
    """Logical ids a value refers to (`Ref`, `Fn::GetAtt`, `Fn::Sub`), pseudo parameters aside."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
        return
    if isinstance(value, str) or not isinstance(value, Mapping):
        return
    if len(value) == 1:
        (name, argument), *_ = value.items()
        target = _reference_target(name, argument)
        if target is not None:
            if not target.startswith("AWS::"):
                yield target
            return
        if name == "Fn::Sub":
            yield from _sub_references(argument)
            return
    for key in sorted(value):
        yield from references(value[key])


def _reference_target(name: str, argument: object) -> str | None:
    if name == "Ref" and isinstance(argument, str):
        return argument
    if name == "Fn::GetAtt":
        if isinstance(argument, list) and argument and isinstance(argument[0], str):
            return argument[0]
        if isinstance(argument, str):
            return argument.split(".", 1)[0]
    return None


def _sub_parts(argument: object) -> tuple[object, Mapping[str, object]]:
    """`Fn::Sub` takes a string, or a string and a map of its own variables."""
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], Mapping):
        return argument[0], argument[1]
    return argument, {}


def _sub_references(argument: object) -> Iterator[str]:
    argument, variables = _sub_parts(argument)
    for key in sorted(variables):
        yield from references(variables[key])
    if isinstance(argument, str):
        for name in _SUB_VARIABLE.findall(argument):
            if name.startswith("!") or name in variables or name.startswith("AWS::"):
                continue
            yield name.split(".", 1)[0]
