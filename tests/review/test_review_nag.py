"""cdk-nag suppressions: every one listed with its reason, grouped by rule."""

from __future__ import annotations

from review.nag import grouped, suppressions
from tests.review.builders import resource, template

REASON = "Only this environment's recommenders."


def _suppressed(*rules: dict[str, str]) -> dict[str, object]:
    return resource("AWS::IAM::Role", {}, Metadata={"cdk_nag": {"rules_to_suppress": list(rules)}})


def test_suppressions_are_grouped_by_rule_then_reason_with_their_findings() -> None:
    # GIVEN two resources suppressing the same finding for the same reason, and an L1 suppression
    finding = {"id": "AwsSolutions-IAM5[Resource::arn:x:recommender/shop-*]", "reason": REASON}
    stack = template(
        {
            "RoleB": _suppressed(finding),
            "RoleA": _suppressed(finding, {"id": "AwsSolutions-L1", "reason": "CDK's runtime."}),
        }
    )
    # WHEN grouped
    tree = grouped(suppressions(stack))
    # THEN each rule lists its reasons, each reason its resources and findings
    assert tree == {
        "AwsSolutions-IAM5": {
            REASON: {
                "RoleA": ["Resource::arn:x:recommender/shop-*"],
                "RoleB": ["Resource::arn:x:recommender/shop-*"],
            }
        },
        "AwsSolutions-L1": {"CDK's runtime.": {"RoleA": []}},
    }


def test_a_suppression_without_a_reason_says_so() -> None:
    # GIVEN a suppression with no reason WHEN listed THEN the gap is visible, not hidden
    (found,) = suppressions(template({"R": _suppressed({"id": "AwsSolutions-S1"})}))
    assert found.reason == "(no reason given)"
