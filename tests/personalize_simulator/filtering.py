"""Filter expressions as the simulated Personalize reads and applies them.

Written apart from the project's own parser (`personalize_domain/filters`), so that a mistake
there is not mirrored here. It reads the documented item-filter forms: `INCLUDE|EXCLUDE ItemID
WHERE` conditions on `Interactions.EVENT_TYPE` and `Items.<FIELD>` (IN, NOT IN, =, !=, <, <=, >,
>=) joined by AND/OR, values as strings, numbers, `$PARAMETERS` or `CurrentItem.<FIELD>`, an
`IF CurrentUser.<FIELD> ...` clause, and `|` between expressions.

How it applies them (tags as in README.md):
- [D] each `|` part applies in turn: INCLUDE keeps matching items, EXCLUDE removes them;
- [D] an EXCLUDE part whose parameters have no values is ignored; INCLUDE needs all of them;
- [D] interactions count per user: the 100 most recent of each event type; event types match
  case-insensitively; "*" matches any;
- [H] AND binds tighter than OR; NOT IN is the negation of IN; an item without the field matches
  no IN and no comparison; a multi-value field (`a|b`) matches IN when any of its values does;
- [H] an IF clause that does not hold for the user leaves its part out.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

RECENT_PER_EVENT_TYPE = 100

_TOKEN = re.compile(
    r'\s*(?:("(?:[^"\\]|\\.)*")|(\$[A-Za-z0-9_]+)|(-?\d+(?:\.\d+)?)|([A-Za-z_]\w*)'
    r"|(<=|>=|!=|=|<|>)|([(),.|]))"
)
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class FilterExpressionError(ValueError):
    """Not an expression this simulator reads; CreateFilter answers InvalidInput."""


@dataclass(frozen=True)
class Operand:
    kind: str  # "string", "number", "parameter", "reference"
    text: str  # the string's value, the number, the parameter's name, or "Scope.FIELD"


@dataclass(frozen=True)
class Test:
    scope: str
    field: str
    op: str  # IN, NOT IN, or a comparison
    operands: tuple[Operand, ...]


@dataclass(frozen=True)
class Part:
    action: str
    any_of: tuple[tuple[Test, ...], ...]  # OR of AND-groups
    conditions: tuple[Test, ...] = ()  # the IF clause

    def tests(self) -> tuple[Test, ...]:
        return (*[t for group in self.any_of for t in group], *self.conditions)

    def parameters(self) -> set[str]:
        return {o.text for t in self.tests() for o in t.operands if o.kind == "parameter"}


def parse_filter(text: str) -> tuple[Part, ...]:
    tokens = _tokens(text)
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == "|":
            parts.append([])
        else:
            parts[-1].append(token)
    return tuple(_part(p) for p in parts)


def _tokens(text: str) -> list[str]:
    tokens, offset = [], 0
    while offset < len(text.rstrip()):
        match = _TOKEN.match(text, offset)
        if match is None:
            raise FilterExpressionError(f"Invalid character at position {offset + 1}.")
        tokens.append(next(g for g in match.groups() if g is not None))
        offset = match.end()
    return tokens


def _part(tokens: list[str]) -> Part:
    if tokens[:3] not in (["INCLUDE", "ItemID", "WHERE"], ["EXCLUDE", "ItemID", "WHERE"]):
        raise FilterExpressionError(
            "Each filter expression must start with INCLUDE ItemID WHERE or EXCLUDE ItemID WHERE."
        )
    rest = tokens[3:]
    if "IF" in rest:
        where, clause = rest[: rest.index("IF")], rest[rest.index("IF") + 1 :]
    else:
        where, clause = rest, []
    groups: list[list[Test]] = [[]]
    for connective, test in _tests(where):
        if connective == "OR":
            groups.append([])
        groups[-1].append(test)
    conditions = []
    for connective, test in _tests(clause) if clause else []:
        if connective == "OR":
            raise FilterExpressionError("An IF condition can only be extended with AND.")
        conditions.append(test)
    return Part(tokens[0], tuple(tuple(g) for g in groups), tuple(conditions))


def _tests(tokens: list[str]) -> list[tuple[str, Test]]:
    found: list[tuple[str, Test]] = []
    index, connective = 0, "AND"
    while True:
        if len(tokens) < index + 4 or tokens[index + 1] != ".":
            raise FilterExpressionError(
                "Expected a condition Dataset.FIELD followed by an operator."
            )
        scope, name = tokens[index], tokens[index + 2]
        index += 3
        op = tokens[index]
        if op == "NOT":
            index += 1
            op = "NOT IN"
        index += 1
        if op in ("IN", "NOT IN"):
            operands, index = _list(tokens, index)
        elif op in _COMPARE:
            operands, index = _single(tokens, index)
        else:
            raise FilterExpressionError(f"Unsupported operator {op}.")
        found.append((connective, Test(scope, name, op, operands)))
        if index == len(tokens):
            return found
        connective = tokens[index]
        if connective not in ("AND", "OR"):
            raise FilterExpressionError(f"Expected AND or OR, found {connective}.")
        index += 1


def _list(tokens: list[str], index: int) -> tuple[tuple[Operand, ...], int]:
    if index < len(tokens) and tokens[index] != "(":
        return _single(tokens, index)
    operands, index = [], index + 1
    while index < len(tokens):
        operand, index = _single(tokens, index)
        operands += operand
        if index < len(tokens) and tokens[index] == ",":
            index += 1
            continue
        if index < len(tokens) and tokens[index] == ")":
            return tuple(operands), index + 1
        break
    raise FilterExpressionError("Unclosed list of values.")


def _single(tokens: list[str], index: int) -> tuple[tuple[Operand, ...], int]:
    if index >= len(tokens):
        raise FilterExpressionError("Expected a value.")
    token = tokens[index]
    if token == "(":
        operand, after = _single(tokens, index + 1)
        if after >= len(tokens) or tokens[after] != ")":
            raise FilterExpressionError("Unclosed parenthesis.")
        return operand, after + 1
    if token.startswith('"'):
        return (Operand("string", re.sub(r"\\(.)", r"\1", token[1:-1])),), index + 1
    if token.startswith("$"):
        return (Operand("parameter", token[1:]),), index + 1
    if re.fullmatch(r"-?\d+(\.\d+)?", token):
        return (Operand("number", token),), index + 1
    if index + 2 < len(tokens) and tokens[index + 1] == ".":
        return (Operand("reference", f"{token}.{tokens[index + 2]}"),), index + 3
    raise FilterExpressionError(f"Unexpected {token}.")


def referenced_fields(parts: tuple[Part, ...]) -> set[tuple[str, str]]:
    """(dataset scope, field) of every reference; CurrentItem is Items, CurrentUser Users."""
    scopes = {"CurrentItem": "Items", "CurrentUser": "Users"}
    found = set()
    for part in parts:
        for test in part.tests():
            found.add((scopes.get(test.scope, test.scope), test.field))
            for operand in test.operands:
                if operand.kind == "reference":
                    scope, name = operand.text.split(".", 1)
                    found.add((scopes.get(scope, scope), name))
    return found


# ---------------------------------------------------------------- applying a filter


@dataclass
class ShopData:
    """What the simulated dataset group holds: interactions, and item and user attributes."""

    # user -> event type (lower case) -> item ids, most recent first
    recent: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    items: dict[str, dict[str, str]] = field(default_factory=dict)
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    purchases: dict[str, int] = field(default_factory=dict)
    views: dict[str, int] = field(default_factory=dict)

    def add_interactions(self, rows: list[Mapping[str, str]]) -> None:
        by_user: dict[str, dict[str, list[tuple[int, str]]]] = {}
        for row in rows:
            event = row["EVENT_TYPE"]
            kind = event.lower()
            by_user.setdefault(row["USER_ID"], {}).setdefault(kind, []).append(
                (int(row["TIMESTAMP"]), row["ITEM_ID"])
            )
            counts = {"purchase": self.purchases, "view": self.views}.get(kind)
            if counts is not None:
                counts[row["ITEM_ID"]] = counts.get(row["ITEM_ID"], 0) + 1
        for user, kinds in by_user.items():
            recent = self.recent.setdefault(user, {})
            for kind, events in kinds.items():
                events.sort(reverse=True)
                recent[kind] = [item for _, item in events[:RECENT_PER_EVENT_TYPE]]

    def events_with(self, user_id: str | None, item_id: str) -> set[str]:
        """Event types (lower case) of the user's counted interactions with the item."""
        if user_id is None:
            return set()
        return {kind for kind, items in self.recent.get(user_id, {}).items() if item_id in items}


