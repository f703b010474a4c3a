"""Data minimums of the selected use cases, checked on the Interactions file."""

from __future__ import annotations

from validation_helpers import Validate, finding, interaction_rows, lines, rules

ALL_USE_CASES = [
    "most-viewed",
    "best-sellers",
    "frequently-bought-together",
    "customers-who-viewed-x-also-viewed",
    "recommended-for-you",
]


def test_fewer_than_1000_records_fail_the_import_minimum(validate_interactions: Validate) -> None:
    # GIVEN 999 rows
    report = validate_interactions(interaction_rows(999))
    # THEN the import job minimum is reported even without a use case selected
    assert lines(report, "too-few-interactions") == [
        "error: interactions.csv: 999 interaction records; a dataset import job needs at least "
        "1,000, and every recommender at least 1,000. Fix: add more history (a longer export "
        "window), or use the sample data (sample-data --out DIR) to try the stack."
    ]


def test_1000_records_meet_the_import_minimum(validate_interactions: Validate) -> None:
    report = validate_interactions(interaction_rows(1000))
    assert "too-few-interactions" not in rules(report)


def test_purchase_minimum_names_every_use_case_that_needs_it(
    validate_interactions: Validate,
) -> None:
    # GIVEN 1,500 rows with 300 purchases
    rows = interaction_rows(1500, purchase_every=5)
    # WHEN both purchase-based use cases are selected
    report = validate_interactions(rows, use_cases=["best-sellers", "frequently-bought-together"])
    # THEN one error names both, with the count found
    assert lines(report, "too-few-events") == [
        "error: interactions.csv, EVENT_TYPE: 300 'Purchase' events; Best sellers and "
        "Frequently bought together need at least 1,000. Fix: export more Purchase events, or "
        "deselect Best sellers and Frequently bought together for this environment."
    ]


def test_view_minimum_applies_to_view_based_use_cases(validate_interactions: Validate) -> None:
    # GIVEN 1,200 rows of which only 240 are views
    rows = [r.replace("View", "Purchase") for r in interaction_rows(960)]
    rows += [f"v{i % 30},i{i},{1_700_200_000 + i},View" for i in range(240)]
    report = validate_interactions(rows, use_cases=["most-viewed"])
    assert finding(report, "too-few-events").issues[0].message == (
        "240 'View' events; Most viewed need at least 1,000."
    )


def test_recommended_for_you_accepts_any_events(validate_interactions: Validate) -> None:
    # GIVEN 1,200 events that are all Purchase
    rows = [r.replace("View", "Purchase") for r in interaction_rows(1200)]
    report = validate_interactions(rows, use_cases=["recommended-for-you"])
    # THEN there is no event-type error, only the advice to include views
    assert "too-few-events" not in rules(report)
    assert finding(report, "recommended-events-missing").issues[0].message == (
        "no 'View' events; Recommended for you works best with them."
    )


def test_fewer_than_25_active_users_is_an_error(validate_interactions: Validate) -> None:
    # GIVEN 1,200 rows from 24 users (each with many interactions)
    report = validate_interactions(interaction_rows(1200, users=24), use_cases=["most-viewed"])
    assert lines(report, "too-few-active-users") == [
        "error: interactions.csv, USER_ID: 24 users have 2 or more interactions; Most viewed need "
        "at least 25. Fix: add more users' history; Personalize fails training with 'Dataset has "
        "fewer than 25 users with at least 2 interactions each'."
    ]


def test_users_with_a_single_interaction_do_not_count(validate_interactions: Validate) -> None:
    # GIVEN 1,100 rows: 24 users with many interactions and 100 users with one each
    rows = interaction_rows(1000, users=24) + [
        f"once{n},i1,{1_700_100_000 + n},View" for n in range(100)
    ]
    report = validate_interactions(rows, use_cases=["recommended-for-you"])
    # THEN only the 24 count
    assert report.stats.distinct_users == 124
    assert report.stats.users_with_two_or_more == 24
    assert "too-few-active-users" in rules(report)


def test_small_but_valid_data_gets_the_quality_advice_as_a_warning(
    validate_interactions: Validate,
) -> None:
    # GIVEN 2,400 rows from 50 users, half purchases: enough for every use case
    report = validate_interactions(interaction_rows(2400), use_cases=ALL_USE_CASES)
    # THEN it passes, with AWS's advice on volume as the only finding
    assert report.ok
    assert lines(report, "below-quality-advice") == [
        "warning: interactions.csv: 2,400 interactions and 50 users with 2 or more; AWS advises "
        "at least 50,000 interactions from 1,000 such users for quality recommendations. "
        "Fix: training will work, but expect weak recommendations until more history "
        "accumulates."
    ]
    assert rules(report) == {"below-quality-advice"}
