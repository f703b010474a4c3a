"""Every cdk-nag acknowledgment of the app, in one place, each scoped to one finding and reasoned.

Each acknowledgment goes on the smallest construct that raises the finding (a role, a state
machine, a function), never on the stack. The reasons are written into the template metadata
(cdk-nag's `write_suppressions_to_cloud_formation`), and `tests/stacks/test_nag.py` holds the
checked-in list of acknowledged findings, so a new one is always a deliberate diff.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

if TYPE_CHECKING:
    from stacks.personalize_stack import PersonalizeShopStack

REASONS = {
    "personalize-reads-objects": (
        "Personalize reads every import file in the data bucket (s3:GetObject on its objects); "
        "the role can do nothing else and only Personalize in this account can assume it."
    ),
    "personalize-reads-folder": (
        "A dataset source in cdk.json is an s3:// folder, and Personalize imports every file in "
        "it; the role reads only objects under that prefix and lists only with that prefix."
    ),
    "env-import-jobs": (
        "Import job names are generated per data version (<prefix>-<type>-<hash>), so they are "
        "matched by this environment's name prefix; nothing outside the environment matches."
    ),
    "env-datasets": (
        "CreateDatasetImportJob is authorized on the dataset too; dataset ARNs are "
        "dataset/<dataset group>/<TYPE>, matched for this environment's dataset group only."
    ),
    "env-schemas": (
        "Schema names are <prefix>-<type>-<content hash>, a new name per schema content; the "
        "pattern covers this environment's schemas only."
    ),
    "env-datasets-schema-update": (
        "Schema updates describe the dataset until Personalize has applied the schema; dataset "
        "ARNs are dataset/<dataset group>/<TYPE>, matched for this environment's group only."
    ),
    "env-recommenders": (
        "Recommender names are <prefix>-<use case>; the pattern covers this environment's "
        "recommenders only."
    ),
    "ecommerce-recipes": (
        "CreateRecommender is authorized on the recipe too; the pattern covers exactly AWS's "
        "ECOMMERCE recipes (aws-ecomm-*), which are public AWS resources."
    ),
    "list-import-jobs": (
        "personalize:ListDatasetImportJobs has no resource type in the Service Authorization "
        "Reference, so it needs '*'; the handlers only list this environment's datasets' jobs "
        "(to check for a FULL import, and to outwait running ones before a dataset is deleted)."
    ),
    "readiness-executions": (
        "StopExecution targets executions, named per request at run time (a newer request "
        "stops the older one's); the pattern is limited to this environment's readiness state "
        "machine."
    ),
    "readiness-logs-and-tracing": (
        "Step Functions log delivery (logs:*LogDelivery*, Describe*) and X-Ray "
        "(PutTraceSegments, PutTelemetryRecords) support no resource-level permissions "
        "(Step Functions developer guide, 'IAM policies for logging to CloudWatch Logs')."
    ),
    "signal-versions": (
        "The LambdaInvoke task is granted the signal function and its versions (<arn>:*), as "
        "aws-stepfunctions-tasks generates it; it can invoke nothing else."
    ),
    "framework-invoke-versions": (
        "The custom-resource Provider framework invokes its handler functions with any version "
        "qualifier (<arn>:*), as aws-cdk custom-resources generates it; nothing else is invoked."
    ),
    "framework-logs": (
        "The Provider framework's waiter state machine delivers its logs to CloudWatch Logs; log "
        "delivery actions support no resource-level permissions. aws-cdk's framework puts "
        "logs:CreateLogStream and logs:PutLogEvents in the same '*' statement; narrowing them "
        "means rewriting the framework's generated policy, which this app does not do."
    ),
    "framework-no-tracing": (
        "The Provider framework's waiter state machine offers no X-Ray tracing option; it only "
        "polls is_complete, and its execution logs (level ALL, no data) are kept."
    ),
    "copy-s3-actions": (
        "CDK's BucketDeployment copies the data files: it reads the CDK asset bucket and "
        "writes this environment's data bucket; the wildcards are the grant_read/grant_read_write "
        "action groups aws-cdk-lib generates for exactly those two buckets."
    ),
    "copy-runtime": (
        "BucketDeployment's copy function runtime is chosen by aws-cdk-lib (it bundles the AWS "
        "CLI layer for it); it is updated with aws-cdk-lib, not by this app."
    ),
}


# The compliance packs gate synth too. What they ask beyond AwsSolutions (KMS everywhere, Lambda
# in a VPC, DLQs, reserved concurrency, replication) are product decisions, recorded here once per
# rule (or per `rule/kind` where resources differ) and acknowledged on each resource the rule
# applies to. tests/stacks/test_nag.py counts them per rule, so a new function, bucket or log group
# is a deliberate diff.
COMPLIANCE_PACKS = ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321")
COMPLIANCE_DECISIONS = {
    "LambdaInsideVPC": (
        "The functions call only public AWS APIs (Personalize, Step Functions, S3, CloudFormation) "
        "and hold no data; a VPC would add NAT or endpoints without narrowing what they reach, "
        "and Personalize cannot read VPC-only buckets."
    ),
    "LambdaDLQ": (
        "This function is invoked synchronously (by a Provider framework function or a Step "
        "Functions task), whose caller retries and reports its failure; a DLQ only receives "
        "events of asynchronous invocations."
    ),
    "LambdaDLQ/custom-resource": (
        "CloudFormation invokes this custom-resource function asynchronously. The function "
        "answers CloudFormation itself, FAILED with the reason on any error, which fails the "
        "stack operation visibly; one that dies without answering is retried twice by Lambda, "
        "then fails the operation at its timeout. An event kept in a DLQ would be a request for "
        "a stack operation already over: nothing could act on it."
    ),
    "LambdaConcurrency": (
        "The functions run a handful of times per deploy; reserving concurrency would take it "
        "from the account's pool without protecting anything."
    ),
    "CloudWatchLogGroupEncrypted": (
        "The logs hold resource names and statuses, never shop data or execution input (the "
        "workflow logs exclude execution data); CloudWatch encrypts them at rest with its own "
        "keys. A customer key would have to outlive every log group: a product decision."
    ),
    "S3DefaultEncryptionKMS": (
        "SSE-S3 on purpose: a server-access-log target bucket cannot use SSE-KMS, and Personalize "
        "reads SSE-S3 objects without key grants. SSE-KMS is a product option, not a default."
    ),
    "S3BucketReplicationEnabled": (
        "The data bucket holds copies of the shop's own exports, re-uploaded by deploy; "
        "replicating them doubles storage for data that already exists elsewhere."
    ),
    "S3BucketReplicationEnabled/access-logs": (
        "The access-log bucket holds only the data bucket's S3 server access logs, which S3 "
        "writes within this account and Region: an audit trail of reads, not data to restore. A "
        "replica would be a second log store needing the same protection; replicate it when an "
        "audit policy asks for the logs in a second Region."
    ),
    "IAMNoInlinePolicy": (
        "Each policy belongs to exactly one role created for one function or service; a managed "
        "policy could be attached to other principals, which is what least privilege avoids here."
    ),
}


# checkov runs over the synthesized templates (make checkov); the same decisions, by its ids.
# A skip is written into the one resource's Metadata, so it is as scoped as an acknowledgment.
CHECKOV_SKIPS = {
    "CKV_AWS_115": COMPLIANCE_DECISIONS["LambdaConcurrency"],
    "CKV_AWS_116": COMPLIANCE_DECISIONS["LambdaDLQ"],
    "CKV_AWS_117": COMPLIANCE_DECISIONS["LambdaInsideVPC"],
    "CKV_AWS_158": COMPLIANCE_DECISIONS["CloudWatchLogGroupEncrypted"],
    "CKV_AWS_173": (
        "The only environment variables are those aws-cdk-lib sets on its framework functions "
        "(function ARNs, flags); no secret is ever put into a function's environment."
    ),
    "CKV_AWS_18": "This is the access-log bucket itself; logging it into itself would loop.",
    "CKV_AWS_111": REASONS["framework-logs"],
}


def acknowledge_compliance(stack: Stack, *, custom_resource_handlers: Sequence[IConstruct]) -> None:
    """Apply COMPLIANCE_DECISIONS to each resource of the stack the rule applies to.

    `custom_resource_handlers` are the constructs holding the functions CloudFormation itself
    invokes (asynchronously) for custom resources; every other function is invoked synchronously.
    """
    handler_paths = tuple(f"{c.node.path}/" for c in custom_resource_handlers)
    for construct in stack.node.find_all():
        by_cloudformation = f"{construct.node.path}/".startswith(handler_paths)
        if isinstance(construct, CfnResource):
            _checkov_skips(construct, by_cloudformation=by_cloudformation)
        decisions: tuple[str, ...] = ()
        if isinstance(construct, lambda_.CfnFunction):
            dlq = "LambdaDLQ/custom-resource" if by_cloudformation else "LambdaDLQ"
            decisions = ("LambdaInsideVPC", dlq, "LambdaConcurrency")
        elif isinstance(construct, logs.CfnLogGroup):
            decisions = ("CloudWatchLogGroupEncrypted",)
        elif isinstance(construct, s3.CfnBucket):
            replication = (
                "S3BucketReplicationEnabled/access-logs"
                if construct.node.path.endswith(_ACCESS_LOG_BUCKET)
                else "S3BucketReplicationEnabled"
            )
            decisions = ("S3DefaultEncryptionKMS", replication)
        elif isinstance(construct, iam.CfnPolicy) or (
            isinstance(construct, iam.CfnRole) and construct.policies
        ):
            decisions = ("IAMNoInlinePolicy",)
        for decision in decisions:
            rule = decision.split("/")[0]
            for pack in COMPLIANCE_PACKS:
                Validations.of(construct).acknowledge(
                    Acknowledgment(id=f"{pack}-{rule}", reason=COMPLIANCE_DECISIONS[decision])
                )


_ACCESS_LOG_BUCKET = "/Data/AccessLogBucket/Resource"


def _checkov_skips(resource: CfnResource, *, by_cloudformation: bool) -> None:
    ids: list[str] = []
    comments = dict(CHECKOV_SKIPS)
    if resource.cfn_resource_type == "AWS::Lambda::Function":
        ids = ["CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"]
        if by_cloudformation:
            comments["CKV_AWS_116"] = COMPLIANCE_DECISIONS["LambdaDLQ/custom-resource"]
        if isinstance(resource, lambda_.CfnFunction) and resource.environment is not None:
            ids.append("CKV_AWS_173")
    elif resource.cfn_resource_type == "AWS::Logs::LogGroup":
        ids = ["CKV_AWS_158"]
    elif resource.cfn_resource_type == "AWS::S3::Bucket" and resource.node.path.endswith(
        _ACCESS_LOG_BUCKET
    ):
        ids = ["CKV_AWS_18"]
    elif resource.node.path.endswith(
        "/Provider/Provider/waiter-state-machine/Role/DefaultPolicy/Resource"
    ):
        ids = ["CKV_AWS_111"]
    if ids:
        resource.add_metadata("checkov", {"skip": [{"id": i, "comment": comments[i]} for i in ids]})


def acknowledge(stack: PersonalizeShopStack) -> None:
    provider = stack.provider
    readiness = stack.readiness
    prefix = stack.config.name_prefix
    import_jobs = f"{_personalize_arn('dataset-import-job')}/{prefix}-*"
    recommenders = f"{_personalize_arn('recommender')}/{prefix}-*"
    recipes = "arn:<AWS::Partition>:personalize:::recipe/aws-ecomm-*"
    datasets = f"{_personalize_arn('dataset')}/{prefix}/*"
    on_event = _arn_ref(stack, provider.on_event_function)
    is_complete = _arn_ref(stack, provider.is_complete_function)

    _ack(
        stack.personalize_role.role,
        "IAM5[Resource::<DataBucket.Arn>/*]",
        "personalize-reads-objects",
    )
    for folder in stack.personalize_role.folders:
        _ack(
            stack.personalize_role.role,
            f"IAM5[Resource::arn:<AWS::Partition>:s3:::{folder.bucket}/{folder.key}*]",
            "personalize-reads-folder",
        )

    on_event_role = provider.on_event_function.role
    _ack(on_event_role, f"IAM5[Resource::{import_jobs}]", "env-import-jobs")
    _ack(on_event_role, f"IAM5[Resource::{datasets}]", "env-datasets")
    _ack(on_event_role, "IAM5[Resource::*]", "list-import-jobs")
    executions = (
        "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
        f"{readiness.state_machine_name}:*"
    )
    _ack(on_event_role, f"IAM5[Resource::{executions}]", "readiness-executions")
    is_complete_role = provider.is_complete_function.role
    _ack(is_complete_role, f"IAM5[Resource::{import_jobs}]", "env-import-jobs")
    _ack(is_complete_role, "IAM5[Resource::*]", "list-import-jobs")
    _ack(is_complete_role, f"IAM5[Resource::{executions}]", "readiness-executions")
    if stack.schema_updates:
        schemas = f"{_personalize_arn('schema')}/{prefix}-*"
        _ack(on_event_role, f"IAM5[Resource::{schemas}]", "env-schemas")
        _ack(
            provider.is_complete_function.role,
            f"IAM5[Resource::{datasets}]",
            "env-datasets-schema-update",
        )
    if stack.recommenders:
        _ack(on_event_role, f"IAM5[Resource::{recommenders}]", "env-recommenders")
        _ack(on_event_role, f"IAM5[Resource::{recipes}]", "ecommerce-recipes")
        _ack(
            provider.is_complete_function.role,
            f"IAM5[Resource::{recommenders}]",
            "env-recommenders",
        )

    machine_role = readiness.state_machine.role
    _ack(machine_role, f"IAM5[Resource::{import_jobs}]", "env-import-jobs")
    _ack(machine_role, f"IAM5[Resource::{datasets}]", "env-datasets")
    _ack(machine_role, f"IAM5[Resource::{recommenders}]", "env-recommenders")
    _ack(machine_role, "IAM5[Resource::*]", "readiness-logs-and-tracing")
    signal = _arn_ref(stack, readiness.signal_function)
    _ack(machine_role, f"IAM5[Resource::{signal}:*]", "signal-versions")

    for role in (provider.framework_on_event_role, provider.framework_complete_role):
        _ack(role, f"IAM5[Resource::{on_event}:*]", "framework-invoke-versions")
        _ack(role, f"IAM5[Resource::{is_complete}:*]", "framework-invoke-versions")
    waiter = provider.provider.node.find_child("waiter-state-machine")
    framework = provider.provider.node.find_child("framework-isComplete")
    on_timeout = provider.provider.node.find_child("framework-onTimeout")
    _ack(waiter, f"IAM5[Resource::{_arn_ref(stack, framework)}:*]", "framework-invoke-versions")
    _ack(waiter, f"IAM5[Resource::{_arn_ref(stack, on_timeout)}:*]", "framework-invoke-versions")
    _ack(waiter, "IAM5[Resource::*]", "framework-logs")
    _ack(waiter, "SF2", "framework-no-tracing")

    copy_role = stack.data_files.role
    if copy_role is not None:
        assets = "arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*"
        for finding in (
            "IAM5[Action::s3:GetObject*]",
            "IAM5[Action::s3:GetBucket*]",
            "IAM5[Action::s3:List*]",
            "IAM5[Action::s3:DeleteObject*]",
            "IAM5[Action::s3:Abort*]",
            f"IAM5[Resource::{assets}]",
            "IAM5[Resource::<DataBucket.Arn>/*]",
        ):
            _ack(copy_role, finding, "copy-s3-actions")
        for child in stack.node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                _ack(child, "L1", "copy-runtime")
    acknowledge_compliance(stack, custom_resource_handlers=_custom_resource_handlers(stack))


def _custom_resource_handlers(stack: PersonalizeShopStack) -> list[IConstruct]:
    """What CloudFormation invokes for custom resources: the Provider framework's onEvent, and
    CDK's singleton handlers of BucketDeployment and S3 auto-delete (stack-level construct ids).
    tests/stacks/test_nag.py checks this against the templates' ServiceTokens."""
    handlers = [stack.provider.provider.node.find_child("framework-onEvent")]
    handlers += [
        child
        for child in stack.node.children
        if child.node.id.startswith(
            ("Custom::CDKBucketDeployment", "Custom::S3AutoDeleteObjectsCustomResourceProvider")
        )
    ]
    return handlers


def _ack(scope: IConstruct | None, finding: str, reason: str) -> None:
    assert scope is not None, f"no construct to acknowledge {finding} on"
    Validations.of(scope).acknowledge(
        Acknowledgment(id=f"AwsSolutions-{finding}", reason=REASONS[reason])
    )


def _personalize_arn(resource: str) -> str:
    return f"arn:<AWS::Partition>:personalize:<AWS::Region>:<AWS::AccountId>:{resource}"


def _arn_ref(stack: Stack, function: IConstruct) -> str:
    """How cdk-nag prints a function's ARN: `<LogicalId.Arn>`."""
    child = function.node.default_child
    assert child is not None
    return f"<{stack.get_logical_id(child)}.Arn>"  # type: ignore[arg-type]
