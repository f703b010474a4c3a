"""cdk-nag AwsSolutions gate: zero unacknowledged findings, every acknowledgment registered."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

from stacks import nag_register
from stacks.personalize_stack import PersonalizeShopStack

PERSONALIZE = "arn:<AWS::Partition>:personalize:<AWS::Region>:<AWS::AccountId>"
# The checked-in allow-list: a new acknowledgment must be added here on purpose.
ACKNOWLEDGED = {
    ("PersonalizeRole/Role", "IAM5[Resource::<DataBucket.Arn>/*]"),
    ("DataFiles/CopyRole", "IAM5[Action::s3:GetObject*]"),
    ("DataFiles/CopyRole", "IAM5[Action::s3:GetBucket*]"),
    ("DataFiles/CopyRole", "IAM5[Action::s3:List*]"),
    ("DataFiles/CopyRole", "IAM5[Action::s3:DeleteObject*]"),
    ("DataFiles/CopyRole", "IAM5[Action::s3:Abort*]"),
    (
        "DataFiles/CopyRole",
        "IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
        "<AWS::Region>/*]",
    ),
    ("DataFiles/CopyRole", "IAM5[Resource::<DataBucket.Arn>/*]"),
    ("Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C256MiB512MiB", "L1"),
    ("Provider/OnEventRole", f"IAM5[Resource::{PERSONALIZE}:dataset-import-job/{{prefix}}-*]"),
    ("Provider/OnEventRole", f"IAM5[Resource::{PERSONALIZE}:dataset/{{prefix}}/*]"),
    ("Provider/OnEventRole", "IAM5[Resource::*]"),
    (
        "Provider/OnEventRole",
        "IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
        "{prefix}-readiness:*]",
    ),
    ("Provider/IsCompleteRole", f"IAM5[Resource::{PERSONALIZE}:dataset-import-job/{{prefix}}-*]"),
    ("Provider/OnEventRole", f"IAM5[Resource::{PERSONALIZE}:recommender/{{prefix}}-*]"),
    (
        "Provider/OnEventRole",
        "IAM5[Resource::arn:<AWS::Partition>:personalize:::recipe/aws-ecomm-*]",
    ),
    ("Provider/IsCompleteRole", f"IAM5[Resource::{PERSONALIZE}:recommender/{{prefix}}-*]"),
    ("Readiness/Role", f"IAM5[Resource::{PERSONALIZE}:recommender/{{prefix}}-*]"),
    ("Provider/FrameworkOnEventRole", "IAM5[Resource::<ProviderOnEvent154A47CF.Arn>:*]"),
    ("Provider/FrameworkOnEventRole", "IAM5[Resource::<ProviderIsComplete2FC879E6.Arn>:*]"),
    ("Provider/FrameworkCompleteRole", "IAM5[Resource::<ProviderOnEvent154A47CF.Arn>:*]"),
    ("Provider/FrameworkCompleteRole", "IAM5[Resource::<ProviderIsComplete2FC879E6.Arn>:*]"),
    (
        "Provider/Provider/waiter-state-machine",
        "IAM5[Resource::<ProviderframeworkisComplete559F84BF.Arn>:*]",
    ),
    (
        "Provider/Provider/waiter-state-machine",
        "IAM5[Resource::<ProviderframeworkonTimeout1B7E2A52.Arn>:*]",
    ),
    ("Provider/Provider/waiter-state-machine", "IAM5[Resource::*]"),
    ("Provider/Provider/waiter-state-machine", "SF2"),
    (
        "Readiness/Role",
        f"IAM5[Resource::{PERSONALIZE}:dataset-import-job/{{prefix}}-*]",
    ),
    ("Readiness/Role", f"IAM5[Resource::{PERSONALIZE}:dataset/{{prefix}}/*]"),
    ("Readiness/Role", "IAM5[Resource::*]"),
    ("Readiness/Role", "IAM5[Resource::<ReadinessSignal502CB418.Arn>:*]"),
}


def _acknowledged(
    stack: PersonalizeShopStack, pack: str = "AwsSolutions"
) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    prefix = f"Annotation::{pack}-"
    for construct in stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for rule, reason in entry.data.items():
                    if rule.startswith(prefix):
                        path = construct.node.path.split("/", 1)[1]
                        found[(path, rule.removeprefix(prefix))] = reason
    return found


# Resources each compliance decision covers per environment: the same functions, buckets and log
# groups in both; dev's pause schedule adds its role's policy.
COMPLIANCE_COUNTS = {
    "LambdaInsideVPC": 7,
    "LambdaDLQ": 7,
    "LambdaConcurrency": 7,
    "CloudWatchLogGroupEncrypted": 6,
    "S3DefaultEncryptionKMS": 2,
    "S3BucketReplicationEnabled": 2,
    "IAMNoInlinePolicy": 9,
}
EXTRA_IN_DEV = {"IAMNoInlinePolicy": 1}


@pytest.mark.parametrize("pack", nag_register.COMPLIANCE_PACKS)
@pytest.mark.parametrize("env", ["dev", "prod"])
def test_compliance_decisions_cover_exactly_the_checked_in_counts(
    stacks: dict[str, PersonalizeShopStack], env: str, pack: str
) -> None:
    per_rule: dict[str, int] = {}
    for _, rule in _acknowledged(stacks[env], pack):
        per_rule[rule] = per_rule.get(rule, 0) + 1
    extra = EXTRA_IN_DEV if env == "dev" else {}
    assert per_rule == {k: v + extra.get(k, 0) for k, v in COMPLIANCE_COUNTS.items()}


@pytest.mark.parametrize("pack", nag_register.COMPLIANCE_PACKS)
def test_a_compliance_finding_nobody_decided_on_fails_synth(synth, monkeypatch, pack: str) -> None:  # type: ignore[no-untyped-def]
    # GIVEN a log group added after the register has acknowledged the stack's resources
    original = PersonalizeShopStack.__init__

    def with_extra_log_group(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        logs.LogGroup(self, "Unreviewed")

    monkeypatch.setattr(PersonalizeShopStack, "__init__", with_extra_log_group)
    # WHEN synthesized / THEN each compliance pack names the finding on that log group
    with pytest.raises(RuntimeError, match=rf"(?s)Unreviewed.*{pack}-CloudWatchLogGroupEncrypted"):
        synth({"env": "dev"})


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_acknowledgments_are_exactly_the_checked_in_list(
    stacks: dict[str, PersonalizeShopStack], env: str
) -> None:
    prefix = stacks[env].config.name_prefix
    expected = {(path, finding.format(prefix=prefix)) for path, finding in ACKNOWLEDGED}
    assert set(_acknowledged(stacks[env])) == expected


def test_every_acknowledgment_carries_a_registered_reason(
    stacks: dict[str, PersonalizeShopStack],
) -> None:
    reasons = set(_acknowledged(stacks["dev"]).values())
    assert reasons <= set(nag_register.REASONS.values())


def test_every_reason_is_reviewable() -> None:
    reasons = [*nag_register.REASONS.values(), *nag_register.COMPLIANCE_DECISIONS.values()]
    assert all(len(reason) >= 60 for reason in reasons)


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
