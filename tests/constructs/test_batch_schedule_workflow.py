"""The scheduled batch workflow, synthesized from BatchSchedule in a bare Stack, run by the Step
Functions simulator against the Personalize simulator and moto's S3.

What a scheduled run must do: train first only when an import finished after the newest ACTIVE
version, then run the batch job on that version into the dated prefix; a failed training or job
fails the execution with Personalize's reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import aws_iam as iam
from moto import mock_aws

from personalize_constructs import batch_schedule
from personalize_constructs.batch_schedule import BatchSchedule
from personalize_domain.batch_config import BatchRecipe, BatchSolutionConfig
from personalize_domain.batch_schedule import parse_schedule
from tests.constructs.builders import PREFIX, bare_stack
from tests.personalize_simulator import Clock, PersonalizeSimulator
from tests.stepfunctions_simulator import (
    FAILED,
    SUCCEEDED,
    StepFunctionsSimulator,
    state_machine_definition,
)

BUCKET = "shop-test-data"
ROLE_ARN = "arn:aws:iam::123456789012:role/shop-test-personalize"
SOLUTION_NAME = f"{PREFIX}-email-0123abcd"
CONFIG = BatchSolutionConfig(
    name="email",
    recipe=BatchRecipe.USER_PERSONALIZATION_V2,
    schedule=parse_schedule("cron(0 6 ? * MON *)"),
)


def _definition() -> tuple[str, str]:
    """(state machine name, definition) with the solution and datasets as template parameters."""
    stack = bare_stack()
    solution = cdk.CfnParameter(stack, "SolutionArn")
    first = cdk.CfnParameter(stack, "FirstDatasetArn")
    second = cdk.CfnParameter(stack, "SecondDatasetArn")
    built = BatchSchedule(
        stack,
        "EmailBatchSchedule",
        name_prefix=PREFIX,
        config=CONFIG,
        solution_arn=solution.value_as_string,
        dataset_arns=[first.value_as_string, second.value_as_string],
        bucket_name=BUCKET,
        personalize_role=iam.Role.from_role_arn(stack, "PersonalizeRole", ROLE_ARN),
        after=[],
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    logical_id = stack.resolve(built.state_machine.state_machine_arn)["Ref"]
    return built.state_machine_name, json.dumps(
        template["Resources"][logical_id]["Properties"]["DefinitionString"]
    )


@pytest.fixture(scope="module")
def definition() -> tuple[str, str]:
    return _definition()


@dataclass
class World:
    clock: Clock
    personalize: PersonalizeSimulator
    sfn: StepFunctionsSimulator
    s3: Any
    solution_arn: str
    datasets: list[str]
    state_machine_arn: str

    def import_data(self, dataset: int = 0) -> None:
        """A new import (e.g. `personalize-shop import`), finished."""
        self.personalize.client().create_dataset_import_job(
            jobName=f"{PREFIX}-more-{len(self.personalize.calls)}",
            datasetArn=self.datasets[dataset],
            dataSource={"dataLocation": f"s3://{BUCKET}/more.csv"},
            roleArn=ROLE_ARN,
        )
        self.personalize.settle()

    def train(self) -> str:
        arn: str = self.personalize.client().create_solution_version(solutionArn=self.solution_arn)[
            "solutionVersionArn"
        ]
        self.personalize.settle()
        return arn

    def run(self) -> str:
        execution: str = self.sfn.client().start_execution(
            stateMachineArn=self.state_machine_arn, input="{}"
        )["executionArn"]
        self.sfn.run(execution)
        return execution

    def trainings_started_by_the_workflow(self, before: int) -> int:
        return len(self.personalize.calls_to("CreateSolutionVersion")) - before


def _world(definition: tuple[str, str]) -> Iterator[World]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(
            Bucket=BUCKET,
            Key="batch/email/input/users.json",
            Body=b'{"userId": "U1"}\n{"userId": "U2"}\n',
        )
        clock = Clock()
        personalize = PersonalizeSimulator(clock=clock)
        personalize.use_s3(s3)
        first = personalize.create_ready_dataset_group(PREFIX)
        second = personalize.create_ready_dataset_group(f"{PREFIX}-second")
        solution_arn = personalize.client().create_solution(
            name=SOLUTION_NAME,
            datasetGroupArn=first.dataset_group_arn,
            recipeArn=BatchRecipe.USER_PERSONALIZATION_V2.arn,
            performAutoTraining=False,
        )["solutionArn"]
        personalize.settle()
        sfn = StepFunctionsSimulator(clock=clock)
        sfn.sdk_clients["personalize"] = personalize.client()
        name, text = definition
        values = {
            "SolutionArn": solution_arn,
            "FirstDatasetArn": first.dataset_arn,
            "SecondDatasetArn": second.dataset_arn,
        }
        state_machine_arn = sfn.register_state_machine(
            sfn.state_machine_arn(name),
            state_machine_definition(
                {
                    "Resources": {
                        "M": {
                            "Type": "AWS::StepFunctions::StateMachine",
                            "Properties": {"DefinitionString": json.loads(text)},
                        }
                    }
                },
                "M",
                values=values,
            ),
        )
        yield World(
            clock,
            personalize,
            sfn,
            s3,
            solution_arn,
            [first.dataset_arn, second.dataset_arn],
            state_machine_arn,
        )


@pytest.fixture
def world(definition: tuple[str, str]) -> Iterator[World]:
    yield from _world(definition)


def _job(world: World, execution: str) -> dict[str, Any]:
    output = world.sfn.output(execution)
    assert output is not None
    job: dict[str, Any] = world.personalize.client().describe_batch_inference_job(
        batchInferenceJobArn=output["BatchInferenceJobArn"]
    )["batchInferenceJob"]
    return job


def _failure(world: World, execution: str) -> tuple[str, str]:
    described = world.sfn.client().describe_execution(executionArn=execution)
    return described["error"], described["cause"]


def test_unchanged_data_trains_nothing_and_the_job_writes_under_the_dated_prefix(
    world: World,
) -> None:
    # GIVEN a version trained after the last import
    version = world.train()
    world.clock.advance(timedelta(days=3).total_seconds())
    before = len(world.personalize.calls_to("CreateSolutionVersion"))
    day = world.clock.now().strftime("%Y-%m-%d")
    # WHEN the schedule starts the workflow
    execution = world.run()
    # THEN no training, the job ran on that version with the Personalize role, from the input
    # prefix into batch/email/output/<UTC start date>/
    assert world.sfn.status(execution) == SUCCEEDED
    assert world.trainings_started_by_the_workflow(before) == 0
    job = _job(world, execution)
    assert job["solutionVersionArn"] == version
    assert job["roleArn"] == ROLE_ARN
    assert job["jobInput"]["s3DataSource"]["path"] == f"s3://{BUCKET}/batch/email/input/"
    output_path = f"s3://{BUCKET}/batch/email/output/{day}/"
    assert job["jobOutput"]["s3DataDestination"]["path"] == output_path
    started = world.sfn.client().describe_execution(executionArn=execution)["startDate"]
    assert job["jobName"] == f"{PREFIX}-email-{started:%Y%m%d-%H%M%S}"
    written = world.s3.get_object(Bucket=BUCKET, Key=f"batch/email/output/{day}/users.json.out")
    lines = written["Body"].read().decode().splitlines()
    assert [json.loads(line)["input"]["userId"] for line in lines] == ["U1", "U2"]
    assert world.sfn.output(execution) == {
        "BatchInferenceJobArn": job["batchInferenceJobArn"],
        "SolutionVersionArn": version,
        "Trained": False,
        "Output": output_path,
    }


def test_changed_data_trains_first_then_the_job_uses_the_new_version(world: World) -> None:
    # GIVEN a version, then a new import into the second dataset
    old = world.train()
    world.clock.advance(timedelta(days=1).total_seconds())
    world.import_data(dataset=1)
    before = len(world.personalize.calls_to("CreateSolutionVersion"))
    # WHEN the workflow runs
    execution = world.run()
    # THEN it trained one version, waited for it, and the job used it
    assert world.sfn.status(execution) == SUCCEEDED
    assert world.trainings_started_by_the_workflow(before) == 1
    (new,) = [
        v.arn for v in world.personalize.solution_versions_of(world.solution_arn) if v.arn != old
    ]
    assert _job(world, execution)["solutionVersionArn"] == new
    assert world.sfn.output(execution)["Trained"] is True
    # AND the next run finds the data unchanged: no second training
    world.clock.advance(timedelta(days=7).total_seconds())
    again = world.run()
    assert world.sfn.status(again) == SUCCEEDED
    assert world.trainings_started_by_the_workflow(before) == 1
    assert _job(world, again)["solutionVersionArn"] == new


def test_without_any_active_version_the_workflow_trains(world: World) -> None:
    execution = world.run()
    assert world.sfn.status(execution) == SUCCEEDED
    assert world.trainings_started_by_the_workflow(0) == 1


def test_a_failed_training_fails_the_execution_with_personalizes_reason(world: World) -> None:
    # GIVEN changed data and a training that will fail
    world.train()
    world.import_data()
    world.personalize.fail_training(SOLUTION_NAME, "Not enough interactions in the dataset.")
    # WHEN the workflow runs / THEN it fails (the alarm counts ExecutionsFailed), naming the
    # version and Personalize's reason, and no batch job was started
    execution = world.run()
    assert world.sfn.status(execution) == FAILED
    error, cause = _failure(world, execution)
    assert error == "TrainingFailed"
    assert cause.startswith(f"Personalize solution version {world.solution_arn}/")
    assert cause.endswith("failed: Not enough interactions in the dataset.")
    assert world.personalize.calls_to("CreateBatchInferenceJob") == []


def test_a_failed_batch_job_fails_the_execution_with_personalizes_reason(world: World) -> None:
    world.train()
    world.personalize.fail_batch_job()
    execution = world.run()
    assert world.sfn.status(execution) == FAILED
    error, cause = _failure(world, execution)
    assert error == "BatchJobFailed"
    assert cause.endswith("failed: Internal error while processing the batch job.")
    assert f"batch-inference-job/{PREFIX}-email-" in cause


def test_every_page_is_read_whatever_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN pages of one item, two versions (the newest listed last) and an import that
    # finished between them, on the first dataset's second page
    monkeypatch.setattr(batch_schedule, "PAGE_SIZE", 1)
    for world in _world(_definition()):
        world.train()
        world.clock.advance(timedelta(hours=1).total_seconds())
        world.import_data()
        world.clock.advance(timedelta(hours=1).total_seconds())
        newest = world.train()
        before = len(world.personalize.calls_to("CreateSolutionVersion"))
        execution = world.run()
        # THEN the newest version is the one in use and is newer than every import: no training
        assert world.sfn.status(execution) == SUCCEEDED
        assert world.trainings_started_by_the_workflow(before) == 0
        assert _job(world, execution)["solutionVersionArn"] == newest
        assert world.personalize.calls_to("ListSolutionVersions")[-1]["nextToken"]
        # AND an import after it, on a later page, is found
        world.import_data()
        world.import_data()
        execution = world.run()
        assert world.sfn.status(execution) == SUCCEEDED
        assert world.trainings_started_by_the_workflow(before) == 1
