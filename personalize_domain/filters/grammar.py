"""The grammar of Personalize filter expressions, and a recursive-descent parser for it.

This module is the one place the grammar lives. In EBNF, over the tokens below (keywords are
written in capitals, as the developer guide writes them; whitespace separates tokens):

    expression     = filter , { "|" , filter } ;
    filter         = ( "INCLUDE" | "EXCLUDE" ) , "ItemID" , "WHERE" ,
                     condition , { ( "AND" | "OR" ) , condition } ,
                     [ "IF" , condition , { "AND" , condition } ] ;
    condition      = reference , ( membership | comparison ) ;
    membership     = [ "NOT" ] , "IN" , ( "(" , value , { "," , value } , ")" | reference ) ;
    comparison     = ( "=" | "!=" | "<" | "<=" | ">" | ">=" ) ,
                     ( NUMBER | PARAMETER | "(" , PARAMETER , ")" | reference ) ;
    value          = STRING | PARAMETER | reference ;
    reference      = NAME , "." , NAME ;          (* Items.PRICE, CurrentItem.GENRE *)

    STRING         = '"' , { any character but '"' or '\\', or '\\' then any } , '"' ;
    NUMBER         = [ "-" ] , digit , { digit } , [ "." , digit , { digit } ] ;
    PARAMETER      = "$" , letter | digit | "_" , { letter | digit | "_" } ;
    NAME           = letter | "_" , { letter | digit | "_" } ;

Which references may stand where (`Interactions.EVENT_TYPE` only, `CurrentUser` only after IF,
a field of a dataset the environment has, ...) is not syntax: `personalize_domain.filters.checks`
checks it against the environment's schemas.

Errors carry the 1-based character position of the offending token and a fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

ACTIONS = ("INCLUDE", "EXCLUDE")
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
CONNECTIVES = ("AND", "OR")
# Words with a meaning in the grammar: never a dataset or field name where a keyword is due.
KEYWORDS = frozenset({*ACTIONS, "ItemID", "WHERE", "AND", "OR", "IF", "NOT", "IN"})
TARGETS_ELSEWHERE = ("ActionID", "UserID")


class FilterSyntaxError(ValueError):
    """The expression is not in the grammar; `position` is 1-based, `fix` says what to write."""

    def __init__(self, position: int, problem: str, fix: str) -> None:
        self.position = position
        self.problem = problem
        self.fix = fix
        super().__init__(f"position {position}: {problem}. Fix: {fix}")


# ---------------------------------------------------------------- the syntax tree


@dataclass(frozen=True)
class Reference:
    """`Scope.FIELD`: a dataset's field (Items.PRICE) or the request's (CurrentUser.AGE)."""

    scope: str
    field: str
    position: int

    @property
    def text(self) -> str:
        return f"{self.scope}.{self.field}"


@dataclass(frozen=True)
class StringValue:
    value: str
    position: int


@dataclass(frozen=True)
class NumberValue:
    text: str
    position: int


@dataclass(frozen=True)
class Parameter:
    """`$NAME`: a value given with each request (GetRecommendations `filterValues`)."""

    name: str
    position: int


Value = StringValue | NumberValue | Parameter | Reference
Operator = Literal["IN", "NOT IN", "=", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True)
class Condition:
    subject: Reference
    operator: Operator
    values: tuple[Value, ...]
    position: int

    @property
    def is_membership(self) -> bool:
        return self.operator in ("IN", "NOT IN")


@dataclass(frozen=True)
class Filter:
    """One `INCLUDE|EXCLUDE ItemID WHERE ...` part of an expression."""

    action: Literal["INCLUDE", "EXCLUDE"]
    position: int
    conditions: tuple[Condition, ...]
    connectives: tuple[str, ...]  # between conditions: AND or OR
    if_conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Expression:
    text: str
    filters: tuple[Filter, ...]

    def references(self) -> tuple[Reference, ...]:
        """Every field reference, in order of appearance."""
        found: list[Reference] = []
        for part in self.filters:
            for condition in (*part.conditions, *part.if_conditions):
                found.append(condition.subject)
                found += [v for v in condition.values if isinstance(v, Reference)]
        return tuple(found)

    def parameters(self) -> tuple[Parameter, ...]:
        return tuple(
            value
            for part in self.filters
            for condition in (*part.conditions, *part.if_conditions)
            for value in condition.values
            if isinstance(value, Parameter)
        )


# ---------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    kind: str  # NAME, STRING, NUMBER, PARAMETER, OP, or the punctuation itself
    text: str
    position: int  # 1-based


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<STRING>"(?:[^"\\]|\\.)*")
  | (?P<PARAMETER>\$[A-Za-z0-9_]+)
  | (?P<NUMBER>-?\d+(?:\.\d+)?)
  | (?P<NAME>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<OP><=|>=|!=|=|<|>)
  | (?P<punct>[().,|])
    """,
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    offset = 0
    while offset < len(text):
        match = _TOKEN.match(text, offset)
        if match is None:
            raise _bad_character(text, offset)
        kind = match.lastgroup or ""
        if kind != "space":
            token_kind = match.group() if kind == "punct" else kind
            tokens.append(Token(token_kind, match.group(), offset + 1))
        offset = match.end()
    tokens.append(Token("END", "", len(text) + 1))
    return tokens


