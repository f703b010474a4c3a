"""validateInS3: the readiness workflow validates an s3:// source with Athena before its import.

The synthesized state machine of dev with its interactions in S3 (`VALIDATED_DEV`), the real
import handler and signal Lambda, the Personalize and Step Functions simulators, and Athena
answered by the DuckDB-driven fake over moto's S3, on the Glue table the template defines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import import_job
import pytest
from moto import mock_aws

from personalize_domain.data import validate_file
from personalize_domain.data.report import ValidationFailed
from personalize_domain.schemas import DatasetType, load_schema
from tests.conftest import SynthFn
from tests.handlers.conftest import SIGNAL_ARN, World
from tests.moto_clients import moto_client
from tests.personalize_simulator.athena import AthenaSimulator
from tests.stepfunctions_simulator import state_machine_definition

TYPE = import_job.RESOURCE_TYPE
ROLE = "arn:aws:iam::123456789012:role/shop-dev-personalize"
BUCKET, KEY = "shop-team-exports", "personalize/interactions.csv"
SOURCE = f"s3://{BUCKET}/{KEY}"
RESULTS = "s3://shop-team-athena/validation/"
# `-c` overrides on cdk.json's dev: what a team's environment writes in cdk.json.
VALIDATED_DEV = {
    "env": "dev",
    "dev.datasets.interactions.source": SOURCE,
    "dev.datasets.interactions.validateInS3": "true",
    "dev.athenaWorkgroup": "shop-team",
    "dev.athenaResultsLocation": RESULTS,
}


@pytest.fixture(scope="module")
def validated(synth: SynthFn) -> dict[str, Any]:
    """dev's template with validateInS3 on its interactions (cdk-nag's four packs passed)."""
    from aws_cdk.assertions import Template

    template: dict[str, Any] = Template.from_stack(synth(VALIDATED_DEV)["dev"]).to_json()
    return template


@pytest.fixture(scope="module")
def readiness_definition(validated: dict[str, Any]) -> tuple[str, str]:
    """Overrides the handlers' dev definition: the one with the Athena states."""
    resources = validated["Resources"]
    (machine,) = [k for k, v in resources.items() if v["Type"] == "AWS::StepFunctions::StateMachine"
                  and k.startswith("Readiness")]  # fmt: skip
    (signal,) = [k for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function"
                 and k.startswith("ReadinessSignal")]  # fmt: skip
    definition = state_machine_definition(validated, machine, values={f"{signal}.Arn": SIGNAL_ARN})
    return resources[machine]["Properties"]["StateMachineName"], definition


