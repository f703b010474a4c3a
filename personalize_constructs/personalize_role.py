"""The IAM role Amazon Personalize assumes to read import data."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from personalize_constructs.data_bucket import PERSONALIZE_PRINCIPAL, PERSONALIZE_READ_ACTIONS


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
            if not location.startswith("s3://") or "/" not in location[5:]:
                raise ValueError(f"{construct_id}: {location!r} is not an s3://bucket/key URI")
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
                *(_read_location(location) for location in external_locations),
            ]
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=principal,
            description="Assumed by Amazon Personalize to read dataset import files",
            inline_policies={"ReadImportData": self.read_data_policy},
        )


def _read_location(location: str) -> iam.PolicyStatement:
    """Read access to data that already is in S3: the object, or every object under a prefix.

    The other bucket's own policy must also let Personalize read it (see README).
    """
    bucket, key = location[len("s3://") :].split("/", 1)
    objects = f"{key}*" if key.endswith("/") or not key else key
    return iam.PolicyStatement(
        actions=list(PERSONALIZE_READ_ACTIONS),
        resources=[
            f"arn:{Aws.PARTITION}:s3:::{bucket}",
            f"arn:{Aws.PARTITION}:s3:::{bucket}/{objects}",
        ],
    )
