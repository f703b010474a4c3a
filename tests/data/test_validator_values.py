"""Per-value rules: required values, types, lengths; each with its exact one-line message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from validation_helpers import (
    ITEMS_HEADER,
    USERS_HEADER,
    Validate,
    WriteCsv,
    finding,
    interaction_rows,
    lines,
    rules,
)

from personalize_domain.data import validate_dataset, validate_file
from personalize_domain.schemas import DatasetSchema, DatasetType, parse_schema

# Interactions with one metadata field of each remaining Avro type.
_TYPED_FIELDS: list[dict[str, Any]] = [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
    {"name": "EVENT_TYPE", "type": "string"},
    {"name": "QUANTITY", "type": ["null", "int"]},
    {"name": "IS_GIFT", "type": ["null", "boolean"]},
    {"name": "DISCOUNT", "type": ["null", "double"]},
    {"name": "DEVICE", "type": ["null", "string"], "categorical": True},
]
TYPED_HEADER = ",".join(f["name"] for f in _TYPED_FIELDS)


def typed_schema(tmp_path: Path) -> DatasetSchema:
    text = json.dumps({"type": "record", "name": "Interactions", "fields": _TYPED_FIELDS})
    return parse_schema(DatasetType.INTERACTIONS, text, tmp_path / "typed.json")


def validate_typed(write_csv: WriteCsv, tmp_path: Path, *rows: str) -> list[str]:
    path = write_csv([TYPED_HEADER, *rows])
    report = validate_file(path, typed_schema(tmp_path))
    return [
        line.replace(str(tmp_path) + "/", "")
        for f in report.findings
        for line in f.render_lines()
        if "metadata" not in line and "interaction records" not in line
    ]


def test_empty_required_value_is_an_error(validate_interactions: Validate) -> None:
    # GIVEN a row without ITEM_ID
    report = validate_interactions(["u1,,1700000000,View"])
    # THEN the row, column and fix are named
    assert lines(report, "empty-value") == [
        'error: interactions.csv, row 2, ITEM_ID = "": ITEM_ID is empty, but the schema does not '
        "allow null for it. Fix: fill in ITEM_ID or drop the row."
    ]


def test_empty_nullable_value_is_fine(write_csv: WriteCsv, tmp_path: Path) -> None:
    # GIVEN a row whose nullable metadata fields are all empty
    problems = validate_typed(write_csv, tmp_path, "u1,i1,1700000000,View,,,,")
    # THEN nothing is reported about them
    assert problems == []


def test_id_longer_than_256_characters_is_an_error(validate_interactions: Validate) -> None:
    # GIVEN a 257-character USER_ID (and one of exactly 256, which is allowed)
    report = validate_interactions(
        ["x" * 257 + ",i1,1700000000,View", "y" * 256 + ",i1,1700000001,View"]
    )
    # THEN only the long one is reported, with its length
    found = finding(report, "id-too-long")
    assert found.count == 1
    assert lines(report, "id-too-long") == [
        f'error: interactions.csv, row 2, USER_ID = "{"x" * 60}…(257 characters)": USER_ID has '
        "257 characters; Personalize allows at most 256 for IDs. Fix: shorten the value."
    ]


def test_id_length_counts_characters_not_bytes(validate_interactions: Validate) -> None:
    # GIVEN a 200-character ID of two-byte characters (400 bytes)
    report = validate_interactions(["é" * 200 + ",i1,1700000000,View"])
    # THEN it is within the limit
    assert "id-too-long" not in rules(report)


def test_int_field_with_text_is_an_error(write_csv: WriteCsv, tmp_path: Path) -> None:
    # GIVEN QUANTITY (int) holding "two"
    problems = validate_typed(write_csv, tmp_path, "u1,i1,1700000000,View,two,,,")
    # THEN the type is named
    assert problems == [
        'error: interactions.csv, row 2, QUANTITY = "two": QUANTITY is not a whole number; the '
        "schema declares it int. Fix: write digits only (no decimal point, spaces, units or "
        "thousands separators)."
    ]


def test_int_field_beyond_32_bits_is_an_error(write_csv: WriteCsv, tmp_path: Path) -> None:
    # GIVEN QUANTITY (int) holding 2^31
    problems = validate_typed(write_csv, tmp_path, "u1,i1,1700000000,View,2147483648,,,")
    # THEN the fix is to declare it long
    assert problems == [
        'error: interactions.csv, row 2, QUANTITY = "2147483648": QUANTITY does not fit in a '
        '32-bit Avro int. Fix: declare QUANTITY as "long" in the schema, or correct the value.'
    ]


def test_capitalised_boolean_is_an_error_with_the_lower_case_fix(
    write_csv: WriteCsv, tmp_path: Path
) -> None:
    # GIVEN IS_GIFT written as True
    problems = validate_typed(write_csv, tmp_path, "u1,i1,1700000000,View,,True,,")
    # THEN the fix is the lower-case spelling
    assert problems == [
        'error: interactions.csv, row 2, IS_GIFT = "True": IS_GIFT must be lower-case true or '
        "false. Fix: write true instead."
    ]


def test_non_boolean_is_an_error(write_csv: WriteCsv, tmp_path: Path) -> None:
    # GIVEN IS_GIFT written as 1
    problems = validate_typed(write_csv, tmp_path, "u1,i1,1700000000,View,,1,,")
    # THEN it is not accepted as a boolean
    assert problems == [
        'error: interactions.csv, row 2, IS_GIFT = "1": IS_GIFT is not a boolean. '
        "Fix: write true or false (lower case)."
    ]


def test_decimal_comma_is_not_a_number(write_csv: WriteCsv, tmp_path: Path) -> None:
    # GIVEN DISCOUNT written with a decimal comma (quoted, so the row parses)
    problems = validate_typed(write_csv, tmp_path, 'u1,i1,1700000000,View,,,"0,5",')
    # THEN the number format is the problem
    assert problems == [
        'error: interactions.csv, row 2, DISCOUNT = "0,5": DISCOUNT is not a number. Fix: write '
        "a plain decimal number with a dot (e.g. 19.99), no currency or commas."
    ]


def test_categorical_value_over_1000_characters_is_an_error(
    write_csv: WriteCsv, tmp_path: Path
) -> None:
    # GIVEN DEVICE with a short and a 1001-character pipe-separated value, and a row whose
    # parts are each within the limit although the whole field is longer
    long_part = "a|" + "b" * 1001
    fine = "c" * 900 + "|" + "d" * 900
    problems = validate_typed(
        write_csv,
        tmp_path,
        f"u1,i1,1700000000,View,,,,{long_part}",
        f"u1,i1,1700000001,View,,,,{fine}",
    )
    # THEN only the first row is reported, with the length of the offending value
    assert problems == [
        f'error: interactions.csv, row 2, DEVICE = "a|{"b" * 58}…(1,003 characters)": DEVICE has '
        "a categorical value of 1,001 characters; Personalize allows at most 1,000 per value "
        "(values are separated by |). Fix: shorten the value or split it into several "
        "|-separated values."
    ]


def test_textual_field_over_20000_characters_is_an_error(write_csv: WriteCsv) -> None:
    # GIVEN an item whose description has 20,001 characters
    row = f"SKU-1,9.99,home,,,{'w' * 20_001},1700000000,,,"
    path = write_csv([ITEMS_HEADER, row], name="items.csv")
    # WHEN the items file is validated
    report = validate_dataset(path, DatasetType.ITEMS)
    # THEN the description is reported with its length
    assert lines(report, "text-too-long") == [
        f'error: items.csv, row 2, PRODUCT_DESCRIPTION = "{"w" * 60}…(20,001 characters)": '
        "PRODUCT_DESCRIPTION has 20,001 characters; Personalize allows at most 20,000 for "
        "textual fields. Fix: shorten the value."
    ]


def test_price_must_be_a_number(write_csv: WriteCsv) -> None:
    # GIVEN an item priced with a currency sign
    path = write_csv([ITEMS_HEADER, "SKU-1,$9.99,home,,,,1700000000,,,"], name="items.csv")
    # THEN PRICE is reported
    report = validate_dataset(path, DatasetType.ITEMS)
    assert finding(report, "not-a-number").issues[0].column == "PRICE"


def test_duplicate_item_ids_are_a_warning_with_examples(write_csv: WriteCsv) -> None:
    # GIVEN an items file listing SKU-1 three times
    rows = [f"SKU-{n},9.99,home,,,,1700000000,,," for n in (1, 2, 1, 1)]
    path = write_csv([ITEMS_HEADER, *rows], name="items.csv")
    # WHEN it is validated
    report = validate_dataset(path, DatasetType.ITEMS)
    # THEN two repeated rows are counted, naming the ID, as a warning
    assert report.ok
    assert lines(report, "duplicate-id") == [
        "warning: items.csv, ITEM_ID: 2 rows repeat the ITEM_ID of an earlier row (e.g. "
        "'SKU-1'); repeated IDs give one item conflicting metadata. Fix: keep one row per "
        "ITEM_ID (merge or drop the repeats)."
    ]


def test_users_file_counts_distinct_users(write_csv: WriteCsv) -> None:
    # GIVEN three users
    rows = ["U1,gold,25-34,female", "U2,,,", "U3,bronze,65+,male"]
    path = write_csv([USERS_HEADER, *rows], name="users.csv")
    # WHEN validated
    report = validate_dataset(path, DatasetType.USERS)
    # THEN it is clean and the users are counted
    assert report.findings == ()
    assert (report.stats.rows, report.stats.distinct_users) == (3, 3)


def test_valid_rows_produce_no_value_findings(validate_interactions: Validate) -> None:
    # GIVEN 1,200 well-formed interactions
    report = validate_interactions(interaction_rows(1200))
    # THEN nothing is reported (no use cases are selected, so no minimums apply)
    assert report.findings == ()