@pytest.fixture
def athena(world: World, validated: dict[str, Any]) -> Iterator[tuple[Any, AthenaSimulator]]:
    """moto's S3 with the source bucket, and the Athena fake knowing the stack's Glue table."""
    with mock_aws():
        s3 = moto_client("s3", "us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        fake = AthenaSimulator(s3, region="us-east-1", account="123456789012")
        resources = validated["Resources"]
        (database,) = [v for v in resources.values() if v["Type"] == "AWS::Glue::Database"]
        (table,) = [v for v in resources.values() if v["Type"] == "AWS::Glue::Table"]
        descriptor = table["Properties"]["TableInput"]["StorageDescriptor"]
        fake.define_table(
            database["Properties"]["DatabaseInput"]["Name"],
            table["Properties"]["TableInput"]["Name"],
            columns=len(descriptor["Columns"]),
            location=descriptor["Location"],
            # No skip.header.line.count in the table: the query checks the header itself.
            skip_header=int(
                table["Properties"]["TableInput"]
                .get("Parameters", {})
                .get("skip.header.line.count", 0)
            ),
        )
        world.sfn.sdk_clients["athena"] = fake.client()
        yield s3, fake


def _props(world: World, validated: dict[str, Any], dataset_arn: str) -> dict[str, Any]:
    """The import resource's properties as the template writes them, for this world."""
    (resource,) = [v for v in validated["Resources"].values()
                   if v["Type"] == TYPE and v["Properties"]["DataLocation"] == SOURCE]  # fmt: skip
    return {
        "DatasetArn": dataset_arn,
        "DataLocation": SOURCE,
        "RoleArn": ROLE,
        "ImportMode": "FULL",
        "Validation": resource["Properties"]["Validation"],
        "ReadinessHandle": world.new_handle(),
        "ReadinessStateMachineArn": world.state_machine_arn,
    }


INTERACTIONS_HEADER = "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"
START = 1_700_000_000


def _rows(*bad: str) -> str:
    # Enough users and interactions for every minimum: the only findings are `bad`'s.
    valid = [
        f"u{i % 100},i{i % 150},{START + i},{'Purchase' if i % 2 == 0 else 'View'}"
        for i in range(1200)
    ]
    return "\n".join([INTERACTIONS_HEADER, *valid, *bad]) + "\n"


def _synth_message(tmp_path: Path, text: str) -> str:
    """What synth's validator says about the same content in a local file, for that object."""
    path = tmp_path / "interactions.csv"
    path.write_text(text)
    report = validate_file(path, load_schema(DatasetType.INTERACTIONS), ())
    with pytest.raises(ValidationFailed) as failed:
        report.raise_for_errors()
    # Athena reads a table, not a file: the same lines, without their row numbers.
    return re.sub(r", row \d+", "", str(failed.value)).replace(str(path), SOURCE)


def _jobs(world: World, dataset_arn: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = world.personalize_client.list_dataset_import_jobs(
        datasetArn=dataset_arn
    )["datasetImportJobs"]
    return jobs


def test_a_valid_object_passes_and_its_import_starts(
    world: World, validated: dict[str, Any], athena: tuple[Any, AthenaSimulator]
) -> None:
    # GIVEN a valid interactions object in S3 and an import with validateInS3
    s3, fake = athena
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=_rows().encode())
    dataset = world.dataset()
    props = _props(world, validated, dataset)
    # WHEN CloudFormation creates the import and the readiness workflow runs
    response = world.request(world.event("Create", TYPE, props))
    assert response.ok, response.reason
    assert _jobs(world, dataset) == []  # nothing imported before the validation
    world.run_workflows()
    # THEN Athena ran one query in the configured workgroup, over the object alone, and the job
    # the handler named was created and is ACTIVE: the deploy goes on
    [execution] = fake.executions.values()
    assert execution["WorkGroup"] == "shop-team"
    assert execution["ResultConfiguration"] == {"OutputLocation": RESULTS}
    assert execution["Statistics"]["DataScannedInBytes"] == len(_rows().encode())
    [job] = _jobs(world, dataset)
    assert job["datasetImportJobArn"] == response.physical_id
    assert job["status"] == "ACTIVE"
    assert world.signals(props["ReadinessHandle"]) == [
        {"Status": "SUCCESS", "Reason": "Ready", "UniqueId": response.physical_id, "Data": ""}
    ]


def test_millisecond_timestamps_fail_the_deploy_with_synths_message_and_no_import(
    world: World, validated: dict[str, Any], athena: tuple[Any, AthenaSimulator], tmp_path: Path
) -> None:
    # GIVEN an object in S3 whose two rows have millisecond timestamps
    s3, _ = athena
    text = _rows(f"u1,i1,{START}000,View", f"u2,i2,{START + 60}000,Purchase")
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=text.encode())
    dataset = world.dataset()
    props = _props(world, validated, dataset)
    # WHEN the import is created and the workflow runs
    response = world.request(world.event("Create", TYPE, props))
    world.run_workflows()
    # THEN the WaitCondition fails with exactly what synth says for the same file, and no import
    # job exists
    [signal] = world.signals(props["ReadinessHandle"])
    assert signal["Status"] == "FAILURE"
    assert signal["Reason"] == _synth_message(tmp_path, text)
    assert signal["Reason"].startswith(
        "Dataset validation failed:\nerror: s3://shop-team-exports/personalize/interactions.csv, "
        'TIMESTAMP = "1700000000000": TIMESTAMP looks like epoch milliseconds; Personalize '
        "needs epoch seconds. Fix: divide by 1000 and drop the fraction (1700000000, "
        "2023-11-14 22:13:20 UTC)."
    )
    assert _jobs(world, dataset) == []
    # AND the rollback's Delete of the import ends at once: there is no job to outwait
    delete = world.request(world.event("Delete", TYPE, props, physical_id=response.physical_id))
    assert delete.ok, delete.reason
    assert _jobs(world, dataset) == []


