"""ASL intrinsic functions (`States.Format(...)` and friends), parsed strictly and evaluated.

Only deterministic functions are implemented; `States.UUID` and `States.MathRandom` would make
runs irreproducible, so they fail loudly like every other function not listed in `_FUNCTIONS`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from . import paths
from .errors import DefinitionError, runtime_error
from .paths import Json

_FUNCTION_NAME = re.compile(r"States\.[A-Za-z0-9]+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_KEYWORDS: dict[str, Json] = {"true": True, "false": False, "null": None}

T = TypeVar("T")


@dataclass(frozen=True)
class Literal:
    value: Json
    raw: str | None = None  # a string literal's text with its escapes, which Format needs


@dataclass(frozen=True)
class PathArg:
    path: paths.Path


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Literal | PathArg | Call, ...]


Arg = Literal | PathArg | Call


def is_intrinsic(text: object) -> bool:
    return isinstance(text, str) and text.startswith("States.")


@cache
def parse(text: str) -> Call:
    """Parse one intrinsic call, or raise `DefinitionError` pointing at the offending offset."""
    parser = _Parser(text)
    call = parser.call()
    parser.skip_spaces()
    if parser.position != len(text):
        raise parser.error("unexpected text after the call")
    _check_function(call)
    return call


def evaluate(text: str, data: Json, context: Json) -> Json:
    return _evaluate(parse(text), data, context)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def error(self, what: str) -> DefinitionError:
        return DefinitionError(
            f"Intrinsic function {self.text!r}: {what} at offset {self.position}."
        )

    def skip_spaces(self) -> None:
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1

    def expect(self, char: str) -> None:
        self.skip_spaces()
        if not self.text.startswith(char, self.position):
            raise self.error(f"expected {char!r}")
        self.position += 1

    def call(self) -> Call:
        found = _FUNCTION_NAME.match(self.text, self.position)
        if found is None:
            raise self.error("expected a function name such as States.Format")
        self.position = found.end()
        self.expect("(")
        args: list[Arg] = []
        self.skip_spaces()
        if self.text.startswith(")", self.position):
            self.position += 1
            return Call(found.group(0), ())
        while True:
            args.append(self.arg())
            self.skip_spaces()
            if self.text.startswith(")", self.position):
                self.position += 1
                return Call(found.group(0), tuple(args))
            self.expect(",")

    def arg(self) -> Arg:
        self.skip_spaces()
        rest = self.text[self.position :]
        if rest.startswith("'"):
            return self.string()
        if rest.startswith("$"):
            return PathArg(paths.parse(self.path_text()))
        if rest.startswith("States."):
            return self.call()
        for word, value in _KEYWORDS.items():
            if rest.startswith(word):
                self.position += len(word)
                return Literal(value)
        number = _NUMBER.match(self.text, self.position)
        if number is None:
            raise self.error("expected a string, number, path or function")
        self.position = number.end()
        return Literal(json.loads(number.group(0)))

    def string(self) -> Literal:
        start = self.position
        self.position += 1
        while self.position < len(self.text):
            char = self.text[self.position]
            if char == "\\":
                self.position += 2
                continue
            if char == "'":
                raw = self.text[start + 1 : self.position]
                self.position += 1
                return Literal(re.sub(r"\\(.)", r"\1", raw), raw)
            self.position += 1
        raise self.error("unterminated string")

    def path_text(self) -> str:
        start, depth, quote = self.position, 0, ""
        while self.position < len(self.text):
            char = self.text[self.position]
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"" and depth:
                quote = char
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
            elif depth == 0 and (char in ",)" or char.isspace()):
                break
            self.position += 1
        return self.text[start : self.position]


def _evaluate(node: Arg, data: Json, context: Json) -> Json:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, PathArg):
        try:
            return paths.resolve(node.path, data, context)
        except paths.PathNotFound:
            raise runtime_error(
                f"Invalid path '{node.path.text}': it selects nothing in the input."
            ) from None
    values = [_evaluate(arg, data, context) for arg in node.args]
    if node.name == "States.Format":
        first = node.args[0]
        template = first.raw if isinstance(first, Literal) and first.raw is not None else values[0]
        return _format(template, values[1:])
    return _FUNCTIONS[node.name][1](values)


def _check_function(call: Call) -> None:
    if call.name not in _FUNCTIONS:
        raise DefinitionError(
            f"{call.name} is not supported by the simulator; supported: "
            f"{', '.join(sorted(_FUNCTIONS))}."
        )
    arity = _FUNCTIONS[call.name][0]
    if arity is not None and len(call.args) != arity:
        raise DefinitionError(f"{call.name} takes {arity} arguments, got {len(call.args)}.")
    if arity is None and not call.args and call.name == "States.Format":
        raise DefinitionError("States.Format needs a template argument.")
    for arg in call.args:
        if isinstance(arg, Call):
            _check_function(arg)


def _format(template: Json, args: list[Json]) -> str:
    if not isinstance(template, str):
        raise runtime_error("States.Format: the template must be a string.")
    out: list[str] = []
    remaining = iter(args)
    position = 0
    while position < len(template):
        char = template[position]
        if char == "\\" and position + 1 < len(template):
            out.append(template[position + 1])
            position += 2
        elif template.startswith("{}", position):
            out.append(_format_value(next(remaining, _MISSING)))
            position += 2
        else:
            out.append(char)
            position += 1
    if next(remaining, _MISSING) is not _MISSING:
        raise runtime_error("States.Format: more arguments than '{}' placeholders.")
    return "".join(out)


_MISSING = object()


def _format_value(value: Json) -> str:
    if value is _MISSING:
        raise runtime_error("States.Format: fewer arguments than '{}' placeholders.")
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        # [H] Step Functions documents only string, number, boolean and null arguments.
        raise runtime_error("States.Format: an object or array cannot be interpolated.")
    return json.dumps(value)


def _string_to_json(values: list[Json]) -> Json:
    text = _require(values[0], str, "States.StringToJson")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise runtime_error(f"States.StringToJson: invalid JSON ({error}).") from None


def _json_to_string(values: list[Json]) -> Json:
    return json.dumps(values[0], separators=(",", ":"), ensure_ascii=False)


def _math_add(values: list[Json]) -> Json:
    # [H] AWS documents integer arguments; a fraction or a boolean is refused, not rounded.
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise runtime_error(f"States.MathAdd: {value!r} is not an integer.")
    return values[0] + values[1]


def _array_get_item(values: list[Json]) -> Json:
    array = _require(values[0], list, "States.ArrayGetItem")
    index = values[1]
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(array):
        raise runtime_error(f"States.ArrayGetItem: index {index!r} is out of range.")
    return array[index]


def _string_split(values: list[Json]) -> Json:
    # [V] every character of the second argument is a delimiter (the guide splits
    # "This.is+a,test=string" on ".+,=" into five strings); [H] empty pieces are left out.
    text = _require(values[0], str, "States.StringSplit")
    delimiters = _require(values[1], str, "States.StringSplit")
    if not delimiters:
        raise runtime_error("States.StringSplit: the delimiter is empty.")
    pieces = re.split("[" + re.escape(delimiters) + "]", text)
    return [piece for piece in pieces if piece]


def _base64_decode(values: list[Json]) -> Json:
    text = _require(values[0], str, "States.Base64Decode")
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise runtime_error("States.Base64Decode: the input is not base64 of UTF-8.") from None


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384"}
_HASHES["SHA-512"] = "sha512"


def _hash(values: list[Json]) -> Json:
    algorithm = _HASHES.get(_require(values[1], str, "States.Hash"))
    if algorithm is None:
        raise runtime_error(f"States.Hash: algorithm {values[1]!r} is not one of {list(_HASHES)}.")
    text = values[0] if isinstance(values[0], str) else _json_to_string(values[:1])
    return hashlib.new(algorithm, text.encode()).hexdigest()


def _require(value: Json, kind: type[T], function: str) -> T:
    if not isinstance(value, kind):
        raise runtime_error(f"{function}: expected a {kind.__name__}, got {value!r}.")
    return value


# name -> (number of arguments, or None for any; implementation)
_FUNCTIONS: dict[str, tuple[int | None, Callable[[list[Json]], Json]]] = {
    "States.Format": (None, lambda values: values),  # evaluated in `_evaluate` (needs escapes)
    "States.StringToJson": (1, _string_to_json),
    "States.JsonToString": (1, _json_to_string),
    "States.Array": (None, list),
    "States.ArrayGetItem": (2, _array_get_item),
    "States.ArrayLength": (1, lambda values: len(_require(values[0], list, "ArrayLength"))),
    "States.ArrayContains": (
        2,
        lambda values: values[1] in _require(values[0], list, "States.ArrayContains"),
    ),
    "States.MathAdd": (2, _math_add),
    "States.StringSplit": (2, _string_split),
    "States.Base64Encode": (
        1,
        lambda values: base64.b64encode(
            _require(values[0], str, "States.Base64Encode").encode()
        ).decode(),
    ),
    "States.Base64Decode": (1, _base64_decode),
    "States.Hash": (2, _hash),
}
