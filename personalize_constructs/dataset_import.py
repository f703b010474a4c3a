"""A dataset import job as a custom resource, ready when Personalize says ACTIVE."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_personalize as personalize
from constructs import Construct

from personalize_constructs.acknowledgments import acknowledge
from personalize_constructs.environment_arns import (
    environment_arns,
    nag_environment_arns,
    pass_role_to_personalize,
)
from personalize_constructs.provider import PersonalizeProvider
from personalize_constructs.readiness import ReadinessWorkflow, ReadyCustomResource
from personalize_constructs.resource_kinds import DATASET_IMPORT


class DatasetImport(ReadyCustomResource):
    """Imports one data location into one dataset.

    `validation` (an s3:// source with `validateInS3`): the workflow runs this Athena query
    first and creates the job only if it finds nothing (personalize_constructs/s3_validation.py).
    `data_version` identifies the data (the file's content digest, or the s3:// URI itself): a
    new version is a new import job and a new WaitCondition. `ready` is what later resources
    (recommenders) depend on.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_token: str,
        workflow: ReadinessWorkflow,
        dataset: personalize.CfnDataset,
        data_location: str,
        data_version: str,
        role_arn: str,
        import_mode: str,
        max_wait: Duration,
        validation: dict[str, str] | None = None,
    ) -> None:
        if import_mode not in ("FULL", "INCREMENTAL"):
            raise ValueError(f"{construct_id}: import_mode must be FULL or INCREMENTAL")
        if not data_version:
            raise ValueError(f"{construct_id}: data_version must identify the data")
        super().__init__(
            scope,
            construct_id,
            kind=DATASET_IMPORT,
            service_token=service_token,
            workflow=workflow,
            properties={
                "DatasetArn": dataset.attr_dataset_arn,
                "DataLocation": data_location,
                "RoleArn": role_arn,
                "ImportMode": import_mode,
                # The Athena query the workflow runs before it creates the job (validateInS3).
                **({"Validation": validation} if validation else {}),
            },
            operation_key=f"{dataset.dataset_type}|{data_version}",
            max_wait=max_wait,
        )
        self.job_arn = self.resource.ref


def grant_import_management(
    provider: PersonalizeProvider, *, name_prefix: str, personalize_role: iam.IRole
) -> None:
    """Least privilege for the handlers: this environment's datasets and import jobs only."""
    arns = environment_arns(provider, name_prefix=name_prefix)
    provider.on_event_function.add_to_role_policy(
        iam.PolicyStatement(
            sid="ImportJobs",
            actions=["personalize:CreateDatasetImportJob", "personalize:DescribeDatasetImportJob"],
            resources=[arns.import_jobs, arns.datasets],
        )
    )
    provider.on_event_function.add_to_role_policy(
        iam.PolicyStatement(
            sid="FindImportJobs",
            # List actions take no resource ARN (Service Authorization Reference).
            actions=["personalize:ListDatasetImportJobs"],
            resources=["*"],
        )
    )
    provider.on_event_function.add_to_role_policy(
        pass_role_to_personalize(personalize_role, sid="PassPersonalizeRole")
    )
    provider.is_complete_function.add_to_role_policy(
        iam.PolicyStatement(
            sid="ImportJobs",
            actions=["personalize:DescribeDatasetImportJob"],
            resources=[arns.import_jobs],
        )
    )
    provider.is_complete_function.add_to_role_policy(
        iam.PolicyStatement(
            sid="FindImportJobs",
            # A Delete whose create CloudFormation cancelled knows only the dataset: it waits for
            # that dataset's running imports. List actions take no resource ARN.
            actions=["personalize:ListDatasetImportJobs"],
            resources=["*"],
        )
    )
    nag = nag_environment_arns(name_prefix=name_prefix)
    on_event, is_complete = provider.on_event_function.role, provider.is_complete_function.role
    acknowledge(on_event, f"IAM5[Resource::{nag.import_jobs}]", "env-import-jobs")
    acknowledge(on_event, f"IAM5[Resource::{nag.datasets}]", "env-datasets")
    acknowledge(on_event, "IAM5[Resource::*]", "list-import-jobs")
    acknowledge(is_complete, f"IAM5[Resource::{nag.import_jobs}]", "env-import-jobs")
    acknowledge(is_complete, "IAM5[Resource::*]", "list-import-jobs")
