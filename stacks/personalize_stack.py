"""One environment of the shop's Personalize setup."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnElement, CfnOutput, Stack
from constructs import Construct

from personalize_constructs.data_bucket import DataBucket
from personalize_constructs.dataset_group import ShopDatasetGroup
from personalize_constructs.personalize_role import PersonalizeRole
from personalize_domain.config import EnvironmentConfig
from personalize_domain.schemas import load_schema
from stacks import nag_register


class PersonalizeShopStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config

        self.data = DataBucket(self, "Data", disposable=config.data_disposable)
        self.personalize_role = PersonalizeRole(
            self, "PersonalizeRole", data_bucket=self.data.bucket
        )
        self.dataset_group = ShopDatasetGroup(
            self,
            "DatasetGroup",
            name=config.name_prefix,
            schemas=[load_schema(d.dataset_type) for d in config.datasets],
        )

        # Stateful resources keep fixed logical IDs, so refactoring the construct tree can never
        # make CloudFormation replace (and lose) them. Tests pin these names.
        _pin(self.data.bucket.node.default_child, "DataBucket")
        _pin(self.data.access_log_bucket.node.default_child, "AccessLogBucket")
        _pin(self.dataset_group.dataset_group, "DatasetGroup")
        for dataset_type, dataset in self.dataset_group.datasets.items():
            _pin(dataset, f"{dataset_type.value}Dataset")

        self._outputs()
        nag_register.acknowledge(self)

    def _outputs(self) -> None:
        # Plain outputs, no exports: scripts read them with describe-stacks, and nothing couples
        # another stack's lifecycle to this one.
        values = {
            "DataBucketName": self.data.bucket.bucket_name,
            "AccessLogBucketName": self.data.access_log_bucket.bucket_name,
            "PersonalizeRoleArn": self.personalize_role.role.role_arn,
            "DatasetGroupArn": self.dataset_group.dataset_group_arn,
        }
        for dataset_type, dataset in self.dataset_group.datasets.items():
            values[f"{dataset_type.value}DatasetArn"] = dataset.attr_dataset_arn
        for dataset_type, schema in self.dataset_group.schemas.items():
            values[f"{dataset_type.value}SchemaArn"] = schema.attr_schema_arn
        for key, value in values.items():
            CfnOutput(self, key, value=value)


def _pin(resource: Any, logical_id: str) -> None:
    assert isinstance(resource, CfnElement)
    resource.override_logical_id(logical_id)
