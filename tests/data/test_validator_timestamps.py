"""TIMESTAMP must be Unix epoch seconds; the usual mistakes are named with their fix."""

from __future__ import annotations

import pytest
from validation_helpers import ITEMS_HEADER, Validate, WriteCsv, finding, lines, rules

from personalize_domain.data import validate_dataset
from personalize_domain.schemas import DatasetType


def test_epoch_milliseconds_say_divide_by_1000(validate_interactions: Validate) -> None:
    # GIVEN a JavaScript-style millisecond timestamp
    report = validate_interactions(["u1,i1,1700000000123,View"])
    # THEN the unit is named and the converted value shown
    assert lines(report, "timestamp-milliseconds") == [
        'error: interactions.csv, row 2, TIMESTAMP = "1700000000123": TIMESTAMP looks like epoch '
        "milliseconds; Personalize needs epoch seconds. Fix: divide by 1000 and drop the "
        "fraction (1700000000, 2023-11-14 22:13:20 UTC)."
    ]


def test_epoch_microseconds_say_divide_by_a_million(validate_interactions: Validate) -> None:
    report = validate_interactions(["u1,i1,1700000000123456,View"])
    assert lines(report, "timestamp-microseconds") == [
        'error: interactions.csv, row 2, TIMESTAMP = "1700000000123456": TIMESTAMP looks like '
        "epoch microseconds; Personalize needs epoch seconds. Fix: divide by 1,000,000 and drop "
        "the fraction (1700000000, 2023-11-14 22:13:20 UTC)."
    ]


def test_epoch_nanoseconds_say_divide_by_a_billion(validate_interactions: Validate) -> None:
    report = validate_interactions(["u1,i1,1700000000123456789,View"])
    assert lines(report, "timestamp-nanoseconds") == [
        'error: interactions.csv, row 2, TIMESTAMP = "1700000000123456789": TIMESTAMP looks like '
        "epoch nanoseconds; Personalize needs epoch seconds. Fix: divide by 1,000,000,000 and "
        "drop the fraction (1700000000, 2023-11-14 22:13:20 UTC)."
    ]


def test_iso_date_says_convert_to_epoch_seconds(validate_interactions: Validate) -> None:
    # GIVEN an ISO 8601 date with a zone
    report = validate_interactions(["u1,i1,2024-03-01T12:00:00Z,View"])
    # THEN the conversion of that very value is shown
    assert lines(report, "timestamp-iso-date") == [
        'error: interactions.csv, row 2, TIMESTAMP = "2024-03-01T12:00:00Z": TIMESTAMP is a date '
        "string; Personalize needs Unix epoch seconds. Fix: convert to epoch seconds "
        "(2024-03-01T12:00:00Z -> 1709294400), e.g. int(datetime.timestamp()) in Python or "
        "date +%s."
    ]


def test_iso_date_without_zone_is_converted_as_utc_and_says_so(
    validate_interactions: Validate,
) -> None:
    report = validate_interactions(["u1,i1,2024-03-01 12:00:00,View"])
    assert (
        "(2024-03-01 12:00:00 -> 1709294400, read as UTC)" in lines(report, "timestamp-iso-date")[0]
    )


def test_decimal_seconds_say_drop_the_fraction(validate_interactions: Validate) -> None:
    report = validate_interactions(["u1,i1,1700000000.25,View"])
    assert lines(report, "timestamp-decimal") == [
        'error: interactions.csv, row 2, TIMESTAMP = "1700000000.25": TIMESTAMP has a decimal '
        "point; the schema declares it long (epoch seconds). Fix: write whole epoch seconds "
        "without the fraction (1700000000)."
    ]


def test_text_timestamp_is_not_an_integer(validate_interactions: Validate) -> None:
    report = validate_interactions(["u1,i1,yesterday,View"])
    assert lines(report, "not-an-integer") == [
        'error: interactions.csv, row 2, TIMESTAMP = "yesterday": TIMESTAMP is not a whole '
        "number; the schema declares it long. Fix: write digits only (no decimal point, spaces, "
        "units or thousands separators)."
    ]