def _bad_character(text: str, offset: int) -> FilterSyntaxError:
    char = text[offset]
    if char == '"':
        return FilterSyntaxError(
            offset + 1, "this string is never closed", 'end it with a double quote: "Purchase"'
        )
    if char == "'":
        return FilterSyntaxError(
            offset + 1,
            "single quotes do not delimit values",
            'write values in double quotes: "Purchase"',
        )
    if char == "$":
        return FilterSyntaxError(
            offset + 1,
            "a '$' must be followed by the parameter's name",
            "name it with letters, digits and '_': $CATEGORY",
        )
    return FilterSyntaxError(
        offset + 1,
        f"unexpected character {char!r}",
        "use only the grammar's elements: INCLUDE/EXCLUDE ItemID WHERE Dataset.FIELD "
        'IN ("value") or a comparison (=, !=, <, <=, >, >=), joined by AND/OR, chained by |',
    )


# ---------------------------------------------------------------- the parser


def parse(text: str) -> Expression:
    """The syntax tree of `text`, or FilterSyntaxError at the first token out of grammar."""
    parser = _Parser(tokenize(text))
    filters = [parser.filter()]
    while parser.accept("|"):
        filters.append(parser.filter())
    parser.end()
    return Expression(text, tuple(filters))


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        if token.kind != "END":
            self.index += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> Token | None:
        token = self.current
        if token.kind == kind and (text is None or token.text == text):
            return self.advance()
        return None

    def keyword(self, word: str, fix: str) -> Token:
        token = self.current
        if token.kind == "NAME" and token.text == word:
            return self.advance()
        if token.kind == "NAME" and token.text.upper() == word.upper():
            raise FilterSyntaxError(
                token.position, f"{token.text!r} is written {word!r} in filter expressions", fix
            )
        raise FilterSyntaxError(token.position, f"expected {word}, found {_show(token)}", fix)

    # expression parts

    def filter(self) -> Filter:
        start = self.current
        action = self.action()
        target = self.current
        if target.kind == "NAME" and target.text in TARGETS_ELSEWHERE:
            raise FilterSyntaxError(
                target.position,
                f"{target.text} filters {'actions' if target.text == 'ActionID' else 'users'}; "
                "the shop's recommenders recommend items",
                f"write {action} ItemID WHERE ...",
            )
        self.keyword("ItemID", f"write {action} ItemID WHERE ...")
        self.keyword("WHERE", f"write {action} ItemID WHERE Dataset.FIELD ...")
        conditions = [self.condition()]
        connectives: list[str] = []
        while self.current.kind == "NAME" and self.current.text in CONNECTIVES:
            connectives.append(self.advance().text)
            conditions.append(self.condition())
        if_conditions: list[Condition] = []
        if self.accept("NAME", "IF"):
            if_conditions.append(self.condition())
            while self.current.kind == "NAME" and self.current.text in CONNECTIVES:
                connective = self.advance()
                if connective.text == "OR":
                    raise FilterSyntaxError(
                        connective.position,
                        "an IF condition extends only with AND",
                        "join the IF conditions with AND, or chain another expression with |",
                    )
                if_conditions.append(self.condition())
        return Filter(
            action=cast(Literal["INCLUDE", "EXCLUDE"], action),
            position=start.position,
            conditions=tuple(conditions),
            connectives=tuple(connectives),
            if_conditions=tuple(if_conditions),
        )

    def action(self) -> str:
        token = self.current
        if token.kind == "NAME" and token.text in ACTIONS:
            return self.advance().text
        if token.kind == "NAME" and token.text.upper() in ACTIONS:
            raise FilterSyntaxError(
                token.position,
                f"{token.text!r} is written {token.text.upper()!r} in filter expressions",
                f"write {token.text.upper()} ItemID WHERE ...",
            )
        where = "the expression" if token.position == 1 else "each part after |"
        raise FilterSyntaxError(
            token.position,
            f"{where} must begin with INCLUDE or EXCLUDE, found {_show(token)}",
            "write INCLUDE ItemID WHERE ... (keep only matching items) or EXCLUDE ItemID WHERE "
            "... (remove matching items)",
        )

    def condition(self) -> Condition:
        subject = self.reference("a condition begins with Dataset.FIELD, e.g. Items.CATEGORY_L1")
        token = self.current
        if token.kind == "NAME" and token.text in ("IN", "NOT"):
            return self.membership(subject)
        if token.kind == "NAME" and token.text.upper() in ("IN", "NOT"):
            raise FilterSyntaxError(
                token.position,
                f"{token.text!r} is written {token.text.upper()!r} in filter expressions",
                f"write {subject.text} {token.text.upper()} ...",
            )
        if token.kind == "OP":
            return self.comparison(subject)
        raise FilterSyntaxError(
            token.position,
            f"expected IN, NOT IN or a comparison after {subject.text}, found {_show(token)}",
            f'write {subject.text} IN ("value") for text, or {subject.text} > 10 for numbers',
        )

    def membership(self, subject: Reference) -> Condition:
        operator = "IN"
        if self.accept("NAME", "NOT"):
            operator = "NOT IN"
        self.keyword("IN", f'write {subject.text} {operator} ("value")')
        if self.current.kind == "NAME":
            reference = self.reference(f"write {subject.text} {operator} CurrentItem.FIELD")
            return Condition(subject, cast(Operator, operator), (reference,), subject.position)
        opening = self.current
        if self.accept("(") is None:
            raise FilterSyntaxError(
                opening.position,
                f"expected ( after {operator}, found {_show(opening)}",
                f'put the values in parentheses: {subject.text} {operator} ("value1", "value2")',
            )
        values = [self.value(subject, operator)]
        while self.accept(","):
            values.append(self.value(subject, operator))
        closing = self.current
        if self.accept(")") is None:
            raise FilterSyntaxError(
                closing.position,
                f"expected , or ) in the list of values, found {_show(closing)}",
                'separate values with commas and close the list: ("value1", "value2")',
            )
        return Condition(subject, cast(Operator, operator), tuple(values), subject.position)

    def value(self, subject: Reference, operator: str) -> Value:
        token = self.current
        if token.kind == "STRING":
            self.advance()
            return StringValue(_unquote(token.text), token.position)
        if token.kind == "PARAMETER":
            self.advance()
            return Parameter(token.text[1:], token.position)
        if token.kind == "NAME" and token.text not in KEYWORDS:
            return self.reference(f"write {subject.text} {operator} (CurrentItem.FIELD)")
        if token.kind == "NUMBER":
            raise FilterSyntaxError(
                token.position,
                f"{operator} compares text, and {token.text} is a number",
                f'quote it ({subject.text} {operator} ("{token.text}")), or compare numbers '
                f"with =, <, <=, >, >=",
            )
        raise FilterSyntaxError(
            token.position,
            f"expected a value, found {_show(token)}",
            'give a double-quoted value ("Purchase") or a parameter ($CATEGORY)',
        )

    def comparison(self, subject: Reference) -> Condition:
        operator = self.advance().text
        token = self.current
        value: Value
        if token.kind == "NUMBER":
            value = NumberValue(self.advance().text, token.position)
        elif token.kind == "PARAMETER":
            value = Parameter(self.advance().text[1:], token.position)
        elif token.kind == "(" and self.tokens[self.index + 1].kind == "PARAMETER":
            self.advance()
            inner = self.advance()
            value = Parameter(inner.text[1:], inner.position)
            closing = self.current
            if self.accept(")") is None:
                raise FilterSyntaxError(
                    closing.position,
                    f"expected ) after ${value.name}, found {_show(closing)}",
                    f"write {subject.text} {operator} (${value.name})",
                )
        elif token.kind == "NAME" and token.text not in KEYWORDS:
            value = self.reference(f"write {subject.text} {operator} CurrentItem.FIELD")
        elif token.kind == "STRING":
            raise FilterSyntaxError(
                token.position,
                f"{operator} compares numbers, and {token.text} is text",
                f"write a number ({subject.text} {operator} 10) or compare text with "
                f"IN: {subject.text} IN ({token.text})",
            )
        else:
            raise FilterSyntaxError(
                token.position,
                f"expected a number, a parameter or a reference after {operator}, "
                f"found {_show(token)}",
                f"write {subject.text} {operator} 10, or {subject.text} {operator} $PRICE",
            )
        return Condition(subject, cast(Operator, operator), (value,), subject.position)

    def reference(self, fix: str) -> Reference:
        scope = self.current
        if scope.kind != "NAME" or scope.text in KEYWORDS:
            raise FilterSyntaxError(
                scope.position, f"expected Dataset.FIELD, found {_show(scope)}", fix
            )
        self.advance()
        dot = self.current
        if self.accept(".") is None:
            raise FilterSyntaxError(
                dot.position,
                f"expected . after {scope.text}, found {_show(dot)}",
                f"name a field as {scope.text}.FIELD, e.g. Items.CATEGORY_L1",
            )
        name = self.current
        if name.kind != "NAME" or name.text in KEYWORDS:
            raise FilterSyntaxError(
                name.position,
                f"expected a field name after {scope.text}., found {_show(name)}",
                f"name a field as {scope.text}.FIELD, e.g. Items.CATEGORY_L1",
            )
        self.advance()
        return Reference(scope.text, name.text, scope.position)

    def end(self) -> None:
        token = self.current
        if token.kind == "END":
            return
        if token.kind == "NAME" and token.text.upper() in ("AND", "OR", "IF"):
            raise FilterSyntaxError(
                token.position,
                f"{token.text!r} is written {token.text.upper()!r} in filter expressions",
                f"write {token.text.upper()}",
            )
        raise FilterSyntaxError(
            token.position,
            f"expected AND, OR, IF, | or the end of the expression, found {_show(token)}",
            "join conditions with AND or OR, or chain another INCLUDE/EXCLUDE expression with |",
        )


def _show(token: Token) -> str:
    if token.kind == "END":
        return "the end of the expression"
    return repr(token.text)


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])
