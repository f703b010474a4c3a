"""Data deletion and dataset export jobs in the simulator: statuses, quotas, botocore shapes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from tests.personalize_simulator import PersonalizeSimulator

ROLE = "arn:aws:iam::123456789012:role/shop-personalize"


@pytest.fixture
def sim() -> PersonalizeSimulator:
    return PersonalizeSimulator()


def _deletion(sim: PersonalizeSimulator, group: str, name: str = "forget-1") -> str:
    arn: str = sim.client().create_data_deletion_job(
        jobName=name,
        datasetGroupArn=group,
        dataSource={"dataLocation": "s3://bucket/forget/users.csv"},
        roleArn=ROLE,
    )["dataDeletionJobArn"]
    return arn


def test_a_deletion_job_goes_pending_in_progress_completed(sim: PersonalizeSimulator) -> None:
    group = sim.create_ready_dataset_group("shop").dataset_group_arn
    sim.deletion_rows["s3://bucket/forget/users.csv"] = 3
    arn = _deletion(sim, group)
    client = sim.client()
    seen = [client.describe_data_deletion_job(dataDeletionJobArn=arn)["dataDeletionJob"]]
    sim.advance(10)
    seen.append(client.describe_data_deletion_job(dataDeletionJobArn=arn)["dataDeletionJob"])
    sim.settle()
    seen.append(client.describe_data_deletion_job(dataDeletionJobArn=arn)["dataDeletionJob"])
    assert [job["status"] for job in seen] == ["PENDING", "IN_PROGRESS", "COMPLETED"]
    assert "numDeleted" not in seen[1]
    assert seen[2]["numDeleted"] == 3
    listed = client.list_data_deletion_jobs(datasetGroupArn=group)["dataDeletionJobs"]
    assert [job["jobName"] for job in listed] == ["forget-1"]


def test_a_failed_deletion_job_carries_its_reason(sim: PersonalizeSimulator) -> None:
    group = sim.create_ready_dataset_group("shop").dataset_group_arn
    sim.fail_data_deletion("forget-1", "USER_ID column missing")
    arn = _deletion(sim, group)
    sim.settle()
    job = sim.client().describe_data_deletion_job(dataDeletionJobArn=arn)["dataDeletionJob"]
    assert (job["status"], job["failureReason"]) == ("FAILED", "USER_ID column missing")


def test_a_sixth_pending_deletion_job_in_a_group_is_refused(sim: PersonalizeSimulator) -> None:
    group = sim.create_ready_dataset_group("shop").dataset_group_arn
    for n in range(5):
        _deletion(sim, group, f"forget-{n}")
    with pytest.raises(ClientError) as raised:
        _deletion(sim, group, "forget-5")
    assert raised.value.response["Error"]["Code"] == "LimitExceededException"
    sim.settle()
    _deletion(sim, group, "forget-5")  # once they completed, there is room again


def test_deletion_job_requests_are_checked_by_botocore(sim: PersonalizeSimulator) -> None:
    group = sim.create_ready_dataset_group("shop").dataset_group_arn
    with pytest.raises(ParamValidationError):
        sim.client().create_data_deletion_job(jobName="x", datasetGroupArn=group, roleArn=ROLE)  # type: ignore[call-arg]


@pytest.mark.parametrize("mode", ["BULK", "PUT", "ALL"])
def test_an_export_job_goes_active_with_its_output(sim: PersonalizeSimulator, mode: str) -> None:
    ready = sim.create_ready_dataset_group("shop")
    client = sim.client()
    arn = client.create_dataset_export_job(
        jobName="export-1",
        datasetArn=ready.dataset_arn,
        ingestionMode=mode,
        roleArn=ROLE,
        jobOutput={"s3DataDestination": {"path": "s3://out/exports/"}},
    )["datasetExportJobArn"]
    assert sim.status(arn) == "CREATE PENDING"
    sim.settle()
    job = client.describe_dataset_export_job(datasetExportJobArn=arn)["datasetExportJob"]
    assert (job["status"], job["ingestionMode"]) == ("ACTIVE", mode)
    assert job["jobOutput"]["s3DataDestination"]["path"] == "s3://out/exports/"
    listed = client.list_dataset_export_jobs(datasetArn=ready.dataset_arn)["datasetExportJobs"]
    assert [j["status"] for j in listed] == ["ACTIVE"]


def test_an_unknown_ingestion_mode_is_refused_server_side(sim: PersonalizeSimulator) -> None:
    ready = sim.create_ready_dataset_group("shop")
    with pytest.raises(ClientError) as raised:
        sim.client().create_dataset_export_job(
            jobName="export-1",
            datasetArn=ready.dataset_arn,
            ingestionMode="INCREMENTAL",
            roleArn=ROLE,
            jobOutput={"s3DataDestination": {"path": "s3://out/exports/"}},
        )
    assert raised.value.response["Error"]["Code"] == "InvalidInputException"


def test_a_failed_export_carries_its_reason(sim: PersonalizeSimulator) -> None:
    ready = sim.create_ready_dataset_group("shop")
    sim.fail_export("export-1", "Access Denied")
    arn = sim.client().create_dataset_export_job(
        jobName="export-1",
        datasetArn=ready.dataset_arn,
        roleArn=ROLE,
        jobOutput={"s3DataDestination": {"path": "s3://out/exports/"}},
    )["datasetExportJobArn"]
    sim.settle()
    job = sim.client().describe_dataset_export_job(datasetExportJobArn=arn)["datasetExportJob"]
    assert (job["status"], job["failureReason"]) == ("CREATE FAILED", "Access Denied")
