"""Load the Avro schemas in `schemas/` and check them against Personalize's ECOMMERCE rules.

Every check runs at synth, so a bad schema fails in seconds with a message that names the file,
the field and the fix, instead of failing a CloudFormation deploy minutes later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import SchemaParseException

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"

# AWS::Personalize::Schema.Schema maxLength in the CloudFormation registry (the API allows 20,000).
CFN_SCHEMA_MAX_CHARS = 10_000
PRIMITIVE_TYPES = frozenset({"float", "double", "int", "long", "string", "boolean"})


class DatasetType(StrEnum):
    INTERACTIONS = "Interactions"
    ITEMS = "Items"
    USERS = "Users"

    @property
    def key(self) -> str:
        return self.value.lower()


class SchemaError(ValueError):
    """A schema file breaks an Avro or Personalize rule; the message names the file and the fix."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    nullable: bool = False
    categorical: bool = False
    textual: bool = False


@dataclass(frozen=True)
class DatasetSchema:
    dataset_type: DatasetType
    path: Path
    fields: tuple[FieldSpec, ...]
    # Compact JSON sent to CloudFormation: the same schema, fewer characters.
    avro_json: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class _Rule:
    type: str | tuple[str, ...]
    categorical: bool = False
    textual: bool = False
    nullable_allowed: bool = True


_REQUIRED: dict[DatasetType, dict[str, _Rule]] = {
    DatasetType.INTERACTIONS: {
        "USER_ID": _Rule("string", nullable_allowed=False),
        "ITEM_ID": _Rule("string", nullable_allowed=False),
        "TIMESTAMP": _Rule("long", nullable_allowed=False),
        "EVENT_TYPE": _Rule("string", nullable_allowed=False),
    },
    DatasetType.ITEMS: {
        "ITEM_ID": _Rule("string", nullable_allowed=False),
        "PRICE": _Rule(("float", "double")),
        "CATEGORY_L1": _Rule("string", categorical=True),
    },
    DatasetType.USERS: {
        "USER_ID": _Rule("string", nullable_allowed=False),
    },
}

_RESERVED: dict[DatasetType, dict[str, _Rule]] = {
    DatasetType.INTERACTIONS: {
        "EVENT_VALUE": _Rule(("float", "double")),
        "IMPRESSION": _Rule("string"),
        "RECOMMENDATION_ID": _Rule("string"),
        "EVENT_ATTRIBUTION_SOURCE": _Rule("string"),
    },
    DatasetType.ITEMS: {
        "CATEGORY_L2": _Rule("string", categorical=True),
        "CATEGORY_L3": _Rule("string", categorical=True),
        "PRODUCT_DESCRIPTION": _Rule("string", textual=True),
        "CREATION_TIMESTAMP": _Rule("long"),
        "AGE_GROUP": _Rule("string", categorical=True),
        "ADULT": _Rule("string", categorical=True),
        "GENDER": _Rule("string", categorical=True),
    },
    DatasetType.USERS: {},
}

# Metadata columns allowed beyond the required and reserved ones (Personalize quotas).
_MAX_METADATA: dict[DatasetType, int] = {
    DatasetType.INTERACTIONS: 5,
    DatasetType.ITEMS: 50,
    DatasetType.USERS: 5,
}


def schema_path(dataset_type: DatasetType, schemas_dir: Path = SCHEMAS_DIR) -> Path:
    return schemas_dir / f"{dataset_type.key}.json"