@dataclass(frozen=True)
class Request:
    user_id: str | None
    item_id: str | None
    values: Mapping[str, tuple[str, ...]]


def applicable_parts(parts: tuple[Part, ...], request: Request, data: ShopData) -> list[Part]:
    """The parts that filter this request: EXCLUDE parts without values and IF clauses that do
    not hold are left out."""
    chosen = []
    for part in parts:
        if part.parameters() - set(request.values):
            continue  # an EXCLUDE part (INCLUDE values were required before this point)
        if all(_holds(test, None, request, data) for test in part.conditions):
            chosen.append(part)
    return chosen


def keeps(parts: list[Part], item_id: str, request: Request, data: ShopData) -> bool:
    for part in parts:
        matched = any(
            all(_holds(test, item_id, request, data) for test in group) for group in part.any_of
        )
        if matched != (part.action == "INCLUDE"):
            return False
    return True


def _holds(test: Test, item_id: str | None, request: Request, data: ShopData) -> bool:
    if test.op == "NOT IN":
        return not _holds(Test(test.scope, test.field, "IN", test.operands), item_id, request, data)
    wanted = [v for o in test.operands for v in _resolve(o, request, data)]
    if test.scope == "Interactions":
        assert item_id is not None
        events = data.events_with(request.user_id, item_id)
        return bool(events) and ("*" in wanted or bool(events & {w.lower() for w in wanted}))
    if test.scope == "Items":
        assert item_id is not None
        actual = data.items.get(item_id, {}).get(test.field, "")
    elif test.scope == "CurrentUser":
        actual = data.users.get(request.user_id or "", {}).get(test.field, "")
    else:
        raise FilterExpressionError(f"{test.scope} cannot be tested here.")
    if not actual:
        return False
    if test.op == "IN":
        return bool(set(actual.split("|")) & set(wanted))
    try:
        return any(_COMPARE[test.op](float(actual), float(w)) for w in wanted)
    except ValueError:
        return False


def _resolve(operand: Operand, request: Request, data: ShopData) -> tuple[str, ...]:
    if operand.kind == "parameter":
        return request.values.get(operand.text, ())
    if operand.kind == "reference":
        scope, name = operand.text.split(".", 1)
        if scope != "CurrentItem":
            raise FilterExpressionError(f"{operand.text} cannot be a value here.")
        value = data.items.get(request.item_id or "", {}).get(name, "")
        return tuple(value.split("|")) if value else ()
    return (operand.text,)


def parse_filter_values(raw: str) -> tuple[str, ...] | None:
    """`"\\"shoes\\",\\"hats\\""` or `10`: the values of one parameter; None if malformed."""
    text = raw.strip()
    if re.fullmatch(r'"(?:[^"\\]|\\.)*"(\s*,\s*"(?:[^"\\]|\\.)*")*', text):
        return tuple(re.sub(r"\\(.)", r"\1", v) for v in re.findall(r'"((?:[^"\\]|\\.)*)"', text))
    if re.fullmatch(r"-?\d+(\.\d+)?(\s*,\s*-?\d+(\.\d+)?)*", text):
        return tuple(v.strip() for v in text.split(","))
    return None
