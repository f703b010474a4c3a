"""S3SourceValidation alone: the Glue table over the object's folder, the query the import
carries, the workflow's Athena states and the role's least privilege."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from personalize_constructs.dataset_import import DatasetImport
from personalize_constructs.readiness import ReadinessWorkflow
from personalize_constructs.s3_validation import S3SourceValidation, ValidatedSource
from personalize_domain.schemas import DatasetType, load_schema
from tests.constructs.builders import PREFIX, SERVICE_TOKEN, bare_stack, cfn_dataset, resources

SOURCE = "s3://shop-team-exports/personalize/interactions.csv"
RESULTS = "s3://shop-team-athena/validation/"


@pytest.fixture(scope="module")
def template() -> Template:
    stack = bare_stack()
    validation = S3SourceValidation(
        stack,
        "S3SourceValidation",
        name_prefix=PREFIX,
        sources=(
            ValidatedSource(
                DatasetType.INTERACTIONS, SOURCE, load_schema(DatasetType.INTERACTIONS)
            ),
        ),
        workgroup="shop-team",
        results_location=RESULTS,
    )
    role = iam.Role(
        stack, "PersonalizeRole", assumed_by=iam.ServicePrincipal("personalize.amazonaws.com")
    )
    workflow = ReadinessWorkflow(
        stack,
        "Readiness",
        name_prefix=PREFIX,
        personalize_role=role,
        max_wait=Duration.hours(6),
        validation=validation,
    )
    DatasetImport(
        stack,
        "InteractionsImport",
        service_token=SERVICE_TOKEN,
        workflow=workflow,
        dataset=cfn_dataset(stack, DatasetType.INTERACTIONS),
        data_location=SOURCE,
        data_version=SOURCE,
        role_arn="arn:aws:iam::111111111111:role/personalize",
        import_mode="FULL",
        max_wait=Duration.hours(6),
        validation=validation.validation_property(DatasetType.INTERACTIONS),
    )
    return Template.from_stack(stack)


def _statements(template: Template) -> dict[str, dict[str, Any]]:
    return {
        s["Sid"]: s
        for policy in resources(template, "AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if str(s.get("Sid", "")).startswith("Validation")
    }


def test_the_table_reads_the_objects_folder_as_strings_with_its_header(
    template: Template,
) -> None:
    ((_, table),) = resources(template, "AWS::Glue::Table").items()
    descriptor = table["Properties"]["TableInput"]["StorageDescriptor"]
    assert descriptor["Location"] == "s3://shop-team-exports/personalize/"
    assert [c["Type"] for c in descriptor["Columns"]] == ["string"] * 4
    assert "skip.header.line.count" not in table["Properties"]["TableInput"]["Parameters"]


def test_the_import_carries_the_query_restricted_to_the_object(template: Template) -> None:
    ((_, body),) = resources(template, "Custom::PersonalizeDatasetImport").items()
    validation = body["Properties"]["Validation"]
    assert validation["WorkGroup"] == "shop-team"
    assert validation["OutputLocation"] == RESULTS
    assert f"\"$path\" = '{SOURCE}'" in validation["QueryString"]


def test_the_workflow_runs_athenas_own_integration_before_creating_the_job(
    template: Template,
) -> None:
    ((_, machine),) = resources(template, "AWS::StepFunctions::StateMachine").items()
    text = json.dumps(machine["Properties"]["DefinitionString"])
    assert "arn:aws:states:::athena:startQueryExecution.sync" in text
    assert "arn:aws:states:::athena:getQueryResults" in text
    assert "lambda:invoke" in text  # the signal only: no Lambda waits for Athena


def test_the_role_may_query_one_workgroup_and_touch_only_these_locations(
    template: Template,
) -> None:
    statements = _statements(template)
    assert json.dumps(statements["ValidationQueries"]["Resource"]).endswith(
        ':workgroup/shop-team"]]}'
    )
    assert json.dumps(statements["ValidationResults"]["Resource"]).endswith(
        ':s3:::shop-team-athena/validation/*"]]}'
    )
    assert json.dumps(statements["ValidationSource0"]["Resource"]).endswith(
        ':s3:::shop-team-exports/personalize/*"]]}'
    )
    assert statements["ValidationSource0"]["Action"] == "s3:GetObject"
    assert statements["ValidationList0"]["Condition"] == {
        "StringLike": {"s3:prefix": ["personalize/*"]}
    }
    assert "*" not in json.dumps(statements["ValidationTables"]["Resource"])


def _construct(*, source: str = SOURCE, results: str = RESULTS) -> S3SourceValidation:
    schema = load_schema(DatasetType.INTERACTIONS)
    return S3SourceValidation(
        bare_stack(),
        "S3SourceValidation",
        name_prefix=PREFIX,
        sources=(ValidatedSource(DatasetType.INTERACTIONS, source, schema),),
        workgroup="shop-team",
        results_location=results,
    )


def test_results_at_a_bucket_root_are_refused() -> None:
    # GIVEN results at a bucket root: THEN no construct grants PutObject on the whole bucket
    with pytest.raises(ValueError, match="results_location must be s3://bucket/prefix/"):
        _construct(results="s3://shop-team-athena/")


def test_a_source_at_a_bucket_root_is_refused() -> None:
    # GIVEN an object at a bucket root: THEN no table reads (and no role lists) the whole bucket
    with pytest.raises(ValueError, match=r"interactions\.csv is not in a folder"):
        _construct(source="s3://shop-team-exports/interactions.csv")
