"""Copying data files: exactly the validated file, sized for large files, refused above what a
deployment can hold."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from personalize_constructs.dataset_files import MAX_LOCAL_FILE_BYTES, DatasetFiles
from personalize_domain.data.digest import file_digest
from personalize_domain.data_sources import ResolvedDataset
from personalize_domain.schemas import DatasetType


def _files_stack(path: Path) -> cdk.Stack:
    # Sizing only: the asset is referenced where it is, not copied into a cloud assembly (a
    # 250 MiB copy per test otherwise; `_shipped_files` below checks what staging ships).
    stack = cdk.Stack(cdk.App(context={"aws:cdk:disable-asset-staging": True}))
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


def _shipped_files(tmp_path: Path, path: Path) -> dict[str, bytes]:
    """Synthesize a copy of `path` and read back the asset the deployment ships: name -> bytes."""
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Files")
    DatasetFiles(
        stack,
        "Files",
        bucket=s3.Bucket(stack, "Bucket"),
        datasets=[ResolvedDataset(DatasetType.ITEMS, path, None, file_digest(path), report=None)],
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    assembly = app.synth()
    (deployment,) = (
        Template.from_stack(stack).find_resources("Custom::CDKBucketDeployment").values()
    )
    (zip_key,) = deployment["Properties"]["SourceObjectKeys"]
    staged = Path(assembly.directory) / f"asset.{zip_key.removesuffix('.zip')}"
    return {str(f.relative_to(staged)): f.read_bytes() for f in staged.rglob("*") if f.is_file()}


@pytest.mark.parametrize(
    ("name", "sibling"),
    [("items [v2].csv", "items v.csv"), ("items*.csv", "items-old.csv")],
)
def test_a_file_name_with_glob_characters_ships_exactly_that_file(
    tmp_path: Path, name: str, sibling: str
) -> None:
    # GIVEN a data file whose name reads as a glob, next to a file the glob matches
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / name).write_bytes(b"ITEM_ID,PRICE\nI1,1.5\n")
    (folder / sibling).write_bytes(b"ITEM_ID,PRICE\nOLD,9.9\n")
    # WHEN synthesized
    shipped = _shipped_files(tmp_path, folder / name)
    # THEN the asset holds that one file, byte for byte, under its own name
    assert shipped == {name: b"ITEM_ID,PRICE\nI1,1.5\n"}


def _asset_key(path: Path, digest: str) -> str:
    stack = cdk.Stack(cdk.App(context={"aws:cdk:disable-asset-staging": True}))
    DatasetFiles(
        stack,
        "Files",
        bucket=s3.Bucket(stack, "Bucket"),
        datasets=[ResolvedDataset(DatasetType.ITEMS, path, None, digest, report=None)],
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    (deployment,) = (
        Template.from_stack(stack).find_resources("Custom::CDKBucketDeployment").values()
    )
    (key,) = deployment["Properties"]["SourceObjectKeys"]
    return str(key)


def test_the_asset_changes_with_the_files_digest_and_with_its_name(tmp_path: Path) -> None:
    # GIVEN one file, its validated digest, and the asset it ships as
    path = _sparse(tmp_path / "items.csv", 10)
    (tmp_path / "renamed").mkdir()
    renamed = _sparse(tmp_path / "renamed" / "items-v2.csv", 10)
    shipped = _asset_key(path, "ab" * 32)
    # THEN new content (a new digest) or a new name is a new asset; the same file is the same one
    assert _asset_key(path, "cd" * 32) != shipped
    assert _asset_key(renamed, "ab" * 32) != shipped
    assert _asset_key(path, "ab" * 32) == shipped
