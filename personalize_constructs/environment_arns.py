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
    solutions: str


# resource type and name pattern of each field, `{prefix}` being the environment's name prefix.
_PATTERNS = {
    "recommenders": ("recommender", "{prefix}-*"),
    "import_jobs": ("dataset-import-job", "{prefix}-*"),
    "datasets": ("dataset", "{prefix}/*"),
    "schemas": ("schema", "{prefix}-*"),
    "dataset_group": ("dataset-group", "{prefix}"),
    # Solution versions are `solution/<solution name>/<id>`: the same pattern reaches them.
    "solutions": ("solution", "{prefix}-*"),
}


def environment_arns(scope: IConstruct, *, name_prefix: str) -> EnvironmentArns:
    """The patterns as IAM policies take them (partition, region and account as tokens)."""
    stack = Stack.of(scope)
    return EnvironmentArns(
        **{
            field: stack.format_arn(
                service="personalize",
                resource=resource,
                resource_name=name.format(prefix=name_prefix),
            )
            for field, (resource, name) in _PATTERNS.items()
        }
    )


def nag_environment_arns(*, name_prefix: str) -> EnvironmentArns:
    """The same patterns as cdk-nag prints them in a finding (`arn:<AWS::Partition>:...`)."""
    return EnvironmentArns(
        **{
            field: "arn:<AWS::Partition>:personalize:<AWS::Region>:<AWS::AccountId>:"
            f"{resource}/{name.format(prefix=name_prefix)}"
            for field, (resource, name) in _PATTERNS.items()
        }
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
