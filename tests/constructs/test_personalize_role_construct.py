"""PersonalizeRole alone: confused-deputy trust, read-only on its bucket and on given S3 data."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from personalize_constructs.personalize_role import PersonalizeRole
from tests.constructs.builders import bare_stack, logical_id

PARTITION = {"Ref": "AWS::Partition"}
SOURCE_ARN = {
    "Fn::Join": [
        "",
        [
            "arn:",
            PARTITION,
            ":personalize:",
            {"Ref": "AWS::Region"},
            ":",
            {"Ref": "AWS::AccountId"},
            ":*",
        ],
    ]
}
OBJECT = "s3://shop-exports/personalize/interactions.csv"
FOLDER = "s3://shop-exports/personalize/interactions/"


def _role(*external_locations: str) -> tuple[dict[str, Any], str]:
    """The role's template body and its data bucket's logical id."""
    stack = bare_stack()
    bucket = s3.Bucket(stack, "Data")
    built = PersonalizeRole(
        stack, "PersonalizeRole", data_bucket=bucket, external_locations=external_locations
    )
    body: dict[str, Any] = Template.from_stack(stack).to_json()["Resources"][logical_id(built.role)]
    return body, logical_id(bucket)


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]


@pytest.fixture(scope="module")
def own_bucket_only() -> tuple[dict[str, Any], str]:
    return _role()


def test_only_personalize_in_this_account_can_assume_the_role(
    own_bucket_only: tuple[dict[str, Any], str],
) -> None:
    role, _ = own_bucket_only
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                "StringLike": {"aws:SourceArn": SOURCE_ARN},
            },
            "Effect": "Allow",
            "Principal": {"Service": "personalize.amazonaws.com"},
        }
    ]


def test_role_may_only_read_the_data_bucket(own_bucket_only: tuple[dict[str, Any], str]) -> None:
    role, bucket_id = own_bucket_only
    assert _statements(role) == [
        {
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Effect": "Allow",
            "Resource": [
                {"Fn::GetAtt": [bucket_id, "Arn"]},
                {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]},
            ],
        }
    ]


def test_role_has_no_managed_policies(own_bucket_only: tuple[dict[str, Any], str]) -> None:
    # AmazonPersonalizeFullAccess grants far more than an import needs (Personalize guide).
    role, _ = own_bucket_only
    assert "ManagedPolicyArns" not in role["Properties"]


def test_an_object_already_in_s3_is_readable_as_that_object_only() -> None:
    role, _ = _role(OBJECT)
    (statement,) = _statements(role)
    assert statement["Action"] == ["s3:GetObject", "s3:ListBucket"]
    exports = [r for r in statement["Resource"] if "shop-exports" in str(r)]
    assert exports == [
        {"Fn::Join": ["", ["arn:", PARTITION, ":s3:::shop-exports"]]},
        {"Fn::Join": ["", ["arn:", PARTITION, ":s3:::shop-exports/personalize/interactions.csv"]]},
    ]


def test_a_folder_is_read_only_under_its_prefix_and_listed_only_with_it() -> None:
    role, _ = _role(FOLDER)
    assert _statements(role)[1:] == [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    ["arn:", PARTITION, ":s3:::shop-exports/personalize/interactions/*"],
                ]
            },
        },
        {
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": "personalize/interactions/*"}},
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", ["arn:", PARTITION, ":s3:::shop-exports"]]},
        },
    ]


@pytest.mark.parametrize("location", ["shop-exports/interactions.csv", "s3://", "https://x/y"])
def test_a_location_that_is_not_an_s3_uri_is_refused(location: str) -> None:
    with pytest.raises(ValueError, match="is not an s3://bucket/key URI"):
        _role(location)
