"""The Athena fake resolves columns as Trino does before DuckDB runs the query: SQL that only
DuckDB accepts fails here as it would on Athena."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from tests.moto_clients import moto_client
from tests.personalize_simulator.athena import AthenaSimulator

BUCKET = "shop-exports"
URI = f"s3://{BUCKET}/data/items.csv"


@pytest.fixture
def athena() -> Iterator[AthenaSimulator]:
    with mock_aws():
        s3 = moto_client("s3", "us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="data/items.csv", Body=b"ITEM_ID,PRICE\ni1,9.99\n")
        fake = AthenaSimulator(s3, region="us-east-1")
        fake.define_table("db", "t", columns=2, location=f"s3://{BUCKET}/data/")
        yield fake


def _status(fake: AthenaSimulator, query: str) -> dict[str, Any]:
    execution = fake.client().start_query_execution(QueryString=query, WorkGroup="primary")
    status: dict[str, Any] = fake.executions[execution["QueryExecutionId"]]["Status"]
    return status


def test_an_alias_used_in_the_select_that_defines_it_fails_as_on_athena(
    athena: AthenaSimulator,
) -> None:
    # GIVEN a query whose SELECT reads c0, an alias it defines itself (DuckDB allows it)
    query = (
        "SELECT NULLIF(column0, '') AS c0, c0 = 'ITEM_ID' AS is_header FROM \"db\".\"t\" "
        f"WHERE \"$path\" = '{URI}'"
    )
    # WHEN the fake runs it
    status = _status(athena, query)
    # THEN it fails with the column Trino cannot resolve
    assert status["State"] == "FAILED"
    assert "Column 'c0' could not be resolved" in status["StateChangeReason"]


def test_the_same_alias_read_from_the_next_step_runs(athena: AthenaSimulator) -> None:
    # GIVEN the same test, reading c0 from a CTE that defines it
    query = (
        'WITH source AS (SELECT NULLIF(column0, \'\') AS c0 FROM "db"."t" '
        f"WHERE \"$path\" = '{URI}') SELECT c0 = 'ITEM_ID' AS is_header FROM source"
    )
    # WHEN the fake runs it / THEN it succeeds
    assert _status(athena, query) == {"State": "SUCCEEDED"}
