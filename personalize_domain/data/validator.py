"""Validate dataset CSV files against their schema and Amazon Personalize's import rules.

One streaming polars pass reads every column as a string; the per-row work (number parsing, the
rule masks, ID hashes) runs inside polars' pipeline, and Python only reduces each batch. Only rows
that break a rule are looked at in detail, and only the first few per rule are kept. The raw-byte
scans in `structure` run only when that pass has seen a structural problem. Reports are cached by
content digest, so synth re-validates a file only when it changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import reduce
from operator import or_
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl
else:
    from personalize_domain.data.lazy_polars import pl

from personalize_domain.data import cache, dataset_checks
from personalize_domain.data.columns import (
    ColumnRule,
    derived_columns,
    number,
    numeric_types,
    raw,
    rules_for,
    screen_for,
)
from personalize_domain.data.digest import ByteScan, scan_bytes, text_digest
from personalize_domain.data.report import (
    MAX_EXAMPLES_PER_RULE,
    DatasetsReport,
    DatasetStats,
    Finding,
    Issue,
    Severity,
    ValidationReport,
    display_value,
)
from personalize_domain.data.structure import (
    Example,
    FieldCountScan,
    Header,
    Tally,
    Utf8Scan,
    count_fields,
    find_invalid_utf8,
    find_stray_quote,
    has_data_after_header,
    read_header,
)
from personalize_domain.schemas import SCHEMAS_DIR, DatasetSchema, DatasetType, load_schema
from personalize_domain.use_cases import (
    MIN_USERS_WITH_TWO_INTERACTIONS,
    USE_CASES,
    EventType,
)

VALIDATOR_VERSION = cache.VALIDATOR_VERSION
# Batches of about this many bytes keep memory flat whatever the row width.
_BATCH_BYTES = 24 << 20
_BATCH_ROWS = (5_000, 500_000)
# Distinct event types kept with counts; a column of IDs by mistake must not blow up memory.
_MAX_EVENT_TYPES = 10_000
_KNOWN_EVENTS = tuple(e.value for e in EventType)
# Below this size the digest costs milliseconds, so it is computed before validating.
_HASH_FIRST_BYTES = 16 << 20
# Interactions with up to this many rows get exact user and item counts. Above it the counts
# are estimated from the IDs in a slice of the hash range holding about this many rows: exact
# counting probes a hash table once per row, which costs a quarter of the CSV parse on any size.
EXACT_COUNT_ROWS = 1_000_000
# The largest threshold a rule compares the users-with-2-or-more count with. An estimate is
# used only when the sample alone already holds this many such users, so every rule's verdict
# is the one the exact count would give.
_DECIDING_ACTIVE_USERS = max(dataset_checks.QUALITY_USERS, MIN_USERS_WITH_TWO_INTERACTIONS)
# Fewer distinct items than this in the sample would make the estimate coarse (over +-6 %).
_MIN_SAMPLED_IDS = 1000


def validate_dataset(
    path: Path,
    dataset_type: DatasetType,
    use_cases: Iterable[str] = (),
    *,
    cache_dir: Path | None = None,
    schemas_dir: Path = SCHEMAS_DIR,
    digest: str | None = None,
    exact_counts: bool = False,
) -> ValidationReport:
    """Validate one dataset CSV against `schemas/<type>.json` and the selected use cases.

    `use_cases` are keys of `USE_CASES`; their data minimums apply to the Interactions file.
    Pass `digest` (from `file_digest`) when the caller has already hashed the file.
    `exact_counts` counts the users and items of a large Interactions file exactly instead of
    estimating them (about 25 % slower); rule verdicts are exact either way.
    """
    schema = load_schema(dataset_type, schemas_dir)
    return validate_file(
        path, schema, use_cases, cache_dir=cache_dir, digest=digest, exact_counts=exact_counts
    )


def validate_file(
    path: Path,
    schema: DatasetSchema,
    use_cases: Iterable[str] = (),
    *,
    cache_dir: Path | None = None,
    digest: str | None = None,
    exact_counts: bool = False,
) -> ValidationReport:
    """Like `validate_dataset`, for an already loaded (or a test's own) schema."""
    selected = _check_use_cases(use_cases)
    if not path.is_file():
        return _report(path, schema, selected, "", DatasetStats(), [_missing_file(path)])

    def key_of(file_digest: str, exact: bool = exact_counts) -> str:
        return cache.cache_key(
            digest=file_digest,
            schema_json=schema.avro_json,
            use_cases=selected,
            exact_counts=exact,
        )

    def cached(file_digest: str) -> ValidationReport | None:
        if cache_dir is None:
            return None
        hit = cache.load(cache_dir, key_of(file_digest))
        return hit.for_path(str(path), from_cache=True) if hit is not None else None

    known: ByteScan | None = None
    if digest is None and _hash_first(path, cache_dir, cached):
        known = scan_bytes(path)
        digest = known.digest
    if digest is not None:
        if (hit := cached(digest)) is not None:
            return hit
        stats, findings = _validate(
            path, schema, selected, exact_counts, _quotes_of(path, known), lambda: None
        )
    else:
        outcome = _validate_while_hashing(path, schema, selected, exact_counts, cached)
        if isinstance(outcome, ValidationReport):
            return outcome
        stats, findings, digest = outcome
    report = _report(path, schema, selected, digest, stats, findings)
    if cache_dir is not None:
        cache.store(cache_dir, key_of(digest), report)
        if not report.stats.counts_estimated:
            # Nothing was sampled, so the report is also the answer to the other request.
            cache.store(cache_dir, key_of(digest, not exact_counts), report)
        cache.store_digest_hint(cache_dir, path, digest)
    return report


def _quotes_of(path: Path, known: ByteScan | None) -> Callable[[], bool]:
    # Needed only to place reported rows, so a clean file with a caller-supplied digest is never
    # read byte by byte.
    return lambda: (known or scan_bytes(path, digest=False)).has_quotes


def _validate_while_hashing(
    path: Path,
    schema: DatasetSchema,
    selected: tuple[str, ...],
    exact_counts: bool,
    cached: Callable[[str], ValidationReport | None],
) -> ValidationReport | tuple[DatasetStats, list[Finding], str]:
    """Hash in a thread while validating; the hash needs one core for ~0.3 s per 250 MB.

    Returns the statistics, findings and digest; or, if the finished digest turns out to be
    cached after all, stops the scan and returns the cached report.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(scan_bytes, path)
        checked: list[bool] = []

        def cached_meanwhile() -> ValidationReport | None:
            # Looked up once, as soon as the digest is known.
            if checked or not job.done():
                return None
            checked.append(True)
            return cached(job.result().digest)

        try:
            stats, findings = _validate(
                path,
                schema,
                selected,
                exact_counts,
                lambda: job.result().has_quotes,
                cached_meanwhile,
            )
        except _CacheHit as hit:
            return hit.report
        return stats, findings, job.result().digest


def _hash_first(
    path: Path, cache_dir: Path | None, cached: Callable[[str], ValidationReport | None]
) -> bool:
    """Whether to hash before validating rather than alongside.

    Small files hash in milliseconds. A file whose size, mtime and inode match the last run is
    most likely unchanged: hashing it alone, without a validation competing for the cores, is
    the fastest way to confirm the cached report.
    """
    if path.stat().st_size < _HASH_FIRST_BYTES:
        return True
    hint = cache.digest_hint(cache_dir, path) if cache_dir is not None else None
    return hint is not None and cached(hint) is not None


class _CacheHit(Exception):
    def __init__(self, report: ValidationReport) -> None:
        self.report = report


def validate_datasets(
    *,
    interactions: Path | None = None,
    items: Path | None = None,
    users: Path | None = None,
    use_cases: Iterable[str] = (),
    cache_dir: Path | None = None,
    schemas_dir: Path = SCHEMAS_DIR,
    exact_counts: bool = False,
) -> DatasetsReport:
    """Validate the files of one dataset group, plus the items referenced across files."""
    selected = _check_use_cases(use_cases)
    reports: list[ValidationReport] = []
    for path, dataset_type in (
        (interactions, DatasetType.INTERACTIONS),
        (items, DatasetType.ITEMS),
        (users, DatasetType.USERS),
    ):
        if path is not None:
            reports.append(
                validate_dataset(
                    path,
                    dataset_type,
                    selected,
                    cache_dir=cache_dir,
                    schemas_dir=schemas_dir,
                    exact_counts=exact_counts,
                )
            )
    cross: tuple[Finding, ...] = ()
    by_type = {r.dataset_type: r for r in reports}
    inter = by_type.get(DatasetType.INTERACTIONS.value)
    item = by_type.get(DatasetType.ITEMS.value)
    if inter is not None and item is not None and inter.ok and item.ok:
        cross = _unknown_items(inter, item, cache_dir)
    return DatasetsReport(tuple(reports), cross)


def _check_use_cases(use_cases: Iterable[str]) -> tuple[str, ...]:
    selected = tuple(sorted(set(use_cases)))
    unknown = [u for u in selected if u not in USE_CASES]
    if unknown:
        raise ValueError(
            f"unknown use case(s) {', '.join(unknown)}; choose from {', '.join(USE_CASES)}."
        )
    return selected


def _report(
    path: Path,
    schema: DatasetSchema,
    selected: tuple[str, ...],
    digest: str,
    stats: DatasetStats,
    findings: list[Finding],
) -> ValidationReport:
    return ValidationReport(
        path=str(path),
        dataset_type=schema.dataset_type.value,
        digest=digest,
        use_cases=selected,
        validator_version=VALIDATOR_VERSION,
        stats=stats,
        findings=tuple(findings),
    )


def _missing_file(path: Path) -> Finding:
    issue = Issue(
        Severity.ERROR,
        "file-not-found",
        str(path),
        "the file does not exist or is not a regular file.",
        "check the path, or generate sample data with `sample-data --out DIR`.",
    )
    return Finding("file-not-found", Severity.ERROR, 1, (issue,))


def _validate(
    path: Path,
    schema: DatasetSchema,
    selected: tuple[str, ...],
    exact_counts: bool,
    has_quotes: Callable[[], bool],
    cached_meanwhile: Callable[[], ValidationReport | None],
) -> tuple[DatasetStats, list[Finding]]:
    file = str(path)
    header, findings = check_header(
        file, read_header(path) if path.stat().st_size else None, schema
    )
    if header is None:
        return DatasetStats(), findings
    if not has_data_after_header(path, header):
        findings.append(header_only_finding(file))
        return DatasetStats(columns=header.names), findings

    plan = _plan(path, header, schema)
    utf8: Utf8Scan | None = None
    fields: FieldCountScan | None = None
    try:
        scan = _scan(path, plan, cached_meanwhile, lossy=False, truncate=False)
    except _CacheHit:
        raise
    except (Exception, pl.exceptions.PanicException):
        # Polars stops at the first invalid byte or over-long row without saying where, so
        # locate every such problem on the raw bytes, then read tolerantly to check the rest.
        utf8 = find_invalid_utf8(path)
        fields = count_fields(path, plan.n_columns)
        try:
            scan = _scan(path, plan, cached_meanwhile, lossy=True, truncate=True)
        except _CacheHit:
            raise
        except (Exception, pl.exceptions.PanicException) as exc:
            findings.extend(_structure_findings(file, utf8, fields, plan.n_columns))
            findings.append(_unparseable(file, exc, fields, find_stray_quote(path)))
            return DatasetStats(columns=header.names), findings
    if fields is None and scan.last_column_nulls:
        # A short row leaves the last column empty; only the csv module can tell them apart.
        fields = count_fields(path, plan.n_columns)
    findings.extend(_structure_findings(file, utf8, fields, plan.n_columns))
    records = scan.records_to_locate()
    # Only a quoted field can hold a line break, so the byte scan's answer decides whether
    # record numbers need translating into line numbers.
    line_of = _line_resolver(path, plan, records, has_quotes=bool(records) and has_quotes())
    findings.extend(_rule_findings(file, plan.rules, scan.tallies, line_of))

    stats = scan.stats(header.names, schema.dataset_type, exact_counts=exact_counts)
    if stats.duplicate_ids:
        stats = replace(stats, duplicate_examples=_duplicate_examples(path, plan, schema))
    findings.extend(
        dataset_checks.check(
            file=file,
            dataset_type=schema.dataset_type,
            header=header.names,
            stats=stats,
            event_first_lines={v: line_of(r) for v, r in scan.event_first_records.items()},
            event_types_truncated=scan.event_types_truncated,
            use_cases=selected,
        )
    )
    return stats, findings


def _file_finding(
    file: str, rule: str, message: str, fix: str, severity: Severity = Severity.ERROR
) -> Finding:
    return Finding(rule, severity, 1, (Issue(severity, rule, file, message, fix, row=1),))


def check_header(
    file: str, header: Header | None, schema: DatasetSchema
) -> tuple[Header | None, list[Finding]]:
    """The findings of a file's first line (`header` None: the file is empty), and the header
    when it names columns, so that the rows under it can be checked (else None). Both engines
    start here, so their header messages are the same."""
    if header is None:
        return None, [
            _file_finding(
                file,
                "empty-file",
                "the file is empty.",
                "write a header row with the schema's columns "
                f"({','.join(schema.column_names)}) followed by data rows.",
            )
        ]
    findings = _header_findings(file, header, schema)
    if not any(name.strip() for name in header.names):
        return None, findings
    return header, findings


def header_only_finding(file: str) -> Finding:
    return _file_finding(
        file,
        "header-only",
        "the file has a header row but no data rows.",
        "add data rows below the header.",
    )


def _header_findings(file: str, header: Header, schema: DatasetSchema) -> list[Finding]:
    findings: list[Finding] = []
    expected = schema.column_names
    expected_line = ",".join(expected)

    def add(rule: str, message: str, fix: str, column: str | None = None) -> None:
        issue = Issue(Severity.ERROR, rule, file, message, fix, row=1, column=column)
        findings.append(Finding(rule, Severity.ERROR, 1, (issue,)))

    if header.has_bom:
        add(
            "byte-order-mark",
            "the file starts with a UTF-8 byte-order mark (BOM), which becomes part of the "
            "first column name.",
            "save as UTF-8 without BOM (Excel: 'CSV (Comma delimited)', not 'CSV UTF-8'; or "
            "sed -i '1s/^\\xEF\\xBB\\xBF//' FILE).",
        )
    if header.invalid_utf8:
        add(
            "invalid-utf8",
            "the header row is not valid UTF-8.",
            f"write the header as {expected_line}.",
        )
    if not any(name.strip() for name in header.names):
        add(
            "missing-header",
            "the first line is empty; it must be the header row.",
            f"write {expected_line} as the first line.",
        )
        return findings
    if header.quoted:
        add(
            "header-quoted",
            f"header names are quoted ({', '.join(header.quoted)}); Personalize needs them "
            "unquoted.",
            f"write the header exactly as {expected_line}.",
        )
    names = list(header.names)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            add(
                "header-duplicate",
                f"column {name} appears twice in the header.",
                "remove the duplicate column.",
                name,
            )
        seen.add(name)
    missing = [n for n in expected if n not in seen]
    unknown = [n for n in names if n not in expected]
    folded = {n.strip().upper(): n for n in unknown}
    for name in missing:
        near = folded.get(name)
        if near is not None:
            add(
                "header-misspelled",
                f'header has "{near}" where the schema column is {name}.',
                f"rename the header to {name} (names are case-sensitive, without spaces).",
                name,
            )
            unknown.remove(near)
        else:
            add(
                "header-missing-column",
                f"column {name} of the {schema.dataset_type.value} schema is missing from the "
                "header.",
                f"add the {name} column; the header must be {expected_line}.",
                name,
            )
    for name in unknown:
        shown = name if name.strip() else "(empty name; a trailing comma?)"
        add(
            "header-unknown-column",
            f"column {shown} is not in {schema.path.name}.",
            f"remove the column, or add the field to {schema.path.name}; the header must be "
            f"{expected_line}.",
            name if name.strip() else None,
        )
    present = [n for n in names if n in expected]
    if not missing and not unknown and present != [n for n in expected if n in present]:
        add(
            "header-order",
            f"columns are in the order {','.join(names)}; Personalize needs the schema's order.",
            f"reorder the columns to {expected_line}.",
        )
    return findings


def _positions(header: Header, schema: DatasetSchema) -> dict[str, int]:
    positions: dict[str, int] = {}
    wanted = set(schema.column_names)
    for i, name in enumerate(header.names):
        if name in wanted and name not in positions:
            positions[name] = i
    return positions


@dataclass
class _Plan:
    n_columns: int
    rules: list[ColumnRule]
    # Cheap per-column supersets of the rule masks: a clean row is tested once per column.
    screens: list[pl.Expr]
    # Polars type of each numeric column, by position.
    numeric: dict[int, pl.DataType]
    user_pos: int | None
    item_pos: int | None
    event_pos: int | None
    timestamp_pos: int | None
    batch_rows: int


def _plan(path: Path, header: Header, schema: DatasetSchema) -> _Plan:
    positions = _positions(header, schema)
    located = [(spec, positions[spec.name]) for spec in schema.fields if spec.name in positions]
    interactions = schema.dataset_type is DatasetType.INTERACTIONS
    rules = [rule for spec, pos in located for rule in rules_for(spec, pos)]
    screens = [
        screen_for(spec, pos, [r for r in rules if r.position == pos]) for spec, pos in located
    ]
    return _Plan(
        n_columns=len(header.names),
        rules=rules,
        screens=[screen for screen in screens if screen is not None],
        numeric=numeric_types(located),
        user_pos=positions.get("USER_ID"),
        item_pos=positions.get("ITEM_ID"),
        event_pos=positions.get("EVENT_TYPE") if interactions else None,
        timestamp_pos=positions.get("TIMESTAMP") if interactions else None,
        batch_rows=_batch_rows(path, header),
    )


def _batch_rows(path: Path, header: Header) -> int:
    with path.open("rb") as f:
        f.seek(header.length)
        sample = f.read(1 << 20)
    lines = max(1, sample.count(b"\n"))
    per_row = max(1, len(sample) // lines)
    low, high = _BATCH_ROWS
    return max(low, min(high, _BATCH_BYTES // per_row))


@dataclass
class _RuleTally:
    count: int = 0
    # (0-based record index, raw value) of the first few offending rows.
    examples: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _ScanResult:
    rows: int = 0
    tallies: list[_RuleTally] = field(default_factory=list)
    last_column_nulls: int = 0
    user_hashes: list[pl.Series] = field(default_factory=list)
    item_hashes: list[pl.Series] = field(default_factory=list)
    event_counts: dict[str, int] = field(default_factory=dict)
    event_first_records: dict[str, int] = field(default_factory=dict)
    event_types_truncated: bool = False
    min_timestamp: int | None = None
    max_timestamp: int | None = None

    def records_to_locate(self) -> set[int]:
        wanted = {record for t in self.tallies for record, _ in t.examples}
        return wanted | set(self.event_first_records.values())

    def stats(
        self, columns: Sequence[str], dataset_type: DatasetType, *, exact_counts: bool
    ) -> DatasetStats:
        interactions = dataset_type is DatasetType.INTERACTIONS
        # Items and Users files are never sampled: their duplicate-id rule needs exact counts.
        shift = 0 if exact_counts or not interactions else _sample_shift(self.rows)
        users, items = _distinct(self.user_hashes, self.item_hashes, shift=shift)
        # A sample too thin to settle the active-user rules (or a file small enough for the
        # quality advice to quote the count) gets every user counted; a sample with few items
        # (a small catalogue, which counts fast) gets every item counted.
        recount_users = shift > 0 and (
            users is None
            or users.repeated_seen < _DECIDING_ACTIVE_USERS
            or self.rows < dataset_checks.QUALITY_INTERACTIONS
        )
        recount_items = shift > 0 and (items is None or items.distinct_seen < _MIN_SAMPLED_IDS)
        if recount_users or recount_items:
            exact_users, exact_items = _distinct(
                self.user_hashes if recount_users else [],
                self.item_hashes if recount_items else [],
                shift=0,
            )
            if recount_users:
                users = exact_users
            if recount_items:
                items = exact_items
        own_id = users if dataset_type is DatasetType.USERS else items
        counts = {**{e: 0 for e in _KNOWN_EVENTS}, **self.event_counts}
        ordered = {k: v for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if v}
        return DatasetStats(
            rows=self.rows,
            columns=tuple(columns),
            event_counts=ordered,
            distinct_users=users.distinct if users else None,
            users_with_two_or_more=users.repeated if users and interactions else None,
            distinct_items=items.distinct if items else None,
            duplicate_ids=None if interactions or own_id is None else own_id.repeats,
            min_timestamp=self.min_timestamp,
            max_timestamp=self.max_timestamp,
            user_sample_rate=1 if recount_users else 1 << shift,
            item_sample_rate=1 if recount_items else 1 << shift,
        )


def _sample_shift(rows: int) -> int:
    """How many top bits of the ID hash select the sample: 0 (count every ID) up to
    `EXACT_COUNT_ROWS` rows, then the smallest power-of-two slice expected to hold at most that
    many (IDs with many rows can push a sample over it)."""
    shift = 0
    while rows > EXACT_COUNT_ROWS << shift:
        shift += 1
    return shift


@dataclass(frozen=True)
class _Distinct:
    """Counts of one ID column; scaled up when only a sample of the IDs was counted."""

    distinct: int
    # Values that occur at least twice, and rows that repeat an earlier value.
    repeated: int
    repeats: int
    # Values seen in the sample itself, and those seen at least twice there, unscaled: true
    # lower bounds of the whole column's.
    distinct_seen: int
    repeated_seen: int


def _distinct(*columns: list[pl.Series], shift: int) -> list[_Distinct | None]:
    """Distinct counts of each column of ID hashes, in one parallel streaming aggregation.

    Grouping u64 hashes is several times faster than grouping the strings; a collision among a
    few million IDs has a probability near 1e-7 and would move a count by one.

    With `shift` > 0 only the IDs whose hash lies in the lowest 1/2**shift of the range are
    counted, and the counts are scaled up: an ID is in or out of the sample with all its rows,
    so an ID's row count, hence "2 or more", is exact inside the sample. The unscaled count of
    IDs with 2 or more rows is therefore a true lower bound of the whole file's.
    """
    in_sample = pl.col("h") < pl.lit(1 << (64 - shift), dtype=pl.UInt64) if shift else None
    queries = [
        (
            pl.LazyFrame({"h": pl.concat(hashes, rechunk=False)})
            if in_sample is None
            else pl.LazyFrame({"h": pl.concat(hashes, rechunk=False)}).filter(in_sample)
        )
        .group_by("h")
        .len()
        .select(
            pl.len().alias("distinct"),
            (pl.col("len") >= 2).sum().alias("repeated"),
            pl.col("len").sum().alias("rows"),
        )
        for hashes in columns
        if hashes
    ]
    results = iter(pl.collect_all(queries, engine="streaming"))
    out: list[_Distinct | None] = []
    for hashes in columns:
        if not hashes:
            out.append(None)
            continue
        distinct, repeated, rows = next(results).row(0)
        repeated = repeated or 0
        out.append(
            _Distinct(
                distinct << shift,
                repeated << shift,
                ((rows or 0) - distinct) << shift,
                distinct_seen=distinct,
                repeated_seen=repeated,
            )
        )
    return out


def _source(path: Path, n_columns: int, *, lossy: bool, truncate: bool) -> pl.LazyFrame:
    """Every column as a string, named by position: the header is checked separately."""
    return pl.scan_csv(
        path,
        has_header=False,
        skip_rows=1,
        schema={f"c{i}": pl.String for i in range(n_columns)},
        encoding="utf8-lossy" if lossy else "utf8",
        truncate_ragged_lines=truncate,
        missing_columns="insert",
        raise_if_empty=False,
    )


def _scan(
    path: Path,
    plan: _Plan,
    cached_meanwhile: Callable[[], ValidationReport | None],
    *,
    lossy: bool,
    truncate: bool,
) -> _ScanResult:
    # Numbers are read as strings and cast: the reader's own number parser would be ~10 % faster
    # but accepts " 5", which Personalize's parser need not, and the report must see the text.
    result = _ScanResult(tallies=[_RuleTally() for _ in plan.rules])
    names = [f"c{i}" for i in range(plan.n_columns)]
    per_row: list[pl.Expr] = []
    reductions: list[pl.Expr] = [
        pl.col(names[-1]).null_count().alias("last_nulls"),
        pl.len().alias("rows"),
    ]
    if plan.screens:
        per_row.append(reduce(or_, plan.screens).alias("bad"))
        reductions.append(pl.col("bad").sum())
    if plan.user_pos is not None:
        per_row.append(raw(plan.user_pos).hash().alias("uh"))
        reductions.append(raw(plan.user_pos).null_count().alias("user_nulls"))
    if plan.item_pos is not None:
        per_row.append(raw(plan.item_pos).hash().alias("ih"))
        reductions.append(raw(plan.item_pos).null_count().alias("item_nulls"))
    if plan.timestamp_pos is not None:
        ts = number(plan.timestamp_pos)
        reductions += [ts.min().alias("ts_min"), ts.max().alias("ts_max")]
    if plan.event_pos is not None:
        event = raw(plan.event_pos)
        known = [(event == e).alias(f"ev_{e}") for e in _KNOWN_EVENTS]
        per_row += known
        other = event.is_not_null() & ~reduce(or_, (pl.col(f"ev_{e}") for e in _KNOWN_EVENTS))
        reductions += [pl.col(f"ev_{e}").sum() for e in _KNOWN_EVENTS]
        reductions.append(other.sum().alias("ev_other"))
    source = _source(path, plan.n_columns, lossy=lossy, truncate=truncate)
    pipeline = source.with_columns(derived_columns(plan.numeric)).with_columns(per_row)
    batches = pipeline.collect_batches(chunk_size=plan.batch_rows)
    for batch in batches:
        if (hit := cached_meanwhile()) is not None:
            # Dropping the iterator (as the exception unwinds) stops the streaming query.
            raise _CacheHit(hit)
        if batch.height == 0:
            continue
        totals = batch.select(reductions).row(0, named=True)
        offset = result.rows
        if totals.get("bad"):
            _detail(result, plan, names, batch, offset)
        if plan.user_pos is not None:
            result.user_hashes.append(_id_hashes(batch, "uh", plan.user_pos, totals["user_nulls"]))
        if plan.item_pos is not None:
            result.item_hashes.append(_id_hashes(batch, "ih", plan.item_pos, totals["item_nulls"]))
        if plan.timestamp_pos is not None and totals["ts_min"] is not None:
            low, high = totals["ts_min"], totals["ts_max"]
            if result.min_timestamp is None or result.max_timestamp is None:
                result.min_timestamp, result.max_timestamp = low, high
            else:
                result.min_timestamp = min(low, result.min_timestamp)
                result.max_timestamp = max(high, result.max_timestamp)
        if plan.event_pos is not None:
            for e in _KNOWN_EVENTS:
                result.event_counts[e] = result.event_counts.get(e, 0) + totals[f"ev_{e}"]
            if totals["ev_other"]:
                _other_events(result, batch, raw(plan.event_pos), offset)
        result.last_column_nulls += totals["last_nulls"]
        result.rows += totals["rows"]
    return result


def _id_hashes(batch: pl.DataFrame, column: str, position: int, nulls: int) -> pl.Series:
    hashes = batch.get_column(column)
    # An empty ID hashes to a constant; drop it rather than count it as one more distinct ID.
    return hashes.filter(batch.get_column(f"c{position}").is_not_null()) if nulls else hashes


def _detail(
    result: _ScanResult, plan: _Plan, names: list[str], batch: pl.DataFrame, offset: int
) -> None:
    """Split the flagged rows of a batch by rule, keeping counts and the first few examples."""
    flagged = batch.with_row_index("record", offset=offset).filter("bad")
    blank = pl.all_horizontal([pl.col(n).is_null() for n in names])
    masks = [
        # A blank line is reported once as a structural problem, not once per empty column.
        (rule.mask & ~blank if rule.code == "empty-value" else rule.mask).alias(f"f{k}")
        for k, rule in enumerate(plan.rules)
    ]
    flags = flagged.select(masks)
    for k, hits in enumerate(flags.sum().row(0)):
        if not hits:
            continue
        rule, tally = plan.rules[k], result.tallies[k]
        column = f"c{rule.position}"
        rows = flagged.filter(flags.to_series(k))
        if rule.refine is not None:
            rows = rows.filter(rule.refine.fill_null(False))
        tally.count += rows.height
        need = MAX_EXAMPLES_PER_RULE - len(tally.examples)
        if need > 0:
            head = rows.head(need)
            tally.examples += zip(
                head.get_column("record").to_list(),
                ("" if v is None else str(v) for v in head.get_column(column).to_list()),
                strict=True,
            )


def _other_events(result: _ScanResult, batch: pl.DataFrame, event: pl.Expr, offset: int) -> None:
    """Count event types other than View/Purchase; rare in a shop export, so done per value."""
    known = reduce(or_, (pl.col(f"ev_{e}") for e in _KNOWN_EVENTS))
    groups = (
        batch.with_row_index("record", offset=offset)
        .filter(event.is_not_null() & ~known)
        .group_by(event.alias("event"))
        .agg(pl.len().alias("n"), pl.col("record").min().alias("first"))
        .sort("first")
    )
    for value, n, first in groups.iter_rows():
        if value not in result.event_counts:
            if len(result.event_counts) >= _MAX_EVENT_TYPES:
                result.event_types_truncated = True
                continue
            result.event_counts[value] = 0
            result.event_first_records[value] = first
        result.event_counts[value] += n


def _line_resolver(
    path: Path, plan: _Plan, records: set[int], *, has_quotes: bool
) -> Callable[[int], int]:
    """Map 0-based record indexes to 1-based physical lines (the header is line 1)."""
    if not has_quotes or not records:
        return lambda record: record + 2
    # Quoted fields may hold line breaks, which shift every later record down a line. Counting
    # them costs a second read, so it happens only for a file with quotes and rows to report.
    names = [f"c{i}" for i in range(plan.n_columns)]
    newlines = pl.sum_horizontal(
        [pl.col(n).str.count_matches("\n", literal=True) for n in names]
    ).fill_null(0)
    located = (
        _source(path, plan.n_columns, lossy=True, truncate=True)
        .select((newlines.cum_sum() - newlines).alias("before"))
        .with_row_index("record")
        .filter(pl.col("record").is_in(sorted(records)))
        .collect()
    )
    before = dict(located.iter_rows())
    return lambda record: record + 2 + int(before.get(record, 0))


def _rule_findings(
    file: str,
    rules: list[ColumnRule],
    tallies: list[_RuleTally],
    line_of: Callable[[int], int],
) -> list[Finding]:
    findings = []
    for rule, tally in zip(rules, tallies, strict=True):
        if not tally.count:
            continue
        issues = []
        for record, value in tally.examples:
            message, fix = rule.describe(value)
            issues.append(
                Issue(
                    rule.severity,
                    rule.code,
                    file,
                    message,
                    fix,
                    row=line_of(record),
                    column=rule.column,
                    value=display_value(value),
                )
            )
        findings.append(Finding(rule.code, rule.severity, tally.count, tuple(issues)))
    return findings


def _duplicate_examples(path: Path, plan: _Plan, schema: DatasetSchema) -> tuple[str, ...]:
    position = plan.user_pos if schema.dataset_type is DatasetType.USERS else plan.item_pos
    if position is None:
        return ()
    column = raw(position)
    repeated = (
        _source(path, plan.n_columns, lossy=True, truncate=True)
        .select(column)
        .drop_nulls()
        .filter(column.is_duplicated())
        .unique(maintain_order=True)
        .head(MAX_EXAMPLES_PER_RULE)
        .collect()
    )
    return tuple(repeated.to_series().to_list())


def _structure_findings(
    file: str, utf8: Utf8Scan | None, fields: FieldCountScan | None, expected: int
) -> list[Finding]:
    findings: list[Finding] = []
    if utf8 is not None and utf8.tally.count:
        hint = " The file looks Windows-1252/Latin-1 encoded." if utf8.looks_like_cp1252 else ""
        fix = (
            "re-save the file as UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8 IN > OUT)."
            if utf8.looks_like_cp1252
            else "re-save the file as UTF-8, or remove the corrupt bytes."
        )
        findings.append(
            _tally_finding(
                file,
                "invalid-utf8",
                Severity.ERROR,
                utf8.tally,
                lambda e: f"bytes {e.detail} are not valid UTF-8.{hint}",
                fix,
            )
        )
    if fields is not None and fields.ragged.count:
        findings.append(
            _tally_finding(
                file,
                "wrong-field-count",
                Severity.ERROR,
                fields.ragged,
                lambda e: f"the row has {e.detail} fields; the header has {expected}.",
                'check for missing or extra commas, and quote values that contain commas ("a,b").',
            )
        )
    if fields is not None and fields.blank.count:
        findings.append(
            _tally_finding(
                file,
                "blank-line",
                Severity.WARNING,
                fields.blank,
                lambda _: "the line is blank; Personalize may reject or skip it.",
                "delete blank lines.",
                with_value=False,
            )
        )
    return findings


def _tally_finding(
    file: str,
    rule: str,
    severity: Severity,
    tally: Tally,
    message: Callable[[Example], str],
    fix: str,
    *,
    with_value: bool = True,
) -> Finding:
    """A structural rule's finding: its count and an issue per example line."""
    issues = tuple(
        Issue(
            severity,
            rule,
            file,
            message(e),
            fix,
            row=e.line,
            value=display_value(e.value) if with_value else None,
        )
        for e in tally.examples
    )
    return Finding(rule, severity, tally.count, issues)


def _unparseable(
    file: str, exc: BaseException, fields: FieldCountScan, stray: Example | None
) -> Finding:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    row: int | None = None
    value: str | None = None
    message = f"the file cannot be parsed as CSV ({detail})."
    if stray is not None:
        row, value = stray.line, display_value(stray.value)
        message = f"a quote inside an unquoted value ({stray.detail}) stops the CSV parser here."
    elif fields.parse_error is not None:
        row = fields.parse_error.line
        message = f"the file cannot be parsed as CSV from here on ({fields.parse_error.detail})."
    issue = Issue(
        Severity.ERROR,
        "unparseable-csv",
        file,
        message,
        "check quoting: a value with a comma, quote or line break must be wrapped in double "
        'quotes, and quotes inside it doubled ("say ""hi""").',
        row=row,
        value=value,
    )
    return Finding("unparseable-csv", Severity.ERROR, 1, (issue,))


def _unknown_items(
    interactions: ValidationReport, items: ValidationReport, cache_dir: Path | None
) -> tuple[Finding, ...]:
    key = text_digest("unknown-items", VALIDATOR_VERSION, interactions.digest, items.digest)
    if cache_dir is not None:
        cached = cache.load_findings(cache_dir, key)
        if cached is not None:
            return _rebase(cached, interactions.path)
    referenced = (
        pl.scan_csv(interactions.path, infer_schema=False)
        .group_by("ITEM_ID")
        .len()
        .drop_nulls("ITEM_ID")
    )
    known = pl.scan_csv(items.path, infer_schema=False).select("ITEM_ID")
    missing = referenced.join(known, on="ITEM_ID", how="anti")
    top = missing.sort(["len", "ITEM_ID"], descending=[True, False]).collect()
    findings: tuple[Finding, ...] = ()
    if top.height:
        issues = tuple(
            Issue(
                Severity.WARNING,
                "unknown-item",
                interactions.path,
                f"ITEM_ID appears in {n:,} interactions but not in {Path(items.path).name}, "
                "so Personalize has no category, price or description for it.",
                f"add the item to {Path(items.path).name}, or drop its interactions.",
                column="ITEM_ID",
                value=display_value(item_id),
            )
            for item_id, n in top.head(MAX_EXAMPLES_PER_RULE).iter_rows()
        )
        findings = (Finding("unknown-item", Severity.WARNING, top.height, issues, unit="items"),)
    if cache_dir is not None:
        cache.store_findings(cache_dir, key, findings)
    return findings


def _rebase(findings: tuple[Finding, ...], path: str) -> tuple[Finding, ...]:
    return tuple(
        replace(f, issues=tuple(replace(i, file=path) for i in f.issues)) for f in findings
    )
