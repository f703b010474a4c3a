"""Benchmark the dataset validator against bare CSV reads of the same 250 MB interactions file.

Every measured step runs in its own process, several times; the script reports the median time of
the step itself (imports excluded) and the peak RSS of its process (os.wait4). Run from the repo:

    .venv/bin/python scripts/bench_validator.py            # generates data/bench/ on first use
    .venv/bin/python scripts/bench_validator.py --mb 50 --repeat 3

pandas is only needed here (a dev/bench dependency), not by the validator.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = (
    "wc",
    "polars",
    "pandas",
    "digest",
    "validate-no-hash",
    "validate-exact",
    "validate-cold",
    "validate-warm",
    # The same rules compiled to SQL, run by DuckDB on the same file (sql_engine.py).
    "duckdb-sql",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mb", type=float, default=250, help="interactions file size (MB)")
    parser.add_argument("--dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--repeat", type=int, default=5, help="runs per step (median is shown)")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--only", help=f"comma-separated steps to run (default: all of {', '.join(STEPS)})"
    )
    parser.add_argument("--cache-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = args.dir / "interactions.csv"
    if args.step:
        _child(args.step, path, args.cache_dir)
        return
    _ensure_file(path, args.mb, args.dir)
    steps = tuple(args.only.split(",")) if args.only else STEPS
    unknown = set(steps) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    _bench(path, args.repeat, steps)


def _ensure_file(path: Path, mb: float, out_dir: Path) -> None:
    target = round(mb * 1_000_000)
    if path.exists() and abs(path.stat().st_size - target) < 1000:
        print(f"reusing {path} ({path.stat().st_size / 1e6:.0f} MB)")
        return
    # In a child process: the parent stays small, because a child's peak RSS as reported by
    # wait4 starts from the size of the process that forked it.
    command = [sys.executable, "-m", "personalize_ops.cli", "sample-data", "--out", str(out_dir)]
    subprocess.run([*command, "--interactions-mb", str(mb)], check=True, cwd=ROOT)


def _child(step: str, path: Path, cache_dir: Path | None) -> None:
    """One measured step; prints its own duration, the parent reads the peak RSS."""
    import polars as pl

    from personalize_domain.data import file_digest, validate_dataset
    from personalize_domain.schemas import DatasetType
    from personalize_domain.use_cases import USE_CASES

    schema = {
        "USER_ID": pl.String,
        "ITEM_ID": pl.String,
        "TIMESTAMP": pl.Int64,
        "EVENT_TYPE": pl.String,
    }
    detail = ""
    cpu_before = _cpu()
    started = time.perf_counter()
    if step == "polars":
        rows = pl.read_csv(path, schema=schema).height
        detail = f"{rows:,} rows"
    elif step == "pandas":
        import pandas as pd  # type: ignore[import-untyped]  # bench-only, no stubs installed

        dtypes = {"USER_ID": str, "ITEM_ID": str, "TIMESTAMP": "int64", "EVENT_TYPE": str}
        rows = len(pd.read_csv(path, dtype=dtypes))
        detail = f"{rows:,} rows"
    elif step == "digest":
        detail = file_digest(path)[:12]
    elif step == "duckdb-sql":
        from personalize_domain.data.sql_engine import validate_with_duckdb
        from personalize_domain.schemas import load_schema

        report = validate_with_duckdb(path, load_schema(DatasetType.INTERACTIONS), list(USE_CASES))
        stats = report.stats
        detail = f"ok={report.ok} {stats.rows:,} rows {stats.distinct_users:,} users (exact)"
    else:
        digest = "0" * 64 if step in ("validate-no-hash", "validate-exact") else None
        report = validate_dataset(
            path,
            DatasetType.INTERACTIONS,
            list(USE_CASES),
            cache_dir=cache_dir,
            digest=digest,
            exact_counts=step == "validate-exact",
        )
        stats = report.stats
        detail = (
            f"ok={report.ok} cached={report.from_cache} {stats.rows:,} rows "
            f"{stats.distinct_users:,} users (1/{stats.user_sample_rate})"
        )
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "cpu": _cpu() - cpu_before, "detail": detail}))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class _Sample:
    seconds: float
    cpu_seconds: float
    rss_mb: float
    detail: str


def _run(command: list[str]) -> _Sample:
    """Time and CPU time of the step, and peak RSS of its process (os.wait4: per child)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {proc.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    rss_mb = usage.ru_maxrss / 1024
    if command[0] == "wc":
        return _Sample(wall, cpu, rss_mb, out.split()[0] + " lines")
    data = json.loads(out.strip().splitlines()[-1])
    return _Sample(float(data["seconds"]), float(data["cpu"]), rss_mb, str(data["detail"]))


def _bench(path: Path, repeat: int, steps: tuple[str, ...] = STEPS) -> None:
    me = [sys.executable, str(Path(__file__).resolve()), "--dir", str(path.parent)]
    cache_dir = Path(tempfile.mkdtemp(prefix="validator-cache-"))
    samples: dict[str, list[_Sample]] = {step: [] for step in steps}
    try:
        # Round-robin over the steps, so a noisy neighbour slows every step alike.
        for _ in range(repeat):
            for step in steps:
                if step == "validate-cold":
                    shutil.rmtree(cache_dir, ignore_errors=True)
                command = ["wc", "-l", str(path)] if step == "wc" else [*me, "--step", step]
                if step in ("validate-cold", "validate-warm"):
                    command += ["--cache-dir", str(cache_dir)]
                samples[step].append(_run(command))
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    median = {step: statistics.median(s.seconds for s in runs) for step, runs in samples.items()}
    fastest = {step: min(s.seconds for s in runs) for step, runs in samples.items()}
    cpu = {step: statistics.median(s.cpu_seconds for s in runs) for step, runs in samples.items()}

    def paired(step: str, base: str) -> float:
        # Each round's steps run back to back, so a round's ratio sees one machine state.
        pairs = zip(samples[step], samples[base], strict=True)
        return statistics.median(a.seconds / b.seconds for a, b in pairs)

    print(f"{'step':18} {'median':>8} {'min':>8} {'max':>8} {'CPU':>7} {'peak RSS':>9}")
    for step, runs in samples.items():
        slowest = max(s.seconds for s in runs)
        peak = max(s.rss_mb for s in runs)
        print(
            f"{step:18} {median[step]:7.3f}s {fastest[step]:7.3f}s {slowest:7.3f}s "
            f"{cpu[step]:6.2f}s {peak:6.0f} MB  {runs[-1].detail}"
        )
    size_mb = path.stat().st_size / 1e6
    print(f"\nfile: {path} ({size_mb:.0f} MB), {os.cpu_count()} CPUs, {repeat} rounds")
    print("ratios: of median times, median of the rounds' ratios, of median CPU times")
    for label, step, base in (
        ("validator cold (hash + rules) / polars.read_csv", "validate-cold", "polars"),
        ("validator rules only / polars.read_csv", "validate-no-hash", "polars"),
        ("validator rules, exact counts / polars.read_csv", "validate-exact", "polars"),
        ("validator cold / pandas.read_csv", "validate-cold", "pandas"),
        ("validator warm / polars.read_csv", "validate-warm", "polars"),
        ("SQL rules on DuckDB / validator rules only", "duckdb-sql", "validate-no-hash"),
        ("SQL rules on DuckDB / validator, exact counts", "duckdb-sql", "validate-exact"),
        ("SQL rules on DuckDB / polars.read_csv", "duckdb-sql", "polars"),
    ):
        if step not in samples or base not in samples:
            continue
        print(
            f"  {label:48} {median[step] / median[base]:5.2f}x  "
            f"{paired(step, base):5.2f}x  {cpu[step] / cpu[base]:5.2f}x"
        )


if __name__ == "__main__":
    main()
