"""A small model of how CloudWatch evaluates an alarm, run on the synthesized alarm properties.

Covers what our alarms use: one metric, or metric math with FILL, IF, HOUR, DAY, arithmetic,
comparisons and AND/OR over aligned series; then ComparisonOperator, Threshold,
EvaluationPeriods, DatapointsToAlarm and TreatMissingData as the CloudWatch user guide describes
them ("Evaluating an alarm", "Configuring how CloudWatch alarms treat missing data"):

- the last EvaluationPeriods datapoints are the evaluation range; a missing datapoint is
  breaching, not breaching, or skipped (`ignore`, `missing`) per TreatMissingData;
- ALARM when at least DatapointsToAlarm of them breach; with `missing`, a range with no datapoint
  at all is INSUFFICIENT_DATA; with `ignore` it keeps the previous state.

A missing value propagates through arithmetic and functions (HOUR of a missing datapoint is
missing), except FILL. Series are hourly or 5-minute lists aligned on `timestamps`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Value = float | None
Series = list[Value]

ALARM, OK, INSUFFICIENT_DATA = "ALARM", "OK", "INSUFFICIENT_DATA"

_COMPARE = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


@dataclass
class MetricQuery:
    id: str
    expression: str | None
    metric_name: str | None
    return_data: bool


def queries(alarm: Mapping[str, Any]) -> list[MetricQuery]:
    """The alarm's metric queries; a single-metric alarm becomes one query `m`."""
    if "Metrics" not in alarm:
        return [MetricQuery("m", None, alarm["MetricName"], True)]
    return [
        MetricQuery(
            id=q["Id"],
            expression=q.get("Expression"),
            metric_name=q["MetricStat"]["Metric"]["MetricName"] if "MetricStat" in q else None,
            return_data=q.get("ReturnData", True),
        )
        for q in alarm["Metrics"]
    ]


def alarm_series(
    alarm: Mapping[str, Any], data: Mapping[str, Series], timestamps: Sequence[datetime]
) -> Series:
    """The series the alarm compares: the returned query, `data` giving each metric by name.

    A metric absent from `data` has no datapoint at all.
    """
    values: dict[str, Any] = {}
    pending = queries(alarm)
    for q in pending:
        if q.metric_name is not None:
            values[q.id] = list(data.get(q.metric_name, [None] * len(timestamps)))
    # Expressions may use one another; evaluate until all are known.
    expressions = [q for q in pending if q.expression is not None]
    while expressions:
        progressed = False
        for q in list(expressions):
            assert q.expression is not None
            if all(name in values for name in _identifiers(q.expression)):
                values[q.id] = _Parser(q.expression, values, timestamps).parse()
                expressions.remove(q)
                progressed = True
        assert progressed, f"unresolvable expressions: {[q.expression for q in expressions]}"
    (returned,) = [q for q in pending if q.return_data]
    result = values[returned.id]
    return result if isinstance(result, list) else [result] * len(timestamps)


def evaluate(
    alarm: Mapping[str, Any],
    data: Mapping[str, Series],
    timestamps: Sequence[datetime],
    *,
    previous: str = OK,
) -> str:
    """The alarm's state after the last datapoint of `timestamps`."""
    series = alarm_series(alarm, data, timestamps)
    evaluation_periods = int(alarm["EvaluationPeriods"])
    datapoints_to_alarm = int(alarm.get("DatapointsToAlarm", evaluation_periods))
    threshold = float(alarm["Threshold"])
    breaches = _COMPARE[alarm["ComparisonOperator"]]
    treat = alarm.get("TreatMissingData", "missing")
    window = series[-evaluation_periods:]
    if treat in ("breaching", "notBreaching"):
        flags = [(treat == "breaching") if v is None else breaches(v, threshold) for v in window]
    else:
        present = [v for v in window if v is not None]
        if not present:
            return INSUFFICIENT_DATA if treat == "missing" else previous
        flags = [breaches(v, threshold) for v in present]
    return ALARM if sum(flags) >= datapoints_to_alarm else OK


# ------------------------------------------------------------------ metric math


_TOKEN = re.compile(r"\s*(>=|<=|==|!=|&&|\|\||[-+*/(),<>]|[0-9]+(?:\.[0-9]+)?|[A-Za-z_]\w*)")
_FUNCTIONS = {"FILL", "IF", "HOUR", "DAY"}
_KEYWORDS = {"AND", "OR", "NOT"}


