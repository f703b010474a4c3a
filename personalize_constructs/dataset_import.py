"""A dataset import job as a custom resource, ready when Personalize says ACTIVE."""

from __future__ import annotations

from aws_cdk import CustomResource, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_personalize as personalize
from constructs import Construct

from personalize_constructs.environment_arns import environment_arns, pass_role_to_personalize
from personalize_constructs.provider import SERVICE_TIMEOUT, PersonalizeProvider
from personalize_constructs.readiness import ReadinessGate, ReadinessWorkflow

RESOURCE_TYPE = "Custom::PersonalizeDatasetImport"
# The handler's property names (lambda/personalize_cr/import_job.py); a test checks both sides.
PROPERTIES = (
    "DatasetArn",
    "DataLocation",
    "RoleArn",
    "ImportMode",
    "ReadinessHandle",
    "ReadinessStateMachineArn",
)


class DatasetImport(Construct):
    """Imports one data location into one dataset.

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
    ) -> None:
        super().__init__(scope, construct_id)
        if import_mode not in ("FULL", "INCREMENTAL"):
            raise ValueError(f"{construct_id}: import_mode must be FULL or INCREMENTAL")
        if not data_version:
            raise ValueError(f"{construct_id}: data_version must identify the data")
        self.gate = ReadinessGate(
            self,
            "Ready",
            operation_key=f"{dataset.dataset_type}|{data_version}",
            timeout=max_wait,
        )
        properties = dict(
            zip(
                PROPERTIES,
                (
                    dataset.attr_dataset_arn,
                    data_location,
                    role_arn,
                    import_mode,
                    self.gate.handle_url,
                    workflow.state_machine.state_machine_arn,
                ),
                strict=True,
            )
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=service_token,
            resource_type=RESOURCE_TYPE,
            properties=properties,
            service_timeout=SERVICE_TIMEOUT,
        )
        self.gate.condition.node.add_dependency(self.resource)
        self.job_arn = self.resource.ref
        self.ready = self.gate.condition


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