def test_a_header_in_another_order_is_refused_naming_the_expected_header(
    world: World, validated: dict[str, Any], athena: tuple[Any, AthenaSimulator]
) -> None:
    # GIVEN an object whose columns are in another order than the schema's
    s3, _ = athena
    rows = _rows().splitlines()
    swapped = [",".join([r.split(",")[1], r.split(",")[0], *r.split(",")[2:]]) for r in rows]
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=("\n".join(swapped) + "\n").encode())
    dataset = world.dataset()
    props = _props(world, validated, dataset)
    # WHEN the import is created and the workflow runs
    world.request(world.event("Create", TYPE, props))
    world.run_workflows()
    # THEN the deploy fails saying which header validation at deploy needs, and nothing imports
    [signal] = world.signals(props["ReadinessHandle"])
    assert signal["Status"] == "FAILURE"
    assert signal["Reason"].startswith(
        f"Dataset validation failed:\nerror: {SOURCE}: the first line is not the header "
        "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"
    )
    assert _jobs(world, dataset) == []


def test_an_athena_failure_fails_the_deploy_with_athenas_reason(
    world: World, validated: dict[str, Any], athena: tuple[Any, AthenaSimulator]
) -> None:
    # GIVEN a Glue table whose folder Athena cannot read (here: the object is not there)
    _, fake = athena
    fake.tables.clear()
    dataset = world.dataset()
    props = _props(world, validated, dataset)
    # WHEN the import is created and the workflow runs
    world.request(world.event("Create", TYPE, props))
    world.run_workflows()
    # THEN the deploy fails saying Athena could not validate, and nothing imports
    [signal] = world.signals(props["ReadinessHandle"])
    assert signal["Status"] == "FAILURE"
    assert signal["Reason"].startswith(
        "Could not validate the data with Athena before its import: States.TaskFailed: "
    )
    assert _jobs(world, dataset) == []


def test_a_deploy_whose_object_fails_validation_rolls_back_with_nothing_imported_or_billing(
    world: World, validated: dict[str, Any], athena: tuple[Any, AthenaSimulator], tmp_path: Path
) -> None:
    from tests.handlers.test_lifecycle import _billing, _recommenders, shop

    # GIVEN the dev stack's lifecycle resources with the interactions in S3, validated at deploy,
    # and an object with millisecond timestamps
    s3, _ = athena
    text = _rows(f"u1,i1,{START}000,View")
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=text.encode())
    template = shop(world)
    properties = template["Import"]["Properties"]
    properties["DataLocation"] = SOURCE
    properties["Validation"] = _props(world, validated, "unused")["Validation"]
    # WHEN CloudFormation creates the stack
    outcome = world.stack().deploy(template)
    # THEN the import's wait condition fails with synth's text, the stack rolls back cleanly,
    # and no import job, recommender or dataset group is left
    assert outcome.status == "ROLLBACK_COMPLETE", outcome.failures
    [reason] = [r for lid, r in outcome.failures.items() if lid.startswith("ImportCondition")]
    assert reason.startswith(
        f"WaitCondition received failed message: '{_synth_message(tmp_path, text)}'"
    )
    assert world.personalize_client.list_dataset_import_jobs()["datasetImportJobs"] == []
    assert _recommenders(world) == []
    assert _billing(world) == []
    assert world.personalize_client.list_dataset_groups()["datasetGroups"] == []
