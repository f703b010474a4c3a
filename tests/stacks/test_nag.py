"""cdk-nag AwsSolutions gate: zero unacknowledged findings, every acknowledgment registered."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from stacks import nag_register
from stacks.personalize_stack import PersonalizeShopStack


def _acknowledged(root: IConstruct) -> dict[str, str]:
    found: dict[str, str] = {}
    for construct in root.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for rule, reason in entry.data.items():
                    found[rule.removeprefix("Annotation::")] = reason
    return found


def test_every_environment_synthesizes_with_no_unacknowledged_finding(
    stacks: dict[str, PersonalizeShopStack],
) -> None:
    # The session fixture runs app.synth() with the AwsSolutions plugin: it raises on a finding.
    assert set(stacks) == {"dev", "prod"}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_acknowledgments_are_exactly_the_register(
    stacks: dict[str, PersonalizeShopStack], env: str
) -> None:
    assert _acknowledged(stacks[env]) == nag_register.ACKNOWLEDGED


def test_every_acknowledgment_has_a_reviewable_reason() -> None:
    assert all(len(reason) >= 40 for reason in nag_register.ACKNOWLEDGED.values())


def test_a_widened_policy_fails_synth_with_the_finding(synth, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # GIVEN someone grants the Personalize role every S3 action on every resource
    original = PersonalizeShopStack.__init__

    def widened(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        self.personalize_role.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:*"], resources=["*"])
        )

    monkeypatch.setattr(PersonalizeShopStack, "__init__", widened)
    # WHEN synthesized / THEN synth fails and names the finding
    with pytest.raises(
        RuntimeError, match=r"(?s)PersonalizeRole.*AwsSolutions-IAM5\[Action::s3:\*\]"
    ):
        synth({"env": "dev"})
