"""The README's context table documents exactly the keys the configuration accepts."""

from __future__ import annotations

import re
from pathlib import Path

from personalize_domain import config as cfg

ROOT = Path(__file__).resolve().parent.parent


def _documented_keys() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- context-table: start -->")[1].split("<!-- context-table: end -->")[0]
    return re.findall(r"^\| `([^`]+)` \|", table, flags=re.MULTILINE)


def test_readme_context_table_lists_every_accepted_key_once() -> None:
    accepted = [
        *cfg._ENV_FIELDS,
        *(f"datasets.<type>.{leaf}" for leaf in cfg._DATASET_FIELDS),
        *(f"recommenders.<use-case>.{leaf}" for leaf in cfg._RECOMMENDER_FIELDS),
        *(f"filters.<name>.{leaf}" for leaf in cfg._FILTER_FIELDS),
    ]
    assert _documented_keys() == accepted


def test_readme_opens_with_the_two_setup_commands() -> None:
    first_lines = (ROOT / "README.md").read_text().splitlines()[:6]
    assert "make synth" in "\n".join(first_lines)
    assert "make test" in "\n".join(first_lines)