def test_far_future_seconds_are_an_error(validate_interactions: Validate) -> None:
    report = validate_interactions(["u1,i1,20000000000,View"])
    assert lines(report, "timestamp-far-future") == [
        'error: interactions.csv, row 2, TIMESTAMP = "20000000000": TIMESTAMP is after the year '
        "2286 as epoch seconds, so it is not plausible. Fix: write Unix epoch seconds (10 digits "
        "for dates between 2001 and 2286)."
    ]


def test_placeholder_zero_is_a_warning_with_its_date(validate_interactions: Validate) -> None:
    report = validate_interactions(["u1,i1,0,View"])
    assert lines(report, "timestamp-before-2000") == [
        'warning: interactions.csv, row 2, TIMESTAMP = "0": TIMESTAMP is before the year 2000 '
        "(1970-01-01 00:00:00 UTC); usually a placeholder or a wrong unit. Fix: check the "
        "export: timestamps must be Unix epoch seconds of the real event time."
    ]


@pytest.mark.parametrize("value", ["0", "-5", "946684799"])
def test_timestamps_before_2000_are_a_warning(validate_interactions: Validate, value: str) -> None:
    # GIVEN a placeholder-looking timestamp
    report = validate_interactions([f"u1,i1,{value},View"])
    # THEN it is flagged, but as a warning only
    assert finding(report, "timestamp-before-2000").severity.value == "warning"


def test_plausible_seconds_raise_no_timestamp_finding(validate_interactions: Validate) -> None:
    report = validate_interactions(["u1,i1,946684800,View", "u1,i1,9999999999,View"])
    assert not {r for r in rules(report) if r.startswith("timestamp") or r == "not-an-integer"}


def test_each_row_counts_under_one_timestamp_rule(validate_interactions: Validate) -> None:
    # GIVEN one bad value of each kind
    rows = [
        "u1,i1,2024-01-01,View",
        "u1,i1,1.5,View",
        "u1,i1,soon,View",
        "u1,i1,1700000000000,View",
    ]
    report = validate_interactions(rows)
    # THEN each lands in exactly one rule
    counts = {f.rule: f.count for f in report.findings if f.rule != "too-few-interactions"}
    assert counts == {
        "timestamp-iso-date": 1,
        "timestamp-decimal": 1,
        "not-an-integer": 1,
        "timestamp-milliseconds": 1,
    }


def test_item_creation_timestamp_gets_the_same_checks(write_csv: WriteCsv) -> None:
    # GIVEN an item created at a millisecond timestamp
    path = write_csv([ITEMS_HEADER, "SKU-1,9.99,home,,,,1700000000000,,,"], name="items.csv")
    report = validate_dataset(path, DatasetType.ITEMS)
    # THEN CREATION_TIMESTAMP is called out the same way
    assert finding(report, "timestamp-milliseconds").issues[0].column == "CREATION_TIMESTAMP"


def test_timestamp_range_is_reported_including_zero(validate_interactions: Validate) -> None:
    # GIVEN a placeholder 0 among real timestamps
    report = validate_interactions(
        ["u1,i1,1700000000,View", "u1,i1,0,View", "u1,i1,1700000500,View"]
    )
    # THEN the range shows it (the warning says why it is suspicious)
    assert (report.stats.min_timestamp, report.stats.max_timestamp) == (0, 1_700_000_500)


def test_space_before_a_timestamp_is_not_accepted(validate_interactions: Validate) -> None:
    # GIVEN a hand-edited row with a space after the comma
    report = validate_interactions(["u1,i1, 1700000000,View"])
    # THEN the value is rejected, as a strict long parser would
    assert finding(report, "not-an-integer").issues[0].value == " 1700000000"
