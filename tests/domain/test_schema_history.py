"""Schema evolution at synth: the history in schemas/history/ and what may follow its last entry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.schema_history import load_history, plan_schema
from personalize_domain.schemas import SCHEMAS_DIR, DatasetType, SchemaError, load_schema

NEW_GROUP_FIX = "give every environment a new namePrefix in cdk.json (a new dataset group)"


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    """A copy of the shipped schemas/ folder, history included."""
    target = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, target)
    return target


def _edit(schemas: Path, dataset_type: DatasetType, change: Any, *, record: bool = False) -> None:
    """Apply `change` to schemas/<type>.json; `record` also adds it as the next history entry."""
    path = schemas / f"{dataset_type.key}.json"
    raw = json.loads(path.read_text())
    change(raw)
    path.write_text(json.dumps(raw, indent=2))
    if record:
        history = schemas / "history" / dataset_type.key
        shutil.copy(path, history / f"v{len(list(history.glob('*.json'))) + 1}.json")


def _add_field(field: dict[str, Any]) -> Any:
    return lambda raw: raw["fields"].append(field)


def _refusal(schemas: Path, dataset_type: DatasetType) -> str:
    with pytest.raises(SchemaError) as excinfo:
        plan_schema(dataset_type, schemas)
    return str(excinfo.value)


@pytest.mark.parametrize("dataset_type", list(DatasetType))
def test_shipped_schemas_are_their_own_first_history_entry(dataset_type: DatasetType) -> None:
    # The datasets already deployed were created from today's files: v1 must be exactly those.
    plan = plan_schema(dataset_type)
    assert plan.created.avro_json == load_schema(dataset_type).avro_json
    assert not plan.evolves


def test_a_recorded_nullable_column_evolves_the_dataset(schemas: Path) -> None:
    # GIVEN a new nullable column in items.json, recorded as history v2
    loyalty = {"name": "BRAND", "type": ["null", "string"], "categorical": True}
    _edit(schemas, DatasetType.ITEMS, _add_field(loyalty), record=True)
    # WHEN planned
    plan = plan_schema(DatasetType.ITEMS, schemas)
    # THEN the dataset is still created from v1 and gets the new schema on top
    assert plan.created.path.name == "v1.json"
    assert plan.current.column_names[-1] == "BRAND"
    assert plan.evolves


def test_a_version_edit_alone_needs_no_record_and_no_update(schemas: Path) -> None:
    _edit(schemas, DatasetType.USERS, lambda raw: raw.update(version="2.0"))
    assert not plan_schema(DatasetType.USERS, schemas).evolves


def test_an_unrecorded_compatible_change_asks_for_the_history_entry(schemas: Path) -> None:
    _edit(schemas, DatasetType.USERS, _add_field({"name": "TIER", "type": ["null", "int"]}))
    message = _refusal(schemas, DatasetType.USERS)
    assert "its fields differ from the last deployed schema" in message
    assert f"copy users.json to {schemas}/history/users/v2.json" in message


def test_removed_field_is_refused_naming_file_field_and_fix(schemas: Path) -> None:
    def drop_gender(raw: dict[str, Any]) -> None:
        raw["fields"] = [f for f in raw["fields"] if f["name"] != "GENDER"]

    _edit(schemas, DatasetType.ITEMS, drop_gender, record=True)
    message = _refusal(schemas, DatasetType.ITEMS)
    assert message.startswith(f"{schemas}/history/items/v2.json: field GENDER of the deployed ")
    assert "Personalize keeps every field of a dataset's schema: put it back." in message
    assert NEW_GROUP_FIX in message


def test_retyped_field_is_refused_naming_both_types(schemas: Path) -> None:
    def retype_price(raw: dict[str, Any]) -> None:
        next(f for f in raw["fields"] if f["name"] == "PRICE")["type"] = "double"

    _edit(schemas, DatasetType.ITEMS, retype_price)
    message = _refusal(schemas, DatasetType.ITEMS)
    assert message.startswith(
        f'{schemas}/items.json: field PRICE changed from {{"type": "float"}} to '
        '{"type": "double"}; Personalize cannot change a deployed field\'s type or attributes.'
    )
    assert NEW_GROUP_FIX in message


def test_a_field_no_longer_categorical_is_a_retyped_field(schemas: Path) -> None:
    # GIVEN v2 added a categorical column and the current file drops the flag
    brand = {"name": "BRAND", "type": ["null", "string"], "categorical": True}
    _edit(schemas, DatasetType.ITEMS, _add_field(brand), record=True)
    _edit(schemas, DatasetType.ITEMS, lambda raw: raw["fields"][-1].pop("categorical"))
    # THEN it is refused as a change of a deployed field
    assert "field BRAND changed from" in _refusal(schemas, DatasetType.ITEMS)


def test_new_required_field_is_refused_with_the_nullable_form(schemas: Path) -> None:
    _edit(schemas, DatasetType.USERS, _add_field({"name": "TIER", "type": "int"}))
    message = _refusal(schemas, DatasetType.USERS)
    assert message.startswith(
        f"{schemas}/users.json: new field TIER is int and cannot be null; a field added to a "
        'deployed dataset must accept null: "type": ["null", "int"].'
    )


def test_a_default_alone_does_not_make_a_new_field_acceptable(schemas: Path) -> None:
    # Personalize's guide: every new field must support null data.
    _edit(schemas, DatasetType.USERS, _add_field({"name": "TIER", "type": "int", "default": 0}))
    assert "new field TIER is int and cannot be null" in _refusal(schemas, DatasetType.USERS)


def test_interactions_schema_cannot_gain_a_column(schemas: Path) -> None:
    column = {"name": "DEVICE", "type": ["null", "string"], "categorical": True}
    _edit(schemas, DatasetType.INTERACTIONS, _add_field(column), record=True)
    message = _refusal(schemas, DatasetType.INTERACTIONS)
    assert "field DEVICE is new, but Personalize cannot replace the schema of an Interactions " in (
        message
    )
    assert NEW_GROUP_FIX in message


def test_namespace_change_is_refused(schemas: Path) -> None:
    _edit(schemas, DatasetType.USERS, lambda raw: raw.update(namespace="shop.schema"))
    assert "namespace changed from 'com.amazonaws.personalize.schema'" in _refusal(
        schemas, DatasetType.USERS
    )


def test_every_history_step_is_checked_not_only_the_last(schemas: Path) -> None:
    # GIVEN v2 added a column and v3 (= the current file) dropped it again
    brand = {"name": "BRAND", "type": ["null", "string"], "categorical": True}
    _edit(schemas, DatasetType.ITEMS, _add_field(brand), record=True)
    _edit(schemas, DatasetType.ITEMS, lambda raw: raw["fields"].pop(), record=True)
    # THEN the step v2 -> v3 is refused although v3 equals v1
    assert "field BRAND of the deployed schema v2.json is gone" in _refusal(
        schemas, DatasetType.ITEMS
    )


def test_missing_history_names_the_first_entry_to_add(schemas: Path) -> None:
    shutil.rmtree(schemas / "history" / "users")
    assert f"Copy schemas/users.json to {schemas}/history/users/v1.json" in _refusal(
        schemas, DatasetType.USERS
    )


def test_a_gap_in_the_history_is_refused(schemas: Path) -> None:
    shutil.copy(schemas / "users.json", schemas / "history" / "users" / "v3.json")
    with pytest.raises(SchemaError, match=r"history versions \[1, 3\] have a gap"):
        load_history(DatasetType.USERS, schemas)


def test_a_misnamed_history_file_is_refused(schemas: Path) -> None:
    shutil.copy(schemas / "users.json", schemas / "history" / "users" / "latest.json")
    with pytest.raises(SchemaError, match=r"latest.json: history files are named v1.json"):
        load_history(DatasetType.USERS, schemas)
