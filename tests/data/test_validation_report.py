"""Report objects: one line per issue, JSON round trip, and raising on errors."""

from __future__ import annotations

import pytest
from validation_helpers import Validate, interaction_rows

from personalize_domain.data import (
    DatasetStats,
    Finding,
    Issue,
    Severity,
    ValidationFailed,
    ValidationReport,
)
from personalize_domain.data.report import display_value


def _report(*findings: Finding) -> ValidationReport:
    return ValidationReport(
        path="data/x.csv",
        dataset_type="Interactions",
        digest="d",
        use_cases=(),
        validator_version="1",
        stats=DatasetStats(rows=3),
        findings=findings,
    )


def test_issue_renders_file_row_column_value_message_and_fix_on_one_line() -> None:
    # GIVEN a value with a line break, prepared for display as the validator does
    value = display_value('v\n"w"')
    issue = Issue(
        Severity.ERROR, "r", "data/x.csv", "bad.", "do this.", row=7, column="C", value=value
    )
    # THEN the whole issue is one line, the break and quotes escaped
    assert issue.render() == 'error: data/x.csv, row 7, C = "v\\n\\"w\\"": bad. Fix: do this.'


def test_file_level_issue_renders_without_row_or_column() -> None:
    issue = Issue(Severity.WARNING, "r", "data/x.csv", "meh.", "maybe.")
    assert issue.render() == "warning: data/x.csv: meh. Fix: maybe."


def test_report_survives_a_json_round_trip(validate_interactions: Validate) -> None:
    report = validate_interactions([*interaction_rows(30), "u,,2024-01-01,view"])
    assert ValidationReport.from_json(report.to_json()) == report


def test_raise_for_errors_raises_with_every_error_line() -> None:
    error = Issue(Severity.ERROR, "r", "data/x.csv", "bad.", "fix it.", row=2)
    report = _report(Finding("r", Severity.ERROR, 3, (error,)))
    with pytest.raises(ValidationFailed) as raised:
        report.raise_for_errors()
    assert str(raised.value) == (
        "Dataset validation failed:\n"
        "error: data/x.csv, row 2: bad. Fix: fix it.\n"
        "  ... and 2 more rows with the same problem (r)"
    )
    assert raised.value.reports == [report]


def test_warnings_alone_do_not_raise() -> None:
    warning = Issue(Severity.WARNING, "w", "data/x.csv", "hmm.", "look.")
    report = _report(Finding("w", Severity.WARNING, 1, (warning,)))
    report.raise_for_errors()
    assert report.ok
    assert report.warnings == [warning]
    assert report.errors == []
