"""cdk-nag AwsSolutions gate: zero unacknowledged findings, every acknowledgment registered."""

from __future__ import annotations

import functools
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from personalize_constructs import acknowledgments
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
    ("Provider/IsCompleteRole", "IAM5[Resource::*]"),
    (
        "Provider/IsCompleteRole",
        "IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
        "{prefix}-readiness:*]",
    ),
    ("Provider/OnEventRole", f"IAM5[Resource::{PERSONALIZE}:recommender/{{prefix}}-*]"),
    (
        "Provider/OnEventRole",
        "IAM5[Resource::arn:<AWS::Partition>:personalize:::recipe/aws-ecomm-*]",
    ),
    ("Provider/IsCompleteRole", f"IAM5[Resource::{PERSONALIZE}:recommender/{{prefix}}-*]"),
    ("Readiness/Role", f"IAM5[Resource::{PERSONALIZE}:recommender/{{prefix}}-*]"),
    # The workflow's solution branches exist in every environment (one state machine shape).
    ("Readiness/Role", f"IAM5[Resource::{PERSONALIZE}:solution/{{prefix}}-*]"),
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
# dev attributes revenue and clicks (metricAttribution); its role publishes to CloudWatch.
# Only where metric attribution is on (dev ships it).
ACKNOWLEDGED_IN_DEV = {("MetricAttribution/Role", "IAM5[Resource::*]")}


# Every (role, action) granted on Resource "*", with why. cdk-nag's IAM5[Resource::*] is
# acknowledged per role, so a new "*" statement on one of these roles would pass it; it does not
# pass this list.
_LIST_IMPORT_JOBS = (
    "ListDatasetImportJobs takes no resource ARN (Service Authorization Reference); the handler "
    "lists one dataset's jobs to adopt its own."
)
_LOG_DELIVERY = (
    "Step Functions log delivery: these CloudWatch Logs actions take no resource ARN (Step "
    "Functions guide, 'IAM policies for logging to CloudWatch Logs')."
)
_XRAY = "X-Ray tracing of the readiness workflow: X-Ray's actions take no resource ARN."
_FRAMEWORK_LOG_WRITES = (
    "aws-cdk's Provider framework grants these with its waiter's log delivery actions; Step "
    "Functions writes the logs through log delivery. Narrowing means rewriting the framework's "
    "policy (not done)."
)
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
)
WAITER_ROLE = "Provider/Provider/waiter-state-machine/Role"
WILDCARD_RESOURCE_GRANTS = {
    ("Provider/OnEventRole", "personalize:ListDatasetImportJobs"): _LIST_IMPORT_JOBS,
    ("Provider/IsCompleteRole", "personalize:ListDatasetImportJobs"): _LIST_IMPORT_JOBS,
    **{("Readiness/Role", action): _LOG_DELIVERY for action in LOG_DELIVERY_ACTIONS},
    **{
        ("Readiness/Role", f"xray:{action}"): _XRAY
        for action in (
            "GetSamplingRules",
            "GetSamplingTargets",
            "PutTelemetryRecords",
            "PutTraceSegments",
        )
    },
    **{(WAITER_ROLE, action): _LOG_DELIVERY for action in LOG_DELIVERY_ACTIONS},
    (WAITER_ROLE, "logs:CreateLogStream"): _FRAMEWORK_LOG_WRITES,
    (WAITER_ROLE, "logs:PutLogEvents"): _FRAMEWORK_LOG_WRITES,
}
WILDCARD_RESOURCE_GRANTS_IN_DEV = {
    ("MetricAttribution/Role", "cloudwatch:PutMetricData"): (
        "PutMetricData takes no resource ARN; Personalize publishes the metric attribution's "
        "reports with it."
    ),
}


def _acknowledged(
    stack: PersonalizeShopStack, pack: str = "AwsSolutions"
) -> dict[tuple[str, str], str]:
    prefix = f"Annotation::{pack}-"
    return {
        (path, rule.removeprefix(prefix)): reason
        for path, rule, reason in _acknowledgments(stack)
        if rule.startswith(prefix)
    }


@functools.cache
def _acknowledgments(stack: PersonalizeShopStack) -> tuple[tuple[str, str, str], ...]:
    """(construct path, rule, reason) of every acknowledgment in the stack, every pack.

    Walking the tree costs a jsii round trip per construct and property (about 0.5 s a stack), so
    each stack is walked once and the tests filter the result.
    """
    found = []
    for construct in stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                path = construct.node.path.split("/", 1)[1]
                found.extend((path, rule, reason) for rule, reason in entry.data.items())
    return tuple(found)


# Only where the environment defines batch solutions (dev).
ACKNOWLEDGED_WITH_BATCH = {
    ("PersonalizeRole/Role", "IAM5[Resource::<DataBucket.Arn>/batch/*/output/*]"),
    ("Provider/OnEventRole", f"IAM5[Resource::{PERSONALIZE}:solution/{{prefix}}-*]"),
    ("Provider/IsCompleteRole", f"IAM5[Resource::{PERSONALIZE}:solution/{{prefix}}-*]"),
}


