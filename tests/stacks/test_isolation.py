"""Environments cannot reach each other: no ARN pattern in one environment's IAM policies matches a
name another environment creates, read from the synthesized templates as if both were deployed
into the same account and region (the worst case; separate accounts are the strong boundary)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import import_job
import pytest  # lambda/personalize_cr: the handler names the import jobs
from aws_cdk.assertions import Template

import app as cdk_app
from personalize_domain.config import AppConfig, load_app_config
from stacks.personalize_stack import PersonalizeShopStack
from tests.conftest import ROOT
from tests.stacks.template_values import ACCOUNT, REGION, resolve

PERSONALIZE = f"arn:aws:personalize:{REGION}:{ACCOUNT}"
STATES = f"arn:aws:states:{REGION}:{ACCOUNT}"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_patterns(template: Template) -> Iterator[tuple[str, str]]:
    """(policy logical id, resource ARN pattern) of every Allow in every identity policy.

    `Resource: "*"` is left to test_nag's allow-list of wildcard grants: each of its actions takes
    no resource ARN (List*, log delivery, X-Ray), so it acts on no environment's named resource.
    """
    documents: list[tuple[str, dict[str, Any]]] = []
    for logical_id, policy in template.find_resources("AWS::IAM::Policy").items():
        documents.append((logical_id, policy["Properties"]["PolicyDocument"]))
    for logical_id, policy in template.find_resources("AWS::IAM::ManagedPolicy").items():
        documents.append((logical_id, policy["Properties"]["PolicyDocument"]))
    for logical_id, role in template.find_resources("AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            documents.append((logical_id, inline["PolicyDocument"]))
    for logical_id, document in documents:
        for statement in document["Statement"]:
            assert "NotResource" not in statement, (logical_id, statement)
            if statement["Effect"] == "Allow":
                for resource in _as_list(statement["Resource"]):
                    if resource != "*":
                        yield logical_id, resolve(resource)


def created_names(template: Template, stack_name: str) -> Iterator[str]:
    """The ARN of every named thing the stack creates, named as the template (or, for import
    jobs, the handler) names it; a name CloudFormation generates is `<stack>-<logical id>-…`."""
    resources = template.to_json()["Resources"]

    def generated(logical_id: str) -> str:
        return f"{stack_name}-{logical_id}-ABCDEF123456"

    groups = {
        logical_id: r["Properties"]["Name"]
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::Personalize::DatasetGroup"
    }
    for logical_id, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::Personalize::DatasetGroup":
            yield f"{PERSONALIZE}:dataset-group/{props['Name']}"
        elif kind == "AWS::Personalize::Dataset":
            group = groups[props["DatasetGroupArn"]["Fn::GetAtt"][0]]
            yield f"{PERSONALIZE}:dataset/{group}/{props['DatasetType'].upper()}"
        elif kind == "AWS::Personalize::Schema":
            yield f"{PERSONALIZE}:schema/{props['Name']}"
        elif kind == "AWS::Personalize::EventTracker":
            yield f"{PERSONALIZE}:event-tracker/{props['Name']}"
        elif kind == "Custom::PersonalizeRecommender":
            yield f"{PERSONALIZE}:recommender/{props['Name']}"
        elif kind == "Custom::PersonalizeDatasetImport":
            dataset = resources[props["DatasetArn"]["Fn::GetAtt"][0]]["Properties"]
            group = groups[dataset["DatasetGroupArn"]["Fn::GetAtt"][0]]
            dataset_arn = f"{PERSONALIZE}:dataset/{group}/{dataset['DatasetType'].upper()}"
            name = import_job.job_name(
                dataset_arn, resolve(props["DataLocation"]), "FULL", "any-request-id"
            )
            yield import_job.job_arn(dataset_arn, name)
        elif kind == "AWS::StepFunctions::StateMachine":
            name = props.get("StateMachineName") or generated(logical_id)
            yield f"{STATES}:stateMachine:{name}"
            yield f"{STATES}:execution:{name}:an-execution"
        elif kind == "AWS::Scheduler::ScheduleGroup":
            yield f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule-group/{props['Name']}"
        elif kind == "AWS::Scheduler::Schedule":
            group = resolve(props.get("GroupName", "default"))
            name = props.get("Name") or generated(logical_id)
            yield f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{group}/{name}"
        elif kind == "AWS::SSM::Parameter" and "Name" in props:
            yield f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{props['Name'].lstrip('/')}"
        elif kind == "AWS::S3::Bucket":
            yield f"arn:aws:s3:::{generated(logical_id).lower()}"
        elif kind == "AWS::IAM::Role":
            yield f"arn:aws:iam::{ACCOUNT}:role/{generated(logical_id)}"
        elif kind == "AWS::Lambda::Function":
            yield f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{generated(logical_id)}"


def _matches(pattern: str, arn: str) -> bool:
    """IAM's wildcards (`*`, `?`), case-insensitively to err on the side of a match."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, arn, flags=re.IGNORECASE) is not None


