"""The SQL rules over data in S3: streamed into DuckDB, or run by Athena (the DuckDB-driven fake).

Both give the local validator's verdict and counts on the same files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws
from test_sql_engine import FIXTURES, SAMPLE, _verdict
from validation_helpers import INTERACTIONS_HEADER, START, interaction_rows

from personalize_domain.data import validate_file
from personalize_domain.schemas import DatasetType, load_schema
from personalize_domain.use_cases import USE_CASES
from personalize_ops.day_two.s3_validation import (
    AthenaRunner,
    validate_s3_with_athena,
    validate_s3_with_duckdb,
)
from tests.moto_clients import moto_client
from tests.personalize_simulator.athena import AthenaSimulator

REGION = "eu-west-1"
BUCKET = "shop-exports"
ALL = tuple(USE_CASES)


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = moto_client("s3", REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield client


def _put(s3: Any, key: str, path: Path) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())
    return f"s3://{BUCKET}/{key}"


def _athena(s3: Any, uri: str) -> tuple[AthenaRunner, AthenaSimulator]:
    fake = AthenaSimulator(s3, region=REGION)
    runner = AthenaRunner(fake.client(), uri=uri, workgroup="primary", results="s3://r/q/")
    return runner, fake


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_streamed_duckdb_and_athena_agree_with_the_local_validator(
    s3: Any, tmp_path: Path, name: str
) -> None:
    dataset_type, rows = FIXTURES[name]
    path = tmp_path / f"{dataset_type.key}.csv"
    path.write_text("\n".join(rows()) + "\n")
    schema = load_schema(dataset_type)
    uri = _put(s3, f"in/{path.name}", path)
    # A neighbour in the same folder: the "$path" filter must keep it out.
    _put(s3, "in/other.csv", SAMPLE / "items.csv")
    local = _verdict(validate_file(path, schema, ALL))
    assert _verdict(validate_s3_with_duckdb(s3, uri, schema, ALL)) == local
    runner, _ = _athena(s3, uri)
    assert _verdict(validate_s3_with_athena(s3, runner, schema, ALL)) == local


def test_the_sample_interactions_agree_and_athena_reports_what_it_scanned(
    s3: Any,
) -> None:
    path = SAMPLE / "interactions.csv"
    schema = load_schema(DatasetType.INTERACTIONS)
    uri = _put(s3, "in/interactions.csv", path)
    runner, fake = _athena(s3, uri)
    report = validate_s3_with_athena(s3, runner, schema, ALL)
    assert _verdict(report) == _verdict(validate_file(path, schema, ALL))
    assert report.ok
    # Every SELECT reads the object once: the scanned bytes are a multiple of its size.
    selects = [e for e in fake.executions.values() if e["StatementType"] == "DML"]
    assert runner.scanned_bytes == len(selects) * path.stat().st_size
    # One table on the folder, created once
    assert len(fake.tables) == 1


def test_athena_names_a_millisecond_timestamp_as_synth_does(s3: Any, tmp_path: Path) -> None:
    path = tmp_path / "interactions.csv"
    rows = interaction_rows(400)
    path.write_text("\n".join([INTERACTIONS_HEADER, *rows, f"u1,i1,{START}000,View"]) + "\n")
    schema = load_schema(DatasetType.INTERACTIONS)
    runner, _ = _athena(s3, _put(s3, "in/interactions.csv", path))
    report = validate_s3_with_athena(s3, runner, schema, ALL)
    assert not report.ok
    rendered = report.render()
    assert (
        f'TIMESTAMP = "{START}000": TIMESTAMP looks like epoch milliseconds; Personalize needs '
        f"epoch seconds. Fix: divide by 1000 and drop the fraction ({START}, "
    ) in rendered


def test_a_failed_athena_query_is_reported_with_athenas_reason(s3: Any) -> None:
    uri = _put(s3, "in/interactions.csv", SAMPLE / "interactions.csv")
    runner, fake = _athena(s3, uri)
    fake.inject("StartQueryExecution", "InvalidRequestException", message="workgroup is disabled")
    with pytest.raises(Exception, match="workgroup is disabled"):
        validate_s3_with_athena(s3, runner, load_schema(DatasetType.INTERACTIONS), ALL)