def _identifiers(expression: str) -> set[str]:
    names = set(re.findall(r"[A-Za-z_]\w*", expression))
    return names - _FUNCTIONS - _KEYWORDS


def _tokens(expression: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(expression):
        match = _TOKEN.match(expression, pos)
        if not match:
            if expression[pos:].strip():
                raise ValueError(f"cannot read {expression[pos:]!r}")
            break
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent: OR < AND < comparison < + - < * / < unary < call/atom."""

    def __init__(
        self, expression: str, values: Mapping[str, Any], timestamps: Sequence[datetime]
    ) -> None:
        self.tokens = _tokens(expression)
        self.pos = 0
        self.values = values
        self.timestamps = timestamps

    def parse(self) -> Any:
        result = self._or()
        if self.pos != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.pos]!r}")
        return result

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        token = self.tokens[self.pos]
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r}, got {token!r}")
        self.pos += 1
        return token

    def _or(self) -> Any:
        left = self._and()
        while self._peek() in ("OR", "||"):
            self._take()
            left = _apply(lambda a, b: float(bool(a) or bool(b)), left, self._and())
        return left

    def _and(self) -> Any:
        left = self._comparison()
        while self._peek() in ("AND", "&&"):
            self._take()
            left = _apply(lambda a, b: float(bool(a) and bool(b)), left, self._comparison())
        return left

    def _comparison(self) -> Any:
        left = self._sum()
        operators = {
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            ">=": lambda a, b: a >= b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            "<": lambda a, b: a < b,
        }
        while self._peek() in operators:
            op = operators[self._take()]
            right = self._sum()
            left = _apply(lambda a, b, op=op: float(op(a, b)), left, right)
        return left

    def _sum(self) -> Any:
        left = self._product()
        while self._peek() in ("+", "-"):
            sign = self._take()
            right = self._product()
            left = _apply(
                (lambda a, b: a + b) if sign == "+" else (lambda a, b: a - b), left, right
            )
        return left

    def _product(self) -> Any:
        left = self._unary()
        while self._peek() in ("*", "/"):
            op = self._take()
            right = self._unary()
            left = _apply((lambda a, b: a * b) if op == "*" else (lambda a, b: a / b), left, right)
        return left

    def _unary(self) -> Any:
        if self._peek() == "-":
            self._take()
            return _apply(lambda a: -a, self._unary())
        if self._peek() == "NOT":
            self._take()
            return _apply(lambda a: float(not a), self._unary())
        return self._atom()

    def _atom(self) -> Any:
        token = self._take()
        if token == "(":
            value = self._or()
            self._take(")")
            return value
        if re.fullmatch(r"[0-9.]+", token):
            return float(token)
        if token in _FUNCTIONS:
            self._take("(")
            args = [self._or()]
            while self._peek() == ",":
                self._take()
                args.append(self._or())
            self._take(")")
            return self._call(token, args)
        return self.values[token]

    def _call(self, name: str, args: list[Any]) -> Any:
        if name == "FILL":
            series, fill = args
            return [fill if v is None else v for v in series]
        if name == "IF":
            condition, when_true, when_false = (self._as_series(a) for a in args)
            return [
                None if c is None else (t if c else f)
                for c, t, f in zip(condition, when_true, when_false, strict=True)
            ]
        (series,) = args
        if name == "HOUR":
            return [
                None if v is None else float(ts.hour)
                for v, ts in zip(series, self.timestamps, strict=True)
            ]
        # DAY: 1 is Monday, 7 Sunday.
        return [
            None if v is None else float(ts.isoweekday())
            for v, ts in zip(series, self.timestamps, strict=True)
        ]

    def _as_series(self, value: Any) -> Series:
        return value if isinstance(value, list) else [value] * len(self.timestamps)


def _apply(op: Any, *operands: Any) -> Any:
    if not any(isinstance(o, list) for o in operands):
        return op(*operands)
    length = next(len(o) for o in operands if isinstance(o, list))
    columns = [o if isinstance(o, list) else [o] * length for o in operands]
    return [None if any(v is None for v in row) else op(*row) for row in zip(*columns, strict=True)]
