"""A changed filter expression, deployed as CloudFormation deploys it (tests/cfn_model) against the
Personalize simulator: the replacement is created before the old filter is deleted, so only a
name that changes with the expression lets the update through."""

from __future__ import annotations

from typing import Any

from personalize_domain.filters.names import filter_name
from tests.handlers.conftest import World
from tests.handlers.shop_templates import dataset_group_resources

PURCHASED = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")'
VIEWED_OR_PURCHASED = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("View", "Purchase")'


def _stack(expression: str, *, name: str | None = None) -> dict[str, Any]:
    """The dataset group, its Interactions dataset and one filter, as the stack declares them."""
    return {
        **dataset_group_resources(),
        "ExcludePurchasedFilter": {
            "Type": "AWS::Personalize::Filter",
            "Properties": {
                "Name": name or filter_name("shop-dev", "exclude-purchased", expression),
                "DatasetGroupArn": {"Ref": "Group"},
                "FilterExpression": expression,
            },
            "DependsOn": ["Dataset"],
        },
    }


def _filters(world: World) -> dict[str, str]:
    client = world.personalize_client
    return {
        f["name"]: client.describe_filter(filterArn=f["filterArn"])["filter"]["filterExpression"]
        for f in client.list_filters()["Filters"]
    }


def test_a_changed_expression_replaces_the_filter_cleanly(world: World) -> None:
    # GIVEN dev deployed with its exclude-purchased filter
    cfn = world.stack()
    assert cfn.deploy(_stack(PURCHASED)).status == "CREATE_COMPLETE"
    old_arn = cfn.physical["ExcludePurchasedFilter"]
    # WHEN the expression changes and the stack is updated
    outcome = cfn.deploy(_stack(VIEWED_OR_PURCHASED))
    # THEN the update completes: a new filter under the new expression's name, the old one gone
    assert outcome.status == "UPDATE_COMPLETE", outcome.failures
    assert cfn.physical["ExcludePurchasedFilter"] != old_arn
    assert _filters(world) == {
        filter_name("shop-dev", "exclude-purchased", VIEWED_OR_PURCHASED): VIEWED_OR_PURCHASED
    }
    # AND the stack still deletes to nothing
    assert cfn.delete().status == "DELETE_COMPLETE"
    assert world.personalize_client.list_dataset_groups()["datasetGroups"] == []


def test_without_the_expression_in_the_name_the_replacement_would_clash(world: World) -> None:
    # GIVEN a filter whose name does not follow its expression (what the hash prevents)
    cfn = world.stack()
    assert cfn.deploy(_stack(PURCHASED, name="shop-dev-exclude-purchased")).status == (
        "CREATE_COMPLETE"
    )
    # WHEN its expression changes
    outcome = cfn.deploy(_stack(VIEWED_OR_PURCHASED, name="shop-dev-exclude-purchased"))
    # THEN CloudFormation's create-first replacement fails on the name, and rolls back
    assert outcome.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "ResourceAlreadyExistsException" in outcome.failures["ExcludePurchasedFilter"]
    assert _filters(world) == {"shop-dev-exclude-purchased": PURCHASED}
