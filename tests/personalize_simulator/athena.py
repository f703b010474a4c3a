"""AthenaSimulator: Athena's query API answered by DuckDB over objects in (moto's) S3.

moto implements Athena's API surface (StartQueryExecution, GetQueryExecution, GetQueryResults)
but executes nothing: its results are whatever a test queued through moto's results endpoint.
This fake runs the query. It understands what `personalize_ops.day_two.s3_validation` sends:

- `CREATE EXTERNAL TABLE IF NOT EXISTS `db`.`table` (...) ROW FORMAT SERDE '...OpenCSVSerde' ...
  LOCATION 's3://bucket/folder/' TBLPROPERTIES ('skip.header.line.count' = '1')`: remembered;
- a table defined in Glue by the stack (deploy-time validation: `define_table`, the values of its
  `AWS::Glue::Table`), whose header line is a row like any other (no `skip.header.line.count`);
- a SELECT (Trino): first resolved as Trino would, by sqlglot's qualifier over the known tables
  (columns `column0`.. and `"$path"`), without the alias expansion DuckDB allows: a column that
  Trino cannot resolve (e.g. an alias used in the SELECT that defines it) fails the query, as on
  Athena, instead of passing through DuckDB's more lenient scoping. Then the table becomes every
  CSV object directly in its folder, read by DuckDB as strings (header skipped, as OpenCSVSerde
  with that property, unless the table keeps it), with the `"$path"` pseudo-column; the text is
  transpiled Trino -> DuckDB by sqlglot and run.

`DataScannedInBytes` is the size of the objects the query's `"$path"` filter keeps (Athena's
pruning by `"$path"` is believed, not confirmed: see docs/data-validation.md). Queries finish at
once (QUEUED/RUNNING are not simulated); a query DuckDB refuses ends FAILED with its message.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot.optimizer.qualify import qualify

from .fake_service import FakeService, Params, operation

_DDL = re.compile(
    r"CREATE EXTERNAL TABLE IF NOT EXISTS `(?P<db>[^`]+)`\.`(?P<table>[^`]+)` \((?P<cols>.*?)\) "
    r"ROW FORMAT SERDE 'org\.apache\.hadoop\.hive\.serde2\.OpenCSVSerde'.*LOCATION "
    r"'(?P<location>s3://[^']+)'",
    re.DOTALL,
)
_PATH_FILTER = re.compile(r"\"\$path\" = '([^']+)'")
_TYPES = {"BIGINT": "bigint", "HUGEINT": "bigint", "INTEGER": "integer", "DOUBLE": "double"}
PAGE = 1000  # GetQueryResults' maximum page


class AthenaSimulator(FakeService):
    service_name = "athena"

    def __init__(self, s3: Any, region: str = "eu-west-1", account: str = "123456789012") -> None:
        super().__init__(region=region, account=account)
        self.s3 = s3
        # "db.table" -> (columns, location, header lines skipped)
        self.tables: dict[str, tuple[int, str, int]] = {}
        self.executions: dict[str, Params] = {}
        self._results: dict[str, tuple[list[str], list[str], list[tuple[Any, ...]]]] = {}
        self._files = tempfile.TemporaryDirectory(prefix="athena-sim-")

    @operation("StartQueryExecution")
    def _start(self, req: Params) -> Params:
        execution_id = str(uuid.uuid4())
        text = req["QueryString"]
        status: Params = {"State": "SUCCEEDED"}
        scanned = 0
        try:
            ddl = _DDL.search(text)
            if ddl:
                columns = len(re.findall(r"`column\d+` string", ddl["cols"]))
                self.tables[f"{ddl['db']}.{ddl['table']}"] = (columns, ddl["location"], 1)
            else:
                scanned = self._select(execution_id, text)
        except (duckdb.Error, sqlglot.errors.SqlglotError, KeyError) as error:
            status = {"State": "FAILED", "StateChangeReason": str(error).splitlines()[0]}
        self.executions[execution_id] = {
            "QueryExecutionId": execution_id,
            "Query": text,
            "StatementType": "DDL" if text.startswith("CREATE") else "DML",
            "ResultConfiguration": req.get("ResultConfiguration", {}),
            "WorkGroup": req.get("WorkGroup", "primary"),
            "Status": status,
            "Statistics": {"DataScannedInBytes": scanned},
        }
        return {"QueryExecutionId": execution_id}

    def define_table(
        self, database: str, table: str, *, columns: int, location: str, skip_header: int = 0
    ) -> None:
        """A table created outside Athena (an `AWS::Glue::Table` of the stack)."""
        self.tables[f"{database}.{table}"] = (columns, location, skip_header)

    @operation("GetQueryExecution")
    def _get(self, req: Params) -> Params:
        return {"QueryExecution": self.executions[req["QueryExecutionId"]]}

    @operation("GetQueryResults")
    def _results_page(self, req: Params) -> Params:
        names, types, rows = self._results[req["QueryExecutionId"]]
        start = int(req.get("NextToken") or 0)
        labels = [{"Data": [{"VarCharValue": n} for n in names]}] if start == 0 else []
        page = rows[start : start + PAGE - len(labels)]
        answer: Params = {
            "ResultSet": {
                "Rows": labels
                + [
                    {"Data": [{} if v is None else {"VarCharValue": str(v)} for v in row]}
                    for row in page
                ],
                "ResultSetMetadata": {
                    "ColumnInfo": [
                        {"Name": n, "Type": t} for n, t in zip(names, types, strict=True)
                    ]
                },
            }
        }
        end = start + len(page)
        if end < len(rows):
            answer["NextToken"] = str(end)
        return answer

    def _select(self, execution_id: str, text: str) -> int:
        duck = _as_duckdb(text, frozenset((n, c) for n, (c, _, _) in self.tables.items()))
        scanned = 0
        for name, (columns, location, skip) in self.tables.items():
            db, table = name.split(".")
            reference = f'"{db}"."{table}"'
            if reference not in duck:
                continue
            relation, scanned = self._relation(
                columns, location, set(_PATH_FILTER.findall(text)), skip
            )
            duck = duck.replace(reference, f"({relation})")
        cursor = duckdb.connect().execute(duck)
        names = [d[0] for d in cursor.description or []]
        types = [_TYPES.get(str(d[1]).upper(), "varchar") for d in cursor.description or []]
        self._results[execution_id] = (names, types, cursor.fetchall())
        return scanned

    def _relation(
        self, columns: int, location: str, wanted: set[str], skip: int = 1
    ) -> tuple[str, int]:
        bucket, prefix = location[5:].split("/", 1)
        listed = self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        parts, scanned = [], 0
        names = [f"column{i}" for i in range(columns)]
        spec = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
        for obj in listed:
            key = obj["Key"]
            if "/" in key[len(prefix) :]:
                continue  # not in sub-folders, as a Hive table reads its folder
            uri = f"s3://{bucket}/{key}"
            if wanted and uri not in wanted:
                continue
            scanned += int(obj["Size"])
            local = Path(self._files.name) / f"{uuid.uuid4().hex}.csv"
            local.write_bytes(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            parts.append(
                f"SELECT *, '{uri}' AS \"$path\" FROM read_csv('{local}', header = false, "
                f"skip = {skip}, columns = {{{spec}}}, delim = ',', quote = '\"', escape = '\"', "
                "null_padding = true, ignore_errors = true, auto_detect = false)"
            )
        if not parts:
            empty = ", ".join(f"CAST(NULL AS VARCHAR) AS {n}" for n in names)
            return f'SELECT {empty}, CAST(NULL AS VARCHAR) AS "$path" WHERE FALSE', 0
        return " UNION ALL ".join(parts), scanned


# Tests send the same queries again (a rule set per dataset type): resolved and transpiled once.
@lru_cache(maxsize=64)
def _as_duckdb(text: str, tables: frozenset[tuple[str, int]]) -> str:
    """`text` in DuckDB's dialect, once resolved as Trino would over `tables` ("db.table",
    column count): raises sqlglot's OptimizeError (a SqlglotError) for a column Trino would not
    resolve."""
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for name, columns in tables:
        db, table = name.split(".")
        schema.setdefault(db, {})[table] = {
            **{f"column{i}": "varchar" for i in range(columns)},
            "$path": "varchar",
        }
    qualify(
        sqlglot.parse_one(text, read="trino"),
        schema=schema,
        dialect="trino",
        expand_alias_refs=False,
    )
    [duck] = sqlglot.transpile(text, read="trino", write="duckdb")
    return duck
