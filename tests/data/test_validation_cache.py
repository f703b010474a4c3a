"""The report cache: keyed by content, schema, use cases and validator version; never wrong."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from validation_helpers import INTERACTIONS_HEADER, WriteCsv, interaction_rows

from personalize_domain.data import cache, file_digest, validate_dataset, validate_file, validator
from personalize_domain.schemas import DatasetType, load_schema, parse_schema


@pytest.fixture
def bad_file(write_csv: WriteCsv) -> Path:
    return write_csv([INTERACTIONS_HEADER, *interaction_rows(20), "u1,i1,1700000000000,View"])


def test_second_validation_comes_from_the_cache(bad_file: Path, tmp_path: Path) -> None:
    # GIVEN a file validated once with a cache
    first = validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # WHEN it is validated again, unchanged
    second = validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # THEN the same report comes back, marked as cached
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.findings == first.findings
    assert second.stats == first.stats


def test_same_content_at_another_path_is_reported_under_that_path(
    bad_file: Path, tmp_path: Path
) -> None:
    validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # GIVEN a copy with no stat hint of its own
    copy = tmp_path / "copy" / "interactions.csv"
    copy.parent.mkdir()
    shutil.copy(bad_file, copy)
    # WHEN the copy is validated
    report = validate_dataset(copy, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # THEN the cached report is reused and names the copy
    assert report.from_cache
    assert {i.file for i in report.errors} == {str(copy)}


def test_changed_content_is_validated_again(bad_file: Path, tmp_path: Path) -> None:
    validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # GIVEN the bad row fixed, with the same size and modification time
    stat = bad_file.stat()
    bad_file.write_bytes(bad_file.read_bytes().replace(b"1700000000000", b"1700000000999"))
    os.utime(bad_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # WHEN validated again
    report = validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # THEN the digest, not the stat, decided: a fresh report
    assert not report.from_cache


def test_use_cases_are_part_of_the_key(bad_file: Path, tmp_path: Path) -> None:
    validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    report = validate_dataset(
        bad_file, DatasetType.INTERACTIONS, ["best-sellers"], cache_dir=tmp_path / "c"
    )
    assert not report.from_cache
    assert report.use_cases == ("best-sellers",)


def test_schema_is_part_of_the_key(bad_file: Path, tmp_path: Path) -> None:
    validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # GIVEN the same schema with an extra nullable field
    raw = json.loads(load_schema(DatasetType.INTERACTIONS).avro_json)
    raw["fields"].append({"name": "EVENT_VALUE", "type": ["null", "float"]})
    schema = parse_schema(DatasetType.INTERACTIONS, json.dumps(raw), tmp_path / "s.json")
    # THEN its report is not taken from the cache
    assert not validate_file(bad_file, schema, cache_dir=tmp_path / "c").from_cache


def test_validator_version_is_part_of_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache.cache_key(digest="d", schema_json="{}", use_cases=["best-sellers"])
    monkeypatch.setattr(cache, "VALIDATOR_VERSION", "next")
    assert cache.cache_key(digest="d", schema_json="{}", use_cases=["best-sellers"]) != before


def test_corrupt_cache_entry_is_a_miss(bad_file: Path, tmp_path: Path) -> None:
    validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    for entry in (tmp_path / "c").glob("*.json"):
        entry.write_text("{truncated")
    report = validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    assert not report.from_cache
    assert not report.ok


def test_without_cache_dir_nothing_is_written(bad_file: Path, tmp_path: Path) -> None:
    before = set(tmp_path.rglob("*"))
    validate_dataset(bad_file, DatasetType.INTERACTIONS)
    assert set(tmp_path.rglob("*")) == before


def test_file_digest_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    # GIVEN a file spanning several read chunks
    data = os.urandom(2_500_000)
    path = tmp_path / "blob.csv"
    path.write_bytes(data)
    # THEN the streamed digest equals hashlib's over the whole content
    assert file_digest(path) == hashlib.sha256(data).hexdigest()


def test_report_records_the_digest(bad_file: Path) -> None:
    report = validate_dataset(bad_file, DatasetType.INTERACTIONS)
    assert report.digest == file_digest(bad_file)


def test_hashing_alongside_the_scan_gives_the_same_report(
    bad_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the report of a small file, hashed before validating
    expected = validate_dataset(bad_file, DatasetType.INTERACTIONS)
    # WHEN the large-file path is forced (hash in a thread while the scan runs)
    monkeypatch.setattr(validator, "_HASH_FIRST_BYTES", 0)
    report = validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # THEN findings, statistics and digest are the same
    assert (report.findings, report.stats, report.digest) == (
        expected.findings,
        expected.stats,
        expected.digest,
    )


def test_unchanged_large_file_is_confirmed_by_its_digest(
    bad_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a "large" file validated once through the concurrent path
    monkeypatch.setattr(validator, "_HASH_FIRST_BYTES", 0)
    validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # WHEN it is validated again, unchanged
    report = validate_dataset(bad_file, DatasetType.INTERACTIONS, cache_dir=tmp_path / "c")
    # THEN the stat hint leads to hashing first, and the cached report is returned
    assert report.from_cache


def test_digest_of_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert file_digest(path) == hashlib.sha256(b"").hexdigest()
