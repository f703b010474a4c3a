"""Header and whole-file rules: the first line must be the schema's columns, unquoted, in order."""

from __future__ import annotations

from validation_helpers import INTERACTIONS_HEADER, Validate, WriteCsv, interaction_rows, lines

from personalize_domain.data import validate_dataset
from personalize_domain.schemas import DatasetType

EXPECTED = "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"


def test_empty_file_is_one_error_naming_the_header_to_write(write_csv: WriteCsv) -> None:
    # GIVEN a zero-byte interactions file
    path = write_csv(b"")
    # WHEN it is validated
    report = validate_dataset(path, DatasetType.INTERACTIONS)
    # THEN the only finding says so and spells out the header
    assert [f.rule for f in report.findings] == ["empty-file"]
    assert lines(report, "empty-file") == [
        "error: interactions.csv, row 1: the file is empty. Fix: write a header row with the "
        f"schema's columns ({EXPECTED}) followed by data rows."
    ]


def test_header_only_file_is_an_error(validate_interactions: Validate) -> None:
    # GIVEN a header and nothing else
    report = validate_interactions([])
    # THEN the file is rejected for having no rows
    assert lines(report, "header-only") == [
        "error: interactions.csv, row 1: the file has a header row but no data rows. "
        "Fix: add data rows below the header."
    ]
    assert not report.ok


def test_quoted_header_names_are_an_error(validate_interactions: Validate) -> None:
    # GIVEN a header whose names are quoted, as some exporters write them
    header = '"USER_ID","ITEM_ID","TIMESTAMP","EVENT_TYPE"'
    # WHEN the file is validated
    report = validate_interactions(interaction_rows(3), header=header)
    # THEN the quoting is named, with the exact header to write instead
    assert lines(report, "header-quoted") == [
        "error: interactions.csv, row 1: header names are quoted (USER_ID, ITEM_ID, TIMESTAMP, "
        "EVENT_TYPE); Personalize needs them unquoted. "
        f"Fix: write the header exactly as {EXPECTED}."
    ]


def test_byte_order_mark_is_an_error(write_csv: WriteCsv) -> None:
    # GIVEN a file saved as "CSV UTF-8" by Excel, which starts with a BOM
    content = b"\xef\xbb\xbf" + "\n".join([EXPECTED, *interaction_rows(3)]).encode() + b"\n"
    # WHEN it is validated
    report = validate_dataset(write_csv(content), DatasetType.INTERACTIONS)
    # THEN the BOM is reported as the problem, not a mysterious missing USER_ID
    assert [line.split(" Fix:")[0] for line in lines(report, "byte-order-mark")] == [
        "error: interactions.csv, row 1: the file starts with a UTF-8 byte-order mark (BOM), "
        "which becomes part of the first column name."
    ]


def test_missing_column_names_the_column_and_full_header(validate_interactions: Validate) -> None:
    # GIVEN a file without EVENT_TYPE
    report = validate_interactions(["u1,i1,1700000000"], header="USER_ID,ITEM_ID,TIMESTAMP")
    # THEN the missing column is named with the header that would be right
    assert lines(report, "header-missing-column") == [
        "error: interactions.csv, row 1, EVENT_TYPE: column EVENT_TYPE of the Interactions "
        f"schema is missing from the header. Fix: add the EVENT_TYPE column; the header must be "
        f"{EXPECTED}."
    ]


def test_lower_case_column_is_reported_as_a_rename(validate_interactions: Validate) -> None:
    # GIVEN a header with user_id instead of USER_ID
    report = validate_interactions(
        interaction_rows(3), header="user_id,ITEM_ID,TIMESTAMP,EVENT_TYPE"
    )
    # THEN the fix is the rename, and the column is not also reported as unknown
    assert lines(report, "header-misspelled") == [
        'error: interactions.csv, row 1, USER_ID: header has "user_id" where the schema column '
        "is USER_ID. Fix: rename the header to USER_ID (names are case-sensitive, without "
        "spaces)."
    ]
    assert "header-unknown-column" not in {f.rule for f in report.findings}


def test_unknown_column_is_an_error(validate_interactions: Validate) -> None:
    # GIVEN an extra SESSION_ID column the schema does not declare
    report = validate_interactions(["u1,i1,1700000000,View,s1"], header=f"{EXPECTED},SESSION_ID")
    # THEN it is named, with both ways out
    assert lines(report, "header-unknown-column") == [
        "error: interactions.csv, row 1, SESSION_ID: column SESSION_ID is not in "
        "interactions.json. Fix: remove the column, or add the field to interactions.json; the "
        f"header must be {EXPECTED}."
    ]


def test_columns_out_of_schema_order_are_an_error(validate_interactions: Validate) -> None:
    # GIVEN the right columns in the wrong order
    report = validate_interactions(
        ["i1,u1,1700000000,View"], header="ITEM_ID,USER_ID,TIMESTAMP,EVENT_TYPE"
    )
    # THEN the order is reported with the order to use
    assert lines(report, "header-order") == [
        "error: interactions.csv, row 1: columns are in the order "
        "ITEM_ID,USER_ID,TIMESTAMP,EVENT_TYPE; Personalize needs the schema's order. "
        f"Fix: reorder the columns to {EXPECTED}."
    ]


def test_duplicate_column_is_an_error(validate_interactions: Validate) -> None:
    # GIVEN EVENT_TYPE twice
    report = validate_interactions(["u1,i1,1700000000,View,View"], header=f"{EXPECTED},EVENT_TYPE")
    # THEN the duplicate is named
    assert lines(report, "header-duplicate") == [
        "error: interactions.csv, row 1, EVENT_TYPE: column EVENT_TYPE appears twice in the "
        "header. Fix: remove the duplicate column."
    ]


def test_blank_first_line_is_a_missing_header(write_csv: WriteCsv) -> None:
    # GIVEN a file that starts with an empty line
    path = write_csv(["", INTERACTIONS_HEADER, *interaction_rows(3)])
    # WHEN it is validated
    report = validate_dataset(path, DatasetType.INTERACTIONS)
    # THEN the header is reported missing and nothing else is guessed
    assert [f.rule for f in report.findings] == ["missing-header"]


def test_too_many_metadata_columns_is_an_error(validate_interactions: Validate) -> None:
    # GIVEN six metadata columns besides the required ones (Personalize allows five)
    extra = [f"M{i}" for i in range(6)]
    report = validate_interactions(
        ["u1,i1,1700000000,View," + ",".join("x" * 6)], header=",".join([EXPECTED, *extra])
    )
    # THEN the quota is reported with how many to drop
    assert lines(report, "too-many-metadata-columns") == [
        "error: interactions.csv, row 1: 6 metadata columns (M0, M1, M2, M3, M4, M5); the "
        "Interactions dataset allows at most 5 besides the required and reserved ones. "
        "Fix: remove 1 of them."
    ]


def test_header_that_is_not_utf8_is_an_error(write_csv: WriteCsv) -> None:
    # GIVEN a header with a Latin-1 byte in a column name
    path = write_csv(b"USER_ID,ITEM_\xc9D,TIMESTAMP,EVENT_TYPE\nu1,i1,1700000000,View\n")
    report = validate_dataset(path, DatasetType.INTERACTIONS)
    # THEN the header line is named, with the header to write
    assert lines(report, "invalid-utf8")[0] == (
        "error: interactions.csv, row 1: the header row is not valid UTF-8. "
        f"Fix: write the header as {EXPECTED}."
    )
