"""The committed review pages (docs/review) are the ones the current code would write."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk

from review.pricing import DEFAULT_PRICES, active_users, load_prices
from review.summary import render_summary
from review.template import load_templates
from tests.conftest import SynthFn

DOCS = Path(__file__).resolve().parents[2] / "docs" / "review"


def test_committed_review_pages_match_the_synthesized_stacks(synth: SynthFn) -> None:
    # GIVEN the templates `cdk synth` writes (the CLI adds construct paths to the metadata),
    # priced as `make review` prices them
    stacks = synth({"aws:cdk:enable-path-metadata": True})
    outdir = Path(cdk.Stage.of(next(iter(stacks.values()))).outdir)
    prices = load_prices(DEFAULT_PRICES)
    for stack, template in load_templates(outdir).items():
        users, users_from = active_users(template, prices, None)
        expected = render_summary(template, prices, active_users=users, users_from=users_from)
        # THEN docs/review/<stack>.md is what `make review` writes today
        committed = (DOCS / f"{stack}.md").read_text(encoding="utf-8")
        assert committed == expected, f"docs/review/{stack}.md is stale: run `make review`"
