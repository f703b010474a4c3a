"""`recommend --filter/--filter-value/--promotion/--metadata-columns`, against the simulators
answering from the sample data: the results are filtered, not just the parameters passed."""

from __future__ import annotations

import csv
import functools
from collections import Counter
from pathlib import Path

import pytest
from day_two_env import DeployedEnv
from recommend_output import table_lines

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
BEST_SELLERS = ["recommend", "--use-case", "best-sellers"]
RFY = ["recommend", "--use-case", "recommended-for-you"]


@functools.cache
def _purchases() -> dict[str, set[str]]:
    """Each user's purchased items, read from the CSV itself (not through the simulator)."""
    bought: dict[str, set[str]] = {}
    with (SAMPLE / "interactions.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["EVENT_TYPE"] == "Purchase":
                bought.setdefault(row["USER_ID"], set()).add(row["ITEM_ID"])
    return bought


@functools.cache
def _categories() -> dict[str, str]:
    with (SAMPLE / "items.csv").open(newline="") as handle:
        return {row["ITEM_ID"]: row["CATEGORY_L1"] for row in csv.DictReader(handle)}


def _items(output: str) -> list[str]:
    return [line.split()[1] for line in table_lines(output)]


def _buyers_of_best_sellers(count: int) -> list[str]:
    """Users who bought some of the 100 best sellers: unfiltered, best sellers shows them
    what they bought."""
    sold = Counter(i for items in _purchases().values() for i in items)
    top = {item for item, _ in sold.most_common(100)}
    return sorted(u for u, items in _purchases().items() if items & top)[:count]


# ---------------------------------------------------------------- exclude-purchased (issue 14)


def test_exclude_purchased_never_returns_an_item_the_user_purchased(shop: DeployedEnv) -> None:
    # GIVEN users whose unfiltered best sellers include items they bought (so the test can fail)
    users = _buyers_of_best_sellers(12)
    assert max(len(_purchases()[u]) for u in users) <= 100  # Personalize counts the last 100
    unfiltered = [
        set(_items(shop.invoke([*BEST_SELLERS, "--user-id", u, "--num-results", "100"]).output))
        for u in users
    ]
    assert sum(bool(found & _purchases()[u]) for u, found in zip(users, unfiltered, strict=True))
    # WHEN each asks for best sellers through the exclude-purchased filter
    for user in users:
        result = shop.invoke(
            [*BEST_SELLERS, "--user-id", user, "--num-results", "100", "--filter",
             "exclude-purchased"]
        )  # fmt: skip
        # THEN 100 items come back and none of them is one the user purchased
        assert result.exit_code == 0, result.output
        found = _items(result.output)
        assert len(found) == 100
        assert not set(found) & _purchases()[user], user


def test_the_filter_is_sent_by_its_stack_output_without_values(shop: DeployedEnv) -> None:
    result = shop.invoke([*BEST_SELLERS, "--user-id", "U0000001", "--filter", "exclude-purchased"])
    assert result.exit_code == 0, result.output
    (request,) = shop.runtime.calls_to("GetRecommendations")
    assert request["filterArn"] == shop.outputs["ExcludePurchasedFilterArn"]
    assert "filterValues" not in request


# ---------------------------------------------------------------- category: INCLUDE with values


def test_category_keeps_only_items_of_the_category_given(shop: DeployedEnv) -> None:
    result = shop.invoke(
        [*RFY, "--user-id", "U0000001", "--filter", "category", "--filter-value", "CATEGORY=home"]
    )
    assert result.exit_code == 0, result.output
    found = _items(result.output)
    assert len(found) == 25
    assert {_categories()[i] for i in found} == {"home"}
    (request,) = shop.runtime.calls_to("GetRecommendations")
    assert request["filterValues"] == {"CATEGORY": '"home"'}


@pytest.mark.parametrize(
    "args",
    [
        ["--filter-value", "CATEGORY=home,toys"],
        ["--filter-value", "CATEGORY=home", "--filter-value", "CATEGORY=toys"],
    ],
    ids=["comma", "repeated"],
)
def test_several_values_are_quoted_and_joined(shop: DeployedEnv, args: list[str]) -> None:
    result = shop.invoke([*RFY, "--user-id", "U0000001", "--filter", "category", *args])
    assert result.exit_code == 0, result.output
    assert {_categories()[i] for i in _items(result.output)} == {"home", "toys"}
    (request,) = shop.runtime.calls_to("GetRecommendations")
    assert request["filterValues"] == {"CATEGORY": '"home","toys"'}


def test_a_missing_include_value_is_refused_before_any_call(shop: DeployedEnv) -> None:
    result = shop.invoke([*RFY, "--user-id", "U0000001", "--filter", "category"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: filter category includes only items matching $CATEGORY, and Personalize "
        "refuses it without a value: add --filter-value CATEGORY=VALUE (several values: "
        "CATEGORY=a,b)\n"
    )
    assert shop.sim.calls == []
    assert shop.runtime.calls == []


def test_an_unknown_filter_is_refused_with_the_configured_ones(shop: DeployedEnv) -> None:
    result = shop.invoke([*RFY, "--user-id", "U0000001", "--filter", "exclude-viewed"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: unknown filter 'exclude-viewed': environment dev configures category, "
        "exclude-purchased; add it under environments.dev.filters in cdk.json and run "
        "`make deploy ENV=dev`\n"
    )
    assert shop.runtime.calls == []


def test_a_filter_not_yet_deployed_says_to_deploy(shop: DeployedEnv) -> None:
    del shop.outputs["CategoryFilterArn"]
    result = shop.invoke(
        [*RFY, "--user-id", "U1", "--filter", "category", "--filter-value", "CATEGORY=home"]
    )
    assert result.exit_code == 1
    assert "filter category is in cdk.json but not in stack PersonalizeShop-dev (no output " in (
        result.stderr
    )
    assert shop.runtime.calls == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--filter-value", "CATEGORY=home"],
            "error: --filter-value needs --filter NAME: give the filter whose parameters it sets",
        ),
        (
            ["--filter", "category", "--filter-value", "COLOUR=red"],
            "error: filter category has no parameter $COLOUR (its parameters: $CATEGORY); check "
            "environments.dev.filters.category.expression in cdk.json",
        ),
        (
            ["--filter", "category", "--filter-value", "home"],
            "error: --filter-value 'home' is not KEY=VALUE with KEY the parameter's name "
            "without '$' (letters, digits, '_'), e.g. CATEGORY=home",
        ),
        (
            ["--filter", "category", "--filter-value", "CATEGORY=home,"],
            "error: --filter-value 'CATEGORY=home,' has an empty value; e.g. CATEGORY=home or "
            "CATEGORY=home,garden",
        ),
    ],
    ids=["value-without-filter", "unknown-parameter", "not-a-pair", "empty-value"],
)
def test_filter_values_that_cannot_be_sent_are_refused(
    shop: DeployedEnv, args: list[str], error: str
) -> None:
    result = shop.invoke([*RFY, "--user-id", "U0000001", *args])
    assert (result.exit_code, result.stderr) == (1, error + "\n")
    assert shop.runtime.calls == []


