"""The deploy-time query (one Athena query, its failure text in one cell) says what the local
validator says, line for line, for every value rule of every fixture: run by the DuckDB-driven
Athena fake over moto's S3, on a table like the stack's (the header kept as a row)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws
from test_sql_engine import FIXTURES

from personalize_domain.data import validate_file
from personalize_domain.data.deploy_validation import FAILED, validation_query
from personalize_domain.data.report import Severity
from personalize_domain.data.rule_set import value_rules
from personalize_domain.schemas import DatasetSchema, load_schema
from tests.moto_clients import moto_client
from tests.personalize_simulator.athena import AthenaSimulator

BUCKET = "shop-exports"
VALUE_RULES = {
    rule.code
    for dataset_type, _ in FIXTURES.values()
    for position, spec in enumerate(load_schema(dataset_type).fields)
    for rule in value_rules(spec, position)
}


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = moto_client("s3", "eu-west-1")
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        yield client


def _run(s3: Any, path: Path, schema: DatasetSchema) -> tuple[str, str | None]:
    uri = f"s3://{BUCKET}/data/{path.name}"
    s3.put_object(Bucket=BUCKET, Key=f"data/{path.name}", Body=path.read_bytes())
    athena = AthenaSimulator(s3)
    athena.define_table(
        "db", "t", columns=len(schema.column_names), location=f"s3://{BUCKET}/data/"
    )
    client = athena.client()
    query = validation_query(schema, uri=uri, table='"db"."t"')
    execution = client.start_query_execution(QueryString=query, WorkGroup="primary")
    status = athena.executions[execution["QueryExecutionId"]]["Status"]
    assert status["State"] == "SUCCEEDED", status
    rows = client.get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    return uri, rows["ResultSet"]["Rows"][1]["Data"][0].get("VarCharValue")


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_the_deploy_query_reports_the_validators_value_findings_line_for_line(
    s3: Any, tmp_path: Path, name: str
) -> None:
    dataset_type, rows = FIXTURES[name]
    if name.startswith("header-"):
        pytest.skip("deploy-time validation reads columns in the schema's order (its own test)")
    path = tmp_path / f"{dataset_type.key}.csv"
    path.write_text("\n".join(rows()) + "\n")
    schema = load_schema(dataset_type)
    uri, failure = _run(s3, path, schema)
    local = validate_file(path, schema, ())
    expected = [
        re.sub(r", row \d+", "", line).replace(str(path), uri)
        for finding in local.findings
        if finding.severity is Severity.ERROR
        and (finding.rule in VALUE_RULES or finding.rule == "header-only")
        for line in finding.render_lines()
    ]
    if not expected:
        assert failure is None, failure
        return
    assert failure is not None
    head, *lines = failure.split("\n")
    assert head == FAILED
    # Athena's examples are the smallest failing lines; these fixtures have five or fewer.
    assert sorted(lines) == sorted(expected)


def test_a_long_value_is_shortened_and_escaped_as_the_validator_shows_it(
    s3: Any, tmp_path: Path
) -> None:
    dataset_type, rows = FIXTURES["items-values"]
    path = tmp_path / "items.csv"
    quoted = 'i9,9.99,"say ""hi"" ' + "x" * 1000 + '",,,,1700000000,,no,'
    path.write_text("\n".join([*rows(), quoted]) + "\n")
    schema = load_schema(dataset_type)
    uri, failure = _run(s3, path, schema)
    local = validate_file(path, schema, ())
    shown = [i.render() for f in local.findings for i in f.issues if "say" in (i.value or "")]
    assert shown, local.render()
    assert failure is not None
    for line in shown:
        assert re.sub(r", row \d+", "", line).replace(str(path), uri) in failure.split("\n")
