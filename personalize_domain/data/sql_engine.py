"""The validator's rules run as SQL: DuckDB on one machine, Amazon Athena on data in S3.

The per-value rules come from `rule_set.value_rules` (compiled by `rule_set.to_duckdb_sql`, then
transpiled for the engine), the header is checked by the validator's own header code on the
file's first bytes, and the dataset rules (event types, use-case minimums, duplicate ids) by
`dataset_checks.check` on counts the SQL computes. Verdicts and counts are the local
validator's; what SQL cannot say:

- row numbers: Athena reads a table, not a file, so examples show values without their line;
- structure (invalid UTF-8, wrong field counts, stray quotes, blank lines): an SQL CSV reader pads
  or skips such rows instead of reporting them; validate a file that fails on them locally;
- counts are always exact (no sampling).

A runner executes one SQL text in its dialect over the relation `data`: one row per data line,
string columns `c0`.. `c<n-1>`, NULL when empty.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from personalize_domain.data import dataset_checks
from personalize_domain.data.cache import VALIDATOR_VERSION
from personalize_domain.data.columns import rules_for
from personalize_domain.data.report import (
    MAX_EXAMPLES_PER_RULE,
    DatasetStats,
    Finding,
    Issue,
    ValidationReport,
    display_value,
)
from personalize_domain.data.rule_set import Num, Raw, RuleDef, to_duckdb_sql, value_rules
from personalize_domain.data.structure import parse_header
from personalize_domain.data.validator import _positions, check_header, header_only_finding
from personalize_domain.schemas import DatasetSchema, DatasetType
from personalize_domain.use_cases import USE_CASES

_KNOWN_EVENTS = ("View", "Purchase")
HEAD_BYTES = 1 << 20  # what `parse_header` may need: the header line


class SqlRunner(Protocol):
    """Runs one query over the relation `data` and returns its rows."""

    dialect: str  # "duckdb" or "athena"

    def query(self, sql: str, *, n_columns: int) -> list[tuple[Any, ...]]: ...


def validate_with_sql(
    *,
    name: str,
    head: bytes,
    schema: DatasetSchema,
    runner: SqlRunner,
    use_cases: Iterable[str] = (),
    digest: str = "",
) -> ValidationReport:
    """Validate the data `runner` reads (whose first bytes are `head`), as the local validator."""
    selected = tuple(dict.fromkeys(use_cases)) if use_cases else ()
    stats, findings = _validate(name, head, schema, runner, selected)
    return ValidationReport(
        path=name,
        dataset_type=schema.dataset_type.value,
        digest=digest,
        use_cases=selected,
        validator_version=VALIDATOR_VERSION,
        stats=stats,
        findings=tuple(findings),
    )


def _validate(
    name: str,
    head: bytes,
    schema: DatasetSchema,
    runner: SqlRunner,
    selected: tuple[str, ...],
) -> tuple[DatasetStats, list[Finding]]:
    header, findings = check_header(name, parse_header(head) if head else None, schema)
    if header is None:
        return DatasetStats(), findings
    n_columns = len(header.names)
    positions = _positions(header, schema)
    located = [(spec, positions[spec.name]) for spec in schema.fields if spec.name in positions]
    rules = [(spec, pos, rule) for spec, pos in located for rule in value_rules(spec, pos)]

    def run(sql: str) -> list[tuple[Any, ...]]:
        return runner.query(sql, n_columns=n_columns)

    counts = [f"SUM(CASE WHEN {to_duckdb_sql(r.exact)} THEN 1 ELSE 0 END)" for _, _, r in rules]
    [totals] = run(f"SELECT {', '.join(['COUNT(*)', *counts])} FROM data")
    rows = int(totals[0] or 0)
    if rows == 0:
        findings.append(header_only_finding(name))
        return DatasetStats(columns=header.names), findings
    for (spec, pos, rule), count in zip(rules, totals[1:], strict=True):
        if count:
            findings.append(_rule_finding(name, spec.name, pos, rule, int(count), run, spec))

    stats = _stats(header.names, schema.dataset_type, positions, rows, run)
    findings.extend(
        dataset_checks.check(
            file=name,
            dataset_type=schema.dataset_type,
            header=header.names,
            stats=stats,
            event_first_lines={},
            event_types_truncated=False,
            use_cases=selected,
        )
    )
    return stats, findings


def _rule_finding(
    name: str, column: str, position: int, rule: RuleDef, count: int, run: Any, spec: Any
) -> Finding:
    [compiled] = [r for r in rules_for(spec, position) if r.code == rule.code]
    values = run(
        f"SELECT {to_duckdb_sql(Raw(position))} FROM data WHERE {to_duckdb_sql(rule.exact)} "
        f"LIMIT {MAX_EXAMPLES_PER_RULE}"
    )
    issues = []
    for (value,) in values:
        message, fix = compiled.describe(value)
        issues.append(
            Issue(
                rule.severity,
                rule.code,
                name,
                message,
                fix,
                column=column,
                value=display_value(value or ""),
            )
        )
    return Finding(rule.code, rule.severity, count, tuple(issues))


def _stats(
    columns: Sequence[str],
    dataset_type: DatasetType,
    positions: dict[str, int],
    rows: int,
    run: Any,
) -> DatasetStats:
    user, item = positions.get("USER_ID"), positions.get("ITEM_ID")
    interactions = dataset_type is DatasetType.INTERACTIONS

    def distinct(position: int | None) -> tuple[int, int] | None:
        """(distinct ids, ids on 2 or more rows) of a column; nulls are no id."""
        if position is None:
            return None
        col = to_duckdb_sql(Raw(position))
        [(ids, repeated)] = run(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END), 0) FROM "
            f"(SELECT {col} AS id, COUNT(*) AS n FROM data WHERE {col} IS NOT NULL "
            f"GROUP BY {col}) AS ids"
        )
        return int(ids), int(repeated)

    users, items = distinct(user), distinct(item)
    events: dict[str, int] = {}
    min_ts = max_ts = None
    event_pos, ts_pos = positions.get("EVENT_TYPE"), positions.get("TIMESTAMP")
    if interactions and event_pos is not None:
        col = to_duckdb_sql(Raw(event_pos))
        for value, n in run(
            f"SELECT {col}, COUNT(*) FROM data WHERE {col} IS NOT NULL GROUP BY {col}"
        ):
            events[str(value)] = int(n)
    if interactions and ts_pos is not None:
        number = to_duckdb_sql(Num(ts_pos, integer=True))
        [(low, high)] = run(f"SELECT MIN({number}), MAX({number}) FROM data")
        min_ts = None if low is None else int(low)
        max_ts = None if high is None else int(high)
    counts = {**{e: 0 for e in _KNOWN_EVENTS}, **events}
    ordered = {k: v for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if v}
    own = users if dataset_type is DatasetType.USERS else items
    own_rows = None
    if not interactions and own is not None:
        own_pos = user if dataset_type is DatasetType.USERS else item
        col = to_duckdb_sql(Raw(own_pos))  # type: ignore[arg-type]
        [(non_null,)] = run(f"SELECT COUNT({col}) FROM data")
        own_rows = int(non_null) - own[0]
    return DatasetStats(
        rows=rows,
        columns=tuple(columns),
        event_counts=ordered,
        distinct_users=users[0] if users else None,
        users_with_two_or_more=users[1] if users and interactions else None,
        distinct_items=items[0] if items else None,
        duplicate_ids=own_rows,
        min_timestamp=min_ts,
        max_timestamp=max_ts,
    )


class DuckDbRunner:
    """`data` is a CSV read by DuckDB: the offline engine, and the tests' reference.

    `path` is a file, or a pipe another thread `feed`s (an S3 object streamed through it): a pipe
    is read once, into a table of a DuckDB database in `database` (a file, so DuckDB can spill
    to disk instead of holding the data in memory), and every query reads that table.
    """

    dialect = "duckdb"

    def __init__(
        self,
        path: Path,
        *,
        database: Path | None = None,
        feed: Callable[[], None] | None = None,
    ) -> None:
        import duckdb  # only this engine needs it; synth never imports it

        self.path = path
        self._feed = feed
        self._loaded = False
        self._connection = duckdb.connect(str(database) if database else ":memory:")

    def relation(self, n_columns: int) -> str:
        names = [f"column{i}" for i in range(n_columns)]
        spec = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
        path = str(self.path).replace("'", "''")
        cols = ", ".join(f"NULLIF({n}, '') AS c{i}" for i, n in enumerate(names))
        return (
            f"SELECT {cols} FROM read_csv('{path}', header = false, skip = 1, "
            f"columns = {{{spec}}}, delim = ',', quote = '\"', escape = '\"', "
            "null_padding = true, ignore_errors = true, auto_detect = false)"
        )

    def query(self, sql: str, *, n_columns: int) -> list[tuple[Any, ...]]:
        if self._feed is None:
            text = f"WITH data AS ({self.relation(n_columns)}) {sql}"
            return self._connection.execute(text).fetchall()
        if not self._loaded:
            self._load(n_columns)
        return self._connection.execute(f"WITH data AS (SELECT * FROM loaded) {sql}").fetchall()

    def _load(self, n_columns: int) -> None:
        assert self._feed is not None
        errors: list[BaseException] = []

        def feed() -> None:
            try:
                assert self._feed is not None
                self._feed()
            except BaseException as error:  # reported after the load, in this thread
                errors.append(error)

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            self._connection.execute(f"CREATE TABLE loaded AS {self.relation(n_columns)}")
        finally:
            writer.join()
        if errors and not isinstance(errors[0], BrokenPipeError):
            raise errors[0]
        self._loaded = True


def validate_with_duckdb(
    path: Path, schema: DatasetSchema, use_cases: Iterable[str] = ()
) -> ValidationReport:
    """The SQL engine over a local file (what the DuckDB figures in the docs measure)."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    return validate_with_sql(
        name=str(path),
        head=head,
        schema=schema,
        runner=DuckDbRunner(path),
        use_cases=use_cases or tuple(USE_CASES),
    )
