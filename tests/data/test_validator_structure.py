"""Structure: UTF-8, field counts, blank lines, quoted line breaks, and the per-rule cap."""

from __future__ import annotations

from validation_helpers import (
    INTERACTIONS_HEADER,
    Validate,
    WriteCsv,
    finding,
    interaction_rows,
    lines,
    rules,
)

from personalize_domain.data import validate_dataset
from personalize_domain.schemas import DatasetType


def _bytes(*rows: str | bytes) -> bytes:
    parts = [r.encode() if isinstance(r, str) else r for r in (INTERACTIONS_HEADER, *rows)]
    return b"\n".join(parts) + b"\n"


def test_latin1_bytes_are_located_with_the_encoding_hint(validate_interactions: Validate) -> None:
    # GIVEN a row with 'é' written as Windows-1252 (0xE9) on line 3
    content = _bytes("u1,i1,1700000000,View", b"caf\xe9,i1,1700000001,View")
    # WHEN it is validated
    report = validate_interactions(content)
    # THEN the line, the bytes and the re-encoding fix are given
    assert lines(report, "invalid-utf8") == [
        'error: interactions.csv, row 3: "caf\ufffd,i1,1700000001,View": bytes 0xE9 are not valid '
        "UTF-8. The file looks Windows-1252/Latin-1 encoded. Fix: re-save the file as UTF-8 "
        "(e.g. iconv -f WINDOWS-1252 -t UTF-8 IN > OUT)."
    ]


def test_rules_still_run_on_a_file_with_bad_bytes(validate_interactions: Validate) -> None:
    # GIVEN bad bytes in one row and a millisecond timestamp in another
    content = _bytes(b"\xff\xfe,i1,1700000000,View", "u2,i2,1700000000000,View")
    report = validate_interactions(content)
    # THEN both problems are reported
    assert {"invalid-utf8", "timestamp-milliseconds"} <= rules(report)


def test_short_row_names_its_field_count(validate_interactions: Validate) -> None:
    report = validate_interactions(["u1,i1,1700000000,View", "u2,i2,1700000001"])
    assert lines(report, "wrong-field-count") == [
        'error: interactions.csv, row 3: "u2,i2,1700000001": the row has 3 fields; the header '
        "has 4. Fix: check for missing or extra commas, and quote values that contain commas "
        '("a,b").'
    ]


def test_long_row_is_reported(validate_interactions: Validate) -> None:
    report = validate_interactions(["u1,i1,1700000000,View,extra"])
    assert finding(report, "wrong-field-count").issues[0].message == (
        "the row has 5 fields; the header has 4."
    )


def test_trailing_comma_is_an_extra_empty_field(validate_interactions: Validate) -> None:
    # GIVEN a row ending in a comma: five fields, the last one empty
    report = validate_interactions(["u1,i1,1700000000,View,"])
    # THEN it is reported although the extra field is empty
    assert finding(report, "wrong-field-count").count == 1


def test_blank_line_is_a_warning_reported_once(validate_interactions: Validate) -> None:
    # GIVEN a blank line between two good rows
    report = validate_interactions(["u1,i1,1700000000,View", "", "u2,i2,1700000001,View"])
    # THEN it is one warning, not an empty-value error per column
    assert lines(report, "blank-line") == [
        "warning: interactions.csv, row 3: the line is blank; Personalize may reject or skip it. "
        "Fix: delete blank lines."
    ]
    assert "empty-value" not in rules(report)


def test_rows_after_a_quoted_line_break_keep_their_line_numbers(
    validate_interactions: Validate,
) -> None:
    # GIVEN a quoted ITEM_ID spanning lines 2-3, then a bad timestamp on line 4
    report = validate_interactions(['u1,"i\n1",1700000000,View', "u2,i2,1700000000000,View"])
    # THEN the row number is the physical line of the bad record
    assert finding(report, "timestamp-milliseconds").issues[0].row == 4


def test_unterminated_quote_is_reported_with_its_line(write_csv: WriteCsv) -> None:
    # GIVEN a quote that never closes on line 3
    path = write_csv(_bytes("u1,i1,1700000000,View", 'u2,"i2,1700000001,View', "u3,i3,1,View"))
    # WHEN it is validated
    report = validate_dataset(path, DatasetType.INTERACTIONS)
    # THEN the report names a structural problem on line 3 instead of crashing
    problems = [i for f in report.findings for i in f.issues if i.row == 3]
    assert not report.ok
    assert problems
    assert problems[0].rule in {"unparseable-csv", "wrong-field-count"}


def test_errors_are_capped_per_rule_with_a_count_of_the_rest(
    validate_interactions: Validate,
) -> None:
    # GIVEN 2,000 rows, every one with a millisecond timestamp
    rows = [f"u{i % 50},i{i % 90},{1_700_000_000_000 + i},View" for i in range(2000)]
    # WHEN validated
    report = validate_interactions(rows)
    # THEN five rows are shown and the remaining 1,995 counted on one line
    rendered = lines(report, "timestamp-milliseconds")
    assert len(rendered) == 6
    assert [i.row for i in finding(report, "timestamp-milliseconds").issues] == [2, 3, 4, 5, 6]
    assert rendered[-1] == (
        "  ... and 1,995 more rows with the same problem (timestamp-milliseconds)"
    )


def test_crlf_line_endings_are_accepted(validate_interactions: Validate) -> None:
    # GIVEN a file written on Windows
    content = ("\r\n".join([INTERACTIONS_HEADER, *interaction_rows(5)]) + "\r\n").encode()
    report = validate_interactions(content)
    # THEN the values are read without the carriage return
    assert report.findings[0].rule == "too-few-interactions"
    assert len(report.findings) == 1
    assert dict(report.stats.event_counts) == {"Purchase": 3, "View": 2}


def test_quote_inside_a_value_is_located(validate_interactions: Validate) -> None:
    # GIVEN a stray quote in the middle of an unquoted ITEM_ID on line 3
    report = validate_interactions(["u1,i1,1700000000,View", 'u2,x"y,1700000001,View'])
    # THEN the line and the offending characters are named
    assert lines(report, "unparseable-csv") == [
        'error: interactions.csv, row 3: "u2,x\\"y,1700000001,View": a quote inside an unquoted '
        'value (x"y) stops the CSV parser here. Fix: check quoting: a value with a comma, quote '
        'or line break must be wrapped in double quotes, and quotes inside it doubled ("say '
        '""hi"""). '.rstrip()
    ]
