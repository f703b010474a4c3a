"""`forget-user` (data deletion job) and `export` (dataset export job), waited with progress."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from data_ops_env import DataEnv, data_env


@pytest.fixture
def ops_env(tmp_path: Path) -> Iterator[DataEnv]:
    with data_env(tmp_path / "cache") as made:
        yield made


def test_forget_user_uploads_a_user_id_csv_and_waits_for_the_deletion(ops_env: DataEnv) -> None:
    # GIVEN two users to forget (one named twice)
    result = ops_env.invoke(["forget-user", "--env", "dev", "U0000042", "U0000043", "U0000042"])
    # THEN a USER_ID CSV of the two is in the data bucket
    assert result.exit_code == 0, result.output
    [key] = ops_env.keys()
    assert key.startswith("deletions/")
    assert key.endswith("/users.csv")
    body = ops_env.s3.get_object(Bucket=ops_env.bucket, Key=key)["Body"].read()
    assert body == b"USER_ID\nU0000042\nU0000043\n"
    # AND one deletion job reads it for the environment's dataset group, with the stack's role
    [request] = ops_env.deployed.sim.calls_to("CreateDataDeletionJob")
    assert request["dataSource"] == {"dataLocation": f"s3://{ops_env.bucket}/{key}"}
    assert request["datasetGroupArn"] == ops_env.deployed.group.dataset_group_arn
    assert request["roleArn"] == ops_env.deployed.outputs["PersonalizeRoleArn"]
    # AND progress is shown until COMPLETED
    assert ": PENDING" in result.output
    assert ": IN_PROGRESS" in result.output
    assert "is COMPLETED after 0:10:00" in result.output


def test_forget_user_reads_a_csv_file(ops_env: DataEnv, tmp_path: Path) -> None:
    file = tmp_path / "requests.csv"
    file.write_text("REQUEST,USER_ID\nr1,U1\nr2,U2\n")
    result = ops_env.invoke(["forget-user", "--env", "dev", "--file", str(file)])
    assert result.exit_code == 0, result.output
    assert "2 user id(s) to forget" in result.output


def test_forget_user_refuses_a_file_without_user_id_before_any_call(
    ops_env: DataEnv, tmp_path: Path
) -> None:
    file = tmp_path / "requests.csv"
    file.write_text("CUSTOMER\nU1\n")
    result = ops_env.invoke(["forget-user", "--env", "dev", "--file", str(file)])
    assert result.exit_code == 1
    assert "must be a header with a USER_ID column (found CUSTOMER)" in result.output
    assert ops_env.keys() == []
    assert ops_env.deployed.sim.calls == []


def test_forget_user_refuses_a_sixth_pending_job_with_what_to_do(ops_env: DataEnv) -> None:
    for n in range(5):
        started = ops_env.invoke(["forget-user", "--env", "dev", "--no-wait", f"U{n}"])
        assert started.exit_code == 0, started.output
    result = ops_env.invoke(["forget-user", "--env", "dev", "U9"])
    assert result.exit_code == 1
    assert "5 data deletion jobs of shop-dev are still pending or running" in result.output
    assert len(ops_env.deployed.sim.calls_to("CreateDataDeletionJob")) == 5


def test_a_failed_deletion_shows_personalizes_reason(ops_env: DataEnv) -> None:
    ops_env.deployed.sim.fail_data_deletion(
        ops_env.deployed.group.dataset_group_arn, "Access denied."
    )
    result = ops_env.invoke(["forget-user", "--env", "dev", "U1"])
    assert result.exit_code == 1
    assert "ended FAILED after 0:10:00: Access denied." in result.output


@pytest.mark.parametrize(
    ("ingestion", "mode"), [("bulk", "BULK"), ("incremental", "PUT"), ("both", "ALL")]
)
def test_export_starts_the_job_and_waits_until_active(
    ops_env: DataEnv, ingestion: str, mode: str
) -> None:
    role = "arn:aws:iam::123456789012:role/export-writer"
    result = ops_env.invoke(
        [
            "export", "--env", "dev", "--type", "interactions", "--out", "s3://exports/shop",
            "--ingestion", ingestion, "--role-arn", role,
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [request] = ops_env.deployed.sim.calls_to("CreateDatasetExportJob")
    assert request["ingestionMode"] == mode
    assert request["jobOutput"] == {"s3DataDestination": {"path": "s3://exports/shop/"}}
    assert request["roleArn"] == role
    assert request["datasetArn"] == ops_env.deployed.outputs["InteractionsDatasetArn"]
    assert "CREATE IN_PROGRESS" in result.output
    assert "is ACTIVE after 0:05:00" in result.output


def test_a_failed_export_shows_personalizes_reason(ops_env: DataEnv) -> None:
    ops_env.deployed.sim.fail_export(
        ops_env.deployed.group.dataset_arn, "Access Denied to s3://exports/"
    )
    result = ops_env.invoke(
        ["export", "--env", "dev", "--type", "interactions", "--out", "s3://exports/"]
    )
    assert result.exit_code == 1
    assert "ended CREATE FAILED after 0:05:00: Access Denied to s3://exports/" in result.output


def test_export_refuses_an_output_that_is_not_s3(ops_env: DataEnv) -> None:
    result = ops_env.invoke(["export", "--env", "dev", "--type", "items", "--out", "/tmp/x"])
    assert result.exit_code == 1
    assert "'/tmp/x' is not an S3 URI" in result.output
