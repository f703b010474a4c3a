"""The rule set as ONE Athena query that the readiness workflow runs before an s3:// import.

`personalize-shop validate --engine athena` (sql_engine.py) runs several queries and finishes the
report in Python. The readiness workflow has no Python: Step Functions starts one query
(`athena:startQueryExecution.sync`), reads its one cell (`getQueryResults`) and fails the deploy
with it when it is not null. So the query itself says everything, in one scan of the object:

- the per-value rules are `rule_set.value_rules`, compiled by `rule_set.to_duckdb_sql` and, with
  the whole query, transpiled to Trino by `rule_set.transpile`, as for the CLI;
- each reported line is the local validator's `Issue.render()` without a row number (Athena reads
  a table, not a file), its message and fix the validator's own words (`columns.rules_for`):
  constant ones are rendered here by the validator's describer, value-dependent parts (a
  millisecond timestamp's value in seconds and its date) are SQL of the same arithmetic;
- the text is `ValidationFailed`'s: "Dataset validation failed:" and the error lines, each rule's
  first examples and its "... and N more rows" line.

What it does not check, unlike synth's validator (docs/data-validation.md): the header beyond
"the first line is the schema's columns in order" (columns are read by position), the file's
structure (encoding, field counts), warnings, and the dataset rules (event types, use-case
minimums, duplicate IDs). Its examples are the smallest failing lines, not the first ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from personalize_domain.data.columns import rules_for
from personalize_domain.data.report import MAX_EXAMPLES_PER_RULE, MAX_VALUE_CHARS, Severity
from personalize_domain.data.rule_set import (
    LongestPart,
    Raw,
    RuleDef,
    raw_column,
    to_duckdb_sql,
    transpile,
    value_rules,
)
from personalize_domain.schemas import DatasetSchema, FieldSpec

FAILED = "Dataset validation failed:"
# The table both Athena validations read: every column a string, OpenCSVSerde with these
# properties, on the object's folder (the CLI creates it by DDL, the stack in Glue).
SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
# escapeChar cannot be the quote (opencsv refuses it), so a backslash in a value reads differently
# from RFC 4180 (docs/data-validation.md, "Backslashes"); line breaks inside quotes split rows,
# hence no validateInS3 for a schema with free text (config._check_validate_in_s3).
SERDE_PARAMETERS = {"separatorChar": ",", "quoteChar": '"', "escapeChar": "\\"}


def table_folder(uri: str) -> str:
    """The folder of an s3:// object: the location of the table that reads it."""
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    return f"s3://{bucket}/{key.rsplit('/', 1)[0] + '/' if '/' in key else ''}"


def table_digest(uri: str, n_columns: int) -> str:
    """What names the table: its folder and its column count (a new one is a new table)."""
    return hashlib.sha256(f"{table_folder(uri)}|{n_columns}".encode()).hexdigest()[:12]


_NL = "CHR(10)"
_UNITS = {
    "timestamp-milliseconds": 1000,
    "timestamp-microseconds": 10**6,
    "timestamp-nanoseconds": 10**9,
}
# The date Python's `datetime.fromtimestamp` can show (year 1-9999); the validator says
# "out of range" beyond it.
_LAST_SECOND = 253_402_300_799


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _thousands(number: str, groups: int = 4) -> str:
    """A non-negative integer below 1000 ** groups with thousands separators, as Python's
    f"{n:,}"."""

    def above(k: int) -> str:  # the number without its k lowest groups
        return number if k == 0 else f"CAST(FLOOR({number} / {1000**k}) AS BIGINT)"

    def group(k: int) -> str:  # the k-th group of three digits, zero-padded
        return f"LPAD(CAST({above(k)} % 1000 AS VARCHAR), 3, '0')"

    cases = " ".join(
        f"WHEN {number} >= {1000**k} THEN CAST({above(k)} AS VARCHAR) || "
        + " || ".join(f"',' || {group(j)}" for j in range(k - 1, -1, -1))
        for k in range(groups - 1, 0, -1)
    )
    return f"(CASE {cases} ELSE CAST({number} AS VARCHAR) END)"


