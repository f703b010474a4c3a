"""The `validate` and `sample-data` commands, driven through click's test runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from validation_helpers import INTERACTIONS_HEADER, WriteCsv, interaction_rows

from personalize_ops.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_validate_passes_the_embedded_sample(runner: CliRunner, tmp_path: Path) -> None:
    files = [str(SAMPLE / n) for n in ("interactions.csv", "items.csv", "users.csv")]
    result = runner.invoke(main, ["validate", *files, "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("OK: no problems found.") == 3


def test_validate_exits_1_and_prints_the_error_line(
    runner: CliRunner, write_csv: WriteCsv, tmp_path: Path
) -> None:
    # GIVEN a file with one millisecond timestamp, under a name that is not a dataset name
    path = write_csv(
        [INTERACTIONS_HEADER, *interaction_rows(2400), "u1,i1,1700000000000,View"], "events.csv"
    )
    # WHEN validated through --interactions for one use case
    result = runner.invoke(
        main, ["validate", "--interactions", str(path), "--use-case", "best-sellers", "--no-cache"]
    )
    # THEN the exit code is 1 and the error line names row, column, value and fix
    assert result.exit_code == 1
    assert (
        f'error: {path}, row 2402, TIMESTAMP = "1700000000000": TIMESTAMP looks like epoch '
        "milliseconds" in result.stdout
    )
    assert "FAILED: 1 error(s)" in result.stdout


def test_validate_warnings_alone_exit_0(
    runner: CliRunner, write_csv: WriteCsv, tmp_path: Path
) -> None:
    path = write_csv([INTERACTIONS_HEADER, *interaction_rows(2400)])
    result = runner.invoke(main, ["validate", str(path), "--no-cache"])
    assert result.exit_code == 0
    assert "warning:" in result.stdout


def test_unrecognised_file_name_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["validate", str(tmp_path / "export.csv")])
    assert result.exit_code == 2
    assert "pass it with --interactions, --items or --users" in result.output


def test_unknown_use_case_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", "x/interactions.csv", "--use-case", "top-picks"])
    assert result.exit_code == 2
    assert "'top-picks' is not one of" in result.output


def test_missing_file_is_reported_as_an_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["validate", str(tmp_path / "interactions.csv"), "--no-cache"])
    assert result.exit_code == 1
    assert "the file does not exist or is not a regular file." in result.stdout


def test_sample_data_writes_three_files_and_counts(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["sample-data", "--out", str(tmp_path), "--interactions", "3000", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "interactions.csv",
        "items.csv",
        "users.csv",
    ]
    assert "3,000 interactions (" in result.stdout
    assert len((tmp_path / "interactions.csv").read_text().splitlines()) == 3001


def test_sample_data_rejects_rows_and_size_together(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main,
        ["sample-data", "--out", str(tmp_path), "--interactions", "10", "--interactions-mb", "1"],
    )
    assert result.exit_code == 2
    assert "not both" in result.output


@pytest.mark.parametrize("command", [[], ["validate"], ["sample-data"]])
def test_help_describes_every_command(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    assert ("Examples:" in result.output) == bool(command)
