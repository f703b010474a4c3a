"""The filter expression grammar: the developer guide's examples parse; anything else is refused
at the first token out of grammar, with its position and a fix."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personalize_domain.filters.grammar import (
    Condition,
    FilterSyntaxError,
    NumberValue,
    Parameter,
    Reference,
    StringValue,
    parse,
)

# The developer guide's item-filter examples ("Filter expression examples"), with this shop's
# field names where the guide's are a video shop's.
GUIDE_EXAMPLES = [
    "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ($EVENT_TYPE)",
    'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "stream")',
    'INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")',
    'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")',
    "EXCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)",
    "INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE AND Items.GENRE IN CurrentItem.GENRE",
    'EXCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("shoe") AND Items.CATEGORY_L2 NOT IN ("boot")',
    "INCLUDE ItemID WHERE Items.PRICE > ($PRICE)",
    "INCLUDE ItemID WHERE Items.PRICE >= 10.5 OR Items.PRICE != -1",
    "INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) IF CurrentUser.AGE > 18",
    'EXCLUDE ItemID WHERE Items.AGE_RATING IN ("R") IF CurrentUser.AGE < $AGE AND '
    'CurrentUser.TIER IN ("gold")',
    'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase") | '
    "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CATEGORY)",
]


@pytest.mark.parametrize("text", GUIDE_EXAMPLES)
def test_the_guides_examples_parse(text: str) -> None:
    expression = parse(text)
    assert expression.text == text
    assert expression.filters


def test_the_tree_keeps_actions_conditions_values_and_positions() -> None:
    text = (
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase") | INCLUDE ItemID WHERE '
        'Items.PRICE <= $MAX IF CurrentUser.TIER IN ("gold")'
    )
    first, second = parse(text).filters
    assert first.action == "EXCLUDE"
    assert first.conditions == (
        Condition(
            Reference("Interactions", "EVENT_TYPE", 22),
            "IN",
            (StringValue("Purchase", 50),),
            22,
        ),
    )
    assert second.action == "INCLUDE"
    assert second.position == text.index("INCLUDE") + 1
    (price,) = second.conditions
    assert (price.subject.text, price.operator) == ("Items.PRICE", "<=")
    assert price.values == (Parameter("MAX", text.index("$MAX") + 1),)
    (tier,) = second.if_conditions
    assert tier.subject == Reference("CurrentUser", "TIER", text.index("CurrentUser") + 1)


def test_references_and_parameters_are_listed_in_order() -> None:
    expression = parse(
        "INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE AND Items.GENRE IN ($G) "
        "IF CurrentUser.AGE > $AGE"
    )
    assert [r.text for r in expression.references()] == [
        "Items.PRICE",
        "CurrentItem.PRICE",
        "Items.GENRE",
        "CurrentUser.AGE",
    ]
    assert [p.name for p in expression.parameters()] == ["G", "AGE"]


def test_a_number_keeps_its_text() -> None:
    (part,) = parse("INCLUDE ItemID WHERE Items.PRICE > 10.50").filters
    assert part.conditions[0].values == (NumberValue("10.50", 36),)


def test_escaped_quotes_belong_to_the_value() -> None:
    (part,) = parse(r'INCLUDE ItemID WHERE Items.BRAND IN ("say \"hi\"")').filters
    assert part.conditions[0].values == (StringValue('say "hi"', 38),)


# Each: the expression, the position of the first token out of grammar, words of the problem,
# words of the fix.
REFUSED = [
    ("", 1, "must begin with INCLUDE or EXCLUDE", "INCLUDE ItemID WHERE"),
    ('include ItemID WHERE Items.X IN ("a")', 1, "is written 'INCLUDE'", "write INCLUDE"),
    ('INCLUDE UserID WHERE Items.X IN ("a")', 9, "UserID filters users", "INCLUDE ItemID"),
    ('EXCLUDE ActionID WHERE Items.X IN ("a")', 9, "ActionID filters actions", "ItemID"),
    ('INCLUDE ItemID Items.X IN ("a")', 16, "expected WHERE, found 'Items'", "WHERE"),
    ('INCLUDE ItemID WHERE Items IN ("a")', 28, "expected . after Items", "Items.FIELD"),
    ('INCLUDE ItemID WHERE Items. IN ("a")', 29, "expected a field name", "Items.FIELD"),
    ('INCLUDE ItemID WHERE Items.X in ("a")', 30, "'in' is written 'IN'", "Items.X IN"),
    ('INCLUDE ItemID WHERE Items.X LIKE ("a")', 30, "expected IN, NOT IN or a comparison", "IN"),
    ('INCLUDE ItemID WHERE Items.X IN "a"', 33, "expected ( after IN", '("value1", "value2")'),
    ('INCLUDE ItemID WHERE Items.X IN ("a"', 37, "expected , or )", "close the list"),
    ('INCLUDE ItemID WHERE Items.X IN ("a" "b")', 38, "expected , or )", "commas"),
    ("INCLUDE ItemID WHERE Items.X IN ()", 34, "expected a value", "double-quoted"),
    ("INCLUDE ItemID WHERE Items.X IN ('a')", 34, "single quotes", "double quotes"),
    ('INCLUDE ItemID WHERE Items.X IN ("a)', 34, "never closed", "double quote"),
    ("INCLUDE ItemID WHERE Items.X IN (10)", 34, "10 is a number", 'Items.X IN ("10")'),
    ("INCLUDE ItemID WHERE Items.X IN ($)", 34, "'$' must be followed", "$CATEGORY"),
    ('INCLUDE ItemID WHERE Items.PRICE > "10"', 36, "compares numbers", "Items.PRICE > 10"),
    ("INCLUDE ItemID WHERE Items.PRICE > AND", 36, "expected a number", "Items.PRICE > 10"),
    ("INCLUDE ItemID WHERE Items.PRICE > ($P", 39, "expected ) after $P", "($P)"),
    ("INCLUDE ItemID WHERE Items.X ~ 3", 30, "unexpected character '~'", "INCLUDE/EXCLUDE"),
    ('INCLUDE ItemID WHERE Items.X IN ("a") and Items.Y IN ("b")', 39, "'and'", "write AND"),
    ('INCLUDE ItemID WHERE Items.X IN ("a") Items.Y', 39, "expected AND, OR, IF, |", "|"),
    ('INCLUDE ItemID WHERE Items.X IN ("a") |', 40, "each part after |", "INCLUDE ItemID"),
    (
        'INCLUDE ItemID WHERE Items.X IN ("a") IF CurrentUser.A > 1 OR CurrentUser.B > 2',
        60,
        "IF condition extends only with AND",
        "AND",
    ),
]


@pytest.mark.parametrize(("text", "position", "problem", "fix"), REFUSED)
def test_a_text_out_of_grammar_is_refused_at_its_position_with_a_fix(
    text: str, position: int, problem: str, fix: str
) -> None:
    with pytest.raises(FilterSyntaxError) as excinfo:
        parse(text)
    error = excinfo.value
    assert (error.position, problem in error.problem, fix in error.fix) == (position, True, True), (
        str(error)
    )


_WORDS = st.sampled_from(
    [
        "INCLUDE", "EXCLUDE", "ItemID", "WHERE", "AND", "OR", "IF", "NOT", "IN", "Items",
        "Interactions", "CurrentUser", ".", "PRICE", "EVENT_TYPE", "(", ")", ",", "|", '"a"',
        "$P", "10", "<", ">=", "!=", "'", '"', "$", "~", "*",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_WORDS, max_size=14), st.sampled_from([" ", ""]))
def test_any_text_parses_or_is_refused_at_a_position_inside_it(
    words: list[str], joiner: str
) -> None:
    text = joiner.join(words)
    error: FilterSyntaxError | None = None
    try:
        parse(text)
    except FilterSyntaxError as refused:
        error = refused
    if error is not None:
        assert 1 <= error.position <= len(text) + 1
        assert error.problem
        assert error.fix
