"""The per-stack summary page: sections a reviewer relies on, and byte-for-byte determinism."""

from __future__ import annotations

from pathlib import Path

from review.pricing import PriceTable
from review.summary import duration, render_summary
from tests.review.builders import prices, recommender, resource, template

RESOURCES = {
    "DataBucket": resource("AWS::S3::Bucket", {}, DeletionPolicy="Retain"),
    "Running": recommender("shop-test-recommended-for-you", min_rps="2"),
    "Stopped": recommender("shop-test-best-sellers", state="stopped"),
    "Wait": resource(
        "AWS::CloudFormation::WaitCondition", {"Timeout": "21600"}, DependsOn=["Running"]
    ),
    "Role": resource(
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": {}},
        Metadata={"cdk_nag": {"rules_to_suppress": [{"id": "AwsSolutions-IAM5", "reason": "R."}]}},
    ),
}


def _summary(table: PriceTable, resources: dict[str, dict[str, object]] = RESOURCES) -> str:
    return render_summary(template(resources), table, active_users=1000)


def test_same_templates_give_the_same_bytes_whatever_the_resource_order(tmp_path: Path) -> None:
    # GIVEN the same resources in two orders
    table = prices(tmp_path)
    reordered = dict(reversed(list(RESOURCES.items())))
    # WHEN summarized twice THEN the pages are identical
    assert _summary(table).encode() == _summary(table, reordered).encode()


def test_cost_lines_bill_the_running_recommender_and_not_the_stopped_one(tmp_path: Path) -> None:
    # GIVEN one running recommender at 2 RPS (0.57/h) and one stopped
    page = _summary(prices(tmp_path))
    # WHEN summarized THEN the running one carries the whole total
    assert "| `shop-test-best-sellers` | stopped | — | 1 | 0 | 0.0000 | 0.00 | 0.00 |" in page
    assert "| **Total** |  |  |  |  | **0.5700** | **13.68** | **416.10** |  |" in page


def test_wait_bounds_retained_resources_and_suppressions_are_reported(tmp_path: Path) -> None:
    # GIVEN a six-hour wait, a retained bucket and a suppression WHEN summarized
    page = _summary(prices(tmp_path))
    # THEN each has its line
    assert "| `Wait` | `Running` | 6 h |" in page
    assert "| `DataBucket` | `AWS::S3::Bucket` | Retain | Delete |" in page
    assert "| `IAM5` | 1 | 1 | 1 |" in page
    assert "- **Reason** (AwsSolutions): R.\n  - `Role`" in page


def _acknowledged(*rules: tuple[str, str]) -> dict[str, object]:
    return {"cdk_nag": {"rules_to_suppress": [{"id": i, "reason": r} for i, r in rules]}}


def test_suppressions_repeated_per_compliance_pack_fold_into_one_row(tmp_path: Path) -> None:
    # GIVEN two functions whose DLQ finding each of three compliance packs acknowledges with
    # the same decision, and one AwsSolutions finding
    packs = ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321")
    decision = "No DLQ: invoked synchronously."
    dlq = [(f"{pack}-LambdaDLQ", decision) for pack in packs]
    resources = {
        "FnA": resource("AWS::Lambda::Function", {}, Metadata=_acknowledged(*dlq)),
        "FnB": resource(
            "AWS::Lambda::Function",
            {},
            Metadata=_acknowledged(*dlq, ("AwsSolutions-L1", "Runtime pinned.")),
        ),
    }
    # WHEN summarized
    page = render_summary(template(resources), prices(tmp_path), active_users=1000)
    section = page.split("## cdk-nag suppressions")[1].split("\n## ")[0]
    # THEN one table row per rule, counts per pack side by side
    assert (
        "7 acknowledgments (AwsSolutions 1, HIPAA.Security 2, NIST.800.53.R5 2, PCI.DSS.321 2)"
        in section
    )
    assert "| `LambdaDLQ` | — | 2 | 2 | 2 | 2 | 1 |" in section
    assert "| `L1` | 1 | — | — | — | 1 | 1 |" in section
    # AND the reason appears once, naming the packs that give it, inside collapsed details
    assert section.count(decision) == 1
    assert (
        "- **Reason** (HIPAA.Security, NIST.800.53.R5, PCI.DSS.321): No DLQ: invoked "
        "synchronously.\n  - `FnA`\n  - `FnB`" in section
    )
    details = section.split("<details>")[1]
    assert decision in details
    assert "</details>" in details


