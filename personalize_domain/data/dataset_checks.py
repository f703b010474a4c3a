"""Whole-file checks computed from the counts: column quotas, event types, use-case minimums.

The minimums are those of the ECOMMERCE use cases in `use_cases.py`; AWS reports them only when a
recommender fails to train, hours after the import, so checking them at synth saves a deploy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from personalize_domain.data.report import DatasetStats, Finding, Issue, Severity, display_value

# Personalize quotas on columns; the private tables are the single source, shared with the
# schema checks in schemas.py.
from personalize_domain.schemas import _MAX_METADATA, _REQUIRED, _RESERVED, DatasetType
from personalize_domain.use_cases import (
    MIN_INTERACTIONS,
    MIN_USERS_WITH_TWO_INTERACTIONS,
    USE_CASES,
    EventType,
)

# ≥1000 interaction records per dataset import job (Personalize quota, FULL or INCREMENTAL).
MIN_IMPORT_RECORDS = 1000
# "For quality recommendations ... at minimum 50,000 item interactions from at least 1,000 users
# with two or more item interactions each" (ECOMMERCE use cases page).
QUALITY_INTERACTIONS = 50_000
QUALITY_USERS = 1000
MAX_EVENT_TYPES_PLUS_METADATA = 10


def check(
    *,
    file: str,
    dataset_type: DatasetType,
    header: Sequence[str],
    stats: DatasetStats,
    event_first_lines: Mapping[str, int],
    event_types_truncated: bool,
    use_cases: Sequence[str],
) -> list[Finding]:
    findings: list[Finding] = []
    metadata = [
        n
        for n in dict.fromkeys(header)
        if n.strip() and n not in _REQUIRED[dataset_type] and n not in _RESERVED[dataset_type]
    ]
    limit = _MAX_METADATA[dataset_type]
    if len(metadata) > limit:
        findings.append(
            _one(
                Severity.ERROR,
                "too-many-metadata-columns",
                file,
                f"{len(metadata)} metadata columns ({', '.join(metadata)}); the "
                f"{dataset_type.value} dataset allows at most {limit} besides the required and "
                "reserved ones.",
                f"remove {len(metadata) - limit} of them.",
                row=1,
            )
        )
    if dataset_type is DatasetType.INTERACTIONS:
        findings.extend(
            _event_types(file, stats, event_first_lines, event_types_truncated, metadata)
        )
        findings.extend(_minimums(file, stats, use_cases))
    else:
        findings.extend(_duplicates(file, dataset_type, stats))
    return findings


def _one(
    severity: Severity,
    rule: str,
    file: str,
    message: str,
    fix: str,
    *,
    row: int | None = None,
    column: str | None = None,
    value: str | None = None,
) -> Finding:
    issue = Issue(severity, rule, file, message, fix, row=row, column=column, value=value)
    return Finding(rule, severity, 1, (issue,))


def _event_types(
    file: str,
    stats: DatasetStats,
    first_lines: Mapping[str, int],
    truncated: bool,
    metadata: Sequence[str],
) -> list[Finding]:
    findings: list[Finding] = []
    counts = stats.event_counts
    if "EVENT_TYPE" not in stats.columns:
        return findings
    distinct = len(counts)
    if truncated or distinct + len(metadata) > MAX_EVENT_TYPES_PLUS_METADATA:
        shown = ", ".join(list(counts)[:12]) + (", ..." if distinct > 12 else "")
        more = "more than " if truncated else ""
        findings.append(
            _one(
                Severity.ERROR,
                "too-many-event-types",
                file,
                f"{more}{distinct:,} distinct EVENT_TYPE values ({shown}) plus "
                f"{len(metadata)} metadata columns; Personalize allows at most "
                f"{MAX_EVENT_TYPES_PLUS_METADATA} together.",
                "map the event types onto a few (View, Purchase, ...); a very large number "
                "usually means EVENT_TYPE holds another column's data.",
                column="EVENT_TYPE",
            )
        )
    canonical = {e.value.lower(): e.value for e in EventType}
    for value, n in counts.items():
        target = canonical.get(value.strip().lower())
        if target is None or value == target:
            continue
        findings.append(
            _one(
                Severity.WARNING,
                "event-type-variant",
                file,
                f"{_rows(n)} event type {value!r}; the ECOMMERCE use cases count only "
                f"{target!r} (exact spelling).",
                f"rename {value!r} to {target!r} in the export.",
                row=first_lines.get(value),
                column="EVENT_TYPE",
                value=display_value(value),
            )
        )
    return findings


def _rows(n: int) -> str:
    return "1 row has" if n == 1 else f"{n:,} rows have"


def _minimums(file: str, stats: DatasetStats, use_cases: Sequence[str]) -> list[Finding]:
    findings: list[Finding] = []
    rows = stats.rows
    if rows < MIN_IMPORT_RECORDS:
        findings.append(
            _one(
                Severity.ERROR,
                "too-few-interactions",
                file,
                f"{rows:,} interaction records; a dataset import job needs at least "
                f"{MIN_IMPORT_RECORDS:,}, and every recommender at least {MIN_INTERACTIONS:,}.",
                "add more history (a longer export window), or use the sample data "
                "(sample-data --out DIR) to try the stack.",
            )
        )
    if not use_cases:
        return findings
    names = ", ".join(USE_CASES[u].console_name for u in use_cases)
    with_two = stats.users_with_two_or_more
    if with_two is not None and with_two < MIN_USERS_WITH_TWO_INTERACTIONS:
        findings.append(
            _one(
                Severity.ERROR,
                "too-few-active-users",
                file,
                f"{with_two:,} users have 2 or more interactions; {names} need at least "
                f"{MIN_USERS_WITH_TWO_INTERACTIONS}.",
                "add more users' history; Personalize fails training with 'Dataset has fewer "
                "than 25 users with at least 2 interactions each'.",
                column="USER_ID",
            )
        )
    counts = stats.event_counts
    if "EVENT_TYPE" in stats.columns:
        by_event: dict[EventType, list[str]] = {}
        for key in use_cases:
            required = USE_CASES[key].required_event_type
            if required is not None:
                by_event.setdefault(required, []).append(USE_CASES[key].console_name)
        for event, needers in by_event.items():
            have = counts.get(event.value, 0)
            if have >= MIN_INTERACTIONS:
                continue
            variants = {
                v: n
                for v, n in counts.items()
                if v != event.value and v.strip().lower() == event.value.lower()
            }
            needed = f"{' and '.join(needers)} need at least {MIN_INTERACTIONS:,}."
            more = (
                f"export more {event.value} events, or deselect {' and '.join(needers)} for "
                "this environment."
            )
            message, fix = f"{have:,} {event.value!r} events; {needed}", more
            if variants:
                # The events may exist under another spelling: the rename leads, in the
                # message and in the fix, since exporting more would not help.
                listed = " and ".join(f"{n:,} {v!r}" for v, n in variants.items())
                renamed = have + sum(variants.values())
                renames = " and ".join(repr(v) for v in variants)
                message = (
                    f"{listed} events do not count as {event.value!r} (event types are "
                    f"case-sensitive), leaving {have:,} {event.value!r} events; {needed}"
                )
                fix = f"rename {renames} to {event.value!r} in the export ({renamed:,} events)"
                fix += "." if renamed >= MIN_INTERACTIONS else f"; then {more}"
            findings.append(
                _one(
                    Severity.ERROR,
                    "too-few-events",
                    file,
                    message,
                    fix,
                    column="EVENT_TYPE",
                )
            )
    if rows < QUALITY_INTERACTIONS or (with_two is not None and with_two < QUALITY_USERS):
        findings.append(
            _one(
                Severity.WARNING,
                "below-quality-advice",
                file,
                f"{rows:,} interactions and {with_two or 0:,} users with 2 or more; AWS advises "
                f"at least {QUALITY_INTERACTIONS:,} interactions from {QUALITY_USERS:,} such "
                "users for quality recommendations.",
                "training will work, but expect weak recommendations until more history "
                "accumulates.",
            )
        )
    for key in use_cases:
        if key == "recommended-for-you":
            missing = [e.value for e in EventType if counts.get(e.value, 0) == 0]
        elif key == "customers-who-viewed-x-also-viewed":
            missing = [] if counts.get(EventType.PURCHASE.value, 0) else [EventType.PURCHASE.value]
        else:
            continue
        if missing and "EVENT_TYPE" in stats.columns:
            findings.append(
                _one(
                    Severity.WARNING,
                    "recommended-events-missing",
                    file,
                    f"no {' or '.join(repr(m) for m in missing)} events; "
                    f"{USE_CASES[key].console_name} works best with them.",
                    f"include {' and '.join(missing)} events in the export.",
                    column="EVENT_TYPE",
                )
            )
    return findings


def _duplicates(file: str, dataset_type: DatasetType, stats: DatasetStats) -> list[Finding]:
    column = "ITEM_ID" if dataset_type is DatasetType.ITEMS else "USER_ID"
    repeats = stats.duplicate_ids
    if not repeats:
        return []
    examples = ", ".join(repr(v) for v in stats.duplicate_examples)
    return [
        _one(
            Severity.WARNING,
            "duplicate-id",
            file,
            f"{repeats:,} rows repeat the {column} of an earlier row (e.g. {examples}); "
            f"repeated IDs give one {dataset_type.value[:-1].lower()} conflicting metadata.",
            f"keep one row per {column} (merge or drop the repeats).",
            column=column,
        )
    ]
