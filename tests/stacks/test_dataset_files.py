"""Copying data files: sized for large files, refused above what a deployment can hold."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from personalize_constructs.dataset_files import MAX_LOCAL_FILE_BYTES, DatasetFiles
from personalize_domain.data_sources import ResolvedDataset
from personalize_domain.schemas import DatasetType


def _files_stack(path: Path) -> cdk.Stack:
    stack = cdk.Stack(cdk.App())
    DatasetFiles(
        stack,
        "Files",
        bucket=s3.Bucket(stack, "Bucket"),
        datasets=[ResolvedDataset(DatasetType.INTERACTIONS, path, None, "ab" * 32, report=None)],
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    return stack


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as f:
        f.truncate(size)
    return path


def test_a_250_mb_file_gets_memory_and_room_for_zip_and_file(tmp_path: Path) -> None:
    # GIVEN a 250 MiB file (sparse: no disk used)
    path = _sparse(tmp_path / "interactions.csv", 250 << 20)
    # THEN the copy function has 1 GiB of memory and 2.5x the file in ephemeral storage
    Template.from_stack(_files_stack(path)).has_resource_properties(
        "AWS::Lambda::Function",
        {"MemorySize": 1024, "EphemeralStorage": {"Size": 625}},
    )


def test_a_small_file_keeps_the_defaults_small(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "interactions.csv", 3 << 20)
    Template.from_stack(_files_stack(path)).has_resource_properties(
        "AWS::Lambda::Function",
        {"MemorySize": 256, "EphemeralStorage": {"Size": 512}},
    )


def test_a_file_too_large_to_copy_says_to_upload_it(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "interactions.csv", MAX_LOCAL_FILE_BYTES + 1)
    with pytest.raises(ValueError, match="upload it yourself and set the dataset's source"):
        _files_stack(path)


def test_the_object_key_carries_the_content_digest(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "interactions.csv", 10)
    Template.from_stack(_files_stack(path)).has_resource_properties(
        "Custom::CDKBucketDeployment",
        {"DestinationBucketKeyPrefix": f"datasets/interactions/{'ab' * 8}"},
    )
