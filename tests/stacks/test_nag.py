"""cdk-nag AwsSolutions gate: zero unacknowledged findings, every acknowledgment registered."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from personalize_constructs import acknowledgments
from stacks.personalize_stack import PersonalizeShopStack
from tests.stacks.acknowledged import (
    WILDCARD_RESOURCE_GRANTS,
    WILDCARD_RESOURCE_GRANTS_IN_DEV,
    acknowledged,
    expected_acknowledgments,
    expected_compliance_counts,
    wildcard_grants,
)


@pytest.mark.parametrize("pack", acknowledgments.COMPLIANCE_PACKS)
def test_compliance_decisions_cover_exactly_the_checked_in_counts(
    stacks: dict[str, PersonalizeShopStack], env: str, pack: str
) -> None:
    per_rule: dict[str, int] = {}
    for _, rule in acknowledged(stacks[env], pack):
        per_rule[rule] = per_rule.get(rule, 0) + 1
    assert per_rule == expected_compliance_counts(stacks[env])


@pytest.fixture(scope="module")
def unreviewed_topic_failure(synth) -> str:  # type: ignore[no-untyped-def]
    """GIVEN a resource whose rules no product decision covers (an unencrypted SNS topic), the
    report synth fails with: one synth for every pack's test."""
    original = PersonalizeShopStack.__init__

    def with_extra_topic(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        sns.Topic(self, "Unreviewed")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PersonalizeShopStack, "__init__", with_extra_topic)
        with pytest.raises(RuntimeError) as failure:
            synth({"env": "dev"})
    return str(failure.value)


@pytest.mark.xdist_group("unreviewed-topic")
@pytest.mark.parametrize("pack", acknowledgments.COMPLIANCE_PACKS)
def test_a_compliance_finding_nobody_decided_on_fails_synth(
    unreviewed_topic_failure: str, pack: str
) -> None:
    # WHEN synthesized / THEN each compliance pack names the finding on that topic
    assert re.search(rf"(?s)Unreviewed.*{pack}-SNSEncryptedKMS", unreviewed_topic_failure)


def test_acknowledgments_are_exactly_the_checked_in_list(
    stacks: dict[str, PersonalizeShopStack], env: str
) -> None:
    assert set(acknowledged(stacks[env])) == expected_acknowledgments(stacks[env])


def test_every_acknowledgment_carries_a_registered_reason(
    stacks: dict[str, PersonalizeShopStack],
) -> None:
    reasons = set(acknowledged(stacks["dev"]).values())
    assert reasons <= set(acknowledgments.REASONS.values())


def test_every_reason_is_reviewable() -> None:
    reasons = [*acknowledgments.REASONS.values(), *acknowledgments.COMPLIANCE_DECISIONS.values()]
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


def test_every_grant_on_any_resource_is_on_the_checked_in_list(
    stacks: dict[str, PersonalizeShopStack], templates: dict[str, Template], env: str
) -> None:
    # GIVEN every identity policy of the environment / THEN the (role, action) pairs on "*" are
    # exactly the reviewed ones
    in_dev = WILDCARD_RESOURCE_GRANTS_IN_DEV if env == "dev" else {}
    expected = {**WILDCARD_RESOURCE_GRANTS, **in_dev}
    assert wildcard_grants(stacks[env], templates[env]) == set(expected)


def test_a_new_grant_on_any_resource_passes_cdk_nag_but_not_the_list(  # type: ignore[no-untyped-def]
    synth, monkeypatch
) -> None:
    # GIVEN a new "*" statement on a role whose IAM5[Resource::*] is already acknowledged
    original = PersonalizeShopStack.__init__

    def widened(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        self.provider.on_event_function.add_to_role_policy(
            iam.PolicyStatement(actions=["personalize:ListRecommenders"], resources=["*"])
        )

    monkeypatch.setattr(PersonalizeShopStack, "__init__", widened)
    # WHEN synthesized: cdk-nag lets it through
    stack = synth({"env": "dev"})["dev"]
    # THEN the allow-list check names the new pair, and only it
    reviewed = {*WILDCARD_RESOURCE_GRANTS, *WILDCARD_RESOURCE_GRANTS_IN_DEV}
    new = wildcard_grants(stack, Template.from_stack(stack)) - reviewed
    assert new == {("Provider/OnEventRole", "personalize:ListRecommenders")}


def test_dlq_reason_says_how_each_function_is_invoked(
    stacks: dict[str, PersonalizeShopStack], templates: dict[str, Template], env: str
) -> None:
    # GIVEN which functions CloudFormation invokes: those whose ARN is a custom resource's
    # ServiceToken (asynchronous invocation); every other one is called synchronously
    resources = templates[env].to_json()["Resources"]
    by_cloudformation = {
        r["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
        for r in resources.values()
        if r["Type"].startswith("Custom::") or r["Type"] == "AWS::CloudFormation::CustomResource"
    }
    functions = {k for k, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    assert by_cloudformation <= functions

    def expected(logical_id: str) -> str:
        decision = "LambdaDLQ/custom-resource" if logical_id in by_cloudformation else "LambdaDLQ"
        return acknowledgments.COMPLIANCE_DECISIONS[decision]

    # THEN each function's checkov skip gives the reason that matches how it is invoked
    for logical_id in functions:
        skips = {
            s["id"]: s["comment"] for s in resources[logical_id]["Metadata"]["checkov"]["skip"]
        }
        assert skips["CKV_AWS_116"] == expected(logical_id), logical_id
    # AND so does each compliance pack's LambdaDLQ acknowledgment
    stack = stacks[env]
    logical_ids = {
        c.node.path.split("/", 1)[1]: stack.get_logical_id(c)
        for c in stack.node.find_all()
        if isinstance(c, cdk.CfnResource)
    }
    for pack in acknowledgments.COMPLIANCE_PACKS:
        dlq = {p: r for (p, rule), r in acknowledged(stack, pack).items() if rule == "LambdaDLQ"}
        assert dlq
        for path, reason in dlq.items():
            assert reason == expected(logical_ids[path]), path


def test_async_and_sync_dlq_reasons_say_so() -> None:
    assert "asynchronously" in acknowledgments.COMPLIANCE_DECISIONS["LambdaDLQ/custom-resource"]
    assert "invoked synchronously" in acknowledgments.COMPLIANCE_DECISIONS["LambdaDLQ"]


@pytest.mark.parametrize("pack", acknowledgments.COMPLIANCE_PACKS)
def test_the_access_log_bucket_has_its_own_replication_reason(
    stacks: dict[str, PersonalizeShopStack], pack: str
) -> None:
    # GIVEN the replication acknowledgments of both buckets / THEN each states its own bucket's
    # contents: exports for the data bucket, server access logs for the log bucket
    acks = acknowledged(stacks["prod"], pack)
    data = acks[("Data/Bucket/Resource", "S3BucketReplicationEnabled")]
    access_logs = acks[("Data/AccessLogBucket/Resource", "S3BucketReplicationEnabled")]
    assert "exports" in data
    assert "exports" not in access_logs
    assert "server access logs" in access_logs
