"""A dataset's current schema applied on top of the one it was created with (UpdateDataset)."""

from __future__ import annotations

from aws_cdk import CustomResource
from aws_cdk import aws_iam as iam
from aws_cdk import aws_personalize as personalize
from constructs import Construct

from personalize_constructs.acknowledgments import acknowledge
from personalize_constructs.dataset_group import DOMAIN, schema_name
from personalize_constructs.environment_arns import environment_arns, nag_environment_arns
from personalize_constructs.provider import SERVICE_TIMEOUT, PersonalizeProvider
from personalize_constructs.resource_kinds import DATASET_SCHEMA
from personalize_domain.schemas import DatasetSchema

RESOURCE_TYPE = DATASET_SCHEMA.resource_type
PROPERTIES = DATASET_SCHEMA.properties


class DatasetSchemaUpdate(Construct):
    """Gives `dataset` the schema `schema` in place, keeping its name and data.

    The handler creates the schema (named `<prefix>-<type>-<content hash>`, like the dataset's
    first one) and waits until Personalize has applied it. `schema_arn` is that schema's ARN;
    whatever reads the dataset (imports, then recommenders) must depend on `resource`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_token: str,
        dataset: personalize.CfnDataset,
        name_prefix: str,
        schema: DatasetSchema,
    ) -> None:
        super().__init__(scope, construct_id)
        values = (
            dataset.attr_dataset_arn,
            schema_name(name_prefix, schema),
            schema.avro_json,
            DOMAIN,
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=service_token,
            resource_type=RESOURCE_TYPE,
            properties=dict(zip(PROPERTIES, values, strict=True)),
            service_timeout=SERVICE_TIMEOUT,
        )
        self.schema_arn = self.resource.ref


def grant_schema_updates(provider: PersonalizeProvider, *, name_prefix: str) -> None:
    """Least privilege: this environment's schemas and datasets only."""
    arns = environment_arns(provider, name_prefix=name_prefix)
    provider.on_event_function.add_to_role_policy(
        iam.PolicyStatement(
            sid="DatasetSchemas",
            actions=[
                "personalize:CreateSchema",
                "personalize:DescribeSchema",
                "personalize:DeleteSchema",
                "personalize:DescribeDataset",
                "personalize:UpdateDataset",
            ],
            resources=[arns.schemas, arns.datasets],
        )
    )
    provider.is_complete_function.add_to_role_policy(
        iam.PolicyStatement(
            sid="DatasetSchemas",
            actions=["personalize:DescribeDataset"],
            resources=[arns.datasets],
        )
    )
    nag = nag_environment_arns(name_prefix=name_prefix)
    acknowledge(provider.on_event_function.role, f"IAM5[Resource::{nag.schemas}]", "env-schemas")
    acknowledge(
        provider.is_complete_function.role,
        f"IAM5[Resource::{nag.datasets}]",
        "env-datasets-schema-update",
    )
