"""ARN patterns of one environment's Personalize resources, for least-privilege policies.

Every resource the stack creates is named after the environment's prefix (`<prefix>-<use case>`,
`<prefix>-<dataset>-<hash>`, datasets under `<prefix>/`), so these patterns reach this
environment's resources and no other's.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from personalize_constructs.data_bucket import PERSONALIZE_PRINCIPAL


@dataclass(frozen=True)
class EnvironmentArns:
    recommenders: str
    import_jobs: str
    datasets: str
    schemas: str
    dataset_group: str


def environment_arns(scope: IConstruct, *, name_prefix: str) -> EnvironmentArns:
    stack = Stack.of(scope)

    def personalize(resource: str, name: str) -> str:
        return stack.format_arn(service="personalize", resource=resource, resource_name=name)

    return EnvironmentArns(
        recommenders=personalize("recommender", f"{name_prefix}-*"),
        import_jobs=personalize("dataset-import-job", f"{name_prefix}-*"),
        datasets=personalize("dataset", f"{name_prefix}/*"),
        schemas=personalize("schema", f"{name_prefix}-*"),
        dataset_group=personalize("dataset-group", name_prefix),
    )


def pass_role_to_personalize(role: iam.IRole, *, sid: str | None = None) -> iam.PolicyStatement:
    """iam:PassRole on `role`, and only towards Personalize."""
    return iam.PolicyStatement(
        sid=sid,
        actions=["iam:PassRole"],
        resources=[role.role_arn],
        conditions={"StringEquals": {"iam:PassedToService": PERSONALIZE_PRINCIPAL}},
    )
