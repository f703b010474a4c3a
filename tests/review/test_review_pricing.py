"""Cost drivers: arithmetic from the price file, stopped recommenders, and price-file errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from review.errors import ReviewError
from review.pricing import DEFAULT_PRICES, ingestion_cost, load_prices, money, recommender_cost
from review.stack_resources import recommenders
from tests.review.builders import price_data, prices, recommender, template, write_prices


def _cost_of(tmp_path: Path, **recommender_args: str) -> Decimal:
    (found,) = recommenders(template({"R": recommender(**recommender_args)}))
    return recommender_cost(found, prices(tmp_path), active_users=1000).per_hour


def test_minimum_within_the_included_requests_costs_the_hourly_price(tmp_path: Path) -> None:
    # GIVEN 1 RPS (3,600 requests/h) and a tier including 4,000 requests/h at 0.25/h
    # WHEN priced THEN the hour costs exactly the tier's hourly price
    assert _cost_of(tmp_path, min_rps="1") == Decimal("0.25")


def test_minimum_above_the_included_requests_adds_the_extra_thousands(tmp_path: Path) -> None:
    # GIVEN 2 RPS: 7,200 requests/h, 3,200 above the 4,000 included, at 0.1 per 1,000
    # WHEN priced THEN the hour costs 0.25 + 3.2 x 0.1
    assert _cost_of(tmp_path, min_rps="2") == Decimal("0.57")


def test_a_stopped_recommender_costs_nothing(tmp_path: Path) -> None:
    # GIVEN a stopped recommender with a high minimum
    (found,) = recommenders(template({"R": recommender(min_rps="50", state="stopped")}))
    # WHEN priced
    cost = recommender_cost(found, prices(tmp_path), active_users=1000)
    # THEN it bills nothing and says why
    assert (cost.per_hour, cost.billed_requests_per_hour, cost.note) == (
        Decimal(0),
        0,
        "stopped: not billed",
    )


def test_day_and_month_follow_from_the_hour(tmp_path: Path) -> None:
    # GIVEN a recommender at 0.25/h and a 730-hour month
    (found,) = recommenders(template({"R": recommender()}))
    cost = recommender_cost(found, prices(tmp_path), active_users=1000)
    # WHEN scaled THEN a day is 24 hours and a month the table's hours
    assert (money(cost.per_day), money(cost.per_hour * 730)) == ("6.00", "182.50")


def test_the_tier_is_chosen_by_active_users(tmp_path: Path) -> None:
    # GIVEN a second, dearer tier for up to a million users
    data = price_data()
    cheap = data["recommender"]["tiers"][0]
    dear = {**cheap, "max_active_users": 1_000_000, "price_per_hour": 1}
    data["recommender"]["tiers"] = [cheap, dear]
    table = prices(tmp_path, data)
    # WHEN tiers are looked up THEN the first tier that covers the users wins
    assert (table.tier_for(100_000).price_per_hour, table.tier_for(100_001).price_per_hour) == (
        Decimal("0.25"),
        Decimal(1),
    )


def test_users_beyond_every_tier_fail_naming_the_price_file(tmp_path: Path) -> None:
    # GIVEN a table whose largest tier is 100,000 users
    table = prices(tmp_path)
    # WHEN a million users are priced THEN the error names the file to extend
    with pytest.raises(ReviewError, match=r"prices\.json: no recommender tier covers 1,000,000"):
        table.tier_for(1_000_000)


def test_ingestion_is_priced_per_gigabyte(tmp_path: Path) -> None:
    # GIVEN 2 GiB of data at 0.05 per GB WHEN priced THEN it costs 0.10
    assert ingestion_cost(2 * 1024**3, prices(tmp_path)) == Decimal("0.10")


def test_a_missing_price_file_is_named(tmp_path: Path) -> None:
    # GIVEN no price file WHEN loaded THEN the error names the path
    with pytest.raises(ReviewError, match=r"nowhere\.json: price table not found"):
        load_prices(tmp_path / "nowhere.json")


def test_a_price_file_missing_a_key_is_named_with_the_key(tmp_path: Path) -> None:
    # GIVEN a price table without its ingestion price
    data = price_data()
    del data["data_ingestion"]
    # WHEN loaded THEN the error names the file and the key
    with pytest.raises(ReviewError, match=r"prices\.json: malformed price table.*data_ingestion"):
        load_prices(write_prices(tmp_path, data))


def test_a_negative_price_is_rejected(tmp_path: Path) -> None:
    # GIVEN a tier with a negative hourly price
    data = price_data()
    data["recommender"]["tiers"][0]["price_per_hour"] = -1
    # WHEN loaded THEN the value is refused with the file named
    with pytest.raises(ReviewError, match=r"prices\.json: .*price_per_hour must be a number >= 0"):
        load_prices(write_prices(tmp_path, data))


def test_a_price_file_that_is_not_json_is_named_with_the_line(tmp_path: Path) -> None:
    # GIVEN a price file broken on its second line
    path = tmp_path / "prices.json"
    path.write_text('{\n  "currency": USD\n}', encoding="utf-8")
    # WHEN loaded THEN the error points at the file and line
    with pytest.raises(ReviewError, match=r"prices\.json: not valid JSON \(line 2"):
        load_prices(path)


def test_the_checked_in_price_table_prices_its_own_assumed_user_count() -> None:
    # GIVEN the repository's price table WHEN loaded and asked for its default tier
    table = load_prices(DEFAULT_PRICES)
    # THEN a tier covers it (tier_for raises otherwise): `make review` works as shipped
    table.tier_for(table.assumed_active_users)


def test_a_price_table_path_that_is_a_directory_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(ReviewError, match=r": cannot read the price table \(Is a directory\)"):
        load_prices(tmp_path)
