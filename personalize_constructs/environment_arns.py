"""ARN patterns of one environment's Personalize resources, for least-privilege policies.

Every resource the stack creates is named after the environment's prefix (`<prefix>-<use case>`,
`<prefix>-<dataset>-<hash>`, datasets under `<prefix>/`), so these patterns reach this
environment's resources and no other's.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Stack
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


def state_machine_principal(scope: IConstruct, *, state_machine_name: str) -> iam.IPrincipal:
    """Step Functions, only while it runs the named state machine of this account and region.

    Confused-deputy protection (Step Functions guide, "Creating an IAM role for your state
    machine"). The ARN is built from the name: taking it from the state machine would be a
    circular reference, since the state machine needs the role first.
    """
    stack = Stack.of(scope)
    state_machine = stack.format_arn(
        service="states",
        resource="stateMachine",
        resource_name=state_machine_name,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    return iam.ServicePrincipal("states.amazonaws.com").with_conditions(
        {
            "ArnLike": {"aws:SourceArn": state_machine},
            "StringEquals": {"aws:SourceAccount": stack.account},
        }
    )