def _display(column: str) -> str:
    """`report.display_value` in SQL: quotes and line breaks escaped, long values shortened."""
    value = f"COALESCE({column}, '')"

    def escape(text: str) -> str:
        for raw, shown in (('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
            text = f"REPLACE({text}, {_lit(raw)}, {_lit(shown)})"
        return text

    short = f"SUBSTRING({value}, 1, {MAX_VALUE_CHARS - 20})"
    return (
        f"(CASE WHEN LENGTH({value}) <= {MAX_VALUE_CHARS} THEN {escape(value)} ELSE "
        f"{escape(short)} || '…(' || {_thousands(f'LENGTH({value})', 3)} || ' characters)' END)"
    )


def _date(seconds: str) -> str:
    """`columns._iso` in SQL: 'YYYY-MM-DD HH:MM:SS UTC', or 'out of range'."""
    return (
        f"(CASE WHEN {seconds} > {_LAST_SECOND} THEN 'out of range' ELSE "
        f"STRFTIME(TO_TIMESTAMP({seconds}), '%Y-%m-%d %H:%M:%S') || ' UTC' END)"
    )


def _whole(column: str) -> str:
    """`columns._as_int` of a number the rule accepted: int(float(value)), towards zero."""
    return f"CAST(TRUNC(TRY_CAST(TRIM({column}) AS DOUBLE)) AS BIGINT)"


Sql = str
Describe = Callable[[FieldSpec, str], tuple[Sql, Sql]]


def _message_and_fix(spec: FieldSpec, position: int, rule: RuleDef) -> tuple[Sql, Sql]:
    """The describer's (message, fix) for the value in column `position`, as SQL."""
    column = raw_column(position)
    [compiled] = [r for r in rules_for(spec, position) if r.code == rule.code]
    name = spec.name
    if rule.code in _UNITS:
        divisor = _UNITS[rule.code]
        message, _ = compiled.describe("0")
        number = _whole(column)
        seconds = f"CAST(({number} - {number} % {divisor}) / {divisor} AS BIGINT)"
        action = compiled.describe("0")[1].split(" and drop the fraction")[0]
        fix = (
            f"{_lit(action + ' and drop the fraction (')} || CAST({seconds} AS VARCHAR) || ', ' "
            f"|| {_date(seconds)} || ').'"
        )
        return _lit(message), fix
    if rule.code == "not-a-boolean":
        lowered = f"LOWER(TRIM({column}))"
        case_message, _ = compiled.describe("True")
        other_message, other_fix = compiled.describe("yes")
        return (
            f"(CASE WHEN {lowered} IN ('true', 'false') THEN {_lit(case_message)} ELSE "
            f"{_lit(other_message)} END)",
            f"(CASE WHEN {lowered} IN ('true', 'false') THEN 'write ' || {lowered} || "
            f"' instead.' ELSE {_lit(other_fix)} END)",
        )
    if rule.code == "timestamp-decimal":
        message, _ = compiled.describe("1.5")
        fix = (
            "'write whole epoch seconds without the fraction (' || "
            f"SPLIT_PART(TRIM({column}), '.', 1) || ').'"
        )
        return _lit(message), fix
    if rule.code in ("id-too-long", "text-too-long"):
        limit_text = compiled.describe("x")[0].split(" characters; ", 1)[1]
        return (
            f"{_lit(name + ' has ')} || {_thousands(f'LENGTH({column})', 3)} || "
            f"{_lit(' characters; ' + limit_text)}",
            _lit(compiled.describe("x")[1]),
        )
    if rule.code == "categorical-value-too-long":
        longest = to_duckdb_sql(LongestPart(Raw(position), "|"))
        rest = compiled.describe("x")[0].split(" characters; ", 1)[1]
        return (
            f"{_lit(name + ' has a categorical value of ')} || {_thousands(longest, 3)} || "
            f"{_lit(' characters; ' + rest)}",
            _lit(compiled.describe("x")[1]),
        )
    if rule.code == "timestamp-iso-date":
        return _iso_date(compiled.describe, column)
    # The other describers do not depend on the value.
    message, fix = compiled.describe(None)
    return _lit(message), _lit(fix)


def _iso_date(describe: Callable[[str | None], tuple[str, str]], column: str) -> tuple[Sql, Sql]:
    """The conversion example for the common ISO forms: a date, or a date and time (naive: read
    as UTC, or with Z); other forms get the fix without an example."""
    message, plain_fix = describe("not a date")
    value = f"TRIM({column})"
    naive = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"
    zulu = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?Z$"
    stamp = f"REPLACE(REPLACE({value}, 'T', ' '), 'Z', '')"
    seconds = f"CAST(EPOCH(TRY_CAST({stamp} AS TIMESTAMP)) AS BIGINT)"
    head, tail = plain_fix.split(", e.g.", 1)
    example = (
        f"(CASE WHEN REGEXP_MATCHES({value}, {_lit(naive)}) THEN ' (' || {value} || ' -> ' || "
        f"CAST({seconds} AS VARCHAR) || ', read as UTC)' WHEN REGEXP_MATCHES({value}, "
        f"{_lit(zulu)}) THEN ' (' || {value} || ' -> ' || CAST({seconds} AS VARCHAR) || ')' "
        "ELSE '' END)"
    )
    return _lit(message), f"{_lit(head)} || {example} || {_lit(', e.g.' + tail)}"


def _line(uri: str, spec: FieldSpec, position: int, rule: RuleDef) -> Sql:
    message, fix = _message_and_fix(spec, position, rule)
    where = f'error: {uri}, {spec.name} = "'
    return f"{_lit(where)} || d{position} || '\": ' || {message} || ' Fix: ' || {fix}"


def _file_line(uri: str, message: str, fix: str) -> Sql:
    return _lit(f"{FAILED}\nerror: {uri}: {message} Fix: {fix}")


def header_problem(schema: DatasetSchema) -> tuple[str, str]:
    """The one header finding the workflow can report: the first line is not the schema's."""
    expected = ",".join(schema.column_names)
    return (
        f"the first line is not the header {expected} (validation at deploy reads the columns "
        "in the schema's order).",
        f"write {expected} as the first line, or run personalize-shop validate --engine athena "
        "on the object to see what differs.",
    )


def validation_query(schema: DatasetSchema, *, uri: str, table: str) -> str:
    """Athena SQL over `table` (`"db"."name"`, every column a string, the header not skipped)
    restricted to `uri`: one row, one column `failure`, null when the object passes."""
    names = schema.column_names
    located = list(enumerate(schema.fields))
    columns = ", ".join(f"NULLIF(column{i}, '') AS {raw_column(i)}" for i in range(len(names)))
    source = f'SELECT {columns} FROM {table} WHERE "$path" = {_lit(uri)}'
    # Trino resolves a column against the FROM clause only, never an alias of the same SELECT
    # (DuckDB does both): the header test reads the c<i> of `source` from the next step.
    is_header = " AND ".join(f"{raw_column(i)} = {_lit(n)}" for i, n in enumerate(names))
    rules = [
        (spec, position, rule)
        for position, spec in located
        for rule in value_rules(spec, position)
        if rule.severity is Severity.ERROR
    ]
    # One scan: each row's line per rule (null when the rule does not flag it), then counts and
    # the smallest MAX_EXAMPLES_PER_RULE lines per rule. Athena inlines each CTE once.
    # Each column's value as a line shows it, once per column rather than once per rule.
    shown = ", ".join(
        [
            "*",
            f"COALESCE({is_header}, FALSE) AS is_header",
            *(f"{_display(raw_column(i))} AS d{i}" for i in range(len(names))),
        ]
    )
    marked = ["is_header"]
    aggregates = ["COUNT(*) AS n_rows", "COUNT_IF(is_header) AS n_headers"]
    blocks = []
    for index, (spec, position, rule) in enumerate(rules):
        condition = f"COALESCE({to_duckdb_sql(rule.exact)}, FALSE) AND NOT is_header"
        marked.append(
            f"CASE WHEN {condition} THEN {_line(uri, spec, position, rule)} END AS l{index}"
        )
        aggregates.append(f"COUNT(l{index}) AS n{index}")
        aggregates.append(
            f"MIN_BY(l{index}, l{index}, {MAX_EXAMPLES_PER_RULE}) FILTER (WHERE l{index} IS NOT "
            f"NULL) AS e{index}"
        )
        more = (
            f"{_NL} || '  ... and ' || {_thousands(f'(n{index} - {MAX_EXAMPLES_PER_RULE})', 5)} || "
            f"{_lit(f' more rows with the same problem ({rule.code})')}"
        )
        blocks.append(
            f"(CASE WHEN n{index} > 0 THEN ARRAY_TO_STRING(e{index}, {_NL}) || (CASE WHEN "
            f"n{index} > {MAX_EXAMPLES_PER_RULE} THEN {more} ELSE '' END) END)"
        )
    any_rule = " OR ".join(f"n{i} > 0" for i in range(len(rules))) or "FALSE"
    header_message, header_fix = header_problem(schema)
    found = f"CONCAT_WS({_NL}, {', '.join(blocks)})" if blocks else "''"
    sql = (
        f"WITH source AS ({source}), shown AS (SELECT {shown} FROM source), "
        f"marked AS (SELECT {', '.join(marked)} FROM shown), "
        f"counts AS (SELECT {', '.join(aggregates)} FROM marked) "
        "SELECT CASE "
        f"WHEN n_headers = 0 THEN {_file_line(uri, header_message, header_fix)} "
        "WHEN n_rows - n_headers = 0 THEN "
        f"{_file_line(uri, 'the file has a header row but no data rows.', 'add data rows below the header.')} "  # noqa: E501
        f"WHEN {any_rule} THEN {_lit(FAILED)} || {_NL} || {found} "
        "END AS failure FROM counts"
    )
    return transpile(sql, "athena")
