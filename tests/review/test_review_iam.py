"""IAM principals: who may assume each role and what each is granted, from every policy source."""

from __future__ import annotations

from review.iam import resource_policies, roles
from tests.review.builders import resource, template

TRUST = {
    "Statement": [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "personalize.amazonaws.com"},
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]
}
READ_BUCKET = {
    "Effect": "Allow",
    "Action": ["s3:ListBucket", "s3:GetObject"],
    "Resource": [
        {"Fn::GetAtt": ["DataBucket", "Arn"]},
        {"Fn::Join": ["", [{"Fn::GetAtt": ["DataBucket", "Arn"]}, "/*"]]},
    ],
}


def _role(**properties: object) -> dict[str, object]:
    return resource("AWS::IAM::Role", {"AssumeRolePolicyDocument": TRUST, **properties})


def test_trust_lists_the_service_principal_and_its_conditions() -> None:
    # GIVEN a role only Personalize in this account may assume
    stack = template({"PersonalizeRole": _role()})
    # WHEN its principals are extracted
    (role,) = roles(stack)
    (trust,) = role.trust
    # THEN the reviewer sees the service and the confused-deputy condition
    assert (trust.principals, trust.conditions) == (
        ("Service personalize.amazonaws.com",),
        ("StringEquals aws:SourceAccount = <AWS::AccountId>",),
    )


def test_inline_policy_grants_are_rendered_with_readable_resources() -> None:
    # GIVEN a role with an inline policy on the data bucket
    inline = [{"PolicyName": "ReadImportData", "PolicyDocument": {"Statement": [READ_BUCKET]}}]
    stack = template({"PersonalizeRole": _role(Policies=inline)})
    # WHEN its grants are extracted
    (grant,) = roles(stack)[0].grants
    # THEN actions and resources read like the policy, with the policy named
    assert (grant.actions, grant.resources, grant.source) == (
        ("s3:GetObject", "s3:ListBucket"),
        ("<DataBucket>.Arn", "<DataBucket>.Arn/*"),
        "inline `ReadImportData`",
    )


def test_attached_policy_resources_count_for_the_role_they_attach_to() -> None:
    # GIVEN two roles and a policy resource attached to one of them
    policy = resource(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
            },
            "PolicyName": "P",
            "Roles": [{"Ref": "CopyRole"}],
        },
    )
    stack = template({"CopyRole": _role(), "OtherRole": _role(), "CopyPolicy": policy})
    # WHEN grants are extracted per role
    grants = {role.logical_id: role.grants for role in roles(stack)}
    # THEN the policy's statement belongs to CopyRole only, flagged as broad
    (grant,) = grants["CopyRole"]
    assert (grant.source, grant.broad, grants["OtherRole"]) == (
        "CopyPolicy",
        ("any resource (`*`)", "wildcard action"),
        (),
    )


def test_managed_policies_and_users_of_the_role_are_listed() -> None:
    # GIVEN a role with a managed policy, run by a function and named in a bucket policy
    managed = [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess"}]
    function = resource("AWS::Lambda::Function", {"Role": {"Fn::GetAtt": ["FnRole", "Arn"]}})
    grant_to_role = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Fn::GetAtt": ["FnRole", "Arn"]}}}]
    }
    bucket_policy = resource(
        "AWS::S3::BucketPolicy", {"Bucket": {"Ref": "B"}, "PolicyDocument": grant_to_role}
    )
    stack = template(
        {"FnRole": _role(ManagedPolicyArns=managed), "Fn": function, "BP": bucket_policy}
    )
    # WHEN the role is extracted
    (role,) = roles(stack)
    # THEN the managed policy is shown, and only the function runs as the role
    assert (role.managed_policies, role.used_by) == (
        ("arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess",),
        ("Fn (AWS::Lambda::Function)",),
    )


def test_bucket_policies_are_listed_with_their_principals() -> None:
    # GIVEN a bucket policy granting Personalize read access
    document = {
        "Statement": [{**READ_BUCKET, "Principal": {"Service": "personalize.amazonaws.com"}}]
    }
    stack = template(
        {
            "DataBucketPolicy": resource(
                "AWS::S3::BucketPolicy",
                {"Bucket": {"Ref": "DataBucket"}, "PolicyDocument": document},
            )
        }
    )
    # WHEN resource policies are extracted
    (policy,) = resource_policies(stack)
    # THEN the target bucket and the principal are named
    assert (policy.target, policy.statements[0].principals) == (
        "<DataBucket>",
        ("Service personalize.amazonaws.com",),
    )
