"""A polling state machine run against the Personalize simulator on the shared clock."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.personalize_simulator import DEFAULT_IMPORT_FAILURE, PersonalizeSimulator
from tests.stepfunctions_simulator import FAILED, SUCCEEDED, StepFunctionsSimulator
from tests.stepfunctions_simulator_tests.helpers import PERSONALIZE, ROLE_ARN, machine, start

POLL_SECONDS = 60
IMPORT_SECONDS = 180  # Durations().import_job

POLL_IMPORT = machine(
    {
        "WaitForImport": {"Type": "Wait", "Seconds": POLL_SECONDS, "Next": "DescribeImport"},
        "DescribeImport": {
            "Type": "Task",
            "Resource": PERSONALIZE + "describeDatasetImportJob",
            "Parameters": {"DatasetImportJobArn.$": "$.importJobArn"},
            "ResultPath": "$.describe",
            "Next": "ImportDone?",
        },
        "ImportDone?": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.describe.DatasetImportJob.Status",
                    "StringEquals": "ACTIVE",
                    "Next": "Imported",
                },
                {
                    "Variable": "$.describe.DatasetImportJob.Status",
                    "StringEquals": "CREATE FAILED",
                    "Next": "ImportFailed",
                },
            ],
            "Default": "WaitForImport",
        },
        "Imported": {"Type": "Succeed"},
        "ImportFailed": {
            "Type": "Fail",
            "Error": "ImportFailed",
            "CausePath": "$.describe.DatasetImportJob.FailureReason",
        },
    }
)


def poll_import(**describe_fields: Any) -> dict[str, Any]:
    """POLL_IMPORT with extra fields (Retry, Catch) on its DescribeImport task."""
    definition = copy.deepcopy(POLL_IMPORT)
    definition["States"]["DescribeImport"].update(describe_fields)
    if "Catch" in describe_fields:
        definition["States"]["ImportMissing"] = {"Type": "Pass", "End": True}
    return definition


def start_import(personalize: PersonalizeSimulator) -> str:
    ready = personalize.create_ready_dataset_group("shop")
    job_arn: str = personalize.client().create_dataset_import_job(
        jobName="shop-incremental",
        datasetArn=ready.dataset_arn,
        dataSource={"dataLocation": "s3://shop-data/more.csv"},
        roleArn=ROLE_ARN,
        importMode="INCREMENTAL",
    )["datasetImportJobArn"]
    return job_arn


def start_polling(sfn: StepFunctionsSimulator, definition: dict[str, Any], job_arn: str) -> str:
    arn = sfn.register_state_machine(sfn.state_machine_arn("poll-import"), definition)
    return start(sfn.client(), arn, {"importJobArn": job_arn})


def test_polling_succeeds_when_the_import_becomes_active_after_one_poll_a_minute(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator
) -> None:
    # GIVEN an import that takes 180 s, and a state machine polling it every 60 s
    job_arn = start_import(personalize)
    execution_arn = start_polling(sfn, POLL_IMPORT, job_arn)
    started = sfn.clock.now()
    # WHEN the execution runs
    status = sfn.run(execution_arn)
    # THEN it succeeds when the import turns ACTIVE, after exactly three polls
    assert status == SUCCEEDED
    assert personalize.calls_to("DescribeDatasetImportJob") == [
        {"datasetImportJobArn": job_arn}
    ] * (IMPORT_SECONDS // POLL_SECONDS)
    polls = [record.entered for record in sfn.history(execution_arn) if record.type == "Task"]
    assert [(at - started).total_seconds() for at in polls] == [60, 120, 180]
    assert sfn.clock.now() == polls[-1]


def test_a_failed_import_ends_in_the_fail_state_with_personalize_failure_reason(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator, sfn_client: Any
) -> None:
    # GIVEN an import the simulator will fail
    job_arn = start_import(personalize)
    personalize.fail_import(job_arn)
    execution_arn = start_polling(sfn, POLL_IMPORT, job_arn)
    # WHEN the execution runs
    sfn.run(execution_arn)
    # THEN it fails through ImportFailed, carrying the FailureReason as the cause
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert (described["status"], described["error"], described["cause"]) == (
        FAILED,
        "ImportFailed",
        DEFAULT_IMPORT_FAILURE,
    )
    assert sfn.history(execution_arn)[-1].name == "ImportFailed"


THROTTLE_RETRY = {
    "ErrorEquals": ["Personalize.PersonalizeException"],
    "IntervalSeconds": 3,
    "BackoffRate": 2,
    "MaxAttempts": 3,
}


def test_throttling_is_retried_with_exponential_backoff_on_the_shared_clock(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator
) -> None:
    # GIVEN the first two DescribeDatasetImportJob calls are throttled
    job_arn = start_import(personalize)
    personalize.inject("DescribeDatasetImportJob", "ThrottlingException", times=2)
    execution_arn = start_polling(sfn, poll_import(Retry=[THROTTLE_RETRY]), job_arn)
    # WHEN the execution runs
    status = sfn.run(execution_arn)
    # THEN the first poll took three calls, 3 s then 6 s apart, and polling carried on
    first_poll, choice = sfn.history(execution_arn)[1:3]
    assert first_poll.attempts == 3
    assert [error for error, _ in first_poll.errors] == ["Personalize.PersonalizeException"] * 2
    assert (choice.entered - first_poll.entered).total_seconds() == 3 + 6
    assert status == SUCCEEDED


def test_throttling_is_not_matched_by_a_retry_on_personalize_throttling_exception(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator
) -> None:
    # GIVEN Personalize's model declares no ThrottlingException, so the Java SDK that Step
    # Functions uses reports it as the service's base exception [H]
    job_arn = start_import(personalize)
    personalize.inject("DescribeDatasetImportJob", "ThrottlingException")
    retry = {**THROTTLE_RETRY, "ErrorEquals": ["Personalize.ThrottlingException"]}
    execution_arn = start_polling(sfn, poll_import(Retry=[retry]), job_arn)
    # WHEN the execution runs
    status = sfn.run(execution_arn)
    # THEN that Retry never fires and the execution fails on the first throttle
    assert status == FAILED
    assert sfn.history(execution_arn)[1].attempts == 1


def test_an_sdk_error_cause_is_the_message_with_service_status_and_request_id(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator, sfn_client: Any
) -> None:
    # GIVEN a throttled describe and no Retry
    job_arn = start_import(personalize)
    personalize.inject("DescribeDatasetImportJob", "ThrottlingException")
    execution_arn = start_polling(sfn, POLL_IMPORT, job_arn)
    # WHEN the execution runs
    sfn.run(execution_arn)
    # THEN the execution's error and cause are formatted as the Java SDK formats them
    described = sfn_client.describe_execution(executionArn=execution_arn)
    assert described["error"] == "Personalize.PersonalizeException"
    assert described["cause"].startswith(
        "Rate exceeded (Service: Personalize, Status Code: 400, Request ID: "
    )


@pytest.mark.parametrize(
    "error_equals", ["Personalize.ResourceNotFoundException", "States.TaskFailed", "States.ALL"]
)
def test_catch_routes_a_modelled_personalize_error(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator, error_equals: str
) -> None:
    # GIVEN a poll of an import job that does not exist, with a Catch
    catch = {"ErrorEquals": [error_equals], "ResultPath": "$.error", "Next": "ImportMissing"}
    missing = "arn:aws:personalize:us-east-1:123456789012:dataset-import-job/missing"
    execution_arn = start_polling(sfn, poll_import(Catch=[catch]), missing)
    # WHEN the execution runs
    status = sfn.run(execution_arn)
    # THEN the error is caught and placed at ResultPath, and the execution goes on
    assert status == SUCCEEDED
    caught = sfn.output(execution_arn)["error"]
    assert caught["Error"] == "Personalize.ResourceNotFoundException"
    assert caught["Cause"].startswith(f"Resource Arn {missing} does not exist. (Service: ")
