"""Every IAM policy of the stack: no wildcards, PassRole only to Personalize, this environment's
resources only, no managed policies of ours."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

from stacks.personalize_stack import PersonalizeShopStack


def _statements(template: Template) -> list[dict[str, Any]]:
    statements = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    for role in template.find_resources("AWS::IAM::Role").values():
        for policy in role["Properties"].get("Policies", []):
            statements.extend(policy["PolicyDocument"]["Statement"])
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_no_policy_grants_every_personalize_action(template: Template) -> None:
    actions = {a for s in _statements(template) for a in _actions(s)}
    assert not {a for a in actions if a in ("*", "personalize:*", "iam:*", "s3:*")}


def test_pass_role_is_only_for_the_personalize_role_and_service(template: Template) -> None:
    passes = [s for s in _statements(template) if "iam:PassRole" in _actions(s)]
    assert passes
    for statement in passes:
        assert statement["Resource"] == {"Fn::GetAtt": ["PersonalizeRole57280082", "Arn"]}
        assert statement["Condition"] == {
            "StringEquals": {"iam:PassedToService": "personalize.amazonaws.com"}
        }


def test_personalize_actions_are_scoped_to_this_environment(
    template: Template, stacks: dict[str, PersonalizeShopStack], env: str
) -> None:
    prefix = stacks[env].config.name_prefix
    recommender_refs = [
        {"Ref": k} for k in template.find_resources("Custom::PersonalizeRecommender")
    ]
    for statement in _statements(template):
        actions = [a for a in _actions(statement) if a.startswith("personalize:")]
        if not actions:
            continue
        if statement["Resource"] == "*":
            # List actions take no resource ARN; they are the only unscoped ones.
            assert actions == ["personalize:ListDatasetImportJobs"]
        else:
            resources = statement["Resource"]
            resources = resources if isinstance(resources, list) else [resources]
            # This environment's resources (by name prefix, or our recommenders' ARNs), or AWS's
            # public ECOMMERCE recipes and the two batch recipes, by exact ARN.
            assert all(
                prefix in json.dumps(r)
                or ":recipe/aws-ecomm-*" in json.dumps(r)
                or json.dumps(r).endswith(':personalize:::recipe/aws-user-personalization-v2"]]}')
                or json.dumps(r).endswith(':personalize:::recipe/aws-similar-items"]]}')
                or r in recommender_refs
                for r in resources
            ), statement


def test_no_managed_policies_but_cdks_auto_delete_singleton(template: Template) -> None:
    # CDK's S3 auto-delete provider role is generated with AWSLambdaBasicExecutionRole and
    # cannot be configured; every role of ours writes only to its own log group.
    with_managed = [
        logical_id
        for logical_id, role in template.find_resources("AWS::IAM::Role").items()
        if "ManagedPolicyArns" in role["Properties"]
    ]
    assert set(with_managed) <= {"CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092"}
