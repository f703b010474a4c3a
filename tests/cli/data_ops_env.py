"""The deployed dev environment of day_two_env.py plus its data bucket in moto's S3.

moto answers S3 (`mock_aws`); Personalize and CloudFormation stay on the simulator and Stubber,
which answer before a request is sent, so the two fakes never see each other's calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from day_two_env import REGION, DeployedEnv, deploy_dev
from moto import mock_aws

from personalize_ops.cli import main
from personalize_ops.day_two.cleanup import Pacing
from personalize_ops.day_two.data_jobs import StorageClients
from tests.moto_clients import moto_client

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@dataclass
class DataEnv:
    deployed: DeployedEnv
    s3: Any
    bucket: str
    cache_dir: Path

    def invoke(self, args: Sequence[str]) -> Result:
        sim = self.deployed.sim
        pacing = Pacing(sleep=sim.clock.sleep, clock=lambda: sim.clock.now().timestamp())
        obj = (self.deployed.clients(), StorageClients(s3=self.s3), pacing)
        return CliRunner().invoke(main, list(args), obj=obj)

    def keys(self) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return [o["Key"] for o in listed]


@contextmanager
def data_env(cache_dir: Path) -> Iterator[DataEnv]:
    with mock_aws():
        s3 = moto_client("s3", REGION)
        deployed = deploy_dev()
        bucket = deployed.outputs["DataBucketName"]
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield DataEnv(deployed, s3, bucket, cache_dir)
