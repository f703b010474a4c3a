"""The role Personalize assumes reads the stack's own data bucket (the role alone is tested in
tests/constructs/test_personalize_role_construct.py)."""

from __future__ import annotations

from aws_cdk.assertions import Template


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