# Resources each compliance decision covers in every environment: the same functions, buckets
# and log groups. Local data files add the copy function, its role's policy and its log group; a
# pause schedule adds its role's policy.
COMPLIANCE_COUNTS = {
    "LambdaInsideVPC": 6,
    "LambdaDLQ": 6,
    "LambdaConcurrency": 6,
    "CloudWatchLogGroupEncrypted": 5,
    "S3DefaultEncryptionKMS": 2,
    "S3BucketReplicationEnabled": 2,
    "IAMNoInlinePolicy": 8,
}
WITH_LOCAL_FILES = {
    "LambdaInsideVPC": 1,
    "LambdaDLQ": 1,
    "LambdaConcurrency": 1,
    "CloudWatchLogGroupEncrypted": 1,
    "IAMNoInlinePolicy": 1,
}
WITH_PAUSE_SCHEDULE = {"IAMNoInlinePolicy": 1}
# The metric attribution role's inline policy.
WITH_METRIC_ATTRIBUTION = {"IAMNoInlinePolicy": 1}
# What only an environment with a local data file has: the copy into the data bucket.
LOCAL_FILES_ONLY = ("DataFiles/", "Custom::CDKBucketDeployment")


def _has_local_files(stack: PersonalizeShopStack) -> bool:
    return any(not d.is_s3_uri for d in stack.config.datasets)


def expected_compliance_counts(stack: PersonalizeShopStack) -> dict[str, int]:
    extras = [WITH_LOCAL_FILES] if _has_local_files(stack) else []
    extras += [WITH_PAUSE_SCHEDULE] if stack.config.running_hours else []
    extras += [WITH_METRIC_ATTRIBUTION] if stack.config.metric_attribution else []
    return {k: v + sum(e.get(k, 0) for e in extras) for k, v in COMPLIANCE_COUNTS.items()}


def expected_acknowledgments(stack: PersonalizeShopStack) -> set[tuple[str, str]]:
    """The checked-in list, for this environment's shape: its prefix, whether it copies local
    files, and one role-scoped wildcard per s3:// folder it imports."""
    prefix = stack.config.name_prefix
    local = _has_local_files(stack)
    expected = {
        (path, finding.format(prefix=prefix))
        for path, finding in ACKNOWLEDGED
        if local or not path.startswith(LOCAL_FILES_ONLY)
    }
    if stack.config.metric_attribution:
        expected |= ACKNOWLEDGED_IN_DEV
    if stack.config.batch:
        expected |= {
            (path, finding.format(prefix=prefix)) for path, finding in ACKNOWLEDGED_WITH_BATCH
        }
    for dataset in stack.config.datasets:
        if dataset.is_s3_uri and dataset.source.endswith("/"):
            folder = dataset.source.removeprefix("s3://")
            expected.add(
                ("PersonalizeRole/Role", f"IAM5[Resource::arn:<AWS::Partition>:s3:::{folder}*]")
            )
    return expected


@pytest.mark.parametrize("pack", acknowledgments.COMPLIANCE_PACKS)
def test_compliance_decisions_cover_exactly_the_checked_in_counts(
    stacks: dict[str, PersonalizeShopStack], env: str, pack: str
) -> None:
    per_rule: dict[str, int] = {}
    for _, rule in _acknowledged(stacks[env], pack):
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
    assert set(_acknowledged(stacks[env])) == expected_acknowledgments(stacks[env])


def test_every_acknowledgment_carries_a_registered_reason(
    stacks: dict[str, PersonalizeShopStack],
) -> None:
    reasons = set(_acknowledged(stacks["dev"]).values())
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


def wildcard_grants(stack: PersonalizeShopStack, template: Template) -> set[tuple[str, str]]:
    """Every (role, action) an Allow grants on Resource "*", the role named by its construct
    path (as in ACKNOWLEDGED)."""
    roles = {
        stack.get_logical_id(c): c.node.path.split("/", 1)[1].removesuffix("/Resource")
        for c in stack.node.find_all()
        if isinstance(c, cdk.CfnResource) and c.cfn_resource_type == "AWS::IAM::Role"
    }
    documents: list[tuple[str, dict[str, Any]]] = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        for role in policy["Properties"]["Roles"]:
            documents.append((roles[role["Ref"]], policy["Properties"]["PolicyDocument"]))
    for logical_id, role in template.find_resources("AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            documents.append((roles[logical_id], inline["PolicyDocument"]))
    grants = set()
    for role_path, document in documents:
        for statement in document["Statement"]:
            resources = statement["Resource"]
            if statement["Effect"] == "Allow" and "*" in (
                resources if isinstance(resources, list) else [resources]
            ):
                actions = statement["Action"]
                for action in [actions] if isinstance(actions, str) else actions:
                    grants.add((role_path, action))
    return grants


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
        dlq = {p: r for (p, rule), r in _acknowledged(stack, pack).items() if rule == "LambdaDLQ"}
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
    acks = _acknowledged(stacks["prod"], pack)
    data = acks[("Data/Bucket/Resource", "S3BucketReplicationEnabled")]
    access_logs = acks[("Data/AccessLogBucket/Resource", "S3BucketReplicationEnabled")]
    assert "exports" in data
    assert "exports" not in access_logs
    assert "server access logs" in access_logs
