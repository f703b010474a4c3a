"""The validation report: findings per rule, dataset statistics, rendering and JSON round-trip."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

# Rows shown per rule; the rest are counted, so a file with millions of bad rows stays readable.
MAX_EXAMPLES_PER_RULE = 5
MAX_VALUE_CHARS = 80


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


def display_value(value: str) -> str:
    """Shorten a raw CSV value and escape what would break the line (newlines, controls, ")."""
    shown = value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 20]
    escaped = "".join(_escape(ch) for ch in shown)
    if len(shown) < len(value):
        escaped += f"…({len(value):,} characters)"
    return escaped


def _escape(ch: str) -> str:
    if ch == '"':
        return '\\"'
    if ch.isprintable():
        return ch
    # repr gives the familiar \n, \t, \x00 and \u200b forms.
    return repr(ch)[1:-1]


@dataclass(frozen=True)
class Issue:
    """One problem at one place: rendered as a single line naming file, row, column, value, fix."""

    severity: Severity
    rule: str
    file: str
    message: str
    fix: str
    # 1-based physical line in the file; the header is line 1. None for file-level issues.
    row: int | None = None
    column: str | None = None
    # Already shortened and escaped for display (see display_value).
    value: str | None = None

    def render(self) -> str:
        where = self.file if self.row is None else f"{self.file}, row {self.row}"
        if self.column is not None:
            where += f", {self.column}"
            if self.value is not None:
                where += f' = "{self.value}"'
        elif self.value is not None:
            where += f': "{self.value}"'
        return f"{self.severity.value}: {where}: {self.message} Fix: {self.fix}"


@dataclass(frozen=True)
class Finding:
    """All occurrences of one rule in one file: the total and the first few as issues."""

    rule: str
    severity: Severity
    count: int
    issues: tuple[Issue, ...]
    # What `count` counts, for the "... and N more" line.
    unit: str = "rows"

    @property
    def not_shown(self) -> int:
        return max(0, self.count - len(self.issues))

    def render_lines(self) -> list[str]:
        lines = [issue.render() for issue in self.issues]
        if self.not_shown:
            lines.append(
                f"  ... and {self.not_shown:,} more {self.unit} with the same problem ({self.rule})"
            )
        return lines


@dataclass(frozen=True)
class DatasetStats:
    rows: int = 0
    columns: tuple[str, ...] = ()
    event_counts: Mapping[str, int] = field(default_factory=dict)
    distinct_users: int | None = None
    users_with_two_or_more: int | None = None
    distinct_items: int | None = None
    # Items and Users files: rows whose ID already appeared, and a few such IDs.
    duplicate_ids: int | None = None
    duplicate_examples: tuple[str, ...] = ()
    min_timestamp: int | None = None
    max_timestamp: int | None = None
    # 1: the user (item) counts are exact. K > 1: they are estimates from the IDs whose hash
    # falls in 1/K of the hash range (large Interactions files; see docs/data-validation.md).
    user_sample_rate: int = 1
    item_sample_rate: int = 1

    @property
    def counts_estimated(self) -> bool:
        return self.user_sample_rate > 1 or self.item_sample_rate > 1

    def summary(self) -> str:
        parts = [f"{self.rows:,} rows"]
        users_k, items_k = self.user_sample_rate, self.item_sample_rate
        if self.distinct_users is not None:
            users = f"{_count(self.distinct_users, users_k)} users"
            if self.users_with_two_or_more is not None:
                active = _count(self.users_with_two_or_more, users_k)
                users += f" ({active} with 2 or more interactions)"
            parts.append(users)
        if self.distinct_items is not None:
            parts.append(f"{_count(self.distinct_items, items_k)} items")
        if self.counts_estimated:
            which = " and ".join(n for n, k in (("users", users_k), ("items", items_k)) if k > 1)
            parts[-1] += (
                f" ({which} estimated from 1 in {max(users_k, items_k)} IDs; "
                "margins at 95 % confidence)"
            )
        if self.event_counts:
            events = ", ".join(f"{name} {n:,}" for name, n in self.event_counts.items())
            parts.append(f"events: {events}")
        return "; ".join(parts)


