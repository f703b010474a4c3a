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


def _statements(template: Template) -> list[dict]:
    policies = _personalize_role(template)["Properties"]["Policies"]
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def test_role_may_only_read_the_data_bucket_where_no_batch_solution_writes(prod: Template) -> None:
    # GIVEN prod, without batch solutions / THEN its role reads the data bucket and nothing else
    assert _statements(prod) == [
        {
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Effect": "Allow",
            "Resource": [
                {"Fn::GetAtt": ["DataBucket", "Arn"]},
                {"Fn::Join": ["", [{"Fn::GetAtt": ["DataBucket", "Arn"]}, "/*"]]},
            ],
        }
    ]


def test_role_writes_only_batch_output_where_batch_solutions_run(dev: Template) -> None:
    # GIVEN dev, whose batch jobs run with this role / THEN it reads the data bucket and may
    # write only under batch/<job>/output/
    assert _statements(dev) == [
        {
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Effect": "Allow",
            "Resource": [
                {"Fn::GetAtt": ["DataBucket", "Arn"]},
                {"Fn::Join": ["", [{"Fn::GetAtt": ["DataBucket", "Arn"]}, "/*"]]},
            ],
        },
        {
            "Action": "s3:PutObject",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": ["", [{"Fn::GetAtt": ["DataBucket", "Arn"]}, "/batch/*/output/*"]]
            },
        },
    ]