def test_no_item_passing_the_filter_is_said_so(shop: DeployedEnv) -> None:
    result = shop.invoke(
        [*RFY, "--user-id", "U0000001", "--filter", "category", "--filter-value", "CATEGORY=none"]
    )
    assert result.exit_code == 1
    assert "with filter(s) category: no recommended item passes them" in result.stderr


# ---------------------------------------------------------------- promotions


def test_a_promotion_marks_its_items_and_applies_its_own_filter(shop: DeployedEnv) -> None:
    user = _buyers_of_best_sellers(1)[0]
    result = shop.invoke(
        [*BEST_SELLERS, "--user-id", user, "--num-results", "20", "--filter", "exclude-purchased",
         "--promotion", "home-picks:25:category:CATEGORY=home"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["RANK", "ITEM", "SCORE", "PROMOTION", "CATEGORY", "PRICE"]
    rows = [line.split() for line in table_lines(result.output)]
    promoted = [r[1] for r in rows if r[3] == "home-picks"]
    others = [r[1] for r in rows if r[3] == "-"]
    # THEN 25 % of 20 are promoted home items; the rest pass the request's filter
    assert len(promoted) == 5
    assert {_categories()[i] for i in promoted} == {"home"}
    assert not set(others) & _purchases()[user]
    (request,) = shop.runtime.calls_to("GetRecommendations")
    assert request["promotions"] == [
        {
            "name": "home-picks",
            "percentPromotedItems": 25,
            "filterArn": shop.outputs["CategoryFilterArn"],
            "filterValues": {"CATEGORY": '"home"'},
        }
    ]


@pytest.mark.parametrize(
    ("promotion", "error"),
    [
        (
            "home:0:category:CATEGORY=home",
            "error: --promotion percentage '0' is out of range: the share of the results to "
            "promote is a whole number from 1 to 100",
        ),
        ("home:101:category:CATEGORY=home", "percentage '101' is out of range"),
        ("home:half:category:CATEGORY=home", "percentage 'half' is out of range"),
        ("home:20", "error: --promotion 'home:20' is not --promotion NAME:PERCENT:FILTER"),
        ("bad name!:20:category:CATEGORY=home", "--promotion name 'bad name!' is not valid"),
        ("home:20:sale", "error: unknown filter 'sale'"),
        (
            "home:20:category",
            "refuses it without a value: add --promotion home:20:category:CATEGORY=VALUE",
        ),
    ],
    ids=["zero", "over-100", "not-a-number", "too-short", "bad-name", "unknown", "no-value"],
)
def test_a_promotion_that_cannot_be_sent_is_refused(
    shop: DeployedEnv, promotion: str, error: str
) -> None:
    result = shop.invoke([*BEST_SELLERS, "--user-id", "U0000001", "--promotion", promotion])
    assert result.exit_code == 1
    assert error in result.stderr
    assert shop.runtime.calls == []


# ---------------------------------------------------------------- item metadata


def test_metadata_of_a_recommender_without_it_is_refused(shop: DeployedEnv) -> None:
    result = shop.invoke([*RFY, "--user-id", "U0000001", "--metadata-columns", "PRICE"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: recommender recommended-for-you does not return item metadata: set "
        "environments.dev.recommenders.recommended-for-you.enableMetadataWithRecommendations "
        "to true in cdk.json and run `make deploy ENV=dev`"
    )
    assert shop.runtime.calls == []


def test_metadata_columns_come_with_each_item(shop: DeployedEnv) -> None:
    # GIVEN recommended-for-you was updated with metadata enabled
    arn = shop.recommenders["recommended-for-you"]
    control = shop.sim.client()
    config = control.describe_recommender(recommenderArn=arn)["recommender"]["recommenderConfig"]
    control.update_recommender(
        recommenderArn=arn,
        recommenderConfig={**config, "enableMetadataWithRecommendations": True},
    )
    shop.sim.settle()
    # WHEN metadata columns are asked for
    result = shop.invoke(
        [*RFY, "--user-id", "U0000001", "--num-results", "5", "--metadata-columns",
         "CATEGORY_L1,AGE_GROUP"]
    )  # fmt: skip
    # THEN each item carries them, as Personalize returned them
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[-2:] == ["CATEGORY_L1", "AGE_GROUP"]
    for line in table_lines(result.output):
        item, category = line.split()[1], line.split()[-2]
        assert category == _categories()[item]
    (request,) = shop.runtime.calls_to("GetRecommendations")
    assert request["metadataColumns"] == {"ITEMS": ["CATEGORY_L1", "AGE_GROUP"]}


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--metadata-columns", "COLOUR"],
            "error: --metadata-columns COLOUR: not in the Items schema; its columns: ITEM_ID,",
        ),
        (
            ["--metadata-columns", ",".join(f"C{n}" for n in range(11))],
            "error: --metadata-columns names 11 columns; Personalize returns at most 10",
        ),
        (
            ["--metadata-columns", "PRICE", "--num-results", "51"],
            "error: --num-results 51 with --metadata-columns: Personalize returns at most 50",
        ),
    ],
    ids=["unknown-column", "eleven", "over-50-results"],
)
def test_metadata_requests_that_cannot_be_answered_are_refused(
    shop: DeployedEnv, args: list[str], error: str
) -> None:
    result = shop.invoke([*RFY, "--user-id", "U0000001", *args])
    assert result.exit_code == 1
    assert result.stderr.startswith(error)
    assert shop.sim.calls == []
    assert shop.runtime.calls == []
