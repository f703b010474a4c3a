"""The role Personalize assumes: confused-deputy trust conditions and read-only on one bucket."""

from __future__ import annotations

from aws_cdk.assertions import Template

SOURCE_ARN = {
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


def _personalize_role(template: Template) -> dict:
    roles = [
        r
        for r in template.find_resources("AWS::IAM::Role").values()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "personalize.amazonaws.com"}
        # the metric attribution's role (test_metric_attribution.py) only publishes reports
        and r["Properties"].get("Description", "").endswith("to read dataset import files")
    ]
    assert len(roles) == 1
    role: dict = roles[0]
    return role


def test_only_personalize_in_this_account_can_assume_the_role(dev: Template) -> None:
    trust = _personalize_role(dev)["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
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


def test_role_may_only_read_the_data_bucket(dev: Template) -> None:
    policies = _personalize_role(dev)["Properties"]["Policies"]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    assert statements == [
        {
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Effect": "Allow",
            "Resource": [
                {"Fn::GetAtt": ["DataBucket", "Arn"]},
                {"Fn::Join": ["", [{"Fn::GetAtt": ["DataBucket", "Arn"]}, "/*"]]},
            ],
        }
    ]


def test_role_has_no_managed_policies(dev: Template) -> None:
    # AmazonPersonalizeFullAccess grants far more than an import needs (Personalize guide).
    assert "ManagedPolicyArns" not in _personalize_role(dev)["Properties"]
