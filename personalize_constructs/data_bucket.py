"""The S3 bucket Personalize imports from, its access-log bucket and the service's read grant."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from personalize_constructs.acknowledgments import ACCESS_LOG_BUCKET, mark

PERSONALIZE_PRINCIPAL = "personalize.amazonaws.com"
# What the service needs to read import data (developer guide: granting-personalize-s3-access).
PERSONALIZE_READ_ACTIONS = ("s3:GetObject", "s3:ListBucket")
# Where batch inference jobs write (personalize-shop batch): batch/<job>/output/.
BATCH_OUTPUT_KEYS = "batch/*/output/*"
# Confused-deputy protection (Personalize guide, cross-service-confused-deputy-prevention): the
# service reads only when it acts for a resource of this account and region.
PERSONALIZE_IN_THIS_ACCOUNT = {
    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
    "ArnLike": {
        "aws:SourceArn": f"arn:{Aws.PARTITION}:personalize:{Aws.REGION}:{Aws.ACCOUNT_ID}:*"
    },
}


class DataBucket(Construct):
    """A private, TLS-only, versioned, encrypted, access-logged bucket readable by Personalize.

    With `disposable=True` the buckets and every object in them are deleted on `cdk destroy`;
    otherwise both are explicitly retained with their bucket policies, so destroying the stack
    never loses data nor leaves it unprotected.
    """

    def __init__(self, scope: Construct, construct_id: str, *, disposable: bool) -> None:
        super().__init__(scope, construct_id)
        self.access_log_bucket = _secure_bucket(self, "AccessLogBucket", disposable=disposable)
        mark(self.access_log_bucket, ACCESS_LOG_BUCKET)
        self.bucket = _secure_bucket(
            self,
            "Bucket",
            disposable=disposable,
            access_logs=self.access_log_bucket,
        )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PersonalizeS3BucketAccessPolicy",
                principals=[iam.ServicePrincipal(PERSONALIZE_PRINCIPAL)],
                actions=list(PERSONALIZE_READ_ACTIONS),
                resources=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
                conditions=PERSONALIZE_IN_THIS_ACCOUNT,
            )
        )

    def allow_batch_output(self) -> None:
        """Let Personalize write batch inference output, and only under batch/<job>/output/."""
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PersonalizeBatchOutput",
                principals=[iam.ServicePrincipal(PERSONALIZE_PRINCIPAL)],
                actions=["s3:PutObject"],
                resources=[self.bucket.arn_for_objects(BATCH_OUTPUT_KEYS)],
                conditions=PERSONALIZE_IN_THIS_ACCOUNT,
            )
        )


def _secure_bucket(
    scope: Construct,
    construct_id: str,
    *,
    disposable: bool,
    access_logs: s3.IBucket | None = None,
) -> s3.Bucket:
    bucket = s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        # SSE-S3: a server-access-log target cannot use SSE-KMS, and Personalize reads SSE-S3
        # objects without extra key grants.
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        versioned=True,
        lifecycle_rules=[
            s3.LifecycleRule(
                noncurrent_version_expiration=Duration.days(30),
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )
        ],
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix="data-bucket/" if access_logs else None,
        removal_policy=RemovalPolicy.DESTROY if disposable else RemovalPolicy.RETAIN,
        auto_delete_objects=disposable,
    )
    # A kept bucket keeps its policy too: its TLS-only deny (and, on the data bucket, the
    # Personalize grant's conditions) must outlive the stack with the data.
    assert bucket.policy is not None, "enforce_ssl creates the policy"
    bucket.policy.apply_removal_policy(
        RemovalPolicy.DESTROY if disposable else RemovalPolicy.RETAIN
    )
    return bucket
