"""The data bucket and its access-log bucket: secure defaults and the Personalize read grant."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

BUCKETS = ("DataBucket", "AccessLogBucket")


def _bucket(template: Template, logical_id: str) -> dict:
    return template.to_json()["Resources"][logical_id]


def _policy_statements(template: Template, bucket_logical_id: str) -> list[dict]:
    policies = template.find_resources(
        "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": bucket_logical_id}}}
    )
    (policy,) = policies.values()
    statements: list[dict] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_bucket_blocks_every_kind_of_public_access(template: Template, logical_id: str) -> None:
    # GIVEN the template stack / WHEN synthesized / THEN all four public-access flags are on
    assert _bucket(template, logical_id)["Properties"]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_bucket_disables_acls(template: Template, logical_id: str) -> None:
    assert _bucket(template, logical_id)["Properties"]["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_bucket_encrypts_at_rest(template: Template, logical_id: str) -> None:
    assert _bucket(template, logical_id)["Properties"]["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        ]
    }


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_bucket_is_versioned(template: Template, logical_id: str) -> None:
    assert _bucket(template, logical_id)["Properties"]["VersioningConfiguration"] == {
        "Status": "Enabled"
    }


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_bucket_denies_requests_without_tls(template: Template, logical_id: str) -> None:
    statements = _policy_statements(template, logical_id)
    assert {
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Resource": [
            {"Fn::GetAtt": [logical_id, "Arn"]},
            {"Fn::Join": ["", [{"Fn::GetAtt": [logical_id, "Arn"]}, "/*"]]},
        ],
    } in statements


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_bucket_denies_tls_older_than_1_2(template: Template, logical_id: str) -> None:
    statements = _policy_statements(template, logical_id)
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"NumericLessThan": {"s3:TlsVersion": 1.2}}
        for s in statements
    )


def test_data_bucket_sends_access_logs_to_the_log_bucket(template: Template) -> None:
    assert _bucket(template, "DataBucket")["Properties"]["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": "AccessLogBucket"},
        "LogFilePrefix": "data-bucket/",
    }


def test_personalize_gets_exactly_get_object_and_list_bucket(template: Template) -> None:
    # GIVEN the data bucket policy / THEN one Allow for the service, with only the two actions
    allows = [
        {k: v for k, v in s.items() if k != "Condition"}
        for s in _policy_statements(template, "DataBucket")
        if s["Effect"] == "Allow" and s.get("Principal") == {"Service": "personalize.amazonaws.com"}
    ]
    assert allows == [
        {
            "Sid": "PersonalizeS3BucketAccessPolicy",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Effect": "Allow",
            "Principal": {"Service": "personalize.amazonaws.com"},
            "Resource": [
                {"Fn::GetAtt": ["DataBucket", "Arn"]},
                {"Fn::Join": ["", [{"Fn::GetAtt": ["DataBucket", "Arn"]}, "/*"]]},
            ],
        }
    ]


def test_personalize_reads_only_when_acting_for_this_account_and_region(template: Template) -> None:
    # GIVEN the data bucket policy / THEN Personalize's read carries the confused-deputy
    # conditions: another account's Personalize resource cannot make the service read here
    (allow,) = [
        s
        for s in _policy_statements(template, "DataBucket")
        if s.get("Principal") == {"Service": "personalize.amazonaws.com"}
    ]
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


def test_no_bucket_policy_allows_everyone(template: Template) -> None:
    for policy in template.find_resources("AWS::S3::BucketPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow":
                assert statement["Principal"] not in ("*", {"AWS": "*"})
                assert statement["Action"] != "s3:*"


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_disposable_environment_deletes_buckets_and_objects_on_destroy(
    dev: Template, logical_id: str
) -> None:
    # GIVEN dev (dataDisposable: true) / THEN the bucket is deleted and emptied on destroy
    assert _bucket(dev, logical_id)["DeletionPolicy"] == "Delete"
    dev.has_resource_properties("Custom::S3AutoDeleteObjects", {"BucketName": {"Ref": logical_id}})


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_kept_environment_retains_buckets_explicitly(prod: Template, logical_id: str) -> None:
    # GIVEN prod (dataDisposable: false) / THEN destroy keeps the bucket and its data
    assert _bucket(prod, logical_id)["DeletionPolicy"] == "Retain"
    assert _bucket(prod, logical_id)["UpdateReplacePolicy"] == "Retain"


def _bucket_policy(template: Template, bucket_logical_id: str) -> dict:
    (policy,) = template.find_resources(
        "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": bucket_logical_id}}}
    ).values()
    return policy


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_kept_environment_retains_each_bucket_policy_with_its_bucket(
    prod: Template, logical_id: str
) -> None:
    # GIVEN prod (dataDisposable: false) / WHEN destroyed / THEN the kept bucket keeps its
    # policy, so its data stays TLS-only and readable by nothing new
    policy = _bucket_policy(prod, logical_id)
    assert (policy["DeletionPolicy"], policy["UpdateReplacePolicy"]) == ("Retain", "Retain")


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_disposable_environment_deletes_each_bucket_policy_with_its_bucket(
    dev: Template, logical_id: str
) -> None:
    policy = _bucket_policy(dev, logical_id)
    assert (policy["DeletionPolicy"], policy["UpdateReplacePolicy"]) == ("Delete", "Delete")


def test_kept_environment_never_auto_deletes_objects(prod: Template) -> None:
    prod.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_noncurrent_versions_and_stale_uploads_expire(template: Template) -> None:
    template.has_resource_properties(
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
