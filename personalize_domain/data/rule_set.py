"""The per-value rules, written once as small expressions, compiled to polars and to SQL.

`value_rules(spec, position)` is the one definition of what each column's values must satisfy
(rule code, severity, the mask of rows it flags, and an optional `refine` that makes it exact on
those rows). `to_polars` compiles an expression for the local validator (`columns.py`),
`to_duckdb_sql` for an SQL engine: DuckDB offline, Amazon Athena (Trino) for data in S3
(`sql_engine.py`), the DuckDB text transpiled by sqlglot. A rule changed here changes both engines.

Semantics both compilations keep: every column is a string, null when empty; `Num` is the
column's number, null when it is not one exactly as the local validator parses it (a regex gate
in SQL, because SQL casts accept more: `' 5'`, `'1.0'` and `'0x10'` as integers in DuckDB); a
comparison with null is null, and a null mask flags nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import and_, or_
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl
else:
    from personalize_domain.data.lazy_polars import pl

from personalize_domain.data.report import Severity
from personalize_domain.schemas import FieldSpec

MAX_ID_CHARS = 256
MAX_CATEGORICAL_CHARS = 1000
MAX_TEXTUAL_CHARS = 20_000
TIMESTAMP_FIELDS = frozenset({"TIMESTAMP", "CREATION_TIMESTAMP"})
ID_FIELDS = frozenset({"USER_ID", "ITEM_ID"})
# IMPRESSION holds pipe-separated item IDs and shares the categorical 1000-character limit.
PIPE_SEPARATED_STRINGS = frozenset({"IMPRESSION"})

INT32 = (-(2**31), 2**31 - 1)
# Epoch seconds stay below 1e10 until the year 2286; larger values are almost always a finer unit.
SECONDS_MAX = 10**10
MILLIS = 10**11
MICROS = 10**14
NANOS = 10**17
# 2000-01-01: earlier interaction or item dates are almost always placeholders or a wrong unit.
PLAUSIBLE_SINCE = 946_684_800
ISO_DATE = r"^\s*\d{4}-\d{2}-\d{2}"
DECIMAL = r"^\s*[-+]?\d+\.\d*\s*$"
# What polars' non-strict string casts accept (checked in tests/data/test_rule_set.py).
_SQL_INTEGER = r"^[+-]?[0-9]+$"
_SQL_FLOAT = r"^[+-]?((([0-9]+\.?[0-9]*)|(\.[0-9]+))([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan))$"


# -- expressions ------------------------------------------------------------------------------


class Expr:
    def __and__(self, other: Expr) -> Expr:
        return All((self, other))

    def __or__(self, other: Expr) -> Expr:
        return Any_((self, other))

    def __invert__(self) -> Expr:
        return Not(self)


@dataclass(frozen=True)
class Raw(Expr):
    position: int


@dataclass(frozen=True)
class Num(Expr):
    position: int
    integer: bool


@dataclass(frozen=True)
class IsNull(Expr):
    operand: Expr


@dataclass(frozen=True)
class Cmp(Expr):
    op: str  # < <= > >=
    operand: Expr
    value: int


@dataclass(frozen=True)
class Matches(Expr):
    operand: Expr
    regex: str  # search semantics: anchor it to match the whole value


@dataclass(frozen=True)
class InSet(Expr):
    operand: Expr
    values: tuple[str, ...]


@dataclass(frozen=True)
class LenBytes(Expr):
    operand: Expr


@dataclass(frozen=True)
class LenChars(Expr):
    operand: Expr


@dataclass(frozen=True)
class LongestPart(Expr):
    operand: Expr
    separator: str


@dataclass(frozen=True)
class All(Expr):
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Any_(Expr):
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Not(Expr):
    operand: Expr


def not_null(expr: Expr) -> Expr:
    return Not(IsNull(expr))


# -- the rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleDef:
    code: str
    severity: Severity
    mask: Expr
    refine: Expr | None = None

    @property
    def exact(self) -> Expr:
        """The rows the rule reports: its mask, refined."""
        return self.mask if self.refine is None else All((self.mask, self.refine))


def value_rules(spec: FieldSpec, position: int) -> list[RuleDef]:
    """Every per-value rule of one column, in report order."""
    name = spec.name
    col = Raw(position)
    rules: list[RuleDef] = []

    def add(
        code: str, mask: Expr, *, refine: Expr | None = None, severity: Severity = Severity.ERROR
    ) -> None:
        rules.append(RuleDef(code, severity, mask, refine))

    if not spec.nullable:
        add("empty-value", IsNull(col))

    if spec.type in ("int", "long"):
        n = Num(position, integer=True)
        not_integer = IsNull(n) & not_null(col)
        if name in TIMESTAMP_FIELDS:
            add("timestamp-iso-date", not_integer, refine=Matches(col, ISO_DATE))
            add("timestamp-decimal", not_integer, refine=Matches(col, DECIMAL))
            other = ~Matches(col, ISO_DATE) & ~Matches(col, DECIMAL)
            add("not-an-integer", not_integer, refine=other)
        else:
            add("not-an-integer", not_integer)
        if spec.type == "int":
            add("int-out-of-range", Cmp("<", n, INT32[0]) | Cmp(">", n, INT32[1]))
    elif spec.type in ("float", "double"):
        add("not-a-number", IsNull(Num(position, integer=False)) & not_null(col))
    elif spec.type == "boolean":
        add("not-a-boolean", not_null(col) & ~InSet(col, ("true", "false")))

    if name in TIMESTAMP_FIELDS and spec.type in ("int", "long", "float", "double"):
        n = Num(position, integer=spec.type in ("int", "long"))
        for code, low, high in (
            ("timestamp-far-future", SECONDS_MAX, MILLIS),
            ("timestamp-milliseconds", MILLIS, MICROS),
            ("timestamp-microseconds", MICROS, NANOS),
            ("timestamp-nanoseconds", NANOS, None),
        ):
            mask = Cmp(">=", n, low) if high is None else Cmp(">=", n, low) & Cmp("<", n, high)
            add(code, mask)
        add("timestamp-before-2000", Cmp("<", n, PLAUSIBLE_SINCE), severity=Severity.WARNING)

    if spec.type == "string":
        if name in ID_FIELDS:
            add(
                "id-too-long",
                Cmp(">", LenBytes(col), MAX_ID_CHARS),
                refine=Cmp(">", LenChars(col), MAX_ID_CHARS),
            )
        if spec.categorical or name in PIPE_SEPARATED_STRINGS:
            add(
                "categorical-value-too-long",
                Cmp(">", LenBytes(col), MAX_CATEGORICAL_CHARS),
                refine=Cmp(">", LongestPart(col, "|"), MAX_CATEGORICAL_CHARS),
            )
        if spec.textual:
            add(
                "text-too-long",
                Cmp(">", LenBytes(col), MAX_TEXTUAL_CHARS),
                refine=Cmp(">", LenChars(col), MAX_TEXTUAL_CHARS),
            )
    return rules


# -- compilation: polars ----------------------------------------------------------------------


def raw_column(position: int) -> str:
    return f"c{position}"


def number_column(position: int) -> str:
    return f"n{position}"


def to_polars(expr: Expr) -> pl.Expr:
    """The expression over a batch of string columns `c<i>` and parsed numbers `n<i>`."""
    match expr:
        case Raw(position):
            return pl.col(raw_column(position))
        case Num(position, _):
            return pl.col(number_column(position))
        case IsNull(operand):
            return to_polars(operand).is_null()
        case Cmp(op, operand, value):
            left = to_polars(operand)
            return {
                "<": left < value,
                "<=": left <= value,
                ">": left > value,
                ">=": left >= value,
            }[op]
        case Matches(operand, regex):
            return to_polars(operand).str.contains(regex)
        case InSet(operand, values):
            return to_polars(operand).is_in(list(values))
        case LenBytes(operand):
            return to_polars(operand).str.len_bytes()
        case LenChars(operand):
            return to_polars(operand).str.len_chars()
        case LongestPart(operand, separator):
            parts = to_polars(operand).str.split(separator)
            return parts.list.eval(pl.element().str.len_chars()).list.max()
        case All(operands):
            return reduce(and_, (to_polars(o) for o in operands))
        case Any_(operands):
            return reduce(or_, (to_polars(o) for o in operands))
        case Not(operand):
            return ~to_polars(operand)
    raise TypeError(f"not a rule expression: {expr!r}")


# -- compilation: SQL -------------------------------------------------------------------------


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def to_duckdb_sql(expr: Expr) -> str:
    """The expression as DuckDB SQL over string columns `c<i>` (NULL when empty)."""
    match expr:
        case Raw(position):
            return raw_column(position)
        case Num(position, integer):
            col = raw_column(position)
            gate, cast = (_SQL_INTEGER, "BIGINT") if integer else (_SQL_FLOAT, "DOUBLE")
            return (
                f"TRY_CAST(CASE WHEN regexp_matches({col}, {_literal(gate)}) THEN {col} END "
                f"AS {cast})"
            )
        case IsNull(operand):
            return f"({to_duckdb_sql(operand)} IS NULL)"
        case Cmp(op, operand, value):
            return f"({to_duckdb_sql(operand)} {op} {value})"
        case Matches(operand, regex):
            return f"regexp_matches({to_duckdb_sql(operand)}, {_literal(_sql_regex(regex))})"
        case InSet(operand, values):
            return f"({to_duckdb_sql(operand)} IN ({', '.join(map(_literal, values))}))"
        case LenBytes(operand):
            return f"octet_length(encode({to_duckdb_sql(operand)}))"
        case LenChars(operand):
            return f"length({to_duckdb_sql(operand)})"
        case LongestPart(operand, separator):
            return (
                f"list_max(list_transform(string_split({to_duckdb_sql(operand)}, "
                f"{_literal(separator)}), lambda x: length(x)))"
            )
        case All(operands):
            return "(" + " AND ".join(to_duckdb_sql(o) for o in operands) + ")"
        case Any_(operands):
            return "(" + " OR ".join(to_duckdb_sql(o) for o in operands) + ")"
        case Not(operand):
            return f"(NOT {to_duckdb_sql(operand)})"
    raise TypeError(f"not a rule expression: {expr!r}")


def _sql_regex(regex: str) -> str:
    # polars (Rust regex) reads \d and \s as Unicode classes; RE2 and Java as ASCII. Spelled out
    # as ASCII classes, both engines read the same thing on the data Personalize accepts.
    return regex.replace(r"\d", "[0-9]").replace(r"\s", r"[ \t\r\n\f\v]")


# A pure function of its text, and a costly one (0.1-0.4 s for a dataset's rule set): the same
# text comes back whenever the same object is checked again in one process (the test suite does
# it for every case of a dataset type).
@lru_cache(maxsize=32)
def transpile(sql: str, dialect: str) -> str:
    """DuckDB SQL in another engine's dialect: `duckdb` (unchanged) or `athena` (Trino)."""
    if dialect == "duckdb":
        return sql
    import sqlglot  # only the SQL engines need it; synth imports this module without them

    target = {"athena": "trino"}.get(dialect, dialect)
    return ";\n".join(sqlglot.transpile(sql, read="duckdb", write=target))
