"""Checks across files: items referenced by interactions but missing from the items file."""

from __future__ import annotations

from validation_helpers import INTERACTIONS_HEADER, ITEMS_HEADER, WriteCsv, interaction_rows

from personalize_domain.data import validate_datasets


def test_items_missing_from_the_catalogue_are_a_warning(write_csv: WriteCsv) -> None:
    # GIVEN interactions on items i0..i99, and a catalogue missing i7 and i8
    interactions = write_csv([INTERACTIONS_HEADER, *interaction_rows(1200)])
    catalogue = [f"i{n},9.99,home,,,,1700000000,,," for n in range(100) if n not in (7, 8)]
    items = write_csv([ITEMS_HEADER, *catalogue], name="items.csv")
    # WHEN both are validated together
    report = validate_datasets(interactions=interactions, items=items)
    # THEN the two unknown items are named with their interaction counts, as warnings
    assert report.ok
    [finding] = report.cross_file
    assert finding.count == 2
    assert [i.render().replace(str(interactions.parent) + "/", "") for i in finding.issues] == [
        'warning: interactions.csv, ITEM_ID = "i7": ITEM_ID appears in 12 interactions but not '
        "in items.csv, so Personalize has no category, price or description for it. Fix: add the "
        "item to items.csv, or drop its interactions.",
        'warning: interactions.csv, ITEM_ID = "i8": ITEM_ID appears in 12 interactions but not '
        "in items.csv, so Personalize has no category, price or description for it. Fix: add the "
        "item to items.csv, or drop its interactions.",
    ]


def test_complete_catalogue_gives_no_cross_file_finding(write_csv: WriteCsv) -> None:
    interactions = write_csv([INTERACTIONS_HEADER, *interaction_rows(1200)])
    catalogue = [f"i{n},9.99,home,,,,1700000000,,," for n in range(100)]
    items = write_csv([ITEMS_HEADER, *catalogue], name="items.csv")
    assert validate_datasets(interactions=interactions, items=items).cross_file == ()
