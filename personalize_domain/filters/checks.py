"""What a parsed filter expression may name in this environment, and Personalize's filter limits.

The grammar (`grammar.py`) says what an expression looks like; these checks say what it may
refer to: fields of the datasets the environment has, by their schemas, in the places
Personalize accepts them (developer guide, "Filter expression structure and elements" and
"Filtering recommendations"). Each finding has the 1-based position in the expression and a fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from personalize_domain.filters.grammar import (
    Condition,
    Expression,
    Filter,
    FilterSyntaxError,
    NumberValue,
    Parameter,
    Reference,
    StringValue,
    parse,
)
from personalize_domain.schemas import DatasetSchema, DatasetType, FieldSpec

# Personalize's filter quotas (second-wave facts in shared/reference/personalize-api-facts.md:
# the current quotas page; the 2023 table said 10 filters per dataset group, since raised to 30,
# adjustable on request).
MAX_EXPRESSION_CHARS = 2500
MAX_FILTERS_PER_DATASET_GROUP = 30
MAX_FIELDS_PER_FILTER = 10
MAX_DISTINCT_FIELDS = 20
# GetRecommendations takes at most 25 filterValues, keys of at most 50 characters: a filter with
# more parameters could never be given all of its values.
MAX_PARAMETERS_PER_FILTER = 25
MAX_PARAMETER_NAME = 50

NUMERIC_TYPES = frozenset({"int", "long", "float", "double"})
# Datasets an item filter's WHERE may name, and the request's own references.
DATASETS = {"Interactions": DatasetType.INTERACTIONS, "Items": DatasetType.ITEMS}
CURRENT_ITEM = "CurrentItem"
CURRENT_USER = "CurrentUser"
_SCOPES = (*DATASETS, "Users", CURRENT_ITEM, CURRENT_USER)


@dataclass(frozen=True)
class Finding:
    """One problem of one expression: where (1-based; None for the whole), what, and the fix."""

    position: int | None
    problem: str
    fix: str


@dataclass(frozen=True)
class CheckedFilter:
    name: str
    expression: Expression | None  # None when it does not parse
    findings: tuple[Finding, ...]


def check_filters(
    filters: Sequence[tuple[str, str]], schemas: Mapping[DatasetType, DatasetSchema]
) -> list[CheckedFilter]:
    """Parse and check every `(name, expression)` of one dataset group, limits included."""
    checked: list[CheckedFilter] = []
    seen_fields: set[tuple[str, str]] = set()
    for index, (name, text) in enumerate(filters):
        findings: list[Finding] = []
        if index >= MAX_FILTERS_PER_DATASET_GROUP:
            findings.append(
                Finding(
                    None,
                    f"this is filter {index + 1} of the dataset group; Personalize allows at most "
                    f"{MAX_FILTERS_PER_DATASET_GROUP} per dataset group",
                    "remove filters the shop does not use (an expression can chain several "
                    "conditions with AND/OR and several expressions with |), or raise the "
                    "quota with AWS first",
                )
            )
        expression = _parse(text, findings)
        if expression is not None:
            findings += check_expression(expression, schemas)
            findings += _distinct_fields(expression, seen_fields)
        checked.append(CheckedFilter(name, expression, tuple(findings)))
    return checked


def _parse(text: str, findings: list[Finding]) -> Expression | None:
    if len(text) > MAX_EXPRESSION_CHARS:
        findings.append(
            Finding(
                MAX_EXPRESSION_CHARS + 1,
                f"the expression is {len(text):,} characters; Personalize takes at most "
                f"{MAX_EXPRESSION_CHARS:,}",
                "shorten it (one parameter such as IN ($CATEGORY) replaces a list of values), "
                "or split it into two filters",
            )
        )
    try:
        return parse(text)
    except FilterSyntaxError as error:
        findings.append(Finding(error.position, error.problem, error.fix))
        return None


def check_expression(
    expression: Expression, schemas: Mapping[DatasetType, DatasetSchema]
) -> list[Finding]:
    findings: list[Finding] = []
    for part in expression.filters:
        findings += _check_where(part, schemas)
        findings += [f for c in part.if_conditions for f in _check_if(c, schemas)]
    findings += _count_fields(expression)
    findings += _count_parameters(expression)
    return findings


# ---------------------------------------------------------------- WHERE


def _check_where(part: Filter, schemas: Mapping[DatasetType, DatasetSchema]) -> list[Finding]:
    findings: list[Finding] = []
    first = part.conditions[0].subject.scope
    for condition in part.conditions:
        subject = condition.subject
        problem = _where_subject_problem(subject, schemas)
        if problem is not None:
            findings.append(problem)
            continue
        if subject.scope != first and first in DATASETS:
            findings.append(
                Finding(
                    subject.position,
                    f"AND and OR join conditions on one dataset, and this part of the expression "
                    f"filters by {first} first; {subject.text} is of {subject.scope}",
                    f"chain a second expression with |: ... | {part.action} ItemID WHERE "
                    f"{_example(condition)}",
                )
            )
            continue
        if subject.scope == "Interactions":
            findings += _check_interactions(condition)
        else:
            findings += _check_items(condition, schemas)
    return findings


def _where_subject_problem(
    subject: Reference, schemas: Mapping[DatasetType, DatasetSchema]
) -> Finding | None:
    scope = subject.scope
    if scope == CURRENT_USER:
        return Finding(
            subject.position,
            f"{subject.text} describes the user asking, and is tested only in the IF clause",
            f"end the expression with IF {subject.text} ... (e.g. IF {subject.text} IN ($VALUE))",
        )
    if scope == CURRENT_ITEM:
        return Finding(
            subject.position,
            f"{subject.text} is the item asked about: a value to compare an item's field with",
            f"write Items.{subject.field} IN ({subject.text}) or Items.{subject.field} < "
            f"{subject.text}",
        )
    if scope == "Users":
        return Finding(
            subject.position,
            "Users fields filter users (user segments), not the items recommended",
            f"to filter items by the user asking, end the expression with IF "
            f"CurrentUser.{subject.field} ...",
        )
    if scope not in DATASETS:
        return Finding(
            subject.position,
            f"unknown dataset {scope!r}{_suggest(scope, _SCOPES)}",
            "name a field as Interactions.EVENT_TYPE or Items.<FIELD>",
        )
    dataset_type = DATASETS[scope]
    if dataset_type not in schemas:
        return Finding(
            subject.position,
            f"this environment has no {scope} dataset",
            f"add datasets.{dataset_type.key} to the environment, or filter on another dataset",
        )
    return None


def _check_interactions(condition: Condition) -> list[Finding]:
    subject = condition.subject
    if subject.field != "EVENT_TYPE":
        return [
            Finding(
                subject.position,
                f"Interactions filter only by EVENT_TYPE; {subject.text} is other interaction "
                "data, which Personalize does not filter on",
                'filter on Interactions.EVENT_TYPE IN ("Purchase"), or on an Items field',
            )
        ]
    if not condition.is_membership:
        return [
            Finding(
                subject.position,
                f"EVENT_TYPE is text: {condition.operator} compares numbers",
                'write Interactions.EVENT_TYPE IN ("Purchase") (or NOT IN)',
            )
        ]
    return [
        Finding(
            value.position,
            f"{value.text} is not an event type",
            'list event types as text ("Purchase", "View"), "*" for any, or a parameter',
        )
        for value in condition.values
        if isinstance(value, Reference)
    ]


def _check_items(
    condition: Condition, schemas: Mapping[DatasetType, DatasetSchema]
) -> list[Finding]:
    subject = condition.subject
    schema = schemas[DatasetType.ITEMS]
    field, problem = _usable_field(subject, schema)
    if problem is not None:
        return [problem]
    assert field is not None
    findings = _operator_fits(condition, field)
    for value in condition.values:
        if isinstance(value, StringValue) and value.value == "*":
            findings.append(
                Finding(
                    value.position,
                    '"*" (any event type) applies to Interactions.EVENT_TYPE only',
                    f"list the values of {subject.text}, or use a parameter",
                )
            )
        if isinstance(value, Reference):
            findings += _current_item_value(condition, value, field, schema)
    return findings


def _current_item_value(
    condition: Condition, value: Reference, field: FieldSpec, schema: DatasetSchema
) -> list[Finding]:
    if value.scope != CURRENT_ITEM:
        return [
            Finding(
                value.position,
                f"{value.text} cannot be compared with {condition.subject.text}; only "
                "CurrentItem (the item asked about) can",
                f"write {condition.subject.text} {condition.operator} "
                f"CurrentItem.{condition.subject.field}",
            )
        ]
    other, problem = _usable_field(value, schema)
    if problem is not None:
        return [problem]
    assert other is not None
    if (other.type in NUMERIC_TYPES) != (field.type in NUMERIC_TYPES):
        return [
            Finding(
                value.position,
                f"{value.text} is {other.type} and {condition.subject.text} is {field.type}",
                f"compare fields of one kind, e.g. {condition.subject.text} {condition.operator} "
                f"CurrentItem.{condition.subject.field}",
            )
        ]
    return []


# ---------------------------------------------------------------- IF CurrentUser


def _check_if(condition: Condition, schemas: Mapping[DatasetType, DatasetSchema]) -> list[Finding]:
    subject = condition.subject
    if subject.scope != CURRENT_USER:
        return [
            Finding(
                subject.position,
                f"the IF clause tests the user asking: {subject.text} is not CurrentUser",
                f"write IF CurrentUser.<FIELD> ..., and test {subject.text} in the WHERE part",
            )
        ]
    if DatasetType.USERS not in schemas:
        return [
            Finding(
                subject.position,
                "CurrentUser needs a Users dataset, and this environment has none",
                "add datasets.users to the environment, or remove the IF clause",
            )
        ]
    field, problem = _usable_field(subject, schemas[DatasetType.USERS])
    if problem is not None:
        return [problem]
    assert field is not None
    findings = _operator_fits(condition, field)
    findings += [
        Finding(
            value.position,
            f"the IF clause compares CurrentUser with values, not with {value.text}",
            'give a value ("Gold"), a number, or a parameter ($TIER)',
        )
        for value in condition.values
        if isinstance(value, Reference)
    ]
    return findings


# ---------------------------------------------------------------- fields and their types


def _usable_field(
    reference: Reference, schema: DatasetSchema
) -> tuple[FieldSpec | None, Finding | None]:
    field = schema.field(reference.field)
    dataset = schema.dataset_type.value
    if field is None:
        names = [f.name for f in schema.fields]
        return None, Finding(
            reference.position,
            f"the {dataset} schema ({schema.path.name}) has no field {reference.field}"
            f"{_suggest(reference.field, names)}",
            f"use one of its fields: {', '.join(names)}",
        )
    if field.textual:
        return None, Finding(
            reference.position,
            f"{reference.text} is a textual field, and Personalize does not filter on free text",
            "filter on a categorical field (e.g. CATEGORY_L1) instead",
        )
    if field.type == "boolean":
        return None, Finding(
            reference.position,
            f"{reference.text} is boolean, and Personalize does not filter on boolean fields",
            'store it as a categorical string ("True"/"False") and filter with IN ("True")',
        )
    return field, None


def _operator_fits(condition: Condition, field: FieldSpec) -> list[Finding]:
    subject = condition.subject
    numeric = field.type in NUMERIC_TYPES
    if condition.is_membership and numeric:
        return [
            Finding(
                subject.position,
                f"{subject.text} is a number ({field.type}); IN and NOT IN match text",
                f"compare it: {subject.text} > 10, {subject.text} <= $MAX, ...",
            )
        ]
    if not condition.is_membership and not numeric:
        return [
            Finding(
                subject.position,
                f"{subject.text} is text; {condition.operator} compares numbers",
                f'match it: {subject.text} IN ("value") or {subject.text} NOT IN ($VALUES)',
            )
        ]
    return []


# ---------------------------------------------------------------- limits


def field_key(reference: Reference) -> tuple[str, str]:
    """The dataset field a reference names: CurrentItem.X is Items.X, CurrentUser.X Users.X."""
    scope = {CURRENT_ITEM: "Items", CURRENT_USER: "Users"}.get(reference.scope, reference.scope)
    return scope, reference.field


def _count_fields(expression: Expression) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    for reference in expression.references():
        seen.add(field_key(reference))
        if len(seen) > MAX_FIELDS_PER_FILTER:
            return [
                Finding(
                    reference.position,
                    f"{reference.text} is field {len(seen)} of this filter; a filter may use at "
                    f"most {MAX_FIELDS_PER_FILTER} distinct fields",
                    "split the expression into two filters",
                )
            ]
    return []


def _count_parameters(expression: Expression) -> list[Finding]:
    findings: list[Finding] = []
    names: set[str] = set()
    for parameter in expression.parameters():
        if len(parameter.name) > MAX_PARAMETER_NAME:
            findings.append(
                Finding(
                    parameter.position,
                    f"${parameter.name} is {len(parameter.name)} characters; a filter value's "
                    f"name has at most {MAX_PARAMETER_NAME}",
                    "give it a shorter name",
                )
            )
        names.add(parameter.name)
        if len(names) == MAX_PARAMETERS_PER_FILTER + 1:
            findings.append(
                Finding(
                    parameter.position,
                    f"${parameter.name} is parameter {len(names)} of this filter; a request "
                    f"carries at most {MAX_PARAMETERS_PER_FILTER} filter values",
                    "use fewer parameters, or split the expression into two filters",
                )
            )
    return findings


def _distinct_fields(expression: Expression, seen: set[tuple[str, str]]) -> list[Finding]:
    """Across all filters of the group: the finding is on the filter that adds field 21."""
    for reference in expression.references():
        key = field_key(reference)
        if key in seen:
            continue
        seen.add(key)
        if len(seen) == MAX_DISTINCT_FIELDS + 1:
            return [
                Finding(
                    reference.position,
                    f"{reference.text} is distinct field {len(seen)} across this dataset group's "
                    f"filters; Personalize allows at most {MAX_DISTINCT_FIELDS}",
                    "filter on fields the other filters already use, or remove a filter",
                )
            ]
    return []


# ---------------------------------------------------------------- wording


def _example(condition: Condition) -> str:
    values = ", ".join(_show(v) for v in condition.values)
    if condition.is_membership:
        return f"{condition.subject.text} {condition.operator} ({values})"
    return f"{condition.subject.text} {condition.operator} {values}"


def _show(value: StringValue | NumberValue | Parameter | Reference) -> str:
    if isinstance(value, StringValue):
        return f'"{value.value}"'
    if isinstance(value, NumberValue):
        return value.text
    if isinstance(value, Parameter):
        return f"${value.name}"
    return value.text


def _suggest(word: str, candidates: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {match[0]}?)" if match else ""
