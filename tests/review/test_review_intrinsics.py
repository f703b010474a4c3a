"""Intrinsic functions rendered as short symbolic strings a reviewer can read."""

from __future__ import annotations

import pytest

from review.intrinsics import references, render

BUCKET_ARN = {"Fn::GetAtt": ["DataBucket", "Arn"]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "DataBucket"}, "<DataBucket>"),
        ({"Ref": "AWS::Region"}, "<AWS::Region>"),
        (BUCKET_ARN, "<DataBucket>.Arn"),
        ({"Fn::GetAtt": "DataBucket.Arn"}, "<DataBucket>.Arn"),
        ({"Fn::Join": ["", [BUCKET_ARN, "/*"]]}, "<DataBucket>.Arn/*"),
        (
            {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
            "cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>",
        ),
        ({"Fn::Sub": "${Handler.Arn}:*"}, "<Handler>.Arn:*"),
        ({"Fn::Sub": ["s3://${B}/x", {"B": {"Ref": "DataBucket"}}]}, "s3://<DataBucket>/x"),
        ({"Fn::Sub": "literal ${!NotAVariable}"}, "literal ${NotAVariable}"),
        ({"Fn::Select": [1, ["a", "b"]]}, "b"),
        ({"Fn::ImportValue": "Shared"}, "ImportValue(Shared)"),
        (1.2, "1.2"),
        (True, "true"),
    ],
)
def test_values_render_as_symbols(value: object, expected: str) -> None:
    # GIVEN a template value WHEN rendered THEN it reads as a single symbolic string
    assert render(value) == expected


def test_nested_join_inside_an_arn_renders_in_one_line() -> None:
    # GIVEN an ARN built from pseudo parameters the way aws-cdk-lib writes it
    arn = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":personalize:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":recommender/shop-prod-*",
            ],
        ]
    }
    # WHEN rendered THEN the pattern a reviewer checks is visible at a glance
    assert render(arn) == (
        "arn:<AWS::Partition>:personalize:<AWS::Region>:<AWS::AccountId>:recommender/shop-prod-*"
    )


def test_references_find_ref_getatt_and_sub_targets_but_not_pseudo_parameters() -> None:
    # GIVEN a value pointing at three resources and two pseudo parameters
    value = {
        "A": {"Ref": "Role"},
        "B": [BUCKET_ARN, {"Fn::Sub": "${Fn.Arn}-${AWS::Region}"}],
        "C": {"Ref": "AWS::AccountId"},
    }
    # WHEN its references are collected THEN only logical ids come back
    assert sorted(set(references(value))) == ["DataBucket", "Fn", "Role"]
