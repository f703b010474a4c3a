"""The IAM role Amazon Personalize assumes to read import data."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from personalize_constructs.acknowledgments import acknowledge, arn_ref
from personalize_constructs.data_bucket import (
    BATCH_OUTPUT_KEYS,
    PERSONALIZE_PRINCIPAL,
    PERSONALIZE_READ_ACTIONS,
)
from personalize_domain.s3_uri import S3Location, is_s3_uri, s3_uri_problems, split_s3_uri


class PersonalizeRole(Construct):
    """A role only Personalize in this account can assume, allowed to read one bucket.

    The trust policy carries the confused-deputy conditions of the Personalize guide
    (cross-service-confused-deputy-prevention); the permissions are the two S3 actions an import
    job needs, not AmazonPersonalizeFullAccess.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data_bucket: s3.IBucket,
        external_locations: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        for location in external_locations:
            if not is_s3_uri(location) or s3_uri_problems(location):
                raise ValueError(f"{construct_id}: {location!r} is not an s3://bucket/key URI")
        locations = [split_s3_uri(location) for location in external_locations]
        # A folder is read through a prefix wildcard, acknowledged per folder below.
        self.folders = tuple(location for location in locations if location.is_folder)
        any_personalize_resource = (
            f"arn:{Aws.PARTITION}:personalize:{Aws.REGION}:{Aws.ACCOUNT_ID}:*"
        )
        principal = iam.ServicePrincipal(PERSONALIZE_PRINCIPAL).with_conditions(
            {
                "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                "StringLike": {"aws:SourceArn": any_personalize_resource},
            }
        )
        self.read_data_policy = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    actions=list(PERSONALIZE_READ_ACTIONS),
                    resources=[data_bucket.bucket_arn, data_bucket.arn_for_objects("*")],
                ),
                *(statement for location in locations for statement in _read(location)),
            ]
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=principal,
            description="Assumed by Amazon Personalize to read dataset import files",
            inline_policies={"ReadImportData": self.read_data_policy},
        )
        acknowledge(
            self.role, f"IAM5[Resource::{arn_ref(data_bucket)}/*]", "personalize-reads-objects"
        )
        for folder in self.folders:
            acknowledge(
                self.role,
                f"IAM5[Resource::arn:<AWS::Partition>:s3:::{folder.bucket}/{folder.key}*]",
                "personalize-reads-folder",
            )

    def allow_batch_output(self, data_bucket: s3.IBucket) -> None:
        """Batch inference jobs run with this role: they write under batch/<job>/output/ only."""
        self.read_data_policy.add_statements(
            iam.PolicyStatement(
                actions=["s3:PutObject"],
                resources=[data_bucket.arn_for_objects(BATCH_OUTPUT_KEYS)],
            )
        )
        acknowledge(
            self.role,
            f"IAM5[Resource::{arn_ref(data_bucket)}/{BATCH_OUTPUT_KEYS}]",
            "batch-output",
        )


def _read(location: S3Location) -> list[iam.PolicyStatement]:
    """Read access to data that already is in S3: one object, or the files of one folder.

    A folder (Personalize imports every file in it) is read through its prefix: objects under it,
    and listing only with that prefix. The other bucket's own policy must also let Personalize
    read it (see README).
    """
    bucket_arn = f"arn:{Aws.PARTITION}:s3:::{location.bucket}"
    if not location.is_folder:
        return [
            iam.PolicyStatement(
                actions=list(PERSONALIZE_READ_ACTIONS),
                resources=[bucket_arn, f"{bucket_arn}/{location.key}"],
            )
        ]
    return [
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"{bucket_arn}/{location.key}*"]),
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket_arn],
            conditions={"StringLike": {"s3:prefix": f"{location.key}*"}},
        ),
    ]
