"""Environments as the stack leaves them in Personalize, for `cleanup` tests and examples.

`deploy_dev()` in day_two_env.py is what the other day-two commands need (stack outputs); cleanup
reads no stack, only Personalize, so here the names, schemas and owner tags are exactly the
stack's: the dataset group `<prefix>`, schemas `<prefix>-<type>-<hash>`, datasets
`<prefix>-<type>`, recommenders `<prefix>-<use case>` tagged by the custom resource, the event
tracker `<prefix>-events`, and filters `<prefix>-<name>-<hash>`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber
from click.testing import CliRunner, Result
from day_two_env import REGION

from personalize_domain.filters.names import filter_name
from personalize_domain.schemas import DatasetType, load_schema
from personalize_domain.stack_outputs import output_label, stack_name
from personalize_domain.use_cases import USE_CASES
from personalize_ops.cli import main
from personalize_ops.day_two import Clients
from personalize_ops.day_two.cleanup import OWNER_TAG, Pacing
from tests.personalize_simulator import PersonalizeSimulator
from tests.personalize_simulator.fake_service import shared_botocore_session

ROLE = "arn:aws:iam::123456789012:role/PersonalizeShop-Role"
CDK_JSON = Path(__file__).resolve().parents[2] / "cdk.json"
# dev's filters, as cdk.json configures them: name -> expression.
DEV_FILTERS: dict[str, str] = {
    name: body["expression"]
    for name, body in json.loads(CDK_JSON.read_text())["context"]["environments"]["dev"][
        "filters"
    ].items()
}


@dataclass
class ShopEnv:
    """One environment's resources in the simulator, by kind and name."""

    prefix: str
    group_arn: str
    schemas: dict[str, str] = field(default_factory=dict)  # name -> ARN
    datasets: dict[str, str] = field(default_factory=dict)
    recommenders: dict[str, str] = field(default_factory=dict)
    event_tracker: str | None = None
    filters: dict[str, str] = field(default_factory=dict)

    def arns(self) -> list[str]:
        return [
            self.group_arn,
            *self.schemas.values(),
            *self.datasets.values(),
            *self.recommenders.values(),
            *([self.event_tracker] if self.event_tracker else []),
            *self.filters.values(),
        ]


def owner_tag(env_name: str, use_case: str, account: str = "123456789012") -> str:
    """The tag value the recommender custom resource sets: `<stack id>/<logical id>`."""
    stack_id = (
        f"arn:aws:cloudformation:{REGION}:{account}:stack/{stack_name(env_name)}/"
        "5e6f7a80-0000-11f0-9d3b-0a1b2c3d4e5f"
    )
    return f"{stack_id}/{output_label(use_case)}Recommender1A2B3C4D"


def deploy_like_the_stack(
    sim: PersonalizeSimulator,
    *,
    env_name: str = "dev",
    prefix: str = "shop-dev",
    use_cases: Sequence[str] = ("recommended-for-you", "best-sellers"),
    dataset_types: Sequence[DatasetType] = (DatasetType.INTERACTIONS, DatasetType.ITEMS),
    event_tracker: bool = True,
    filters: Mapping[str, str] | None = None,
) -> ShopEnv:
    """Create what `make deploy` creates for one environment; every resource ACTIVE.

    `filters` (name -> expression) defaults to dev's, those whose datasets the env has.
    """
    client = sim.client()
    group_arn = client.create_dataset_group(name=prefix, domain="ECOMMERCE")["datasetGroupArn"]
    sim.settle()
    env = ShopEnv(prefix, group_arn)
    for dataset_type in dataset_types:
        body = load_schema(dataset_type).avro_json
        schema_name = f"{prefix}-{dataset_type.key}-{hashlib.sha256(body.encode()).hexdigest()[:8]}"
        env.schemas[schema_name] = client.create_schema(
            name=schema_name, schema=body, domain="ECOMMERCE"
        )["schemaArn"]
        name = f"{prefix}-{dataset_type.key}"
        env.datasets[name] = client.create_dataset(
            name=name,
            datasetGroupArn=group_arn,
            datasetType=dataset_type.value,
            schemaArn=env.schemas[schema_name],
        )["datasetArn"]
    sim.settle()
    for name, arn in env.datasets.items():
        start_import(sim, arn, f"{name}-0123456789abcdef")
    sim.settle()
    for use_case in use_cases:
        name = f"{prefix}-{use_case}"
        env.recommenders[name] = client.create_recommender(
            name=name,
            datasetGroupArn=group_arn,
            recipeArn=USE_CASES[use_case].recipe_arn,
            tags=[{"tagKey": OWNER_TAG, "tagValue": owner_tag(env_name, use_case)}],
        )["recommenderArn"]
    if event_tracker:
        env.event_tracker = client.create_event_tracker(
            name=f"{prefix}-events", datasetGroupArn=group_arn
        )["eventTrackerArn"]
    if filters is None:
        has_items = DatasetType.ITEMS in dataset_types
        filters = {n: e for n, e in DEV_FILTERS.items() if has_items or "Items." not in e}
    for key, expression in filters.items():
        name = filter_name(prefix, key, expression)
        env.filters[name] = client.create_filter(
            name=name, datasetGroupArn=group_arn, filterExpression=expression
        )["filterArn"]
    sim.settle()
    sim.calls.clear()  # tests assert on the calls cleanup makes, not on this setup
    return env


def start_import(sim: PersonalizeSimulator, dataset_arn: str, job_name: str) -> str:
    arn: str = sim.client().create_dataset_import_job(
        jobName=job_name,
        datasetArn=dataset_arn,
        dataSource={"dataLocation": f"s3://personalizeshop-data/{job_name}.csv"},
        roleArn=ROLE,
        importMode="FULL",
    )["datasetImportJobArn"]
    return arn


def no_stack() -> Any:
    """A CloudFormation client that fails any call: cleanup must not need the stack."""
    client = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
        botocore_session=shared_botocore_session(),  # models loaded once per run
    ).client("cloudformation")
    Stubber(client).activate()  # nothing queued: a call raises UnStubbedResponseError
    return client


def run_cleanup(
    sim: PersonalizeSimulator, args: Sequence[str], *, pacing: Pacing | None = None
) -> Result:
    """`cleanup` against the simulator, its waits on the simulator's clock (instant)."""
    clients = Clients(
        region=REGION,
        cloudformation=no_stack(),
        personalize=sim.client(),
        runtime=None,
        events=None,
    )
    pacing = pacing or Pacing(sleep=sim.clock.sleep, clock=lambda: sim.clock.now().timestamp())
    return CliRunner().invoke(main, ["cleanup", *args], obj=(clients, pacing))