def reaches(templates: dict[str, tuple[str, Template]]) -> list[str]:
    """Every (environment, policy, pattern) that matches a name another environment creates."""
    found = []
    for env, (_, template) in templates.items():
        patterns = list(policy_patterns(template))
        for other, (other_stack, other_template) in templates.items():
            if other == env:
                continue
            for arn in created_names(other_template, other_stack):
                found.extend(
                    f"{env} {policy} allows {pattern}, which matches {other}'s {arn}"
                    for policy, pattern in patterns
                    if _matches(pattern, arn)
                )
    return found


def test_no_shipped_environment_can_reach_another_ones_resources(
    stacks: dict[str, PersonalizeShopStack], templates: dict[str, Template]
) -> None:
    # GIVEN every environment of cdk.json, deployed side by side in one account and region
    named = {env: (stacks[env].stack_name, t) for env, t in templates.items()}
    # WHEN each one's policy ARN patterns are matched against the names the others create
    # THEN none matches
    assert reaches(named) == []


def test_the_names_compared_include_every_kind_an_environment_creates(
    templates: dict[str, Template],
) -> None:
    names = list(created_names(templates["dev"], "PersonalizeShop-dev"))
    kinds = {n.split(":", 5)[-1].split("/")[0] for n in names if ":personalize:" in n}
    assert kinds == {
        "dataset-group",
        "dataset",
        "schema",
        "event-tracker",
        "recommender",
        "dataset-import-job",
    }
    assert f"{STATES}:stateMachine:shop-dev-readiness" in names
    assert any(
        n.startswith(f"{PERSONALIZE}:dataset-import-job/shop-dev-interactions-") for n in names
    )


def test_a_prefix_another_extends_with_a_dash_would_reach_its_resources(
    cdk_json_context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    # GIVEN dev renamed `shop` next to prod's `shop-prod`, built past the config's own refusal
    shipped = load_app_config(cdk_json_context)
    dev, prod = shipped.environments
    overlapping = (dataclasses.replace(dev, name_prefix="shop"), prod)
    app = cdk.App(context=cdk_json_context, outdir=str(tmp_path_factory.mktemp("cdk.out")))
    config = AppConfig(environments=overlapping, selected=overlapping)
    stacks = cdk_app.build_app(app, config, cache_dir=ROOT / ".cache" / "data-validation")
    # WHEN their templates are compared
    found = reaches({e: (s.stack_name, Template.from_stack(s)) for e, s in stacks.items()})
    # THEN dev's patterns are named with prod's recommenders and import jobs
    assert f"allows {PERSONALIZE}:recommender/shop-*, which matches prod's " in "\n".join(found)
    assert f"allows {PERSONALIZE}:dataset-import-job/shop-*, which matches prod's " in "\n".join(
        found
    )
    assert not [f for f in found if f.startswith("prod ")]
