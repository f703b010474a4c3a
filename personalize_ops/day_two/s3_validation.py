"""Validate data already in S3 with the validator's rules, without downloading it first.

Two engines run the SQL form of the rules (`personalize_domain/data/sql_engine.py`):

- `duckdb` (the default for s3://): the object is streamed once, through a pipe, into DuckDB on
  this machine; the header comes from a range GET of its first MiB. For files one machine reads.
- `athena`: Amazon Athena reads the object in place: an external table on its folder (OpenCSVSerde,
  every column a string), restricted to the object by `"$path"`. Nothing passes through this
  machine but the counts and the example values; Athena bills the bytes it scans.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from personalize_domain.data.deploy_validation import (
    SERDE,
    SERDE_PARAMETERS,
    table_digest,
    table_folder,
)
from personalize_domain.data.report import ValidationReport
from personalize_domain.data.rule_set import transpile
from personalize_domain.data.sql_engine import HEAD_BYTES, DuckDbRunner, validate_with_sql
from personalize_domain.schemas import DatasetSchema
from personalize_ops.day_two.data_jobs import S3Client, split_s3_uri
from personalize_ops.day_two.errors import DayTwoError

AthenaClient = Any
STREAM_CHUNK = 1 << 20
# Athena's price per TB scanned in most regions (pricing page; check your region's).
ATHENA_USD_PER_TB = 5.0


def _head(s3: S3Client, uri: str) -> tuple[bytes, str]:
    bucket, key = split_s3_uri(uri)
    if key.endswith("/") or not key:
        raise DayTwoError(f"{uri} is a folder; validate one object (s3://bucket/key.csv)")
    answer = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{HEAD_BYTES - 1}")
    return answer["Body"].read(), str(answer.get("ETag", "")).strip('"')


def validate_s3_with_duckdb(
    s3: S3Client, uri: str, schema: DatasetSchema, use_cases: Iterable[str]
) -> ValidationReport:
    """Stream the object through a pipe into DuckDB, then run the SQL rules over it."""
    head, etag = _head(s3, uri)
    bucket, key = split_s3_uri(uri)
    with tempfile.TemporaryDirectory(prefix="personalize-validate-") as folder:
        pipe = Path(folder) / "object.csv"
        os.mkfifo(pipe)

        def feed() -> None:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"]
            with pipe.open("wb") as out:
                for chunk in body.iter_chunks(STREAM_CHUNK):
                    out.write(chunk)

        runner = DuckDbRunner(pipe, database=Path(folder) / "scratch.duckdb", feed=feed)
        return validate_with_sql(
            name=uri, head=head, schema=schema, runner=runner, use_cases=use_cases, digest=etag
        )


@dataclass
class AthenaRunner:
    """Runs the SQL rules on Athena over one S3 object; remembers what Athena scanned."""

    athena: AthenaClient
    uri: str
    workgroup: str
    results: str  # s3:// location for Athena's result files
    database: str = "default"
    sleep: Callable[[float], None] = time.sleep
    poll_seconds: float = 1.0
    dialect: str = "athena"
    scanned_bytes: int = 0
    queries: int = 0
    _table: str | None = field(default=None, repr=False)

    def query(self, sql: str, *, n_columns: int) -> list[tuple[Any, ...]]:
        table = self._ensure_table(n_columns)
        cols = ", ".join(f"NULLIF(column{i}, '') AS c{i}" for i in range(n_columns))
        uri = self.uri.replace("'", "''")
        relation = f"SELECT {cols} FROM {table} WHERE \"$path\" = '{uri}'"
        return self._run(f"WITH data AS ({relation}) {transpile(sql, 'athena')}")

    def _ensure_table(self, n_columns: int) -> str:
        if self._table is not None:
            return self._table
        split_s3_uri(self.uri)  # refuses anything but s3://bucket/key
        folder, digest = table_folder(self.uri), table_digest(self.uri, n_columns)
        table = f'"{self.database}"."personalize_validate_{digest}"'
        columns = ", ".join(f"`column{i}` string" for i in range(n_columns))
        # The table the stack defines in Glue for validateInS3, but the header skipped.
        serde = ", ".join(
            f"'{k}' = '{v.replace(chr(92), chr(92) * 2)}'" for k, v in SERDE_PARAMETERS.items()
        )
        self._run(
            f"CREATE EXTERNAL TABLE IF NOT EXISTS `{self.database}`.`personalize_validate_"
            f"{digest}` ({columns}) ROW FORMAT SERDE '{SERDE}' WITH SERDEPROPERTIES ({serde}) "
            f"LOCATION '{folder}' TBLPROPERTIES ('skip.header.line.count' = '1')",
            ddl=True,
        )
        self._table = table
        return table

    def _run(self, text: str, *, ddl: bool = False) -> list[tuple[Any, ...]]:
        execution_id = self.athena.start_query_execution(
            QueryString=text,
            WorkGroup=self.workgroup,
            QueryExecutionContext={"Database": self.database},
            ResultConfiguration={"OutputLocation": self.results},
        )["QueryExecutionId"]
        self.queries += 1
        while True:
            execution = self.athena.get_query_execution(QueryExecutionId=execution_id)[
                "QueryExecution"
            ]
            state = execution["Status"]["State"]
            if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
                break
            self.sleep(self.poll_seconds)
        self.scanned_bytes += int(execution.get("Statistics", {}).get("DataScannedInBytes", 0))
        if state != "SUCCEEDED":
            reason = execution["Status"].get("StateChangeReason", state)
            raise DayTwoError(f"Athena query {execution_id} {state}: {reason}")
        if ddl:
            return []
        return self._results(execution_id)

    def _results(self, execution_id: str) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        types: list[str] = []
        token: str | None = None
        first_page = True
        while True:
            kwargs: dict[str, Any] = {"QueryExecutionId": execution_id}
            if token:
                kwargs["NextToken"] = token
            page = self.athena.get_query_results(**kwargs)
            result = page["ResultSet"]
            types = [c["Type"] for c in result["ResultSetMetadata"]["ColumnInfo"]]
            data = result.get("Rows", [])
            if first_page:
                data = data[1:]  # a SELECT's first row holds the column labels
                first_page = False
            for row in data:
                cells = [cell.get("VarCharValue") for cell in row["Data"]]
                rows.append(tuple(_typed(v, t) for v, t in zip(cells, types, strict=True)))
            token = page.get("NextToken")
            if not token:
                return rows


def _typed(value: str | None, athena_type: str) -> Any:
    if value is None:
        return None
    if athena_type in ("bigint", "integer", "smallint", "tinyint"):
        return int(value)
    if athena_type in ("double", "float", "real", "decimal"):
        return float(value)
    return value


def validate_s3_with_athena(
    s3: S3Client,
    runner: AthenaRunner,
    schema: DatasetSchema,
    use_cases: Iterable[str],
) -> ValidationReport:
    head, etag = _head(s3, runner.uri)
    return validate_with_sql(
        name=runner.uri, head=head, schema=schema, runner=runner, use_cases=use_cases, digest=etag
    )


def athena_cost(scanned_bytes: int) -> str:
    usd = scanned_bytes / 1e12 * ATHENA_USD_PER_TB
    return f"Athena scanned {scanned_bytes / 1e6:,.1f} MB (about ${usd:,.4f} at $5 per TB)"
