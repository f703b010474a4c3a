"""The checked-in acknowledgment list: every cdk-nag finding an environment acknowledges, every
compliance-pack decision it carries, and every (role, action) an IAM policy grants on Resource
"*". A new one must be added here on purpose; tests/stacks/test_nag.py holds the shipped
environments to it, and the tests of optional features (a batch schedule, validateInS3) hold
their variants to it.
"""

from __future__ import annotations

import functools
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

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


def acknowledged(
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


# What `batch.email.schedule` adds to dev (tests/stacks/test_batch_schedule.py).
ACKNOWLEDGED_WITH_SCHEDULE = {
    ("EmailBatchSchedule/Role", "IAM5[Resource::*]"),
    ("EmailBatchSchedule/Role", "IAM5[Resource::<EmailBatchSolution6E09EE4D>/*]"),
    (
        "EmailBatchSchedule/Role",
        "IAM5[Resource::arn:<AWS::Partition>:personalize:<AWS::Region>:<AWS::AccountId>:"
        "batch-inference-job/shop-dev-email-*]",
    ),
}
WILDCARD_GRANTS_WITH_SCHEDULE = {
    ("EmailBatchSchedule/Role", action)
    for action in (
        *LOG_DELIVERY_ACTIONS,
        "personalize:ListDatasetImportJobs",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    )
}
# The workflow's role policy and its default policy, and its log group.
COMPLIANCE_WITH_SCHEDULE = {"IAMNoInlinePolicy": 2, "CloudWatchLogGroupEncrypted": 1}


# What `validateInS3` adds to dev with its interactions at s3://shop-team-exports/personalize/
# and Athena's results under s3://shop-team-athena/validation/
# (tests/stacks/test_validate_in_s3_stack.py): the readiness workflow reads the source's folder
# and writes the query results.
ACKNOWLEDGED_WITH_S3_VALIDATION = {
    ("Readiness/Role", "IAM5[Resource::arn:<AWS::Partition>:s3:::shop-team-athena/validation/*]"),
    ("Readiness/Role", "IAM5[Resource::arn:<AWS::Partition>:s3:::shop-team-exports/personalize/*]"),
}
