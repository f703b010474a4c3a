"""Property tests: malformed input never crashes the validator and always gets a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validation_helpers import INTERACTIONS_HEADER

from personalize_domain.data import ValidationReport, validate_dataset
from personalize_domain.schemas import DatasetType

_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Pieces that break CSV files in practice: separators, quotes, line breaks, bad UTF-8, NUL,
# a BOM, multi-byte characters and long runs.
_PIECES = st.sampled_from(
    [b",", b'"', b"\n", b"\r\n", b"\r", b"\xff", b"\xe9", b"\xc3", b"\x00", b"\xef\xbb\xbf",
     "é".encode(), b"View", b"Purchase", b"1700000000", b"1700000000000", b"u1", b"i1", b" ",
     b"x" * 300, b"y" * 25_000, b"2024-01-01T00:00:00Z", b"|"]
)  # fmt: skip
_ROW = st.lists(_PIECES, max_size=12).map(b"".join)


def _check(path: Path, dataset_type: DatasetType = DatasetType.INTERACTIONS) -> ValidationReport:
    report = validate_dataset(path, dataset_type, ["best-sellers"])
    # Rendering must work, and every issue must name the file and say something.
    assert report.render()
    for issue in report.errors + report.warnings:
        assert issue.file == str(path)
        assert issue.message.strip()
        assert issue.fix.strip()
        assert "\n" not in issue.render()
    return report


@pytest.mark.parametrize("dataset_type", list(DatasetType))
@_SETTINGS
@given(content=st.binary(max_size=2_000))
def test_random_bytes_never_crash_and_are_rejected(
    tmp_path: Path, dataset_type: DatasetType, content: bytes
) -> None:
    # GIVEN arbitrary bytes as a dataset file
    path = tmp_path / f"{dataset_type.key}.csv"
    path.write_bytes(content)
    # WHEN validated THEN it returns (no exception) and rejects the file clearly
    report = _check(path, dataset_type)
    assert not report.ok
    assert report.errors


@_SETTINGS
@given(rows=st.lists(_ROW, max_size=15))
def test_malformed_rows_under_a_valid_header_never_crash(tmp_path: Path, rows: list[bytes]) -> None:
    # GIVEN a correct header followed by rows assembled from troublesome pieces
    path = tmp_path / "interactions.csv"
    path.write_bytes(b"\n".join([INTERACTIONS_HEADER.encode(), *rows]) + b"\n")
    # WHEN validated THEN it returns, and the file is rejected (far below 1,000 records)
    report = _check(path)
    assert not report.ok


@_SETTINGS
@given(
    fields=st.lists(st.lists(st.text(max_size=40), min_size=0, max_size=7), max_size=10),
)
def test_ragged_text_rows_are_reported_with_their_field_count(
    tmp_path: Path, fields: list[list[str]]
) -> None:
    # GIVEN rows of quoted text fields, some with the wrong number of fields
    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    lines = [INTERACTIONS_HEADER] + [",".join(quoted(v) for v in row) for row in fields]
    path = tmp_path / "interactions.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    report = _check(path)
    # THEN every row with a field count other than 4 is counted (a row with no fields is a
    # blank line, reported as such; "" alone is one empty field)
    ragged = sum(1 for row in fields if len(row) not in (0, 4))
    counted = sum(f.count for f in report.findings if f.rule == "wrong-field-count")
    assert counted == ragged
