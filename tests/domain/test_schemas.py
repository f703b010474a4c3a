"""Schema checks at synth: Avro validity and the ECOMMERCE rules, each with a message and a fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.schemas import (
    DatasetType,
    SchemaError,
    load_schema,
    parse_schema,
)

PATH = Path("schemas/test.json")


def _record(name: str, fields: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": name,
            "namespace": "com.amazonaws.personalize.schema",
            "fields": fields,
            "version": "1.0",
        }
    )


INTERACTIONS = [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
    {"name": "EVENT_TYPE", "type": "string"},
]


def _error(dataset_type: DatasetType, text: str) -> str:
    with pytest.raises(SchemaError) as excinfo:
        parse_schema(dataset_type, text, PATH)
    return str(excinfo.value)


@pytest.mark.parametrize("dataset_type", list(DatasetType))
def test_shipped_schemas_pass(dataset_type: DatasetType) -> None:
    assert load_schema(dataset_type).dataset_type is dataset_type


def test_shipped_items_schema_carries_the_guides_optional_columns() -> None:
    assert load_schema(DatasetType.ITEMS).column_names == (
        "ITEM_ID",
        "PRICE",
        "CATEGORY_L1",
        "CATEGORY_L2",
        "CATEGORY_L3",
        "PRODUCT_DESCRIPTION",
        "CREATION_TIMESTAMP",
        "AGE_GROUP",
        "ADULT",
        "GENDER",
    )


def test_invalid_json_names_line_and_column() -> None:
    assert _error(DatasetType.INTERACTIONS, '{"type": "record",\n "name": }') == (
        "schemas/test.json: not valid JSON (line 2, column 10: Expecting value)."
    )


def test_non_record_is_refused() -> None:
    assert "must be an Avro record" in _error(DatasetType.INTERACTIONS, '{"type": "string"}')


def test_invalid_avro_is_refused() -> None:
    text = json.dumps({"type": "record", "name": "Interactions", "fields": [{"name": "A"}]})
    assert _error(DatasetType.INTERACTIONS, text).startswith(
        "schemas/test.json: not a valid Avro schema:"
    )


def test_record_name_must_match_the_dataset_type() -> None:
    assert _error(DatasetType.ITEMS, _record("Products", INTERACTIONS)) == (
        "schemas/test.json: record name is 'Products'; Personalize requires it to match the "
        'dataset type. Set "name": "Items".'
    )


def test_missing_required_field_names_it_and_its_shape() -> None:
    assert _error(DatasetType.INTERACTIONS, _record("Interactions", INTERACTIONS[:3])) == (
        "schemas/test.json: required ECOMMERCE field EVENT_TYPE is missing from the Interactions "
        'schema. Add {"name": "EVENT_TYPE", "type": "string"}.'
    )


def test_timestamp_must_be_long() -> None:
    fields = [*INTERACTIONS[:2], {"name": "TIMESTAMP", "type": "string"}, INTERACTIONS[3]]
    assert _error(DatasetType.INTERACTIONS, _record("Interactions", fields)) == (
        "schemas/test.json: field TIMESTAMP is type string; Personalize's ECOMMERCE domain "
        'expects {"name": "TIMESTAMP", "type": "long"}.'
    )


def test_required_id_cannot_be_nullable() -> None:
    fields = [{"name": "USER_ID", "type": ["null", "string"]}, *INTERACTIONS[1:]]
    assert "field USER_ID is nullable" in _error(
        DatasetType.INTERACTIONS, _record("Interactions", fields)
    )


def test_category_l1_must_be_categorical() -> None:
    fields = [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "PRICE", "type": "float"},
        {"name": "CATEGORY_L1", "type": "string"},
    ]
    assert _error(DatasetType.ITEMS, _record("Items", fields)) == (
        "schemas/test.json: field CATEGORY_L1 is not categorical; Personalize's ECOMMERCE domain "
        'expects {"name": "CATEGORY_L1", "type": "string", "categorical": true}.'
    )


def test_reserved_field_must_keep_its_type() -> None:
    fields = [*INTERACTIONS, {"name": "EVENT_VALUE", "type": "string"}]
    assert "field EVENT_VALUE is type string" in _error(
        DatasetType.INTERACTIONS, _record("Interactions", fields)
    )


def test_users_need_a_metadata_field() -> None:
    assert "needs at least one metadata field" in _error(
        DatasetType.USERS, _record("Users", [{"name": "USER_ID", "type": "string"}])
    )


def test_users_string_metadata_must_be_categorical() -> None:
    fields = [{"name": "USER_ID", "type": "string"}, {"name": "TIER", "type": "string"}]
    assert _error(DatasetType.USERS, _record("Users", fields)) == (
        "schemas/test.json: field TIER: string metadata in the Users schema must be categorical. "
        'Add "categorical": true.'
    )


def test_nested_types_are_refused() -> None:
    fields = [*INTERACTIONS, {"name": "TAGS", "type": {"type": "array", "items": "string"}}]
    assert "Personalize schemas are flat" in _error(
        DatasetType.INTERACTIONS, _record("Interactions", fields)
    )


def test_names_equal_ignoring_case_and_separators_are_refused() -> None:
    fields = [*INTERACTIONS, {"name": "user_id", "type": "string"}]
    assert "fields USER_ID and user_id are the same name to Personalize" in _error(
        DatasetType.INTERACTIONS, _record("Interactions", fields)
    )


def test_interactions_allow_at_most_five_metadata_fields() -> None:
    fields = [*INTERACTIONS, *({"name": f"M{i}", "type": "int"} for i in range(6))]
    assert (
        "6 metadata fields (M0, M1, M2, M3, M4, M5); the Interactions dataset allows at most 5"
        in (_error(DatasetType.INTERACTIONS, _record("Interactions", fields)))
    )


def test_schema_over_cloudformations_limit_is_refused() -> None:
    fields = [
        *INTERACTIONS[:2],
        {"name": "TIMESTAMP", "type": "long", "doc": "x" * 10_000},
        INTERACTIONS[3],
    ]
    assert "CloudFormation's AWS::Personalize::Schema accepts at most 10000" in _error(
        DatasetType.INTERACTIONS, _record("Interactions", fields)
    )


def test_missing_schema_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"users.json: schema file not found"):
        load_schema(DatasetType.USERS, tmp_path)
