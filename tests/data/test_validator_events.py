"""EVENT_TYPE: required, counted per value, and exact spelling for the ECOMMERCE use cases."""

from __future__ import annotations

from validation_helpers import Validate, finding, interaction_rows, lines


def test_empty_event_type_is_an_error(validate_interactions: Validate) -> None:
    report = validate_interactions(["u1,i1,1700000000,"])
    assert lines(report, "empty-value") == [
        'error: interactions.csv, row 2, EVENT_TYPE = "": EVENT_TYPE is empty; every interaction '
        "needs an event type. Fix: write the event type (e.g. View or Purchase) or drop the row."
    ]


def test_event_counts_and_distinct_ids_are_reported(validate_interactions: Validate) -> None:
    # GIVEN 10 rows over 3 users and 4 items, with one custom event type
    rows = [f"u{i % 3},i{i % 4},{1_700_000_000 + i},View" for i in range(7)]
    rows += ["u0,i0,1700000100,Purchase", "u1,i1,1700000101,Purchase", "u2,i2,1700000102,Click"]
    report = validate_interactions(rows)
    # THEN every count is exact, most frequent event first
    stats = report.stats
    assert stats.rows == 10
    assert dict(stats.event_counts) == {"View": 7, "Purchase": 2, "Click": 1}
    assert (stats.distinct_users, stats.users_with_two_or_more, stats.distinct_items) == (3, 3, 4)
    assert (stats.min_timestamp, stats.max_timestamp) == (1_700_000_000, 1_700_000_102)


def test_lower_case_event_type_is_a_warning_naming_its_first_row(
    validate_interactions: Validate,
) -> None:
    # GIVEN 'purchase' in rows 3 and 4 (lines 4 and 5)
    rows = ["u1,i1,1700000000,View", "u1,i1,1700000001,View", "u1,i1,1700000002,purchase"]
    report = validate_interactions([*rows, "u2,i2,1700000003,purchase"])
    # THEN it is a warning with the count and the exact spelling to use
    assert lines(report, "event-type-variant") == [
        'warning: interactions.csv, row 4, EVENT_TYPE = "purchase": 2 rows have event type '
        "'purchase'; the ECOMMERCE use cases count only 'Purchase' (exact spelling). "
        "Fix: rename 'purchase' to 'Purchase' in the export."
    ]


def test_case_variants_do_not_count_towards_a_use_case(validate_interactions: Validate) -> None:
    # GIVEN 1,200 rows of which every other one is 'purchase' instead of 'Purchase'
    rows = [r.replace("Purchase", "purchase") for r in interaction_rows(1200)]
    # WHEN Best sellers is selected
    report = validate_interactions(rows, use_cases=["best-sellers"])
    # THEN the minimum fails, the message leads with the misspelled events, and the fix with
    # their rename (not enough here on its own)
    assert lines(report, "too-few-events") == [
        "error: interactions.csv, EVENT_TYPE: 600 'purchase' events do not count as 'Purchase' "
        "(event types are case-sensitive), leaving 0 'Purchase' events; Best sellers need at "
        "least 1,000. Fix: rename 'purchase' to 'Purchase' in the export (600 events); then "
        "export more Purchase events, or deselect Best sellers for this environment."
    ]


def test_when_renaming_is_enough_the_error_leads_with_the_rename(
    validate_interactions: Validate,
) -> None:
    # GIVEN a shop exporting every purchase as 'purchase': 1,200 of them
    rows = [r.replace("Purchase", "purchase") for r in interaction_rows(2400)]
    # WHEN Best sellers is selected
    report = validate_interactions(rows, use_cases=["best-sellers"])
    # THEN the one fix given is the rename, not "export more"
    assert lines(report, "too-few-events") == [
        "error: interactions.csv, EVENT_TYPE: 1,200 'purchase' events do not count as 'Purchase' "
        "(event types are case-sensitive), leaving 0 'Purchase' events; Best sellers need at "
        "least 1,000. Fix: rename 'purchase' to 'Purchase' in the export (1,200 events)."
    ]


def test_more_than_ten_event_types_is_an_error(validate_interactions: Validate) -> None:
    # GIVEN 11 distinct event types (no metadata columns)
    rows = [f"u{i},i{i},{1_700_000_000 + i},E{i}" for i in range(11)]
    report = validate_interactions(rows)
    # THEN the shared quota of event types and metadata columns is reported
    found = finding(report, "too-many-event-types")
    assert found.issues[0].message == (
        "11 distinct EVENT_TYPE values (E0, E1, E10, E2, E3, E4, E5, E6, E7, E8, E9) plus 0 "
        "metadata columns; Personalize allows at most 10 together."
    )
