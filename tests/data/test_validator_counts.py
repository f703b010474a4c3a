"""User and item counts: exact up to EXACT_COUNT_ROWS rows, estimated from a hash sample above.

The threshold is lowered per test, so files of a few thousand rows exercise what a file of
millions of rows does. Rule verdicts must never depend on the estimate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from validation_helpers import (
    INTERACTIONS_HEADER,
    START,
    USERS_HEADER,
    WriteCsv,
    finding,
    interaction_rows,
    rules,
)

from personalize_domain.data import (
    DatasetStats,
    ValidationReport,
    dataset_checks,
    validate_dataset,
    validator,
)
from personalize_domain.schemas import DatasetType
from personalize_ops.cli import main

ACTIVE_USERS = 30_000
ITEMS_MANY = 30_000


@pytest.fixture
def many_users(write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch) -> Path:
    """60,000 rows: 30,000 users and 30,000 items twice each, above a 4,000-row threshold."""
    monkeypatch.setattr(validator, "EXACT_COUNT_ROWS", 4_000)
    rows = [
        f"u{n % ACTIVE_USERS},i{n % ITEMS_MANY},{START + n},{'Purchase' if n % 2 else 'View'}"
        for n in range(2 * ACTIVE_USERS)
    ]
    return write_csv([INTERACTIONS_HEADER, *rows])


def _interactions(path: Path, *, exact_counts: bool = False) -> ValidationReport:
    return validate_dataset(path, DatasetType.INTERACTIONS, exact_counts=exact_counts)


def test_counts_of_a_large_file_are_estimated_from_a_sample(many_users: Path) -> None:
    # WHEN a file of 10x the threshold is validated
    stats = _interactions(many_users).stats
    # THEN the counts come from 1 in 16 IDs (the smallest power of two that brings the sample
    # under the threshold), and land near the truth
    assert (stats.user_sample_rate, stats.item_sample_rate) == (16, 16)
    assert stats.distinct_users == pytest.approx(ACTIVE_USERS, rel=0.15)
    assert stats.users_with_two_or_more == pytest.approx(ACTIVE_USERS, rel=0.15)
    assert stats.distinct_items == pytest.approx(ITEMS_MANY, rel=0.15)


def test_estimated_counts_are_marked_as_such_in_the_summary(many_users: Path) -> None:
    summary = _interactions(many_users).stats.summary()
    assert "about " in summary
    assert "(users and items estimated from 1 in 16 IDs; margins at 95 % confidence)" in summary


def test_exact_counts_count_every_id(many_users: Path) -> None:
    stats = _interactions(many_users, exact_counts=True).stats
    assert (stats.user_sample_rate, stats.item_sample_rate) == (1, 1)
    assert (stats.distinct_users, stats.users_with_two_or_more, stats.distinct_items) == (
        ACTIVE_USERS,
        ACTIVE_USERS,
        ITEMS_MANY,
    )


@pytest.mark.parametrize(
    ("rows", "shift"),
    [(0, 0), (1_000_000, 0), (1_000_001, 1), (2_000_000, 1), (2_000_001, 2), (6_864_937, 3)],
)
def test_the_sample_is_the_smallest_power_of_two_slice_under_a_million_rows(
    rows: int, shift: int
) -> None:
    assert validator._sample_shift(rows) == shift


def test_a_sample_too_thin_for_the_active_user_rules_is_replaced_by_exact_counts(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN 24 users with 50 interactions each among 60,000 users with one: over the 50,000
    # rows of the quality advice and far above the threshold, but no sample can show 1,000
    # users with 2 or more
    monkeypatch.setattr(validator, "EXACT_COUNT_ROWS", 1_000)
    rows = interaction_rows(1_200, users=24)
    rows += [f"once{n},i{n % 3_000},{START + n},View" for n in range(60_000)]
    report = validate_dataset(
        write_csv([INTERACTIONS_HEADER, *rows]),
        DatasetType.INTERACTIONS,
        ["recommended-for-you"],
    )
    # THEN every user is counted, and the rule reports the exact figure
    assert report.stats.user_sample_rate == 1
    assert (report.stats.distinct_users, report.stats.users_with_two_or_more) == (60_024, 24)
    assert (
        finding(report, "too-few-active-users")
        .issues[0]
        .message.startswith("24 users have 2 or more interactions;")
    )


def test_an_estimate_is_kept_only_when_the_sample_alone_settles_the_rules(
    many_users: Path,
) -> None:
    # GIVEN the sampled file, whose sample holds over 1,000 users with 2 or more interactions
    report = validate_dataset(many_users, DatasetType.INTERACTIONS, ["recommended-for-you"])
    # THEN neither rule on active users fires, as with exact counts
    assert report.stats.user_sample_rate > 1
    assert {"too-few-active-users", "below-quality-advice"}.isdisjoint(rules(report))


def test_users_files_are_never_sampled(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a Users file far above the threshold with one repeated ID, and no rule that would
    # ask for an exact count
    monkeypatch.setattr(validator, "EXACT_COUNT_ROWS", 10)
    monkeypatch.setattr(validator, "_DECIDING_ACTIVE_USERS", 0)
    monkeypatch.setattr(validator, "_MIN_SAMPLED_IDS", 0)
    monkeypatch.setattr(dataset_checks, "QUALITY_INTERACTIONS", 0)
    rows = [f"u{n},GOLD,25-34,F" for n in range(300)] + ["u7,GOLD,25-34,F"]
    report = validate_dataset(write_csv([USERS_HEADER, *rows], "users.csv"), DatasetType.USERS)
    # THEN the duplicate-id count stays exact
    assert (report.stats.user_sample_rate, report.stats.duplicate_ids) == (1, 1)


def test_estimates_show_three_significant_digits_and_their_margin() -> None:
    stats = DatasetStats(
        rows=6_864_937,
        distinct_users=187_368,
        users_with_two_or_more=184_500,
        distinct_items=49_952,
        user_sample_rate=8,
        item_sample_rate=8,
    )
    assert stats.summary() == (
        "6,864,937 rows; about 187,000 ±1.2 % users (about 185,000 ±1.2 % with 2 or more "
        "interactions); about 50,000 ±2.3 % items (users and items estimated from 1 in 8 IDs; "
        "margins at 95 % confidence)"
    )


def test_a_summary_names_only_the_estimated_counts() -> None:
    stats = DatasetStats(
        rows=2_500_000, distinct_users=120_000, distinct_items=640, user_sample_rate=4
    )
    assert stats.summary() == (
        "2,500,000 rows; about 120,000 ±1.0 % users; 640 items (users estimated from 1 in 4 "
        "IDs; margins at 95 % confidence)"
    )


def test_a_sample_with_few_items_counts_every_item(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the many-users file shape with a catalogue of 40 items
    monkeypatch.setattr(validator, "EXACT_COUNT_ROWS", 4_000)
    rows = [f"u{n % ACTIVE_USERS},i{n % 40},{START + n},View" for n in range(2 * ACTIVE_USERS)]
    stats = _interactions(write_csv([INTERACTIONS_HEADER, *rows])).stats
    # THEN the users are estimated and the items counted exactly
    assert (stats.user_sample_rate, stats.item_sample_rate, stats.distinct_items) == (16, 1, 40)


def test_estimated_counts_survive_the_report_cache(many_users: Path, tmp_path: Path) -> None:
    # GIVEN a sampled report stored in the cache
    first = validate_dataset(many_users, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # WHEN read back
    second = validate_dataset(many_users, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # THEN it is still marked as estimated
    assert second.from_cache
    assert second.stats == first.stats


def test_an_exact_request_reuses_a_report_that_sampled_nothing(
    write_csv: WriteCsv, tmp_path: Path
) -> None:
    path = write_csv([INTERACTIONS_HEADER, *interaction_rows(1_200)])
    validate_dataset(path, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    exact = validate_dataset(
        path, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c", exact_counts=True
    )
    assert exact.from_cache


def test_exact_counts_are_cached_apart_from_estimates(many_users: Path, tmp_path: Path) -> None:
    validate_dataset(many_users, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    exact = validate_dataset(
        many_users, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c", exact_counts=True
    )
    assert (exact.from_cache, exact.stats.user_sample_rate) == (False, 1)


def test_cli_exact_counts_flag_prints_exact_counts(many_users: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["validate", str(many_users), "--exact-counts", "--cache-dir", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.output
    assert "30,000 users (30,000 with 2 or more interactions); 30,000 items;" in result.stdout


def test_files_the_quality_advice_quotes_are_counted_exactly(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN fewer rows than AWS's 50,000-interaction advice, far above the threshold, with a
    # sample that alone holds over 1,000 users with 2 or more interactions
    monkeypatch.setattr(validator, "EXACT_COUNT_ROWS", 20_000)
    rows = [f"u{n % 20_000},i{n % 500},{START + n},View" for n in range(40_000)]
    report = validate_dataset(
        write_csv([INTERACTIONS_HEADER, *rows]), DatasetType.INTERACTIONS, ["most-viewed"]
    )
    # THEN the advice quotes the exact count, not an estimate
    assert report.stats.user_sample_rate == 1
    assert (
        finding(report, "below-quality-advice")
        .issues[0]
        .message.startswith("40,000 interactions and 20,000 users with 2 or more;")
    )
