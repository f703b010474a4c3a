"""Which schema each dataset is created with, and whether `schemas/<type>.json` may replace it.

A dataset's schema is create-only in CloudFormation, and Personalize accepts a replacement schema
(`UpdateDataset`) only for Items and Users datasets, only when it keeps every field unchanged and
adds fields that accept null. So the stack creates each dataset from the first schema it ever had,
`schemas/history/<type>/v1.json`, which never changes, and applies the current schema on top of
it. The history folder is the offline record of what has been deployed: every schema change that
reaches main adds the next `v<N>.json`, and each entry must be a compatible successor of the one
before it. Synth refuses anything else, naming the file, the field and the fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from personalize_domain.schemas import (
    SCHEMAS_DIR,
    DatasetSchema,
    DatasetType,
    FieldSpec,
    SchemaError,
    load_schema,
    parse_schema,
)

_VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.json$")

# Personalize replaces the schema of Items and Users datasets only (dev guide, "Replacing a
# dataset's schema": not Item interactions, Action interactions or Actions).
REPLACEABLE = frozenset({DatasetType.ITEMS, DatasetType.USERS})


@dataclass(frozen=True)
class SchemaPlan:
    """`created`: the schema the dataset is created with. `current`: the one it should have."""

    created: DatasetSchema
    current: DatasetSchema

    @property
    def dataset_type(self) -> DatasetType:
        return self.current.dataset_type

    @property
    def evolves(self) -> bool:
        """True when the dataset needs `UpdateDataset`: its fields differ from `created`'s."""
        return self.current.fields != self.created.fields


def history_dir(dataset_type: DatasetType, schemas_dir: Path = SCHEMAS_DIR) -> Path:
    return schemas_dir / "history" / dataset_type.key


def load_history(dataset_type: DatasetType, schemas_dir: Path = SCHEMAS_DIR) -> list[DatasetSchema]:
    """`schemas/history/<type>/v1.json`, `v2.json`, ... parsed and checked, oldest first."""
    folder = history_dir(dataset_type, schemas_dir)
    numbered: dict[int, Path] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        match = _VERSION_FILE.match(path.name)
        if match is None:
            raise SchemaError(
                f"{path}: history files are named v1.json, v2.json, ... in the order they were "
                "deployed. Rename it."
            )
        numbered[int(match.group(1))] = path
    if not numbered:
        raise SchemaError(
            f"{folder}: no schema history. Copy schemas/{dataset_type.key}.json to "
            f"{folder}/v1.json: the {dataset_type.value} dataset is created with it."
        )
    expected = list(range(1, len(numbered) + 1))
    if sorted(numbered) != expected:
        raise SchemaError(
            f"{folder}: history versions {sorted(numbered)} have a gap; they must be "
            f"{', '.join(f'v{n}' for n in expected)}."
        )
    return [
        parse_schema(dataset_type, numbered[n].read_text(encoding="utf-8"), numbered[n])
        for n in expected
    ]


def plan_schema(dataset_type: DatasetType, schemas_dir: Path = SCHEMAS_DIR) -> SchemaPlan:
    """The dataset's creation schema and current schema, once every step between them is safe."""
    current = load_schema(dataset_type, schemas_dir)
    history = load_history(dataset_type, schemas_dir)
    for before, after in pairwise([*history, current]):
        check_successor(before, after)
    latest = history[-1]
    if current.fields != latest.fields:
        following = history_dir(dataset_type, schemas_dir) / f"v{len(history) + 1}.json"
        raise SchemaError(
            f"{current.path}: its fields differ from the last deployed schema ({latest.path}), "
            f"and the change is compatible. Record it in the same change: copy "
            f"{current.path.name} to {following}."
        )
    return SchemaPlan(created=history[0], current=current)


def check_successor(before: DatasetSchema, after: DatasetSchema) -> None:
    """Refuse `after` unless Personalize accepts it as the replacement of `before`."""
    _check_namespace(before, after)
    old = {f.name: f for f in before.fields}
    new = {f.name: f for f in after.fields}
    for name, field in old.items():
        if name not in new:
            raise SchemaError(
                f"{after.path}: field {name} of the deployed schema {before.path.name} is gone. "
                f"Personalize keeps every field of a dataset's schema: put it back. "
                f"{_NEW_GROUP_FIX}"
            )
        if new[name] != field:
            raise SchemaError(
                f"{after.path}: field {name} changed from {_describe(field)} to "
                f"{_describe(new[name])}; Personalize cannot change a deployed field's type or "
                f"attributes. Keep {_describe(field)} (or add a new nullable field under "
                f"another name). {_NEW_GROUP_FIX}"
            )
    added = [f for name, f in new.items() if name not in old]
    if added and before.dataset_type not in REPLACEABLE:
        raise SchemaError(
            f"{after.path}: field {added[0].name} is new, but Personalize cannot replace the "
            f"schema of an {before.dataset_type.value} dataset (only Items and Users). Remove "
            f"it. {_NEW_GROUP_FIX}"
        )
    for field in added:
        if not field.nullable:
            raise SchemaError(
                f"{after.path}: new field {field.name} is {field.type} and cannot be null; a "
                f'field added to a deployed dataset must accept null: "type": ["null", '
                f'"{field.type}"]. {_NEW_GROUP_FIX}'
            )


_NEW_GROUP_FIX = (
    "If the change is needed as it is, it takes a new dataset: start a new history (the new "
    "schema as the only v1.json), give every environment a new namePrefix in cdk.json (a new "
    "dataset group), and import the data again."
)


def _check_namespace(before: DatasetSchema, after: DatasetSchema) -> None:
    old, new = _namespace(before), _namespace(after)
    if old != new:
        raise SchemaError(
            f"{after.path}: namespace changed from {old!r} to {new!r}; keep {old!r}. "
            f"{_NEW_GROUP_FIX}"
        )


def _namespace(schema: DatasetSchema) -> str | None:
    value = json.loads(schema.avro_json).get("namespace")
    return value if isinstance(value, str) else None


def _describe(field: FieldSpec) -> str:
    avro_type = f'["null", "{field.type}"]' if field.nullable else f'"{field.type}"'
    flags = "".join(
        f', "{flag}": true'
        for flag, on in (("categorical", field.categorical), ("textual", field.textual))
        if on
    )
    return f'{{"type": {avro_type}{flags}}}'
