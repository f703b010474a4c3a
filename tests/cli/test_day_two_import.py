"""`import`: validate, upload content-addressed, start the import job and wait for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from data_ops_env import SAMPLE, DataEnv, data_env

from personalize_domain.data.digest import file_digest


@pytest.fixture
def ops_env(tmp_path: Path) -> Iterator[DataEnv]:
    with data_env(tmp_path / "cache") as made:
        yield made


def _import(ops_env: DataEnv, *args: str) -> list[str]:
    return ["import", "--env", "dev", "--cache-dir", str(ops_env.cache_dir), *args]


def test_a_valid_file_is_uploaded_under_the_deploy_key_and_imported(ops_env: DataEnv) -> None:
    # GIVEN the sample interactions, valid for dev's recommenders
    source = SAMPLE / "interactions.csv"
    # WHEN it is imported
    result = ops_env.invoke(_import(ops_env, "--type", "interactions", str(source)))
    # THEN it lands under datasets/<type>/<digest16>/<name>, the key a deploy gives the file
    assert result.exit_code == 0, result.output
    key = f"datasets/interactions/{file_digest(source)[:16]}/interactions.csv"
    assert ops_env.keys() == [key]
    assert (
        ops_env.s3.get_object(Bucket=ops_env.bucket, Key=key)["Body"].read() == source.read_bytes()
    )
    # AND one INCREMENTAL import job reads it with the stack's role, into the stack's dataset
    [request] = ops_env.deployed.sim.calls_to("CreateDatasetImportJob")
    assert request["dataSource"] == {"dataLocation": f"s3://{ops_env.bucket}/{key}"}
    assert request["datasetArn"] == ops_env.deployed.outputs["InteractionsDatasetArn"]
    assert request["roleArn"] == ops_env.deployed.outputs["PersonalizeRoleArn"]
    assert request["importMode"] == "INCREMENTAL"
    assert request["jobName"].startswith("shop-dev-interactions-cli-")
    # AND the wait shows each status until ACTIVE
    assert "CREATE PENDING" in result.output
    assert "CREATE IN_PROGRESS" in result.output
    assert "is ACTIVE after 0:03:00" in result.output
    assert (
        ops_env.deployed.sim.status(
            ops_env.deployed.sim.calls_to("DescribeDatasetImportJob")[0]["datasetImportJobArn"]
        )
        == "ACTIVE"
    )


def test_the_same_content_is_not_uploaded_twice(ops_env: DataEnv) -> None:
    source = SAMPLE / "interactions.csv"
    assert ops_env.invoke(_import(ops_env, "--type", "interactions", str(source))).exit_code == 0
    ops_env.deployed.sim.advance(1)  # job names carry the second they start
    again = ops_env.invoke(_import(ops_env, "--type", "interactions", str(source)))
    assert again.exit_code == 0, again.output
    assert "already in S3 (same content)" in again.output
    assert len(ops_env.keys()) == 1


def test_an_invalid_file_is_neither_uploaded_nor_imported(ops_env: DataEnv, tmp_path: Path) -> None:
    # GIVEN interactions whose timestamps are in milliseconds
    lines = (SAMPLE / "interactions.csv").read_text().splitlines()
    bad = [lines[0]] + [
        ",".join([*row.split(",")[:2], row.split(",")[2] + "000", row.split(",")[3]])
        for row in lines[1:]
    ]
    source = tmp_path / "interactions.csv"
    source.write_text("\n".join(bad) + "\n")
    # WHEN it is imported
    result = ops_env.invoke(_import(ops_env, "--type", "interactions", str(source)))
    # THEN the validator's findings are shown, and nothing reached S3 or Personalize
    assert result.exit_code == 1
    assert "fails validation, so nothing was uploaded or imported" in result.output
    assert "TIMESTAMP looks like epoch milliseconds" in result.output
    assert ops_env.keys() == []
    assert ops_env.deployed.sim.calls_to("CreateDatasetImportJob") == []


def test_a_failed_import_ends_with_personalizes_reason(ops_env: DataEnv) -> None:
    ops_env.deployed.sim.fail_import(
        ops_env.deployed.group.dataset_arn, "Invalid ITEM_ID in row 7."
    )
    result = ops_env.invoke(
        _import(ops_env, "--type", "interactions", "--mode", "FULL", "s3://elsewhere/i.csv")
    )
    assert result.exit_code == 1
    assert "CREATE FAILED after 0:03:00: Invalid ITEM_ID in row 7." in result.output
    assert ops_env.keys() == []  # an s3:// source is not copied


def test_an_import_still_running_is_reported_before_anything_starts(ops_env: DataEnv) -> None:
    first = ops_env.invoke(_import(ops_env, "--type", "interactions", "--no-wait", "s3://x/a.csv"))
    assert first.exit_code == 0, first.output
    second = ops_env.invoke(_import(ops_env, "--type", "interactions", "s3://x/b.csv"))
    assert second.exit_code == 1
    assert "is still CREATE PENDING" in second.output
    assert len(ops_env.deployed.sim.calls_to("CreateDatasetImportJob")) == 1


def test_a_dataset_the_environment_lacks_is_named(ops_env: DataEnv) -> None:
    result = ops_env.invoke(_import(ops_env, "--type", "users", "s3://x/users.csv"))
    assert result.exit_code == 1
    assert "environment dev has no users dataset" in result.output


def test_the_cli_and_deploy_share_one_key_scheme() -> None:
    # The construct's key for a resolved local file is the one the CLI computes for it.
    from personalize_constructs.dataset_files import data_key as deploy_key
    from personalize_domain.data_keys import data_key as cli_key
    from personalize_domain.data_sources import ResolvedDataset
    from personalize_domain.schemas import DatasetType

    source = SAMPLE / "items.csv"
    digest = file_digest(source)
    resolved = ResolvedDataset(DatasetType.ITEMS, source, None, digest, None)
    assert deploy_key(resolved) == cli_key("items", digest, "items.csv")
    assert deploy_key(resolved) == f"datasets/items/{digest[:16]}/items.csv"
