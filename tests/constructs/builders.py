"""Bare stacks and the explicit props construct tests build on: nothing comes from cdk.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_personalize as personalize
from aws_cdk.assertions import Template
from constructs import IConstruct

from personalize_constructs.readiness import ReadinessWorkflow
from personalize_domain.schemas import DatasetType

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "shop-test"
SERVICE_TOKEN = "arn:aws:lambda:eu-west-1:111111111111:function:test-provider"
GROUP_ARN = f"arn:aws:personalize:eu-west-1:111111111111:dataset-group/{PREFIX}"


# CDK's feature flags change what a construct synthesizes (server access logs, log groups...), so
# construct tests run with the app's flags; nothing else of cdk.json, no environment, is read.
FEATURE_FLAGS = {
    key: value
    for key, value in json.loads((ROOT / "cdk.json").read_text())["context"].items()
    if key.startswith("@aws-cdk/")
}


def bare_stack() -> cdk.Stack:
    """A Stack alone in an App with the app's feature flags and no other context."""
    return cdk.Stack(cdk.App(context=FEATURE_FLAGS), "Test")


def logical_id(construct: IConstruct) -> str:
    """The logical id of `construct` (a CloudFormation resource, or an L2 around one)."""
    element = construct if isinstance(construct, cdk.CfnElement) else construct.node.default_child
    assert isinstance(element, cdk.CfnElement), construct.node.path
    return cdk.Stack.of(construct).get_logical_id(element)


def resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template.find_resources(resource_type)
    return found


def readiness_workflow(stack: cdk.Stack, *, max_wait: Duration | None = None) -> ReadinessWorkflow:
    role = iam.Role(
        stack, "PersonalizeRole", assumed_by=iam.ServicePrincipal("personalize.amazonaws.com")
    )
    return ReadinessWorkflow(
        stack,
        "Readiness",
        name_prefix=PREFIX,
        personalize_role=role,
        max_wait=max_wait or Duration.hours(6),
    )


def cfn_dataset(stack: cdk.Stack, dataset_type: DatasetType) -> personalize.CfnDataset:
    return personalize.CfnDataset(
        stack,
        f"{dataset_type.value}Dataset",
        name=f"{PREFIX}-{dataset_type.key}",
        dataset_group_arn=GROUP_ARN,
        dataset_type=dataset_type.value,
        schema_arn=f"arn:aws:personalize:eu-west-1:111111111111:schema/{dataset_type.key}",
    )
