"""`batch` streams the job's output into the CSV: memory stays flat however long the output is.

A fake S3 generates the `.out` lines as they are read, so the measured peak is the command's own
(moto would hold the whole object in memory). scripts/bench_batch.py measures larger runs.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from personalize_ops.day_two.batch import USERS, BatchJob, write_results

JOB = BatchJob(
    "shop-dev-email-20261207093000-7f3a",
    "arn:aws:personalize:eu-west-1:111111111111:batch-inference-job/x",
    "s3://data/batch/x/input/",
    "s3://data/batch/x/output/",
)


def answer(n: int, results: int = 25) -> str:
    """Personalize's answer for user n: `results` items, scores descending."""
    items = [f"SKU-{(n * 31 + r) % 100_000:06d}" for r in range(results)]
    scores = [round(0.9 / (r + 1), 6) for r in range(results)]
    output = {"recommendedItems": items, "scores": scores}
    return json.dumps({"input": {"userId": f"U{n:08d}"}, "output": output, "error": None})


class _Body:
    def __init__(self, lines: Callable[[], Iterator[str]]) -> None:
        self._lines = lines

    def iter_lines(self, chunk_size: int = 1024) -> Iterator[bytes]:
        for line in self._lines():
            yield line.encode()


class GeneratedS3:
    """list_objects_v2 and get_object over generated `.out` files; nothing held in memory."""

    def __init__(self, files: dict[str, Callable[[], Iterator[str]]]) -> None:
        self.files = files
        self.uploaded: list[tuple[str, str, str]] = []

    def list_objects_v2(self, *, Bucket: str, Prefix: str, **_: Any) -> dict[str, Any]:
        return {"Contents": [{"Key": f"{Prefix}{name}"} for name in self.files]}

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": _Body(self.files[Key.rsplit("/", 1)[-1]])}


def _users(count: int) -> Callable[[], Iterator[str]]:
    return lambda: (answer(n) for n in range(count))


def test_a_long_output_is_written_with_flat_memory(tmp_path: Path) -> None:
    # GIVEN an output of 1,000 users x 25 results (25,000 rows, 0.8 MB of CSV)
    s3 = GeneratedS3({"input.json.out": _users(1_000)})
    # WHEN it is written to the CSV, memory traced
    tracemalloc.start()
    try:
        results = write_results(s3, JOB, USERS, str(tmp_path / "out"), tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # THEN every row is in the file, and the peak stayed under 1 MB (about 0.2 MB, the same for
    # 40 times the rows; holding the output as one string before writing it took 3 MB here)
    written = tmp_path / "out" / f"{JOB.name}.csv"
    assert results.rows == 25_000
    assert written.stat().st_size > 750_000
    assert peak < 1_000_000, f"peak {peak:,} bytes"


def test_lines_not_in_the_csv_go_whole_to_the_errors_file(tmp_path: Path) -> None:
    # GIVEN an output with a good line, a line Personalize answered with an error, a bad score
    bad_score = answer(3).replace("0.9,", '"high",', 1)
    error = json.dumps({"input": {"userId": "U2"}, "output": None, "error": "Invalid filter."})
    s3 = GeneratedS3({"input.json.out": lambda: iter([answer(1, 2), error, bad_score])})
    # WHEN it is written
    results = write_results(s3, JOB, USERS, str(tmp_path), tmp_path)
    # THEN the CSV holds the good line, each problem is named by file and line
    assert (tmp_path / f"{JOB.name}.csv").read_text().count("\n") == 3
    assert results.shown_errors == ["input.json.out line 2: userId U2: Invalid filter."]
    assert results.shown_unreadable == [
        'input.json.out line 3: userId U00000003: score "high" (rank 1) is not a number'
    ]
    # AND both problem lines are kept as Personalize wrote them
    errors = (tmp_path / f"{JOB.name}-errors.jsonl").read_text()
    assert errors == f"{error}\n{bad_score}\n"


def test_an_interrupted_download_leaves_no_csv(tmp_path: Path) -> None:
    # GIVEN an output whose reading fails halfway (the connection drops)
    def dropped() -> Iterator[str]:
        yield answer(1)
        raise ConnectionError("connection reset")

    s3 = GeneratedS3({"input.json.out": dropped})
    # WHEN it is written / THEN the error propagates and no file that looks whole is left
    with pytest.raises(ConnectionError):
        write_results(s3, JOB, USERS, str(tmp_path / "out"), tmp_path)
    assert list((tmp_path / "out").iterdir()) == []
