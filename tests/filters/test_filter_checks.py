"""What an expression may name in an environment (its schemas), and Personalize's filter limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from personalize_domain.filters.checks import (
    MAX_DISTINCT_FIELDS,
    MAX_FIELDS_PER_FILTER,
    MAX_FILTERS_PER_DATASET_GROUP,
    Finding,
    check_filters,
)
from personalize_domain.schemas import DatasetSchema, DatasetType, FieldSpec, load_schema

SHOP = {t: load_schema(t) for t in DatasetType}  # schemas/*.json: every dataset type
NO_USERS = {t: s for t, s in SHOP.items() if t is not DatasetType.USERS}
INTERACTIONS_ONLY = {DatasetType.INTERACTIONS: SHOP[DatasetType.INTERACTIONS]}


def _findings(text: str, schemas: dict[DatasetType, DatasetSchema] = SHOP) -> list[Finding]:
    (checked,) = check_filters([("f", text)], schemas)
    return list(checked.findings)


def _one(text: str, schemas: dict[DatasetType, DatasetSchema] = SHOP) -> Finding:
    (finding,) = _findings(text, schemas)
    return finding


@pytest.mark.parametrize(
    "text",
    [
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")',
        "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CATEGORY)",
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")',
        "INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE AND Items.CATEGORY_L1 IN "
        "CurrentItem.CATEGORY_L1",
        'INCLUDE ItemID WHERE Items.AGE_GROUP IN ("adult") IF CurrentUser.AGE_GROUP IN ($AGE)',
        "INCLUDE ItemID WHERE Items.CREATION_TIMESTAMP > $SINCE OR Items.PRICE <= 20",
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase") | '
        "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CATEGORY)",
    ],
)
def test_expressions_on_the_shops_schemas_pass(text: str) -> None:
    assert _findings(text) == []


def test_an_unknown_field_is_refused_with_the_schemas_fields() -> None:
    finding = _one("INCLUDE ItemID WHERE Items.COLOUR IN ($C)")
    assert finding.position == 22
    assert finding.problem == "the Items schema (items.json) has no field COLOUR"
    assert finding.fix.startswith("use one of its fields: ITEM_ID, PRICE, CATEGORY_L1")


def test_a_misspelt_field_gets_a_suggestion() -> None:
    assert (
        "(did you mean CATEGORY_L1?)"
        in _one("INCLUDE ItemID WHERE Items.CATEGRY_L1 IN ($C)").problem
    )


def test_interactions_filter_only_by_event_type() -> None:
    finding = _one('EXCLUDE ItemID WHERE Interactions.USER_ID IN ("U1")')
    assert finding.position == 22
    assert "Interactions filter only by EVENT_TYPE" in finding.problem
    assert "Interactions.EVENT_TYPE IN" in finding.fix


def test_event_type_is_matched_not_compared() -> None:
    assert "compares numbers" in _one("EXCLUDE ItemID WHERE Interactions.EVENT_TYPE > 1").problem


def test_a_textual_field_cannot_filter() -> None:
    finding = _one('INCLUDE ItemID WHERE Items.PRODUCT_DESCRIPTION IN ("red")')
    assert "textual field" in finding.problem
    assert "categorical field" in finding.fix


def test_a_boolean_field_cannot_filter() -> None:
    items = SHOP[DatasetType.ITEMS]
    with_boolean = DatasetSchema(
        DatasetType.ITEMS,
        items.path,
        (*items.fields, FieldSpec("ON_SALE", "boolean")),
        items.avro_json,
    )
    finding = _one(
        'INCLUDE ItemID WHERE Items.ON_SALE IN ("True")', {**SHOP, DatasetType.ITEMS: with_boolean}
    )
    assert "boolean" in finding.problem
    assert '"True"/"False"' in finding.fix


def test_a_number_is_compared_and_text_is_matched() -> None:
    assert "IN and NOT IN match text" in _one('INCLUDE ItemID WHERE Items.PRICE IN ("9")').problem
    assert "> compares numbers" in _one("INCLUDE ItemID WHERE Items.CATEGORY_L1 > 3").problem


def test_and_or_stay_on_the_first_conditions_dataset() -> None:
    text = (
        'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("shoes") AND '
        'Interactions.EVENT_TYPE IN ("View")'
    )
    finding = _one(text)
    assert finding.position == text.index("Interactions") + 1
    assert "this part of the expression filters by Items first" in finding.problem
    assert finding.fix == (
        "chain a second expression with |: ... | INCLUDE ItemID WHERE "
        'Interactions.EVENT_TYPE IN ("View")'
    )


def test_a_dataset_the_environment_lacks_is_refused() -> None:
    finding = _one("INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($C)", INTERACTIONS_ONLY)
    assert finding.problem == "this environment has no Items dataset"
    assert finding.fix.startswith("add datasets.items")


def test_current_user_needs_a_users_dataset() -> None:
    text = 'INCLUDE ItemID WHERE Items.AGE_GROUP IN ("adult") IF CurrentUser.AGE_GROUP IN ($A)'
    finding = _one(text, NO_USERS)
    assert finding.position == text.index("CurrentUser") + 1
    assert finding.problem == "CurrentUser needs a Users dataset, and this environment has none"


def test_current_user_is_tested_in_the_if_clause_only() -> None:
    finding = _one("INCLUDE ItemID WHERE CurrentUser.AGE_GROUP IN ($A)")
    assert "only in the IF clause" in finding.problem
    assert finding.fix.startswith("end the expression with IF CurrentUser.AGE_GROUP")


def test_users_fields_do_not_filter_items() -> None:
    finding = _one('INCLUDE ItemID WHERE Users.LOYALTY_TIER IN ("gold")')
    assert "filter users (user segments)" in finding.problem
    assert "IF CurrentUser.LOYALTY_TIER" in finding.fix


def test_an_unknown_dataset_gets_a_suggestion() -> None:
    finding = _one('INCLUDE ItemID WHERE Item.CATEGORY_L1 IN ("a")')
    assert finding.problem == "unknown dataset 'Item' (did you mean Items?)"


def test_the_if_clause_tests_current_user_only() -> None:
    finding = _one('INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("a") IF Items.PRICE > 3')
    assert "Items.PRICE is not CurrentUser" in finding.problem


def test_current_item_must_be_of_the_compared_fields_kind() -> None:
    finding = _one("INCLUDE ItemID WHERE Items.PRICE < CurrentItem.CATEGORY_L1")
    assert finding.problem == "CurrentItem.CATEGORY_L1 is string and Items.PRICE is float"


def test_star_means_any_event_type_only() -> None:
    assert '"*"' in _one('INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("*")').problem


def test_a_syntax_error_is_a_finding_with_its_position() -> None:
    finding = _one("INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ('a')")
    assert (finding.position, finding.problem) == (44, "single quotes do not delimit values")


# ---------------------------------------------------------------- limits


def test_an_expression_of_2500_characters_passes_and_2501_does_not() -> None:
    head = 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("'
    fits = head + "a" * (2500 - len(head) - 2) + '")'
    assert len(fits) == 2500
    assert _findings(fits) == []
    finding = _one(fits.replace('")', 'a")'))
    assert finding.position == 2501
    assert finding.problem == (
        "the expression is 2,501 characters; Personalize takes at most 2,500"
    )


def test_filter_31_of_a_dataset_group_is_refused() -> None:
    text = "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($C)"
    filters = [(f"f{n}", text) for n in range(1, MAX_FILTERS_PER_DATASET_GROUP + 2)]
    checked = check_filters(filters, SHOP)
    assert [c.name for c in checked if c.findings] == ["f31"]
    (finding,) = checked[-1].findings
    assert finding.position is None
    assert finding.problem == (
        "this is filter 31 of the dataset group; Personalize allows at most 30 per dataset group"
    )


def _items_schema_with(count: int) -> dict[DatasetType, DatasetSchema]:
    items = SHOP[DatasetType.ITEMS]
    extra = tuple(FieldSpec(f"F{n:02d}", "string", categorical=True) for n in range(count))
    schema = DatasetSchema(DatasetType.ITEMS, items.path, (*items.fields, *extra), items.avro_json)
    return {**SHOP, DatasetType.ITEMS: schema}


def test_field_11_of_one_filter_is_refused() -> None:
    schemas = _items_schema_with(MAX_FIELDS_PER_FILTER + 1)
    conditions = [f"Items.F{n:02d} IN ($P)" for n in range(MAX_FIELDS_PER_FILTER + 1)]
    text = "INCLUDE ItemID WHERE " + " AND ".join(conditions)
    finding = _one(text, schemas)
    assert finding.position == text.index("Items.F10") + 1
    assert "is field 11 of this filter; a filter may use at most 10 distinct fields" in (
        finding.problem
    )


def test_the_same_field_twice_counts_once() -> None:
    text = "INCLUDE ItemID WHERE " + " OR ".join(["Items.PRICE > 1"] * 12)
    assert _findings(text) == []


def test_distinct_field_21_across_the_group_is_refused_on_the_filter_that_adds_it() -> None:
    schemas = _items_schema_with(MAX_DISTINCT_FIELDS + 1)
    filters = [(f"f{n:02d}", f"INCLUDE ItemID WHERE Items.F{n:02d} IN ($P)") for n in range(21)]
    checked = check_filters(filters, schemas)
    assert [c.name for c in checked if c.findings] == ["f20"]
    (finding,) = checked[-1].findings
    assert finding.position == 22
    assert "is distinct field 21 across this dataset group's filters" in finding.problem


def test_a_filter_with_more_parameters_than_a_request_carries_is_refused() -> None:
    text = "INCLUDE ItemID WHERE " + " OR ".join(f"Items.PRICE > $P{n}" for n in range(26))
    finding = _one(text)
    assert finding.position == text.index("$P25") + 1
    assert "a request carries at most 25 filter values" in finding.problem


def test_the_sample_schemas_are_the_committed_ones() -> None:
    assert (
        SHOP[DatasetType.ITEMS].path
        == Path(__file__).resolve().parents[2] / "schemas" / "items.json"
    )
