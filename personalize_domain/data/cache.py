"""On-disk cache of validation reports, so an unchanged file is not validated twice.

The key covers everything a report depends on: the file's content digest, the schema, the
selected use cases and the validator version. The file's path is not part of the key.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from personalize_domain.data.digest import text_digest
from personalize_domain.data.report import Finding, ValidationReport, finding_from_json

# Bump whenever a rule, message or statistic changes, so old cached reports are not reused.
VALIDATOR_VERSION = "3"


def cache_key(
    *, digest: str, schema_json: str, use_cases: Iterable[str], exact_counts: bool = False
) -> str:
    return text_digest(
        VALIDATOR_VERSION,
        digest,
        schema_json,
        ",".join(sorted(set(use_cases))),
        "exact-counts" if exact_counts else "",
    )


def load(cache_dir: Path, key: str) -> ValidationReport | None:
    data = _read(cache_dir, key)
    try:
        return ValidationReport.from_json(data) if isinstance(data, dict) else None
    except (ValueError, KeyError, TypeError):
        return None


def store(cache_dir: Path, key: str, report: ValidationReport) -> None:
    _write(cache_dir, key, report.to_json())


def load_findings(cache_dir: Path, key: str) -> tuple[Finding, ...] | None:
    data = _read(cache_dir, key)
    try:
        return tuple(finding_from_json(f) for f in data) if isinstance(data, list) else None
    except (ValueError, KeyError, TypeError):
        return None


def store_findings(cache_dir: Path, key: str, findings: tuple[Finding, ...]) -> None:
    _write(cache_dir, key, [asdict(f) for f in findings])


def digest_hint(cache_dir: Path, path: Path) -> str | None:
    """The digest `path` had when last validated, if its size, mtime and inode are unchanged.

    Only a scheduling hint: reports are still keyed by a digest computed from the bytes.
    """
    data = _read(cache_dir / "hints", _hint_name(path))
    if not isinstance(data, dict) or data.get("stat") != _stat(path):
        return None
    hint = data.get("digest")
    return hint if isinstance(hint, str) else None


def store_digest_hint(cache_dir: Path, path: Path, digest: str) -> None:
    _write(cache_dir / "hints", _hint_name(path), {"stat": _stat(path), "digest": digest})


def _hint_name(path: Path) -> str:
    return text_digest("hint", str(path.resolve()))


def _stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _read(cache_dir: Path, key: str) -> Any:
    try:
        return json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        # A missing, truncated or unreadable entry is a cache miss, never a failure.
        return None


def _write(cache_dir: Path, key: str, data: Any) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Write-then-rename, so a concurrent reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{key}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, separators=(",", ":"))
        os.replace(tmp, cache_dir / f"{key}.json")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