def load_schema(dataset_type: DatasetType, schemas_dir: Path = SCHEMAS_DIR) -> DatasetSchema:
    """Read `schemas/<type>.json`, validate it, and return its typed form."""
    path = schema_path(dataset_type, schemas_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(
            f"{path}: schema file not found. Add an Avro record schema for the "
            f"{dataset_type.value} dataset (see schemas/README.md)."
        ) from None
    return parse_schema(dataset_type, text, path)


def parse_schema(dataset_type: DatasetType, text: str, path: Path) -> DatasetSchema:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    if not isinstance(raw, dict) or raw.get("type") != "record":
        raise SchemaError(f'{path}: the schema must be an Avro record ({{"type": "record", ...}}).')
    try:
        fastavro.parse_schema(raw, _write_hint=False)
    except (SchemaParseException, ValueError, TypeError, KeyError) as exc:
        raise SchemaError(f"{path}: not a valid Avro schema: {exc}.") from None
    if raw.get("name") != dataset_type.value:
        raise SchemaError(
            f"{path}: record name is {raw.get('name')!r}; Personalize requires it to match the "
            f'dataset type. Set "name": "{dataset_type.value}".'
        )
    fields = tuple(_field_spec(path, f) for f in raw.get("fields", []))
    _check_unique(path, fields)
    _check_rules(path, dataset_type, fields)
    avro_json = json.dumps(raw, separators=(",", ":"))
    if len(avro_json) > CFN_SCHEMA_MAX_CHARS:
        raise SchemaError(
            f"{path}: the schema is {len(avro_json)} characters once compacted; CloudFormation's "
            f"AWS::Personalize::Schema accepts at most {CFN_SCHEMA_MAX_CHARS}. Remove fields."
        )
    return DatasetSchema(dataset_type=dataset_type, path=path, fields=fields, avro_json=avro_json)


def _field_spec(path: Path, field: dict[str, Any]) -> FieldSpec:
    name = field["name"]
    avro_type = field["type"]
    nullable = False
    if isinstance(avro_type, list):
        non_null = [t for t in avro_type if t != "null"]
        nullable = len(non_null) < len(avro_type)
        if len(non_null) != 1:
            raise SchemaError(
                f"{path}: field {name}: union {avro_type} is not allowed; Personalize accepts one "
                'type, optionally with null (e.g. ["null", "string"]).'
            )
        avro_type = non_null[0]
    if not isinstance(avro_type, str) or avro_type not in PRIMITIVE_TYPES:
        raise SchemaError(
            f"{path}: field {name}: type {avro_type!r} is not supported; Personalize schemas are "
            f"flat and use only {', '.join(sorted(PRIMITIVE_TYPES))} (optionally with null)."
        )
    categorical = bool(field.get("categorical", False))
    textual = bool(field.get("textual", False))
    if (categorical or textual) and avro_type != "string":
        flag = "categorical" if categorical else "textual"
        raise SchemaError(f"{path}: field {name}: {flag} fields must be of type string.")
    return FieldSpec(name, avro_type, nullable, categorical, textual)


def _check_unique(path: Path, fields: tuple[FieldSpec, ...]) -> None:
    seen: dict[str, str] = {}
    for f in fields:
        # Personalize compares field names case-insensitively and without separators.
        folded = "".join(ch for ch in f.name.lower() if ch.isalnum())
        if folded in seen:
            raise SchemaError(
                f"{path}: fields {seen[folded]} and {f.name} are the same name to Personalize "
                "(names must be unique ignoring case and non-alphanumeric characters). Rename one."
            )
        seen[folded] = f.name


def _check_rules(path: Path, dataset_type: DatasetType, fields: tuple[FieldSpec, ...]) -> None:
    by_name = {f.name: f for f in fields}
    required = _REQUIRED[dataset_type]
    for name, rule in required.items():
        if name not in by_name:
            raise SchemaError(
                f"{path}: required ECOMMERCE field {name} is missing from the {dataset_type.value} "
                f"schema. Add {_describe(name, rule)}."
            )
    for name, rule in {**required, **_RESERVED[dataset_type]}.items():
        field = by_name.get(name)
        if field is not None:
            _check_field(path, field, rule)
    metadata = [
        f for f in fields if f.name not in required and f.name not in _RESERVED[dataset_type]
    ]
    if dataset_type is DatasetType.USERS and not metadata:
        raise SchemaError(
            f"{path}: the Users schema needs at least one metadata field besides USER_ID "
            '(e.g. {"name": "LOYALTY_TIER", "type": "string", "categorical": true}).'
        )
    if dataset_type is DatasetType.USERS:
        for f in metadata:
            if f.type == "string" and not f.categorical:
                raise SchemaError(
                    f"{path}: field {f.name}: string metadata in the Users schema must be "
                    'categorical. Add "categorical": true.'
                )
    limit = _MAX_METADATA[dataset_type]
    if len(metadata) > limit:
        raise SchemaError(
            f"{path}: {len(metadata)} metadata fields ({', '.join(f.name for f in metadata)}); "
            f"the {dataset_type.value} dataset allows at most {limit}. Remove some."
        )


def _check_field(path: Path, field: FieldSpec, rule: _Rule) -> None:
    allowed = rule.type if isinstance(rule.type, tuple) else (rule.type,)
    problems = []
    if field.type not in allowed:
        problems.append(f"type {field.type}")
    if field.nullable and not rule.nullable_allowed:
        problems.append("nullable")
    if rule.categorical and not field.categorical:
        problems.append("not categorical")
    if rule.textual and not field.textual:
        problems.append("not textual")
    if problems:
        raise SchemaError(
            f"{path}: field {field.name} is {', '.join(problems)}; Personalize's ECOMMERCE domain "
            f"expects {_describe(field.name, rule)}."
        )


def _describe(name: str, rule: _Rule) -> str:
    types = " or ".join(rule.type) if isinstance(rule.type, tuple) else rule.type
    extra = (
        ', "categorical": true' if rule.categorical else ', "textual": true' if rule.textual else ""
    )
    return f'{{"name": "{name}", "type": "{types}"{extra}}}'
