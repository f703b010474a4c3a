"""A deployed `dev` environment, offline: the Personalize simulators plus a stubbed DescribeStacks.

The simulators are the control plane, `personalize-runtime` and `personalize-events`.

CloudFormation speaks the query (XML) protocol, which `FakeService` does not; its one call here,
DescribeStacks, is answered by botocore's `Stubber`, which still validates the request and the
response against the model.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber
from click.testing import CliRunner, Result

from personalize_domain.filters.names import filter_name
from personalize_domain.schemas import DatasetType, load_schema
from personalize_domain.stack_outputs import (
    filter_arn_output,
    recommender_arn_output,
    recommender_metrics_output,
)
from personalize_domain.use_cases import USE_CASES
from personalize_ops.cli import main
from personalize_ops.day_two import Clients
from tests.personalize_simulator import (
    PersonalizeEventsSimulator,
    PersonalizeRuntimeSimulator,
    PersonalizeSimulator,
    ReadyDatasetGroup,
)
from tests.personalize_simulator.fake_service import shared_botocore_session
from tests.personalize_simulator.filtering import ShopData

REGION = "eu-west-1"
STACK = "PersonalizeShop-dev"
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"


def stack_missing_message(name: str = STACK) -> str:
    return f"Stack with id {name} does not exist"


def cloudformation_client(outputs: dict[str, str] | None, *, stack: str = STACK) -> Any:
    """A CloudFormation client answering one DescribeStacks: the stack's outputs, or not found."""
    client = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
        # CloudFormation's model takes ~0.1 s to load; the simulators' session has it loaded once.
        botocore_session=shared_botocore_session(),
    ).client("cloudformation")
    stubber = Stubber(client)
    expected = {"StackName": stack}
    if outputs is None:
        stubber.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message=stack_missing_message(stack),
            expected_params=expected,
        )
    else:
        stubber.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": stack,
                        "CreationTime": "2025-01-01T00:00:00Z",
                        "StackStatus": "UPDATE_COMPLETE",
                        "Outputs": [
                            {"OutputKey": key, "OutputValue": value}
                            for key, value in outputs.items()
                        ],
                    }
                ]
            },
            expected,
        )
    stubber.activate()
    return client


@dataclass
class DeployedEnv:
    """What `make deploy ENV=dev` leaves behind, per cdk.json: two recommenders, a tracker."""

    sim: PersonalizeSimulator
    runtime: PersonalizeRuntimeSimulator
    events: PersonalizeEventsSimulator
    group: ReadyDatasetGroup
    recommenders: dict[str, str]  # use-case key -> ARN
    tracking_id: str
    outputs: dict[str, str] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)  # cdk.json name -> ARN

    def clients(self, *, stack_deployed: bool = True, stack: str = STACK) -> Clients:
        return Clients(
            region=REGION,
            cloudformation=cloudformation_client(
                self.outputs if stack_deployed else None, stack=stack
            ),
            personalize=self.sim.client(),
            runtime=self.runtime.client(),
            events=self.events.client(),
        )

    def invoke(
        self, args: Sequence[str], *, stack_deployed: bool = True, stack: str = STACK
    ) -> Result:
        clients = self.clients(stack_deployed=stack_deployed, stack=stack)
        return CliRunner().invoke(main, list(args), obj=clients)


@functools.cache
def _sample_data() -> ShopData:
    """data/sample/ as its imports bring it in, read once per test run (60,000 interactions)."""
    runtime = PersonalizeRuntimeSimulator(PersonalizeSimulator(region=REGION))
    for dataset_type in ("Interactions", "Items", "Users"):
        runtime.load_csv(dataset_type, SAMPLE / f"{dataset_type.lower()}.csv")
    return runtime.data


def dev_filters() -> dict[str, str]:
    """dev's filters as cdk.json configures them: name -> expression."""
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    filters = context["environments"]["dev"]["filters"]
    return {name: body["expression"] for name, body in filters.items()}


def deploy_dev(*, shop_data: bool = False) -> DeployedEnv:
    """dev as cdk.json configures it, created in the simulator; every resource ACTIVE.

    With `shop_data`, also dev's Items and Users datasets and its filters, and the runtime
    answers from the sample data (ranked, filtered, promoted as `runtime.py` describes).
    """
    sim = PersonalizeSimulator(region=REGION)
    schemas = (
        {t.value: load_schema(t).avro_json for t in (DatasetType.ITEMS, DatasetType.USERS)}
        if shop_data
        else None
    )
    group = sim.create_ready_dataset_group("shop-dev", schemas=schemas)
    configs: dict[str, dict[str, Any]] = {
        "recommended-for-you": {
            "minRecommendationRequestsPerSecond": 1,
            "itemExplorationConfig": {
                "explorationWeight": "0.3",
                "explorationItemAgeCutOff": "30",
            },
        },
        "best-sellers": {"minRecommendationRequestsPerSecond": 1},
    }
    recommenders = {
        key: sim.create_ready_recommender(
            f"shop-dev-{key}",
            dataset_group_arn=group.dataset_group_arn,
            recipe_arn=USE_CASES[key].recipe_arn,
            config=config,
        )
        for key, config in configs.items()
    }
    control = sim.client()
    tracker = control.create_event_tracker(
        name="shop-dev-events", datasetGroupArn=group.dataset_group_arn
    )
    sim.settle()
    env = DeployedEnv(
        sim,
        PersonalizeRuntimeSimulator(sim),
        PersonalizeEventsSimulator(sim),
        group,
        recommenders,
        tracker["trackingId"],
    )
    env.outputs = {
        "DataBucketName": "personalizeshop-dev-databucket-1a2b3c",
        "DatasetGroupArn": group.dataset_group_arn,
        "PersonalizeRoleArn": f"arn:aws:iam::{sim.account}:role/PersonalizeShop-dev-Role",
        "ReadinessStateMachineArn": f"arn:aws:states:{REGION}:{sim.account}:stateMachine:R",
        "InteractionsDatasetArn": group.dataset_arn,
        "InteractionsImportJobArn": group.import_job_arn,
        "EventTrackerArn": tracker["eventTrackerArn"],
        "EventTrackingId": tracker["trackingId"],
        "TrackingIdParameterName": "/shop-dev/personalize/event-tracking-id",
    }
    for key, arn in recommenders.items():
        metrics = control.describe_recommender(recommenderArn=arn)["recommender"]["modelMetrics"]
        env.outputs[recommender_arn_output(key)] = arn
        env.outputs[recommender_metrics_output(key)] = json.dumps(metrics, separators=(",", ":"))
    if shop_data:
        for name, expression in dev_filters().items():
            env.filters[name] = control.create_filter(
                name=filter_name("shop-dev", name, expression),
                datasetGroupArn=group.dataset_group_arn,
                filterExpression=expression,
            )["filterArn"]
            env.outputs[filter_arn_output(name)] = env.filters[name]
        sim.settle()
        env.runtime.data = _sample_data()
        env.runtime.catalogue = list(env.runtime.data.items)
    sim.calls.clear()  # tests assert on the calls the CLI makes, not on this setup
    return env
