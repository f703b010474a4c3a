"""Fixtures for the data tests: small CSV files built in tmp_path, and report helpers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from validation_helpers import INTERACTIONS_HEADER, Validate, WriteCsv

from personalize_domain.data import ValidationReport, validate_dataset
from personalize_domain.schemas import DatasetType


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """Write lines (joined with \\n plus a final newline), a str or raw bytes to tmp_path/name."""

    def write(content: Iterable[str] | str | bytes, name: str = "interactions.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_text("\n".join(content) + "\n", encoding="utf-8", newline="")
        return path

    return write


@pytest.fixture
def validate_interactions(write_csv: WriteCsv) -> Validate:
    """Validate interaction rows under the standard header (or raw content given as bytes)."""

    def run(
        rows: Iterable[str] | bytes, *, use_cases: Iterable[str] = (), header: str | None = None
    ) -> ValidationReport:
        content = rows if isinstance(rows, bytes) else [header or INTERACTIONS_HEADER, *rows]
        path = write_csv(content)
        return validate_dataset(path, DatasetType.INTERACTIONS, use_cases)

    return run
