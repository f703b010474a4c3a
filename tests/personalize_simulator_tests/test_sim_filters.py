"""Filters in the simulator: CreateFilter/DescribeFilter/ListFilters/DeleteFilter, and
GetRecommendations applying them (and promotions, and item metadata) to the shop's data."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from tests.personalize_simulator import (
    PersonalizeRuntimeSimulator,
    PersonalizeSimulator,
    Quotas,
    ReadyDatasetGroup,
)

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

PURCHASED = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")'
CATEGORY = "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CATEGORY)"
ITEMS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Items",
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [
            {"name": "ITEM_ID", "type": "string"},
            {"name": "PRICE", "type": "float"},
            {"name": "CATEGORY_L1", "type": "string", "categorical": True},
        ],
        "version": "1.0",
    }
)
BEST_SELLERS = "arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-purchases"
RFY = "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you"
ITEMS = [
    {"ITEM_ID": "I1", "PRICE": "10.0", "CATEGORY_L1": "shoes"},
    {"ITEM_ID": "I2", "PRICE": "25.0", "CATEGORY_L1": "hats"},
    {"ITEM_ID": "I3", "PRICE": "5.0", "CATEGORY_L1": "shoes|sale"},
    {"ITEM_ID": "I4", "PRICE": "99.0", "CATEGORY_L1": "bags"},
    {"ITEM_ID": "I5", "PRICE": "1.0", "CATEGORY_L1": "hats"},
]


def _event(user: str, item: str, event: str, at: int) -> dict[str, str]:
    return {"USER_ID": user, "ITEM_ID": item, "EVENT_TYPE": event, "TIMESTAMP": str(at)}


# Best sellers by purchases: I2 (3), I1 (2), I4 (1), then I3 and I5 (none). U1 bought I1 and I4.
INTERACTIONS = [
    _event("U1", "I1", "Purchase", 1),
    _event("U1", "I4", "purchase", 2),  # event types match case-insensitively
    _event("U1", "I2", "View", 3),
    _event("U2", "I1", "Purchase", 4),
    *[_event(f"U{n}", "I2", "Purchase", 10 + n) for n in (3, 4, 5)],
]


@pytest.fixture
def shop(sim: PersonalizeSimulator) -> ReadyDatasetGroup:
    return sim.create_ready_dataset_group("shop", schemas={"Items": ITEMS_SCHEMA})


def _create(client: PersonalizeClient, group: str, expression: str, name: str = "f") -> str:
    return client.create_filter(name=name, datasetGroupArn=group, filterExpression=expression)[
        "filterArn"
    ]


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


# ---------------------------------------------------------------- the control plane


def test_a_filter_is_created_active_described_listed_and_deleted(
    sim: PersonalizeSimulator, client: PersonalizeClient, shop: ReadyDatasetGroup
) -> None:
    arn = _create(client, shop.dataset_group_arn, PURCHASED, "shop-purchased")
    assert arn == "arn:aws:personalize:us-east-1:123456789012:filter/shop-purchased"
    assert client.describe_filter(filterArn=arn)["filter"]["status"] == "CREATE PENDING"
    sim.settle()
    described = client.describe_filter(filterArn=arn)["filter"]
    assert (described["status"], described["filterExpression"]) == ("ACTIVE", PURCHASED)
    (listed,) = client.list_filters(datasetGroupArn=shop.dataset_group_arn)["Filters"]
    assert (listed["name"], listed["filterArn"], listed["status"]) == (
        "shop-purchased",
        arn,
        "ACTIVE",
    )
    assert "filterExpression" not in listed
    client.delete_filter(filterArn=arn)
    assert client.describe_filter(filterArn=arn)["filter"]["status"] == "DELETE PENDING"
    sim.settle()
    assert client.list_filters()["Filters"] == []
    with pytest.raises(ClientError) as gone:
        client.describe_filter(filterArn=arn)
    assert _code(gone) == "ResourceNotFoundException"


def test_a_second_filter_of_the_same_name_already_exists(
    client: PersonalizeClient, shop: ReadyDatasetGroup
) -> None:
    _create(client, shop.dataset_group_arn, PURCHASED)
    with pytest.raises(ClientError) as refused:
        _create(client, shop.dataset_group_arn, CATEGORY)
    assert _code(refused) == "ResourceAlreadyExistsException"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("INCLUDE Items.CATEGORY_L1", "must start with INCLUDE ItemID WHERE"),
        ("INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ('x')", "Invalid character"),
        ("INCLUDE ItemID WHERE Items.COLOUR IN ($C)", "the Items dataset has no field COLOUR"),
        ('INCLUDE ItemID WHERE Users.TIER IN ("gold")', "has no Users dataset"),
    ],
)
def test_an_expression_it_cannot_apply_is_invalid_input(
    client: PersonalizeClient, shop: ReadyDatasetGroup, expression: str, message: str
) -> None:
    with pytest.raises(ClientError) as refused:
        _create(client, shop.dataset_group_arn, expression)
    assert _code(refused) == "InvalidInputException"
    assert message in refused.value.response["Error"]["Message"]


def test_the_models_length_limit_applies(
    client: PersonalizeClient, shop: ReadyDatasetGroup
) -> None:
    with pytest.raises(ParamValidationError):
        _create(client, shop.dataset_group_arn, "")
    with pytest.raises(ClientError) as refused:
        _create(client, shop.dataset_group_arn, PURCHASED + " " * 2500)
    assert "Member must have length less than or equal to 2500" in str(refused.value)


def test_filters_per_dataset_group_are_limited() -> None:
    sim = PersonalizeSimulator(quotas=Quotas(filters_per_dataset_group=1))
    group = sim.create_ready_dataset_group("shop").dataset_group_arn
    client = sim.client()
    _create(client, group, PURCHASED, "one")
    with pytest.raises(ClientError) as refused:
        _create(client, group, PURCHASED, "two")
    assert _code(refused) == "LimitExceededException"


def test_a_dataset_group_with_filters_cannot_be_deleted(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    _create(client, ready.dataset_group_arn, PURCHASED)
    sim.settle()
    client.delete_dataset(datasetArn=ready.dataset_arn)
    sim.settle()
    with pytest.raises(ClientError) as refused:
        client.delete_dataset_group(datasetGroupArn=ready.dataset_group_arn)
    assert _code(refused) == "ResourceInUseException"
    assert "1 filter(s)" in refused.value.response["Error"]["Message"]


def test_a_filter_being_created_cannot_be_deleted(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    arn = _create(client, ready.dataset_group_arn, PURCHASED)
    with pytest.raises(ClientError) as refused:
        client.delete_filter(filterArn=arn)
    assert _code(refused) == "ResourceInUseException"


# ---------------------------------------------------------------- GetRecommendations


class Shop:
    def __init__(self, sim: PersonalizeSimulator, group: ReadyDatasetGroup) -> None:
        self.sim, self.group = sim, group
        self.control = sim.client()
        self.runtime = PersonalizeRuntimeSimulator(sim)
        self.runtime.load_rows("Items", ITEMS)
        self.runtime.load_rows("Interactions", INTERACTIONS)
        self.client = self.runtime.client()
        self.best_sellers = sim.create_ready_recommender(
            "shop-best-sellers", dataset_group_arn=group.dataset_group_arn, recipe_arn=BEST_SELLERS
        )

    def filter(self, expression: str, name: str) -> str:
        arn = _create(self.control, self.group.dataset_group_arn, expression, name)
        self.sim.settle()
        return arn

    def items(self, **request: Any) -> list[str]:
        request.setdefault("recommenderArn", self.best_sellers)
        request.setdefault("userId", "U1")
        found = self.client.get_recommendations(**request)["itemList"]
        return [item["itemId"] for item in found]


@pytest.fixture
def store(sim: PersonalizeSimulator, shop: ReadyDatasetGroup) -> Shop:
    return Shop(sim, shop)


def test_best_sellers_rank_by_purchases(store: Shop) -> None:
    assert store.items() == ["I2", "I1", "I4", "I3", "I5"]


def test_excluding_purchased_items_drops_what_the_user_bought(store: Shop) -> None:
    arn = store.filter(PURCHASED, "purchased")
    assert store.items(filterArn=arn) == ["I2", "I3", "I5"]
    assert store.items(filterArn=arn, userId="U2") == ["I2", "I4", "I3", "I5"]


def test_only_the_100_most_recent_interactions_of_a_type_count(store: Shop) -> None:
    # GIVEN U9 bought I5 first, then 100 purchases of other items
    store.runtime.load_rows(
        "Interactions",
        [_event("U9", "I5", "Purchase", 1)]
        + [_event("U9", f"X{n}", "Purchase", 2 + n) for n in range(100)],
    )
    # THEN I5 no longer counts as purchased for the filter
    assert "I5" in store.items(filterArn=store.filter(PURCHASED, "purchased"), userId="U9")


def test_including_a_category_keeps_only_its_items(store: Shop) -> None:
    arn = store.filter(CATEGORY, "category")
    assert store.items(filterArn=arn, filterValues={"CATEGORY": '"shoes"'}) == ["I1", "I3"]
    assert store.items(filterArn=arn, filterValues={"CATEGORY": '"hats","bags"'}) == [
        "I2",
        "I4",
        "I5",
    ]


def test_an_include_parameter_without_a_value_is_refused(store: Shop) -> None:
    arn = store.filter(CATEGORY, "category")
    with pytest.raises(ClientError) as refused:
        store.items(filterArn=arn)
    assert _code(refused) == "InvalidInputException"
    assert "needs values for its INCLUDE parameters: CATEGORY" in str(refused.value)


def test_an_exclude_part_without_its_value_is_left_out(store: Shop) -> None:
    arn = store.filter("EXCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CATEGORY)", "not-category")
    assert store.items(filterArn=arn) == store.items()
    assert store.items(filterArn=arn, filterValues={"CATEGORY": '"hats"'}) == ["I1", "I4", "I3"]


def test_an_unquoted_text_value_is_refused(store: Shop) -> None:
    arn = store.filter(CATEGORY, "category")
    with pytest.raises(ClientError) as refused:
        store.items(filterArn=arn, filterValues={"CATEGORY": "shoes"})
    assert "Give strings in double quotes" in str(refused.value)


def test_numbers_are_compared(store: Shop) -> None:
    arn = store.filter("INCLUDE ItemID WHERE Items.PRICE <= $MAX", "cheap")
    assert store.items(filterArn=arn, filterValues={"MAX": "10"}) == ["I1", "I3", "I5"]


def test_chained_parts_all_apply(store: Shop) -> None:
    arn = store.filter(PURCHASED + " | " + CATEGORY, "chained")
    assert store.items(filterArn=arn, filterValues={"CATEGORY": '"shoes"'}) == ["I3"]


def test_a_filter_still_being_created_is_refused(store: Shop) -> None:
    arn = _create(store.control, store.group.dataset_group_arn, PURCHASED, "new")
    with pytest.raises(ClientError) as refused:
        store.items(filterArn=arn)
    assert "is not active. Current status: CREATE PENDING" in str(refused.value)


def test_an_unknown_filter_is_not_found(store: Shop) -> None:
    with pytest.raises(ClientError) as refused:
        store.items(filterArn="arn:aws:personalize:us-east-1:123456789012:filter/nope")
    assert _code(refused) == "ResourceNotFoundException"


def test_a_promotion_mixes_promoted_items_at_stable_positions(store: Shop) -> None:
    # GIVEN 4 results, half of them promoted from the cheap items
    cheap = store.filter("INCLUDE ItemID WHERE Items.PRICE < 6", "cheap")
    purchased = store.filter(PURCHASED, "purchased")
    promotion = {"name": "cheap", "percentPromotedItems": 50, "filterArn": cheap}
    found = store.client.get_recommendations(
        recommenderArn=store.best_sellers,
        userId="U1",
        numResults=4,
        filterArn=purchased,
        promotions=[promotion],
    )["itemList"]
    # THEN 2 items are the promotion's, in their own order, named; the rest pass the request
    # filter (which does not apply to promoted items)
    promoted = [i["itemId"] for i in found if i.get("promotionName") == "cheap"]
    assert promoted == ["I3", "I5"]
    assert [i["itemId"] for i in found if "promotionName" not in i] == ["I2"]
    again = store.client.get_recommendations(
        recommenderArn=store.best_sellers,
        userId="U1",
        numResults=4,
        filterArn=purchased,
        promotions=[promotion],
    )["itemList"]
    assert again == found


def test_metadata_needs_the_recommender_setting(store: Shop) -> None:
    with pytest.raises(ClientError) as refused:
        store.items(metadataColumns={"ITEMS": ["PRICE"]})
    assert "does not have metadata enabled" in str(refused.value)


def test_metadata_comes_with_each_item_when_enabled(sim: PersonalizeSimulator, store: Shop) -> None:
    arn = sim.create_ready_recommender(
        "shop-rfy",
        dataset_group_arn=store.group.dataset_group_arn,
        recipe_arn=RFY,
        config={"enableMetadataWithRecommendations": True},
    )
    store.runtime.set_recommendations(arn, ["I2", "I3"])
    found = store.client.get_recommendations(
        recommenderArn=arn, userId="U2", metadataColumns={"ITEMS": ["PRICE", "CATEGORY_L1"]}
    )["itemList"]
    assert [i["metadata"] for i in found] == [
        {"PRICE": "25.0", "CATEGORY_L1": "hats"},
        {"PRICE": "5.0", "CATEGORY_L1": "shoes|sale"},
    ]
    with pytest.raises(ClientError) as refused:
        store.client.get_recommendations(
            recommenderArn=arn, userId="U2", numResults=51, metadataColumns={"ITEMS": ["PRICE"]}
        )
    assert "at most 50" in str(refused.value)


def test_recommended_for_you_leaves_out_what_the_user_bought(
    sim: PersonalizeSimulator, store: Shop
) -> None:
    arn = sim.create_ready_recommender(
        "shop-rfy", dataset_group_arn=store.group.dataset_group_arn, recipe_arn=RFY
    )
    assert set(store.items(recommenderArn=arn)) == {"I2", "I3", "I5"}
