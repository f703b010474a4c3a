"""A batch solution: a custom solution (our own kind, see lambda/personalize_cr/solution.py for
why not AWS::Personalize::Solution), a version trained on the deployed data, and its metrics."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CustomResource, Duration, Fn, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IDependable

from personalize_constructs.acknowledgments import acknowledge
from personalize_constructs.environment_arns import environment_arns, nag_environment_arns
from personalize_constructs.provider import SERVICE_TIMEOUT, PersonalizeProvider
from personalize_constructs.readiness import ReadinessWorkflow, ReadyCustomResource
from personalize_constructs.resource_kinds import SOLUTION, SOLUTION_METRICS, SOLUTION_VERSION
from personalize_domain.batch_config import BatchRecipe, BatchSolutionConfig

TRAINING_MODE = "FULL"


class BatchSolution(Construct):
    """One `batch.<name>`: the solution, then one training per deploy of new data.

    `data_versions` identify the imported data at synth (content digests); `import_job_arns` are
    the import jobs the version trains on. New data is a new version and a new WaitCondition;
    `version_arn` is the trained version batch jobs use, `metrics_json` its GetSolutionMetrics.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_token: str,
        workflow: ReadinessWorkflow,
        dataset_group_arn: str,
        name_prefix: str,
        config: BatchSolutionConfig,
        data_versions: Sequence[str],
        import_job_arns: Sequence[str],
        after: Sequence[IDependable],
        max_wait: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        if not data_versions or not import_job_arns:
            raise ValueError(f"{construct_id}: a solution version needs the data it trains on")
        self.name = config.solution_name(name_prefix)
        self.solution = CustomResource(
            self,
            "Solution",
            service_token=service_token,
            resource_type=SOLUTION.resource_type,
            properties=dict(
                zip(
                    SOLUTION.properties,
                    (
                        self.name,
                        dataset_group_arn,
                        config.recipe.arn,
                        config.events_config,
                        config.auto_training or "off",
                        workflow.state_machine.state_machine_arn,
                    ),
                    strict=True,
                )
            ),
            service_timeout=SERVICE_TIMEOUT,
        )
        self.solution.node.add_dependency(*after)
        self.version = ReadyCustomResource(
            self,
            "Version",
            kind=SOLUTION_VERSION,
            service_token=service_token,
            workflow=workflow,
            properties={
                "SolutionArn": self.solution.ref,
                "DataVersion": Fn.join("|", list(import_job_arns)),
                "TrainingMode": TRAINING_MODE,
            },
            operation_key="|".join([self.name, TRAINING_MODE, *data_versions]),
            max_wait=max_wait,
        )
        self.solution_arn = self.solution.ref
        self.version_arn = self.version.resource.ref
        self.ready = self.version.ready
        self.metrics = CustomResource(
            self,
            "Metrics",
            service_token=service_token,
            resource_type=SOLUTION_METRICS.resource_type,
            properties=dict(zip(SOLUTION_METRICS.properties, (self.version_arn,), strict=True)),
            service_timeout=SERVICE_TIMEOUT,
        )
        self.metrics.node.add_dependency(self.version.ready)
        self.metrics_json = self.metrics.get_att_string("Json")


def grant_solution_management(provider: PersonalizeProvider, *, name_prefix: str) -> None:
    """Least privilege for the handlers: this environment's solutions and their versions."""
    stack = Stack.of(provider)
    arns = environment_arns(provider, name_prefix=name_prefix)
    recipes = [
        stack.format_arn(
            service="personalize", region="", account="", resource="recipe", resource_name=r.value
        )
        for r in BatchRecipe
    ]
    provider.on_event_function.add_to_role_policy(
        iam.PolicyStatement(
            sid="Solutions",
            actions=[
                "personalize:CreateSolution",
                "personalize:DescribeSolution",
                "personalize:UpdateSolution",
                "personalize:DeleteSolution",
                "personalize:ListSolutionVersions",
                "personalize:CreateSolutionVersion",
                "personalize:DescribeSolutionVersion",
                "personalize:StopSolutionVersionCreation",
                "personalize:GetSolutionMetrics",
                "personalize:TagResource",
                "personalize:ListTagsForResource",
            ],
            resources=[arns.solutions, arns.dataset_group, *recipes],
        )
    )
    provider.is_complete_function.add_to_role_policy(
        iam.PolicyStatement(
            sid="Solutions",
            actions=[
                "personalize:DescribeSolution",
                "personalize:DeleteSolution",
                "personalize:ListSolutionVersions",
                "personalize:DescribeSolutionVersion",
                "personalize:StopSolutionVersionCreation",
                "personalize:ListTagsForResource",
            ],
            resources=[arns.solutions],
        )
    )
    nag = nag_environment_arns(name_prefix=name_prefix)
    for function in (provider.on_event_function, provider.is_complete_function):
        acknowledge(function.role, f"IAM5[Resource::{nag.solutions}]", "env-solutions")
