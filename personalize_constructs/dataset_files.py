"""Ships an environment's dataset CSV files into the data bucket under content-addressed keys."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from pathlib import Path

from aws_cdk import RemovalPolicy, Size, Stack, Stage, SymlinkFollowMode
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from personalize_constructs.acknowledgments import acknowledge, arn_ref
from personalize_constructs.lambda_functions import explicit_log_group, logging_role
from personalize_domain.data.digest import text_digest
from personalize_domain.data_keys import data_key as _data_key
from personalize_domain.data_sources import ResolvedDataset
from personalize_domain.schemas import DatasetType

# BucketDeployment unzips the asset in /tmp before syncing it: room for the zip and the file.
_STORAGE_FACTOR = 2.5
_MIN_STORAGE_MIB = 512
# Lambda's ephemeral-storage ceiling; a larger file must be uploaded separately (s3:// source).
MAX_STORAGE_MIB = 10_240
MAX_LOCAL_FILE_BYTES = int(MAX_STORAGE_MIB / _STORAGE_FACTOR) << 20


def data_key(dataset: ResolvedDataset) -> str:
    """`datasets/<type>/<digest>/<file name>`: a new content is a new key."""
    assert dataset.local_path is not None
    assert dataset.digest is not None
    return _data_key(dataset.dataset_type.key, dataset.digest, dataset.local_path.name)


def _single_file_folder(scope: Construct, dataset: ResolvedDataset) -> Path:
    """A folder in the cloud assembly holding only a link to the validated file, under its name.

    An asset is a folder (or a zip). Shipping the file's own folder with an exclude glob would
    read its name as a pattern: `items [v2].csv` would ship `items v.csv` instead, and `items*.csv`
    every sibling. The link is followed when the asset is staged, so the asset holds exactly the
    bytes that were validated.
    """
    path = dataset.local_path
    stage = Stage.of(scope)
    assert path is not None
    assert dataset.digest is not None
    assert stage is not None
    name_digest = hashlib.sha256(path.name.encode()).hexdigest()[:8]
    folder = (
        Path(stage.asset_outdir)
        / "dataset-files"
        / f"{dataset.dataset_type.key}-{dataset.digest[:16]}-{name_digest}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    link, target = folder / path.name, path.resolve()
    if not (link.is_symlink() and link.readlink() == target):
        link.unlink(missing_ok=True)
        link.symlink_to(target)
    return folder


def _asset_hash(dataset: ResolvedDataset) -> str:
    """Identifies the single-file folder's content: the file's name and its bytes' digest."""
    assert dataset.local_path is not None
    assert dataset.digest is not None
    return text_digest("dataset-file", dataset.local_path.name, dataset.digest)


class DatasetFiles(Construct):
    """One deployment per file, so each import waits only for its own upload.

    The key carries the file's digest: changed data lands at a new S3 location, which is what
    makes CloudFormation start a new import job; unchanged data is not copied again.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        datasets: Sequence[ResolvedDataset],
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        for dataset in datasets:
            path = dataset.local_path
            if path is None or dataset.digest is None or not path.is_file():
                raise ValueError(f"{construct_id}: {dataset.dataset_type.value} has no local file")
            if path.stat().st_size > MAX_LOCAL_FILE_BYTES:
                raise ValueError(
                    f"{path}: {path.stat().st_size / 2**30:.1f} GiB is more than the "
                    f"{MAX_LOCAL_FILE_BYTES / 2**30:.1f} GiB a deployment can copy; upload it "
                    "yourself and set the dataset's source to its s3:// URI"
                )
        self.locations: dict[DatasetType, str] = {}
        self.deployments: dict[DatasetType, s3deploy.BucketDeployment] = {}
        self.role: iam.Role | None = None
        if not datasets:
            return  # every dataset is already in S3: nothing to copy, no function
        log_group = explicit_log_group(self, "CopyLogs")
        # One role for every copy: read the CDK asset, write the data bucket, log here.
        self.role = logging_role(self, "CopyRole", log_group=log_group)
        for dataset in datasets:
            assert dataset.local_path is not None
            key = data_key(dataset)
            size_mib = dataset.local_path.stat().st_size / 2**20
            storage = max(_MIN_STORAGE_MIB, math.ceil(size_mib * _STORAGE_FACTOR))
            self.deployments[dataset.dataset_type] = s3deploy.BucketDeployment(
                self,
                f"{dataset.dataset_type.value}Copy",
                destination_bucket=bucket,
                destination_key_prefix=key.rsplit("/", 1)[0],
                sources=[
                    s3deploy.Source.asset(
                        str(_single_file_folder(self, dataset)),
                        follow_symlinks=SymlinkFollowMode.ALWAYS,
                        # The folder holds one file, whose name and validated digest are known:
                        # Node need not read the file again to fingerprint it, and a synth whose
                        # cloud assembly already holds this content skips copying it.
                        asset_hash=_asset_hash(dataset),
                    )
                ],
                prune=False,
                retain_on_delete=removal_policy is RemovalPolicy.RETAIN,
                memory_limit=1024 if size_mib > 100 else 256,
                ephemeral_storage_size=Size.mebibytes(storage),
                log_group=log_group,
                role=self.role,
            )
            self.locations[dataset.dataset_type] = bucket.s3_url_for_object(key)
        self._acknowledge(bucket)

    def _acknowledge(self, bucket: s3.IBucket) -> None:
        assert self.role is not None
        assets = "arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*"
        for finding in (
            "IAM5[Action::s3:GetObject*]",
            "IAM5[Action::s3:GetBucket*]",
            "IAM5[Action::s3:List*]",
            "IAM5[Action::s3:DeleteObject*]",
            "IAM5[Action::s3:Abort*]",
            f"IAM5[Resource::{assets}]",
            f"IAM5[Resource::{arn_ref(bucket)}/*]",
        ):
            acknowledge(self.role, finding, "copy-s3-actions")
        # BucketDeployment's handler is a stack-level singleton of aws-cdk-lib.
        for child in Stack.of(self).node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                acknowledge(child, "L1", "copy-runtime")

    def uploads_of(self, dataset_type: DatasetType) -> list[s3deploy.BucketDeployment]:
        """The deployment an import of `dataset_type` must wait for (none for s3:// data)."""
        deployment = self.deployments.get(dataset_type)
        return [deployment] if deployment else []
