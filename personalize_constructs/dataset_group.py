"""The ECOMMERCE dataset group with one schema and one dataset per dataset type."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from aws_cdk import aws_personalize as personalize
from constructs import Construct

from personalize_domain.schemas import DatasetSchema, DatasetType

DOMAIN = "ECOMMERCE"


class ShopDatasetGroup(Construct):
    """An ECOMMERCE dataset group, its schemas and its datasets.

    Each dataset is created from the first schema of its history and keeps it: `SchemaArn` is
    create-only, and a new one would replace the dataset (and its data). Newer schemas are applied
    on top by `DatasetSchemaUpdate`. Schemas are immutable, so a schema's name carries a hash of
    its content.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        schemas: Sequence[DatasetSchema],
    ) -> None:
        super().__init__(scope, construct_id)
        types = [s.dataset_type for s in schemas]
        if DatasetType.INTERACTIONS not in types:
            raise ValueError(
                f"{construct_id}: an ECOMMERCE dataset group needs an Interactions schema"
            )
        if len(set(types)) != len(types):
            raise ValueError(
                f"{construct_id}: one schema per dataset type, got {[t.value for t in types]}"
            )

        self.dataset_group = personalize.CfnDatasetGroup(self, "Resource", name=name, domain=DOMAIN)
        self.schemas: dict[DatasetType, personalize.CfnSchema] = {}
        self.datasets: dict[DatasetType, personalize.CfnDataset] = {}
        for schema in schemas:
            label = schema.dataset_type.value
            cfn_schema = personalize.CfnSchema(
                self,
                f"{label}Schema",
                name=schema_name(name, schema),
                schema=schema.avro_json,
                domain=DOMAIN,
            )
            self.schemas[schema.dataset_type] = cfn_schema
            self.datasets[schema.dataset_type] = personalize.CfnDataset(
                self,
                f"{label}Dataset",
                name=f"{name}-{schema.dataset_type.key}",
                dataset_group_arn=self.dataset_group.attr_dataset_group_arn,
                dataset_type=label,
                schema_arn=cfn_schema.attr_schema_arn,
            )

    @property
    def dataset_group_arn(self) -> str:
        return self.dataset_group.attr_dataset_group_arn


def schema_name(name_prefix: str, schema: DatasetSchema) -> str:
    """`<prefix>-<type>-<hash of the content>`: an edited schema is a new schema."""
    digest = hashlib.sha256(schema.avro_json.encode()).hexdigest()[:8]
    return f"{name_prefix}-{schema.dataset_type.key}-{digest}"
