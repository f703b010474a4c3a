"""The acknowledgments catalogue: every reason a finding is accepted, reviewed in one place.

Constructs acknowledge their own cdk-nag findings with `acknowledge(construct, finding, reason)`,
on the smallest construct that raises them, naming a reason from `REASONS`. The compliance
packs' product decisions (`COMPLIANCE_DECISIONS`) and the checkov skips are applied to every
resource they concern by the `ComplianceDecisions` aspect that app.py adds. The reasons are
written into the template metadata, and tests/stacks/acknowledged.py holds the checked-in list of
acknowledged findings, so a new one is always a deliberate diff.
"""

from __future__ import annotations

import jsii
from aws_cdk import Acknowledgment, CfnResource, IAspect, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

REASONS = {
    "personalize-reads-objects": (
        "Personalize reads every import file in the data bucket (s3:GetObject on its objects); "
        "the role can do nothing else and only Personalize in this account can assume it."
    ),
    "personalize-reads-folder": (
        "A dataset source in cdk.json is an s3:// folder, and Personalize imports every file in "
        "it; the role reads only objects under that prefix and lists only with that prefix."
    ),
    "validation-reads-source-folder": (
        "validateInS3: Athena reads the validated object through a table on its folder (the "
        'query keeps the one object by "$path"); the readiness workflow reads only objects '
        "under that folder and lists only with that prefix."
    ),
    "validation-writes-results": (
        "validateInS3: Athena writes each query's result files under the environment's "
        "athenaResultsLocation, with names it chooses per query; the workflow reads and writes "
        "only under that prefix."
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
    "env-solutions": (
        "Solution names are <prefix>-<batch name>-<hash> and their versions' ARNs extend them; "
        "the pattern covers this environment's solutions and versions only."
    ),
    "batch-output": (
        "Personalize writes batch inference output under batch/<job>/output/ in the data bucket; "
        "the pattern covers exactly those output prefixes, nothing else of the bucket."
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
    "put-metric-data": (
        "Personalize publishes the metric attribution's reports with cloudwatch:PutMetricData, "
        "which supports no resource-level permissions (Service Authorization Reference); only "
        "Personalize acting for this account's resources can assume the role."
    ),
    "attribution-reports": (
        "Personalize writes metric attribution reports of bulk imports under one prefix of the "
        "data bucket (metric-attribution/), with file names it chooses; nothing else is writable."
    ),
    "scheduled-batch-jobs": (
        "The scheduled batch workflow names each job <prefix>-<name>-<UTC start time>, a new name "
        "per run; the pattern covers only that batch solution's jobs."
    ),
    "scheduled-batch-versions": (
        "The scheduled batch workflow trains and reads versions of one solution; a version's ARN "
        "is <solution ARN>/<id>, generated by Personalize, so the pattern is that solution's ARN "
        "followed by /*: its versions and nothing else."
    ),
    "scheduled-batch-list-and-logs": (
        "personalize:ListDatasetImportJobs has no resource type (Service Authorization "
        "Reference), and Step Functions log delivery and X-Ray support no resource-level "
        "permissions; the workflow lists only this environment's datasets' import jobs."
    ),
    "copy-runtime": (
        "BucketDeployment's copy function runtime is chosen by aws-cdk-lib (it bundles the AWS "
        "CLI layer for it); it is updated with aws-cdk-lib, not by this app."
    ),
}


# The compliance packs gate synth too. What they ask beyond AwsSolutions (KMS everywhere, Lambda
# in a VPC, DLQs, reserved concurrency, replication) are product decisions, recorded here once per
# rule (or per `rule/kind` where resources differ) and acknowledged on each resource the rule
# applies to. tests/stacks/acknowledged.py counts them per rule, so a new function, bucket or
# log group is a deliberate diff.
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


# Marks by which constructs tell the aspect what only they know about a resource of theirs.
INVOKED_BY_CLOUDFORMATION = "invoked-by-cloudformation"
ACCESS_LOG_BUCKET = "access-log-bucket"
WAITER_POLICY = "provider-waiter-policy"
# CDK's own singleton custom-resource handlers, created at stack level under these ids.
_CDK_CUSTOM_RESOURCE_HANDLERS = (
    "Custom::CDKBucketDeployment",
    "Custom::S3AutoDeleteObjectsCustomResourceProvider",
)


# The marks, by jsii object reference ("aws-cdk-lib.aws_s3.Bucket@10012": unique in the process,
# the same however many Python proxies stand for the object). Kept on the Python side: read back
# from node metadata they cost a jsii round trip per entry of every scope, two thirds of the
# aspect's time.
_MARKS: dict[str, set[str]] = {}


def _ref(construct: IConstruct) -> str:
    ref: str = construct.__jsii_ref__.ref  # type: ignore[attr-defined]
    return ref


def mark(construct: IConstruct, role: str) -> None:
    """Tell `ComplianceDecisions` what `construct` (and everything under it) is for."""
    _MARKS.setdefault(_ref(construct), set()).add(role)


def acknowledge(scope: IConstruct | None, finding: str, reason: str) -> None:
    """Acknowledge one AwsSolutions finding on `scope`, with a reason from `REASONS`."""
    assert scope is not None, f"no construct to acknowledge {finding} on"
    Validations.of(scope).acknowledge(
        Acknowledgment(id=f"AwsSolutions-{finding}", reason=REASONS[reason])
    )


def arn_ref(construct: IConstruct) -> str:
    """How cdk-nag prints a resource's ARN: `<LogicalId.Arn>` (a pinned id once pinned)."""
    child = construct.node.default_child
    assert isinstance(child, CfnResource), f"{construct.node.path} has no CloudFormation resource"
    return f"<{Stack.of(construct).resolve(child.logical_id)}.Arn>"


# Resources whose decisions or checkov skips depend on marks (`mark`) or on who invokes them.
_DEPENDS_ON_ROLES = (lambda_.CfnFunction, s3.CfnBucket, iam.CfnPolicy)


@jsii.implements(IAspect)
class ComplianceDecisions:
    """Applies COMPLIANCE_DECISIONS and the checkov skips to each resource a rule concerns.

    Every read of a construct's node, path or metadata is a round trip to jsii's Node process:
    roles are read only for the resources they decide something for, from the marks kept in
    Python, and whether a scope is one of CDK's handlers once per scope.
    """

    def __init__(self) -> None:
        self._cdk_handlers: dict[str, bool] = {}

    def visit(self, construct: IConstruct) -> None:
        if not isinstance(construct, CfnResource):
            return
        kind = construct.cfn_resource_type
        # CDK's own singleton handlers are plain CfnResources of type AWS::Lambda::Function.
        roles = (
            self._roles(construct)
            if isinstance(construct, _DEPENDS_ON_ROLES) or kind == "AWS::Lambda::Function"
            else set()
        )
        by_cloudformation = INVOKED_BY_CLOUDFORMATION in roles
        _checkov_skips(construct, kind, roles, by_cloudformation=by_cloudformation)
        decisions: tuple[str, ...] = ()
        if isinstance(construct, lambda_.CfnFunction):
            dlq = "LambdaDLQ/custom-resource" if by_cloudformation else "LambdaDLQ"
            decisions = ("LambdaInsideVPC", dlq, "LambdaConcurrency")
        elif isinstance(construct, logs.CfnLogGroup):
            decisions = ("CloudWatchLogGroupEncrypted",)
        elif isinstance(construct, s3.CfnBucket):
            replication = (
                "S3BucketReplicationEnabled/access-logs"
                if ACCESS_LOG_BUCKET in roles
                else "S3BucketReplicationEnabled"
            )
            decisions = ("S3DefaultEncryptionKMS", replication)
        elif isinstance(construct, iam.CfnPolicy) or (
            isinstance(construct, iam.CfnRole) and construct.policies
        ):
            decisions = ("IAMNoInlinePolicy",)
        if decisions:
            # One round trip for all of a resource's acknowledgments, in the same order.
            Validations.of(construct).acknowledge(
                *(
                    Acknowledgment(
                        id=f"{pack}-{decision.split('/')[0]}", reason=COMPLIANCE_DECISIONS[decision]
                    )
                    for decision in decisions
                    for pack in COMPLIANCE_PACKS
                )
            )

    def _roles(self, construct: IConstruct) -> set[str]:
        """The marks on the construct and its ancestors, and CDK's own custom-resource
        handlers."""
        roles: set[str] = set()
        scopes = construct.node.scopes
        for parent, scope in zip([None, *scopes], scopes, strict=False):
            ref = _ref(scope)
            roles.update(_MARKS.get(ref, ()))
            if isinstance(parent, Stack) and self._is_cdk_handler(ref, scope):
                roles.add(INVOKED_BY_CLOUDFORMATION)
        return roles

    def _is_cdk_handler(self, ref: str, scope: IConstruct) -> bool:
        """Whether `scope`, a child of a stack, is one of CDK's singleton handlers."""
        known = self._cdk_handlers.get(ref)
        if known is None:
            known = self._cdk_handlers[ref] = scope.node.id.startswith(
                _CDK_CUSTOM_RESOURCE_HANDLERS
            )
        return known


def _checkov_skips(
    resource: CfnResource, kind: str, roles: set[str], *, by_cloudformation: bool
) -> None:
    ids: list[str] = []
    comments = dict(CHECKOV_SKIPS)
    if kind == "AWS::Lambda::Function":
        ids = ["CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"]
        if by_cloudformation:
            comments["CKV_AWS_116"] = COMPLIANCE_DECISIONS["LambdaDLQ/custom-resource"]
        if isinstance(resource, lambda_.CfnFunction) and resource.environment is not None:
            ids.append("CKV_AWS_173")
    elif kind == "AWS::Logs::LogGroup":
        ids = ["CKV_AWS_158"]
    elif kind == "AWS::S3::Bucket" and ACCESS_LOG_BUCKET in roles:
        ids = ["CKV_AWS_18"]
    elif kind == "AWS::IAM::Policy" and WAITER_POLICY in roles:
        ids = ["CKV_AWS_111"]
    if ids:
        resource.add_metadata("checkov", {"skip": [{"id": i, "comment": comments[i]} for i in ids]})
