"""Resolving an environment's data before synth: missing files, invalid data, skips, s3:// URIs."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.config import load_app_config
from personalize_domain.data.digest import file_digest
from personalize_domain.data_sources import DataSourceError, resolve_datasets
from personalize_domain.schemas import DatasetType

ROOT = Path(__file__).resolve().parents[2]
CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]


def _dev(**datasets: dict[str, Any]) -> Any:
    context = copy.deepcopy(CONTEXT)
    context["environments"]["dev"]["datasets"] = datasets
    # dev's category filter names an Items field: it goes with the Items dataset.
    context["environments"]["dev"]["filters"].pop("category")
    return next(e for e in load_app_config(context).environments if e.name == "dev")


def _resolve(env: Any, tmp_path: Path) -> Any:
    return resolve_datasets(env, root=ROOT, cache_dir=tmp_path / "cache", log=lambda _: None)


def test_local_file_resolves_to_its_digest(tmp_path: Path) -> None:
    env = _dev(interactions={"source": "data/sample/interactions.csv"})
    (resolved,) = _resolve(env, tmp_path)
    expected = file_digest(ROOT / "data/sample/interactions.csv")
    assert (resolved.dataset_type, resolved.digest, resolved.version) == (
        DatasetType.INTERACTIONS,
        expected,
        expected,
    )


def test_the_shipped_path_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN synth started from a directory inside the project
    monkeypatch.chdir(ROOT / "data")
    env = _dev(interactions={"source": "data/sample/interactions.csv"})
    (resolved,) = _resolve(env, tmp_path)
    # THEN the file deploy ships is still the project's own
    assert resolved.local_path == ROOT / "data/sample/interactions.csv"


def test_missing_file_names_the_context_key_the_absolute_path_and_the_fix(tmp_path: Path) -> None:
    env = _dev(interactions={"source": "data/nope.csv"})
    with pytest.raises(DataSourceError) as excinfo:
        _resolve(env, tmp_path)
    assert str(excinfo.value).startswith(
        "environments.dev.datasets.interactions.source = 'data/nope.csv': no such file "
        f"({ROOT / 'data/nope.csv'}). Point it at a CSV file"
    )


def test_a_home_relative_source_is_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the team's export under the home directory, named with ~ in cdk.json
    monkeypatch.setenv("HOME", str(tmp_path))
    export = tmp_path / "exports" / "interactions.csv"
    export.parent.mkdir()
    export.write_bytes((ROOT / "data/sample/interactions.csv").read_bytes())
    env = _dev(interactions={"source": "~/exports/interactions.csv"})
    # WHEN resolved / THEN the file deploy ships is the one in the home directory
    (resolved,) = _resolve(env, tmp_path)
    assert resolved.local_path == export


def test_a_missing_home_relative_source_shows_where_it_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    env = _dev(interactions={"source": "~/exports/missing.csv"})
    with pytest.raises(DataSourceError, match="no such file") as excinfo:
        _resolve(env, tmp_path)
    assert f"({tmp_path / 'exports' / 'missing.csv'})" in str(excinfo.value)


def test_a_folder_given_as_a_local_source_is_named_as_one(tmp_path: Path) -> None:
    env = _dev(interactions={"source": str(tmp_path)})
    with pytest.raises(DataSourceError, match=r"is a folder, not a file"):
        _resolve(env, tmp_path)


def test_invalid_data_fails_with_file_row_and_column(tmp_path: Path) -> None:
    # GIVEN the sample interactions with TIMESTAMP in milliseconds
    lines = (ROOT / "data/sample/interactions.csv").read_text().splitlines()
    rows = [lines[0]] + [
        ",".join([*line.split(",")[:2], line.split(",")[2] + "000", line.split(",")[3]])
        for line in lines[1:]
    ]
    bad = tmp_path / "interactions.csv"
    bad.write_text("\n".join(rows) + "\n")
    env = _dev(interactions={"source": str(bad)})
    # WHEN / THEN
    with pytest.raises(DataSourceError) as excinfo:
        _resolve(env, tmp_path)
    message = str(excinfo.value)
    assert f"error: {bad}, row 2, TIMESTAMP = " in message
    assert "looks like epoch milliseconds" in message


def test_skip_validation_still_resolves_the_digest(tmp_path: Path) -> None:
    bad = tmp_path / "interactions.csv"
    bad.write_text("not,a,valid,header\n")
    env = _dev(interactions={"source": str(bad), "skipValidation": True})
    (resolved,) = _resolve(env, tmp_path)
    assert (resolved.report, resolved.digest) == (None, file_digest(bad))


def test_synth_says_each_s3_source_was_not_validated_and_how_to_validate_it(
    tmp_path: Path,
) -> None:
    # GIVEN a team's data in S3: one object and one folder
    env = _dev(
        interactions={"source": "s3://shop-exports/personalize/interactions.csv"},
        items={"source": "s3://shop-exports/personalize/items/"},
    )
    # WHEN resolved
    lines: list[str] = []
    resolve_datasets(env, root=ROOT, cache_dir=tmp_path, log=lines.append)
    # THEN one line per source says so and gives commands that fetch and validate it
    assert lines == [
        "[dev] not validated locally: environments.dev.datasets.interactions.source = "
        "s3://shop-exports/personalize/interactions.csv is in S3 and synth does not read it; "
        "to validate it: aws s3 cp s3://shop-exports/personalize/interactions.csv "
        "/tmp/dev-interactions.csv && .venv/bin/personalize-shop validate --interactions "
        "/tmp/dev-interactions.csv",
        "[dev] not validated locally: environments.dev.datasets.items.source = "
        "s3://shop-exports/personalize/items/ is in S3 and synth does not read it; to validate "
        "it: aws s3 cp --recursive --exclude '*/*' s3://shop-exports/personalize/items/ "
        "/tmp/dev-items/ && .venv/bin/personalize-shop validate --items <each file in "
        "/tmp/dev-items/>",
    ]


def test_s3_uri_is_taken_as_it_is(tmp_path: Path) -> None:
    uri = "s3://shop-exports/personalize/interactions.csv"
    env = _dev(interactions={"source": uri})
    (resolved,) = _resolve(env, tmp_path)
    assert (resolved.local_path, resolved.s3_uri, resolved.version) == (None, uri, uri)
