"""Helpers shared by the data tests: valid rows, and lookups into a validation report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from personalize_domain.data import Finding, ValidationReport

INTERACTIONS_HEADER = "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"
ITEMS_HEADER = (
    "ITEM_ID,PRICE,CATEGORY_L1,CATEGORY_L2,CATEGORY_L3,PRODUCT_DESCRIPTION,CREATION_TIMESTAMP,"
    "AGE_GROUP,ADULT,GENDER"
)
USERS_HEADER = "USER_ID,LOYALTY_TIER,AGE_GROUP,GENDER"
START = 1_700_000_000

WriteCsv = Callable[..., Path]
Validate = Callable[..., ValidationReport]


def interaction_rows(
    n: int, *, users: int = 50, items: int = 100, purchase_every: int = 2
) -> list[str]:
    """Valid rows: every user and item repeats, one in `purchase_every` rows is a Purchase."""
    return [
        f"u{i % users},i{i % items},{START + i},{'Purchase' if i % purchase_every == 0 else 'View'}"
        for i in range(n)
    ]


def finding(report: ValidationReport, rule: str) -> Finding:
    """The one finding for `rule`; fails the test if there is none or several."""
    matches = [f for f in report.findings if f.rule == rule]
    assert len(matches) == 1, f"{rule} not found once in:\n{report.render()}"
    return matches[0]


def rules(report: ValidationReport) -> set[str]:
    return {f.rule for f in report.findings}


def lines(report: ValidationReport, rule: str) -> list[str]:
    """Rendered lines of a rule with the tmp_path prefix dropped, for exact comparisons."""
    prefix = str(Path(report.path).parent) + "/"
    return [line.replace(prefix, "") for line in finding(report, rule).render_lines()]
