"""dev with its batch solution `email` trained, and its data bucket in moto's S3.

The Personalize simulator runs the batch inference jobs: at a job's end it reads the JSON Lines
under the job's input prefix from moto's S3 and writes `<file>.out` under its output prefix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from click.testing import CliRunner, Result
from day_two_env import REGION, ROOT, DeployedEnv, deploy_dev
from moto import mock_aws

from personalize_domain.batch_config import BatchRecipe, BatchSolutionConfig
from personalize_domain.stack_outputs import batch_solution_version_output
from personalize_ops.cli import main
from personalize_ops.day_two.cleanup import Pacing
from personalize_ops.day_two.data_jobs import StorageClients
from tests.moto_clients import moto_client

SOLUTION = "email"


def dev_batch_solution() -> BatchSolutionConfig:
    """dev's `batch.email` as cdk.json configures it."""
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    body = context["environments"]["dev"]["batch"][SOLUTION]
    weights = tuple(sorted((k, float(v)) for k, v in body.get("eventWeights", {}).items()))
    return BatchSolutionConfig(SOLUTION, BatchRecipe(body["recipe"]), weights)


@dataclass
class BatchEnv:
    deployed: DeployedEnv
    s3: Any
    bucket: str
    solution_arn: str
    version_arn: str

    def invoke(self, args: Sequence[str]) -> Result:
        sim = self.deployed.sim
        pacing = Pacing(sleep=sim.clock.sleep, clock=lambda: sim.clock.now().timestamp())
        obj = (self.deployed.clients(), StorageClients(s3=self.s3), pacing)
        return CliRunner().invoke(main, list(args), obj=obj)

    def keys(self, prefix: str = "") -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get("Contents", [])
        return [o["Key"] for o in listed]

    def text(self, key: str) -> str:
        body: bytes = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body.decode()


@contextmanager
def batch_env(*, shop_data: bool = False, trained: bool = True) -> Iterator[BatchEnv]:
    """`trained=False`: the stack has no solution version output (never deployed with batch)."""
    with mock_aws():
        s3 = moto_client("s3", REGION)
        deployed = deploy_dev(shop_data=shop_data)
        bucket = deployed.outputs["DataBucketName"]
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        sim = deployed.sim
        sim.use_s3(s3)
        config = dev_batch_solution()
        control = sim.client()
        solution_arn = control.create_solution(
            name=config.solution_name("shop-dev"),
            datasetGroupArn=deployed.group.dataset_group_arn,
            recipeArn=config.recipe.arn,
            performAutoTraining=False,
        )["solutionArn"]
        sim.settle()
        version_arn = control.create_solution_version(solutionArn=solution_arn)[
            "solutionVersionArn"
        ]
        sim.settle()
        if trained:
            deployed.outputs[batch_solution_version_output(SOLUTION)] = version_arn
        sim.calls.clear()
        yield BatchEnv(deployed, s3, bucket, solution_arn, version_arn)
