"""Solutions, solution versions, metrics and batch inference jobs in the simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.personalize_simulator import PersonalizeSimulator

V2 = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
TRENDING = "arn:aws:personalize:::recipe/aws-trending-now"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="shop-data")
        yield client


def _solution(sim: PersonalizeSimulator, **extra: Any) -> str:
    group = sim.create_ready_dataset_group("shop").dataset_group_arn
    arn: str = sim.client().create_solution(
        name="shop-email", datasetGroupArn=group, recipeArn=V2, **extra
    )["solutionArn"]
    sim.settle()
    return arn


def test_a_solution_created_without_performAutoTraining_trains_itself() -> None:
    # Personalize's default: true, the first version within an hour of ACTIVE.
    sim = PersonalizeSimulator()
    arn = _solution(sim)
    sim.advance(3601)
    versions = sim.client().list_solution_versions(solutionArn=arn)["solutionVersions"]
    assert [v["trainingType"] for v in versions] == ["AUTOMATIC"]


def test_a_solution_with_auto_training_off_never_trains_unasked() -> None:
    sim = PersonalizeSimulator()
    arn = _solution(sim, performAutoTraining=False)
    sim.advance(30 * 86400)
    assert sim.client().list_solution_versions(solutionArn=arn)["solutionVersions"] == []


def test_training_takes_its_time_and_reports_metrics_once_active() -> None:
    sim = PersonalizeSimulator()
    client = sim.client()
    arn = _solution(sim, performAutoTraining=False)
    version = client.create_solution_version(solutionArn=arn, name="v1")["solutionVersionArn"]
    with pytest.raises(ClientError, match="ResourceInUse"):
        client.get_solution_metrics(solutionVersionArn=version)
    sim.advance(3600)
    assert (
        client.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"]
        == "ACTIVE"
    )
    assert "coverage" in client.get_solution_metrics(solutionVersionArn=version)["metrics"]


def test_a_failed_training_carries_its_reason() -> None:
    sim = PersonalizeSimulator()
    arn = _solution(sim, performAutoTraining=False)
    sim.fail_training("shop-email", "Not enough data")
    version = sim.client().create_solution_version(solutionArn=arn)["solutionVersionArn"]
    sim.settle()
    found = sim.client().describe_solution_version(solutionVersionArn=version)["solutionVersion"]
    assert (found["status"], found["failureReason"]) == ("CREATE FAILED", "Not enough data")


def test_a_failed_solution_ends_create_failed_without_a_reason() -> None:
    sim = PersonalizeSimulator()
    sim.fail_solution("shop-email")
    arn = _solution(sim, performAutoTraining=False)
    found = sim.client().describe_solution(solutionArn=arn)["solution"]
    assert (found["status"], "failureReason" in found) == ("CREATE FAILED", False)


def test_a_failed_solution_update_carries_its_reason_and_keeps_the_old_auto_training() -> None:
    sim = PersonalizeSimulator()
    arn = _solution(sim, performAutoTraining=False)
    sim.fail_solution_update(arn, "Schedule not allowed")
    sim.client().update_solution(
        solutionArn=arn,
        performAutoTraining=True,
        solutionUpdateConfig={"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}},
    )
    sim.settle()
    found = sim.client().describe_solution(solutionArn=arn)["solution"]
    update = found["latestSolutionUpdate"]
    assert (update["status"], update["failureReason"]) == ("CREATE FAILED", "Schedule not allowed")
    assert found["performAutoTraining"] is False


def test_a_stopped_training_settles_stopped_and_only_then_the_solution_can_go() -> None:
    sim = PersonalizeSimulator()
    client = sim.client()
    arn = _solution(sim, performAutoTraining=False)
    version = client.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    sim.advance(600)
    with pytest.raises(ClientError, match="ResourceInUse"):
        client.delete_solution(solutionArn=arn)
    client.stop_solution_version_creation(solutionVersionArn=version)
    status = client.describe_solution_version(solutionVersionArn=version)["solutionVersion"]
    assert status["status"] == "CREATE STOPPING"
    with pytest.raises(ClientError, match="ResourceInUse"):
        client.delete_solution(solutionArn=arn)
    sim.settle()
    client.delete_solution(solutionArn=arn)
    sim.settle()
    assert client.list_solutions()["solutions"] == []


def test_a_batch_job_reads_its_input_and_writes_json_lines_output(s3: Any) -> None:
    sim = PersonalizeSimulator()
    sim.use_s3(s3)
    client = sim.client()
    arn = _solution(sim, performAutoTraining=False)
    version = client.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    sim.settle()
    s3.put_object(
        Bucket="shop-data", Key="batch/j1/input/users.json", Body=b'{"userId": "U1"}\n{"x": 1}\n'
    )
    job = client.create_batch_inference_job(
        jobName="j1",
        solutionVersionArn=version,
        numResults=3,
        jobInput={"s3DataSource": {"path": "s3://shop-data/batch/j1/input/"}},
        jobOutput={"s3DataDestination": {"path": "s3://shop-data/batch/j1/output/"}},
        roleArn="arn:aws:iam::123456789012:role/r",
    )["batchInferenceJobArn"]
    assert client.describe_batch_inference_job(batchInferenceJobArn=job)["batchInferenceJob"][
        "status"
    ] in ("PENDING", "IN PROGRESS")
    sim.settle()
    assert (
        client.describe_batch_inference_job(batchInferenceJobArn=job)["batchInferenceJob"]["status"]
        == "ACTIVE"
    )
    body = s3.get_object(Bucket="shop-data", Key="batch/j1/output/users.json.out")["Body"]
    first, second = [json.loads(line) for line in body.read().decode().splitlines()]
    assert first["input"] == {"userId": "U1"}
    assert len(first["output"]["recommendedItems"]) == 3
    assert "userId" in second["error"]


def test_trending_now_cannot_run_batch() -> None:
    sim = PersonalizeSimulator()
    client = sim.client()
    group = sim.create_ready_dataset_group("shop").dataset_group_arn
    arn = client.create_solution(
        name="t", datasetGroupArn=group, recipeArn=TRENDING, performAutoTraining=False
    )["solutionArn"]
    sim.settle()
    version = client.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    sim.settle()
    with pytest.raises(ClientError, match="not supported"):
        client.create_batch_inference_job(
            jobName="j",
            solutionVersionArn=version,
            jobInput={"s3DataSource": {"path": "s3://b/in/"}},
            jobOutput={"s3DataDestination": {"path": "s3://b/out/"}},
            roleArn="arn:aws:iam::123456789012:role/r",
        )


def test_a_dataset_group_with_a_solution_cannot_be_deleted() -> None:
    sim = PersonalizeSimulator()
    _solution(sim, performAutoTraining=False)
    group = sim.client().list_dataset_groups()["datasetGroups"][0]["datasetGroupArn"]
    with pytest.raises(ClientError, match="solution"):
        sim.client().delete_dataset_group(datasetGroupArn=group)


def _batch_job(sim: PersonalizeSimulator, s3: Any, name: str, body: bytes) -> str:
    client = sim.client()
    version = client.create_solution_version(solutionArn=_solution(sim, performAutoTraining=False))
    sim.settle()
    s3.put_object(Bucket="shop-data", Key=f"batch/{name}/input/users.json", Body=body)
    arn: str = client.create_batch_inference_job(
        jobName=name,
        solutionVersionArn=version["solutionVersionArn"],
        jobInput={"s3DataSource": {"path": f"s3://shop-data/batch/{name}/input/"}},
        jobOutput={"s3DataDestination": {"path": f"s3://shop-data/batch/{name}/output/"}},
        roleArn="arn:aws:iam::123456789012:role/r",
    )["batchInferenceJobArn"]
    sim.settle()
    # The output is written when the next call observes the job's end, as its ACTIVE shows.
    client.describe_batch_inference_job(batchInferenceJobArn=arn)
    return arn


def test_a_record_set_to_fail_gets_an_error_line_and_the_others_answers(s3: Any) -> None:
    # GIVEN U2's line set to fail
    sim = PersonalizeSimulator()
    sim.use_s3(s3)
    sim.fail_batch_record("U2", "Invalid filter values.")
    # WHEN a job answers U1 and U2
    _batch_job(sim, s3, "j2", b'{"userId": "U1"}\n{"userId": "U2"}\n')
    # THEN U2's output line carries the error, U1's recommendations
    body = s3.get_object(Bucket="shop-data", Key="batch/j2/output/users.json.out")["Body"]
    first, second = [json.loads(line) for line in body.read().decode().splitlines()]
    assert first["error"] is None
    assert second == {"input": {"userId": "U2"}, "output": None, "error": "Invalid filter values."}


def test_the_next_batch_job_set_to_fail_ends_create_failed_and_only_that_one(s3: Any) -> None:
    sim = PersonalizeSimulator()
    sim.use_s3(s3)
    sim.fail_batch_job()
    arn = _batch_job(sim, s3, "j3", b'{"userId": "U1"}\n')
    job = sim.client().describe_batch_inference_job(batchInferenceJobArn=arn)["batchInferenceJob"]
    assert (job["status"], job["failureReason"]) == (
        "CREATE FAILED",
        "Internal error while processing the batch job.",
    )
    assert sim._sol.batch_failures == []
