"""The summary and diff over a trimmed real template (fixtures/, cut from `cdk synth` of prod)."""

from __future__ import annotations

import json
from pathlib import Path

from review.diff import diff_templates
from review.pricing import DEFAULT_PRICES, load_prices
from review.summary import render_summary
from review.template import load_template, parse_template

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "PersonalizeShop-prod.template.json"


def _summary() -> str:
    prices = load_prices(DEFAULT_PRICES)
    return render_summary(load_template(FIXTURE), prices, active_users=prices.assumed_active_users)


def test_the_personalize_role_shows_who_assumes_it_and_what_it_reads() -> None:
    # GIVEN the real Personalize role WHEN summarized
    page = _summary()
    # THEN its trust conditions and its one inline grant are spelled out
    assert (
        "- Assumed by `Service personalize.amazonaws.com` (`StringEquals aws:SourceAccount = "
        "<AWS::AccountId>`; `StringLike aws:SourceArn = arn:<AWS::Partition>:personalize:"
        "<AWS::Region>:<AWS::AccountId>:*`)"
    ) in page
    assert (
        "| Allow | `s3:GetObject`, `s3:ListBucket` | `<DataBucket>.Arn`, `<DataBucket>.Arn/*` | — "
        "| inline `ReadImportData` | — |"
    ) in page


def test_the_only_resource_wildcard_of_the_handler_role_is_flagged() -> None:
    # GIVEN the real handler role WHEN summarized THEN only ListDatasetImportJobs on `*` is flagged
    flagged = [line for line in _summary().splitlines() if "any resource (`*`)" in line]
    assert [line.split(" | ")[1] for line in flagged] == ["`personalize:ListDatasetImportJobs`"]


def test_import_then_recommender_waits_add_up_to_twelve_hours() -> None:
    # GIVEN a 6 h import wait followed by a 6 h recommender wait WHEN summarized THEN 12 h
    assert "- Longest readiness wait before CloudFormation gives up: 12 h" in _summary()


def test_raising_the_minimum_rps_of_the_real_recommender_is_in_place() -> None:
    # GIVEN the fixture and a copy with recommended-for-you at 3 RPS
    body = json.loads(FIXTURE.read_text(encoding="utf-8"))
    props = body["Resources"]["RecommendedForYouRecommenderA18C10E5"]["Properties"]
    props["MinRecommendationRequestsPerSecond"] = "3"
    # WHEN diffed
    result = diff_templates(load_template(FIXTURE), parse_template(FIXTURE, body))
    # THEN one in-place change, nothing replaced, nothing flagged
    (change,) = result.changed
    assert (change.logical_id, change.replaced_because, result.warnings) == (
        "RecommendedForYouRecommenderA18C10E5",
        "",
        [],
    )
