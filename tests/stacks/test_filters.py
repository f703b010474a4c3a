"""Filters: native AWS::Personalize::Filter resources in the dataset group, named by expression."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from personalize_domain.filters.names import filter_name

EXCLUDE_PURCHASED = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")'
CATEGORY = "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CATEGORY)"


def _filters(template: Template) -> dict[str, dict[str, Any]]:
    return dict(template.find_resources("AWS::Personalize::Filter"))


def test_dev_ships_its_two_filters_in_its_dataset_group(dev: Template) -> None:
    # GIVEN cdk.json's dev filters / THEN each is a native filter of dev's dataset group
    found = {f["Properties"]["FilterExpression"]: f["Properties"] for f in _filters(dev).values()}
    assert found == {
        EXCLUDE_PURCHASED: {
            "Name": filter_name("shop-dev", "exclude-purchased", EXCLUDE_PURCHASED),
            "DatasetGroupArn": {"Fn::GetAtt": ["DatasetGroup", "DatasetGroupArn"]},
            "FilterExpression": EXCLUDE_PURCHASED,
        },
        CATEGORY: {
            "Name": filter_name("shop-dev", "category", CATEGORY),
            "DatasetGroupArn": {"Fn::GetAtt": ["DatasetGroup", "DatasetGroupArn"]},
            "FilterExpression": CATEGORY,
        },
    }


def test_a_filter_name_is_prefix_name_and_a_hash_of_the_expression() -> None:
    assert filter_name("shop-dev", "category", CATEGORY) == "shop-dev-category-33b2cedc"
    assert filter_name("shop-dev", "category", CATEGORY + " ") != "shop-dev-category-33b2cedc"


def test_each_filter_arn_is_an_output_named_after_the_filter(dev: Template) -> None:
    outputs = dev.to_json()["Outputs"]
    by_expression = {f["Properties"]["FilterExpression"]: lid for lid, f in _filters(dev).items()}
    assert outputs["ExcludePurchasedFilterArn"]["Value"] == {
        "Fn::GetAtt": [by_expression[EXCLUDE_PURCHASED], "FilterArn"]
    }
    assert outputs["CategoryFilterArn"]["Value"] == {
        "Fn::GetAtt": [by_expression[CATEGORY], "FilterArn"]
    }


def test_filters_are_created_once_every_dataset_exists(dev: Template) -> None:
    # Personalize checks an expression's fields against the datasets of the group.
    for resource in _filters(dev).values():
        assert sorted(resource["DependsOn"]) == [
            "InteractionsDataset",
            "ItemsDataset",
            "UsersDataset",
        ]


def test_an_environment_without_filters_has_none(prod: Template) -> None:
    prod.resource_count_is("AWS::Personalize::Filter", 0)
    assert not [key for key in prod.to_json()["Outputs"] if key.endswith("FilterArn")]


def test_an_expression_change_replaces_the_filter_under_a_new_name(synth, dev: Template) -> None:  # type: ignore[no-untyped-def]
    # GIVEN dev's category filter narrowed to a second level
    changed = CATEGORY + " AND Items.CATEGORY_L2 IN ($SUBCATEGORY)"
    stacks = synth({"env": "dev", "dev.filters.category.expression": changed})
    after = _filters(Template.from_stack(stacks["dev"]))
    before = _filters(dev)
    # THEN the same logical id carries a new expression and a new name: CloudFormation replaces
    # it (both are create-only), creating the new filter before deleting the old, and the two
    # names differ, so the create cannot clash with the filter it replaces
    assert after.keys() == before.keys()
    (lid,) = [lid for lid, f in before.items() if f["Properties"]["FilterExpression"] == CATEGORY]
    assert after[lid]["Properties"]["FilterExpression"] == changed
    assert after[lid]["Properties"]["Name"] == filter_name("shop-dev", "category", changed)
    assert after[lid]["Properties"]["Name"] != before[lid]["Properties"]["Name"]
    # AND the other filter is untouched
    (other,) = set(before) - {lid}
    assert after[other] == before[other]
