"""Peak memory of `personalize-shop batch` on large synthetic lists and outputs.

Two steps, each in its own process (its peak RSS read with os.wait4, as bench_validator.py
does), each run twice: once plain (time, peak RSS) and once under tracemalloc (peak of the
Python heap; it does not see SQLite's own allocations, which the RSS includes):

- output: a job's output of --users lines x --results items streamed into the CSV
  (write_results). The `.out` lines are generated as they are read, so nothing but the command's
  own memory is measured (moto would hold the whole object).
- input: a list of --ids ids (one in ten repeated) turned into the JSON Lines input
  (build_input), duplicates left out on disk.

    .venv/bin/python scripts/bench_batch.py                       # 200,000 users, 1,000,000 ids
    .venv/bin/python scripts/bench_batch.py --users 20000 --ids 100000

Figures in docs/batch.md. Nothing reaches AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from personalize_ops.day_two.batch import USERS, BatchJob, build_input, write_results  # noqa: E402

JOB = BatchJob(
    "shop-bench-email-20261207093000-7f3a",
    "arn:aws:personalize:eu-west-1:111111111111:batch-inference-job/bench",
    "s3://bench/batch/bench/input/",
    "s3://bench/batch/bench/output/",
)


class _Body:
    def __init__(self, users: int, results: int) -> None:
        self.users = users
        self.results = results

    def iter_lines(self, chunk_size: int = 1024) -> Iterator[bytes]:
        scores = [round(0.9 / (r + 1), 9) for r in range(self.results)]
        for n in range(self.users):
            items = [f"SKU-{(n * 31 + r) % 100_000:06d}" for r in range(self.results)]
            output = {"recommendedItems": items, "scores": scores}
            record = {"input": {"userId": f"U{n:010d}"}, "output": output, "error": None}
            yield json.dumps(record).encode()


class GeneratedS3:
    """One generated `.out` file; list_objects_v2 and get_object are all write_results reads."""

    def __init__(self, users: int, results: int) -> None:
        self.body = _Body(users, results)

    def list_objects_v2(self, *, Bucket: str, Prefix: str, **_: Any) -> dict[str, Any]:
        return {"Contents": [{"Key": f"{Prefix}input.json.out"}]}

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": self.body}


def _ids(count: int) -> Iterator[str]:
    yield "USER_ID"
    for n in range(count):
        yield f"U{n:010d}"
        if n % 10 == 9:
            yield f"U{n // 2:010d}"  # a duplicate of an id seen earlier


def _child(step: str, size: int, results: int, traced: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as workdir:
        work = Path(workdir)
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        if step == "output":
            done = write_results(GeneratedS3(size, results), JOB, USERS, str(work / "out"), work)
            what = (
                f"{done.rows:,} rows, CSV {(work / 'out' / f'{JOB.name}.csv').stat().st_size:,} B"
            )
        else:
            built = build_input(_ids(size), label="bench", shape=USERS, out=work / "input.json")
            what = f"{built.records:,} records, {built.duplicates:,} duplicates, {built.size:,} B"
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
    print(json.dumps({"seconds": seconds, "traced_peak": peak, "what": what}))


def _measure(step: str, size: int, results: int, traced: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--step", step, "--size", str(size)]
    command += ["--results", str(results), *(["--traced"] if traced else [])]
    with tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen(command, stdout=stdout, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{step} failed")
        stdout.seek(0)
        found: dict[str, Any] = json.loads(stdout.read())
    found["rss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=200_000, help="output lines (answered users)")
    parser.add_argument("--results", type=int, default=25, help="items per output line")
    parser.add_argument("--ids", type=int, default=1_000_000, help="distinct ids in the list")
    parser.add_argument("--only", choices=("output", "input"))
    parser.add_argument("--step", choices=("output", "input"), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        _child(args.step, args.size, args.results, args.traced)
        return
    floor = _measure("output", 0, args.results, traced=False)
    print(f"floor (the process with its imports, no data): peak RSS {floor['rss_mb']:.0f} MB")
    steps = [("output", args.users), ("input", args.ids)]
    for step, size in steps:
        if args.only and step != args.only:
            continue
        plain = _measure(step, size, args.results, traced=False)
        traced = _measure(step, size, args.results, traced=True)
        print(
            f"{step:6} {size:>10,}: {plain['what']}; {plain['seconds']:.1f} s, "
            f"peak RSS {plain['rss_mb']:.0f} MB, Python heap peak "
            f"{traced['traced_peak'] / 1e6:.2f} MB (tracemalloc)"
        )


if __name__ == "__main__":
    main()