def _count(n: int, sample_rate: int) -> str:
    """A count; an estimate from 1 in `sample_rate` IDs as 'about 187,000 ±1.2 %'.

    The sample holds about n / K of the n IDs, so the relative standard error is about
    sqrt((K - 1) / n); the margin shown is 1.96 of those. Three significant digits, half up.
    """
    if sample_rate <= 1:
        return f"{n:,}"
    unit = 10 ** max(0, len(str(n)) - 3)
    rounded = (n + unit // 2) // unit * unit
    margin = 196 * ((sample_rate - 1) / max(n, 1)) ** 0.5
    return f"about {rounded:,} ±{max(margin, 0.1):.1f} %"


@dataclass(frozen=True)
class ValidationReport:
    """The result of validating one CSV file; `.ok` is False when any error was found."""

    path: str
    dataset_type: str
    digest: str
    use_cases: tuple[str, ...]
    validator_version: str
    stats: DatasetStats
    findings: tuple[Finding, ...]
    from_cache: bool = False

    @property
    def ok(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def errors(self) -> list[Issue]:
        return _issues(self.findings, Severity.ERROR)

    @property
    def warnings(self) -> list[Issue]:
        return _issues(self.findings, Severity.WARNING)

    def error_count(self) -> int:
        return sum(f.count for f in self.findings if f.severity is Severity.ERROR)

    def warning_count(self) -> int:
        return sum(f.count for f in self.findings if f.severity is Severity.WARNING)

    def render(self) -> str:
        cached = " (cached)" if self.from_cache else ""
        lines = [f"{self.path} ({self.dataset_type}){cached}: {self.stats.summary()}"]
        # Errors first: they are what stops an import.
        for severity in (Severity.ERROR, Severity.WARNING):
            for finding in self.findings:
                if finding.severity is severity:
                    lines.extend(finding.render_lines())
        lines.append(_verdict(self.error_count(), self.warning_count()))
        return "\n".join(lines)

    def raise_for_errors(self) -> None:
        if not self.ok:
            raise ValidationFailed([self])

    def for_path(self, path: str, *, from_cache: bool) -> ValidationReport:
        """The same report for an identical file at another path (used by the cache)."""
        findings = tuple(
            replace(f, issues=tuple(replace(i, file=path) for i in f.issues)) for f in self.findings
        )
        return replace(self, path=path, findings=findings, from_cache=from_cache)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("from_cache")
        data["stats"]["event_counts"] = dict(self.stats.event_counts)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ValidationReport:
        stats = dict(data["stats"])
        stats["columns"] = tuple(stats["columns"])
        stats["duplicate_examples"] = tuple(stats.get("duplicate_examples", ()))
        findings = tuple(finding_from_json(f) for f in data["findings"])
        return cls(
            path=data["path"],
            dataset_type=data["dataset_type"],
            digest=data["digest"],
            use_cases=tuple(data["use_cases"]),
            validator_version=data["validator_version"],
            stats=DatasetStats(**stats),
            findings=findings,
        )


@dataclass(frozen=True)
class DatasetsReport:
    """Reports for the files of one dataset group plus the checks that span files."""

    reports: tuple[ValidationReport, ...]
    cross_file: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports) and not any(
            f.severity is Severity.ERROR for f in self.cross_file
        )

    @property
    def errors(self) -> list[Issue]:
        return [i for r in self.reports for i in r.errors] + _issues(
            self.cross_file, Severity.ERROR
        )

    @property
    def warnings(self) -> list[Issue]:
        return [i for r in self.reports for i in r.warnings] + _issues(
            self.cross_file, Severity.WARNING
        )

    def render(self) -> str:
        blocks = [r.render() for r in self.reports]
        if self.cross_file:
            lines = ["Across files:"]
            for finding in self.cross_file:
                lines.extend(finding.render_lines())
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    def raise_for_errors(self) -> None:
        if not self.ok:
            raise ValidationFailed(list(self.reports), cross_file=self.cross_file)


class ValidationFailed(Exception):
    """Raised when a dataset file would fail its Personalize import or recommender training."""

    def __init__(
        self, reports: list[ValidationReport], *, cross_file: Iterable[Finding] = ()
    ) -> None:
        self.reports = reports
        self.cross_file = tuple(cross_file)
        lines = []
        for report in reports:
            for finding in report.findings:
                if finding.severity is Severity.ERROR:
                    lines.extend(finding.render_lines())
        for finding in self.cross_file:
            if finding.severity is Severity.ERROR:
                lines.extend(finding.render_lines())
        super().__init__("Dataset validation failed:\n" + "\n".join(lines))


def finding_from_json(data: Mapping[str, Any]) -> Finding:
    return Finding(
        rule=data["rule"],
        severity=Severity(data["severity"]),
        count=data["count"],
        issues=tuple(Issue(**{**i, "severity": Severity(i["severity"])}) for i in data["issues"]),
        unit=data.get("unit", "rows"),
    )


def _issues(findings: Iterable[Finding], severity: Severity) -> list[Issue]:
    return [i for f in findings if f.severity is severity for i in f.issues]


def _verdict(errors: int, warnings: int) -> str:
    if not errors and not warnings:
        return "OK: no problems found."
    head = "FAILED" if errors else "OK"
    return f"{head}: {errors:,} error(s), {warnings:,} warning(s)."
