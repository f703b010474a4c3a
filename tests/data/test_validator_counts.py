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

from personalize_domain.cli import main
from personalize_domain.data import DatasetStats, ValidationReport, validate_dataset, validator
from personalize_domain.schemas import DatasetType

ACTIVE_USERS = 30_000
ITEMS = 500


@pytest.fixture
def many_users(write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch) -> Path:
    """60,000 rows from 30,000 users with two interactions each, above a 4,000-row threshold."""
    monkeypatch.setattr(validator, "EXACT_COUNT_ROWS", 4_000)
    rows = [
        f"u{n % ACTIVE_USERS},i{n % ITEMS},{START + n},{'Purchase' if n % 2 else 'View'}"
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
    assert stats.id_sample_rate == 16
    assert stats.distinct_users == pytest.approx(ACTIVE_USERS, rel=0.15)
    assert stats.users_with_two_or_more == pytest.approx(ACTIVE_USERS, rel=0.15)
    assert stats.distinct_items == pytest.approx(ITEMS, rel=0.5)


def test_estimated_counts_are_marked_as_such_in_the_summary(many_users: Path) -> None:
    summary = _interactions(many_users).stats.summary()
    assert "about " in summary
    assert "(user and item counts estimated from 1 in 16 IDs)" in summary


def test_exact_counts_count_every_id(many_users: Path) -> None:
    stats = _interactions(many_users, exact_counts=True).stats
    assert stats.id_sample_rate == 1
    assert (stats.distinct_users, stats.users_with_two_or_more, stats.distinct_items) == (
        ACTIVE_USERS,
        ACTIVE_USERS,
        ITEMS,
    )


def test_files_up_to_the_threshold_are_counted_exactly(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a file of exactly the threshold's row count
    monkeypatch.setattr(validator, "EXACT_COUNT_ROWS", 1_200)
    path = write_csv([INTERACTIONS_HEADER, *interaction_rows(1_200)])
    stats = _interactions(path).stats
    # THEN nothing is sampled
    assert (stats.id_sample_rate, stats.distinct_users, stats.distinct_items) == (1, 50, 100)


def test_a_sample_too_thin_for_the_active_user_rules_is_replaced_by_exact_counts(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN 24 users with 50 interactions each among 3,000 users with one, far above the
    # threshold: no sample can show 1,000 users with 2 or more
    monkeypatch.setattr(validator, "EXACT_COUNT_ROWS", 100)
    rows = interaction_rows(1_200, users=24)
    rows += [f"once{n},i1,{START + n},View" for n in range(3_000)]
    report = validate_dataset(
        write_csv([INTERACTIONS_HEADER, *rows]),
        DatasetType.INTERACTIONS,
        ["recommended-for-you"],
    )
    # THEN every ID is counted, and the rule reports the exact figure
    assert report.stats.id_sample_rate == 1
    assert (report.stats.distinct_users, report.stats.users_with_two_or_more) == (3_024, 24)
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
    assert report.stats.id_sample_rate > 1
    assert {"too-few-active-users", "below-quality-advice"}.isdisjoint(rules(report))


def test_users_files_are_never_sampled(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a Users file far above the threshold with one repeated ID
    monkeypatch.setattr(validator, "EXACT_COUNT_ROWS", 10)
    rows = [f"u{n},GOLD,25-34,F" for n in range(300)] + ["u7,GOLD,25-34,F"]
    report = validate_dataset(write_csv([USERS_HEADER, *rows], "users.csv"), DatasetType.USERS)
    # THEN the duplicate-id count stays exact
    assert (report.stats.id_sample_rate, report.stats.duplicate_ids) == (1, 1)


def test_estimated_summary_rounds_to_three_significant_digits() -> None:
    stats = DatasetStats(
        rows=6_864_937,
        distinct_users=187_354,
        users_with_two_or_more=184_012,
        distinct_items=49_952,
        id_sample_rate=8,
    )
    assert stats.summary() == (
        "6,864,937 rows; about 187,000 users (about 184,000 with 2 or more interactions); "
        "about 50,000 items (user and item counts estimated from 1 in 8 IDs)"
    )


def test_estimated_counts_survive_the_report_cache(many_users: Path, tmp_path: Path) -> None:
    # GIVEN a sampled report stored in the cache
    first = validate_dataset(many_users, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # WHEN read back
    second = validate_dataset(many_users, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # THEN it is still marked as estimated
    assert second.from_cache
    assert second.stats == first.stats


def test_exact_counts_are_cached_apart_from_estimates(many_users: Path, tmp_path: Path) -> None:
    validate_dataset(many_users, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    exact = validate_dataset(
        many_users, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c", exact_counts=True
    )
    assert (exact.from_cache, exact.stats.id_sample_rate) == (False, 1)


def test_cli_exact_counts_flag_prints_exact_counts(many_users: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["validate", str(many_users), "--exact-counts", "--cache-dir", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.output
    assert "30,000 users (30,000 with 2 or more interactions); 500 items;" in result.stdout


def test_files_the_quality_advice_quotes_are_counted_exactly(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN fewer rows than AWS's 50,000-interaction advice, far above the threshold, with a
    # sample that alone holds over 1,000 users with 2 or more interactions
    monkeypatch.setattr(validator, "EXACT_COUNT_ROWS", 20_000)
    rows = [f"u{n % 20_000},i{n % ITEMS},{START + n},View" for n in range(40_000)]
    report = validate_dataset(
        write_csv([INTERACTIONS_HEADER, *rows]), DatasetType.INTERACTIONS, ["most-viewed"]
    )
    # THEN the advice quotes the exact count, not an estimate
    assert report.stats.id_sample_rate == 1
    assert (
        finding(report, "below-quality-advice")
        .issues[0]
        .message.startswith("40,000 interactions and 20,000 users with 2 or more;")
    )
