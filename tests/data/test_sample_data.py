"""The sample generator: deterministic, schema-shaped, shop-like, and enough for every use case."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from personalize_domain.data import validate_datasets
from personalize_domain.data.sample import SampleSpec, write_sample
from personalize_domain.schemas import DatasetType, load_schema
from personalize_domain.use_cases import USE_CASES

ROOT = Path(__file__).resolve().parents[2]
EMBEDDED = ROOT / "data" / "sample"
FILES = ("interactions.csv", "items.csv", "users.csv")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    write_sample(out, SampleSpec(seed=7, interactions=20_000))
    return out


def test_same_seed_gives_the_same_bytes(small: Path, tmp_path: Path) -> None:
    # GIVEN a second run with the same seed and size
    write_sample(tmp_path, SampleSpec(seed=7, interactions=20_000))
    # THEN all three files are byte-identical
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (small / name).read_bytes(), name


def test_another_seed_gives_other_data(small: Path, tmp_path: Path) -> None:
    write_sample(tmp_path, SampleSpec(seed=8, interactions=20_000))
    assert (tmp_path / "interactions.csv").read_bytes() != (small / "interactions.csv").read_bytes()


def test_embedded_sample_is_what_the_defaults_generate(tmp_path: Path) -> None:
    # GIVEN the committed data/sample files
    # WHEN the generator runs with its defaults
    write_sample(tmp_path)
    # THEN it reproduces them exactly, so the sample is regenerable from code
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (EMBEDDED / name).read_bytes(), name


@pytest.mark.parametrize(
    ("name", "dataset_type"),
    [
        ("interactions.csv", DatasetType.INTERACTIONS),
        ("items.csv", DatasetType.ITEMS),
        ("users.csv", DatasetType.USERS),
    ],
)
def test_headers_are_the_schema_columns_unquoted(
    small: Path, name: str, dataset_type: DatasetType
) -> None:
    header = (small / name).read_text(encoding="utf-8").split("\n", 1)[0]
    assert header == ",".join(load_schema(dataset_type).column_names)


def test_size_target_is_met_within_one_line(tmp_path: Path) -> None:
    files = write_sample(tmp_path, SampleSpec(interactions=None, interactions_bytes=300_000))
    size = files.interactions.stat().st_size
    assert 300_000 <= size < 300_100


def test_embedded_sample_passes_every_use_case_with_margin() -> None:
    # GIVEN the committed sample, all five use cases selected
    report = validate_datasets(
        interactions=EMBEDDED / "interactions.csv",
        items=EMBEDDED / "items.csv",
        users=EMBEDDED / "users.csv",
        use_cases=list(USE_CASES),
    )
    # THEN there is not a single finding, not even the quality advice
    assert report.ok, report.render()
    assert [f for r in report.reports for f in r.findings] == []
    assert report.cross_file == ()
    stats = report.reports[0].stats
    # AND every minimum is met several times over (1000 View, 1000 Purchase, 25 users), as is
    # AWS's advice of 50,000 interactions from 1,000 users with two or more
    assert stats.event_counts["View"] >= 50_000
    assert stats.event_counts["Purchase"] >= 5_000
    assert stats.rows == 60_000
    assert stats.users_with_two_or_more is not None
    assert stats.users_with_two_or_more >= 1_500
    assert (EMBEDDED / "interactions.csv").stat().st_size < 5_000_000


def test_item_popularity_is_long_tailed(small: Path) -> None:
    counts = pl.read_csv(small / "interactions.csv").group_by("ITEM_ID").len()
    top_share, mean, median = (
        counts.sort("len", descending=True)
        .select(
            (pl.col("len").head(pl.len() // 10).sum() / pl.col("len").sum()).alias("top"),
            pl.col("len").mean().alias("mean"),
            pl.col("len").median().alias("median"),
        )
        .row(0)
    )
    # The top 10 % of items get most of the traffic (uniform popularity would give them 10 %),
    # and the typical item gets far less than the average one (uniform: about the same).
    assert top_share > 0.5
    assert mean > 2 * median


def test_items_are_bought_together_repeatedly(small: Path) -> None:
    # GIVEN the purchases, in file order (a basket is consecutive rows one second apart)
    rows = pl.read_csv(small / "interactions.csv").filter(pl.col("EVENT_TYPE") == "Purchase")
    pairs: Counter[tuple[str, str]] = Counter()
    previous = None
    for user, item, ts in rows.select("USER_ID", "ITEM_ID", "TIMESTAMP").iter_rows():
        if previous and previous[0] == user and ts - previous[2] == 1:
            pairs[(previous[1], item)] += 1
        previous = (user, item, ts)
    # THEN the same pairs recur across baskets: the signal "Frequently bought together" needs
    assert sum(pairs.values()) > 200
    assert pairs.most_common(1)[0][1] >= 5


def test_catalogue_has_three_levels_prices_and_multi_values(small: Path) -> None:
    items = pl.read_csv(small / "items.csv")
    l1, l3_nulls, multi, cheapest, shortest = items.select(
        pl.col("CATEGORY_L1").n_unique(),
        pl.col("CATEGORY_L3").null_count(),
        pl.col("CATEGORY_L3").str.contains("|", literal=True).any().alias("multi"),
        pl.col("PRICE").min(),
        pl.col("PRODUCT_DESCRIPTION").str.len_chars().min(),
    ).row(0)
    assert (l1, l3_nulls, multi) == (8, 0, True)
    assert cheapest > 0
    assert shortest > 30


def test_users_have_tier_age_and_gender(small: Path) -> None:
    users = pl.read_csv(small / "users.csv")
    assert set(users.get_column("LOYALTY_TIER").unique()) == {
        "bronze",
        "silver",
        "gold",
        "platinum",
    }
    assert users.get_column("AGE_GROUP").n_unique() == 6
    assert users.get_column("GENDER").null_count() > 0


def test_timestamps_are_epoch_seconds_over_six_months(small: Path) -> None:
    first, last = (
        pl.read_csv(small / "interactions.csv")
        .select(pl.col("TIMESTAMP").min().alias("first"), pl.col("TIMESTAMP").max())
        .row(0)
    )
    # 2025-01-01 .. 2025-07-01 UTC, as whole seconds
    assert 1_735_689_600 <= first < 1_736_000_000
    assert 1_750_000_000 < last <= 1_751_328_000


def test_reported_counts_match_the_file(tmp_path: Path) -> None:
    # GIVEN a row target that cuts the last session short
    files = write_sample(tmp_path, SampleSpec(seed=11, interactions=2_345))
    # THEN the counts returned are the file's
    events = dict(
        pl.read_csv(files.interactions).get_column("EVENT_TYPE").value_counts().iter_rows()
    )
    assert files.interaction_rows == 2_345
    assert events == {"View": files.view_events, "Purchase": files.purchase_events}