def test_durations_read_in_hours_and_minutes() -> None:
    # GIVEN timeouts in seconds WHEN shown THEN they read in the largest units
    assert [duration(s) for s in (0, 90, 3600, 5400, 43200)] == [
        "none",
        "1 min 30 s",
        "1 h",
        "1 h 30 min",
        "12 h",
    ]


def test_metadata_and_training_columns_are_shown_with_their_cost(tmp_path: Path) -> None:
    # GIVEN one recommender with item metadata and training columns, one without either
    resources = {
        "Rich": recommender(
            "shop-test-recommended-for-you",
            EnableMetadataWithRecommendations="true",
            TrainingDataConfig='{"excludedDatasetColumns":{"ITEMS":["ADULT","GENDER"]}}',
        ),
        "Plain": recommender("shop-test-best-sellers"),
    }
    page = _summary(prices(tmp_path), resources)
    # THEN the recommenders table says which returns metadata and what each trains on
    section = page.split("## Recommenders")[1].split("## Cost drivers")[0]
    rows = {
        line.split("|")[1].strip(): line for line in section.splitlines() if "| `shop-test-" in line
    }
    rich, plain = rows["`shop-test-recommended-for-you`"], rows["`shop-test-best-sellers`"]
    assert "| **yes** (billed extra) | excluded ITEMS: ADULT, GENDER |" in rich
    assert "| no | all |" in plain
    # AND the cost drivers say metadata is billed on top and not priced here, and what a
    # change of training columns does
    assert (
        "**Not in these figures: item metadata.** `shop-test-recommended-for-you` return item "
        "metadata" in page
    )
    assert "a change of them updates the recommender in place with a full retraining" in page


def test_filters_are_listed_with_the_values_a_request_needs(tmp_path: Path) -> None:
    # GIVEN dev's two filters, one with a parameter of an INCLUDE part, and a chained one
    resources = {
        "Purchased": resource(
            "AWS::Personalize::Filter",
            {
                "Name": "shop-test-exclude-purchased-9f7ca312",
                "DatasetGroupArn": {"Fn::GetAtt": ["DatasetGroup", "DatasetGroupArn"]},
                "FilterExpression": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")',
            },
        ),
        "Mixed": resource(
            "AWS::Personalize::Filter",
            {
                "Name": "shop-test-category-33b2cedc",
                "FilterExpression": "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CATEGORY) | "
                "EXCLUDE ItemID WHERE Items.CATEGORY_L2 IN ($NOT)",
            },
        ),
    }
    page = _summary(prices(tmp_path), resources)
    # THEN the glance counts them and the section has one row each, sorted by name
    assert "- 2 filters" in page
    section = page.split("## Filters")[1].split("## Cost drivers")[0]
    rows = [line for line in section.splitlines() if line.startswith("| `shop-test-")]
    assert rows == [
        "| `shop-test-category-33b2cedc` | `INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CATEGORY) "
        "\\| EXCLUDE ItemID WHERE Items.CATEGORY_L2 IN ($NOT)` | `$CATEGORY` | `$NOT` | `Mixed` |",
        "| `shop-test-exclude-purchased-9f7ca312` | `EXCLUDE ItemID WHERE Interactions.EVENT_TYPE "
        'IN ("Purchase")` | — | — | `Purchased` |',
    ]
