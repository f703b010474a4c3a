"""DataBucket alone: secure defaults, the Personalize read grant, and what `disposable` decides."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from personalize_constructs.data_bucket import DataBucket
from tests.constructs.builders import bare_stack, logical_id, resources

BUCKETS = ("bucket", "access_log_bucket")
PERSONALIZE = {"Service": "personalize.amazonaws.com"}


class Built:
    def __init__(self, *, disposable: bool) -> None:
        stack = bare_stack()
        self.data = DataBucket(stack, "Data", disposable=disposable)
        self.template = Template.from_stack(stack)
        self.resources: dict[str, Any] = self.template.to_json()["Resources"]

    def id_of(self, attribute: str) -> str:
        return logical_id(getattr(self.data, attribute))

    def bucket(self, attribute: str) -> dict[str, Any]:
        body: dict[str, Any] = self.resources[self.id_of(attribute)]
        return body

    def policy(self, attribute: str) -> dict[str, Any]:
        (policy,) = [
            p
            for p in resources(self.template, "AWS::S3::BucketPolicy").values()
            if p["Properties"]["Bucket"] == {"Ref": self.id_of(attribute)}
        ]
        return policy

    def statements(self, attribute: str) -> list[dict[str, Any]]:
        statements: list[dict[str, Any]] = self.policy(attribute)["Properties"]["PolicyDocument"][
            "Statement"
        ]
        return statements


@pytest.fixture(scope="module")
def disposable() -> Built:
    return Built(disposable=True)


@pytest.fixture(scope="module")
def kept() -> Built:
    return Built(disposable=False)


@pytest.mark.parametrize("attribute", BUCKETS)
def test_bucket_blocks_every_kind_of_public_access(disposable: Built, attribute: str) -> None:
    assert disposable.bucket(attribute)["Properties"]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


@pytest.mark.parametrize("attribute", BUCKETS)
def test_bucket_disables_acls(disposable: Built, attribute: str) -> None:
    assert disposable.bucket(attribute)["Properties"]["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }


@pytest.mark.parametrize("attribute", BUCKETS)
def test_bucket_encrypts_at_rest(disposable: Built, attribute: str) -> None:
    assert disposable.bucket(attribute)["Properties"]["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        ]
    }


@pytest.mark.parametrize("attribute", BUCKETS)
def test_bucket_is_versioned(disposable: Built, attribute: str) -> None:
    assert disposable.bucket(attribute)["Properties"]["VersioningConfiguration"] == {
        "Status": "Enabled"
    }


@pytest.mark.parametrize("attribute", BUCKETS)
def test_bucket_denies_requests_without_tls(disposable: Built, attribute: str) -> None:
    bucket_id = disposable.id_of(attribute)
    assert {
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Resource": [
            {"Fn::GetAtt": [bucket_id, "Arn"]},
            {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]},
        ],
    } in disposable.statements(attribute)


@pytest.mark.parametrize("attribute", BUCKETS)
def test_bucket_denies_tls_older_than_1_2(disposable: Built, attribute: str) -> None:
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"NumericLessThan": {"s3:TlsVersion": 1.2}}
        for s in disposable.statements(attribute)
    )


def test_data_bucket_sends_access_logs_to_the_log_bucket(disposable: Built) -> None:
    assert disposable.bucket("bucket")["Properties"]["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": disposable.id_of("access_log_bucket")},
        "LogFilePrefix": "data-bucket/",
    }


def test_personalize_gets_exactly_get_object_and_list_bucket(disposable: Built) -> None:
    # GIVEN the data bucket policy / THEN one Allow for the service, with only the two actions
    bucket_id = disposable.id_of("bucket")
    allows = [
        {k: v for k, v in s.items() if k != "Condition"}
        for s in disposable.statements("bucket")
        if s["Effect"] == "Allow" and s.get("Principal") == PERSONALIZE
    ]
    assert allows == [
        {
            "Sid": "PersonalizeS3BucketAccessPolicy",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Effect": "Allow",
            "Principal": PERSONALIZE,
            "Resource": [
                {"Fn::GetAtt": [bucket_id, "Arn"]},
                {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]},
            ],
        }
    ]


def test_personalize_reads_only_when_acting_for_this_account_and_region(
    disposable: Built,
) -> None:
    # GIVEN the data bucket policy / THEN Personalize's read carries the confused-deputy
    # conditions: another account's Personalize resource cannot make the service read here
    (allow,) = [s for s in disposable.statements("bucket") if s.get("Principal") == PERSONALIZE]
    assert allow["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":personalize:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":*",
                    ],
                ]
            }
        },
    }


def test_the_access_log_bucket_grants_personalize_nothing(disposable: Built) -> None:
    assert not [
        s for s in disposable.statements("access_log_bucket") if s.get("Principal") == PERSONALIZE
    ]


def test_no_bucket_policy_allows_everyone(disposable: Built) -> None:
    for policy in resources(disposable.template, "AWS::S3::BucketPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow":
                assert statement["Principal"] not in ("*", {"AWS": "*"})
                assert statement["Action"] != "s3:*"


def test_noncurrent_versions_and_stale_uploads_expire(disposable: Built) -> None:
    disposable.template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                                "Status": "Enabled",
                            }
                        )
                    ]
                )
            }
        },
    )


@pytest.mark.parametrize("attribute", BUCKETS)
def test_disposable_buckets_and_their_objects_are_deleted_on_destroy(
    disposable: Built, attribute: str
) -> None:
    assert disposable.bucket(attribute)["DeletionPolicy"] == "Delete"
    disposable.template.has_resource_properties(
        "Custom::S3AutoDeleteObjects", {"BucketName": {"Ref": disposable.id_of(attribute)}}
    )


@pytest.mark.parametrize("attribute", BUCKETS)
def test_disposable_bucket_policies_are_deleted_with_their_buckets(
    disposable: Built, attribute: str
) -> None:
    policy = disposable.policy(attribute)
    assert (policy["DeletionPolicy"], policy["UpdateReplacePolicy"]) == ("Delete", "Delete")


@pytest.mark.parametrize("attribute", BUCKETS)
def test_kept_buckets_are_retained_explicitly(kept: Built, attribute: str) -> None:
    # GIVEN disposable=False / THEN destroy keeps the bucket and its data
    assert kept.bucket(attribute)["DeletionPolicy"] == "Retain"
    assert kept.bucket(attribute)["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize("attribute", BUCKETS)
def test_kept_buckets_keep_their_policies(kept: Built, attribute: str) -> None:
    # GIVEN disposable=False / WHEN destroyed / THEN the kept bucket keeps its policy, so its
    # data stays TLS-only and readable by nothing new
    policy = kept.policy(attribute)
    assert (policy["DeletionPolicy"], policy["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_kept_buckets_never_auto_delete_objects(kept: Built) -> None:
    kept.template.resource_count_is("Custom::S3AutoDeleteObjects", 0)
