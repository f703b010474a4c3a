"""Measure the two speed targets of issue 13 in one run, as ratios where the machine's load cancels.

1. The whole test suite as `make test` runs it: wall time (target <= 30 s on 2 cores) and CPU
   time, with the load average before and after (the machine is shared: a neighbour's burst
   shows up in the wall time, much less in the CPU time).
2. Synth of every environment against a one-bucket CDK app in the same venv: each is a fresh
   `python <app>` with cdk.json's context in CDK_CONTEXT_JSON, as `cdk synth` runs an app
   (built-in CloudFormation validation on, cdk-nag on for ours), interleaved round by round.
   Target: <= 1.5x.

    .venv/bin/python scripts/bench_suite.py                  # suite once, 5 synth rounds
    .venv/bin/python scripts/bench_suite.py --rounds 9 --skip-suite
    .venv/bin/python scripts/bench_suite.py --no-validation  # both apps with CDK_VALIDATION=false

Figures and how to read them: docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"

ONE_BUCKET_APP = """\
import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

app = cdk.App()
s3.Bucket(cdk.Stack(app, "OneBucket"), "Bucket")
app.synth()
"""


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float  # user + system of the process and everything it waited for (jsii's node)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5, help="synth rounds (medians are shown)")
    parser.add_argument("--skip-suite", action="store_true")
    parser.add_argument("--skip-synth", action="store_true")
    parser.add_argument(
        "--no-validation",
        action="store_true",
        help="CDK_VALIDATION=false for both apps (what the tests use)",
    )
    parser.add_argument(
        "--suite-command",
        default="make -s test",
        help="what runs the suite (default: make -s test)",
    )
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {_load()} at start")
    if not args.skip_suite:
        _suite(args.suite_command)
    if not args.skip_synth:
        _synth(args.rounds, validation=not args.no_validation)
    print(f"load average {_load()} at end")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(
    command: list[str] | str, *, env: dict[str, str] | None = None, shell: bool = False
) -> tuple[Run, subprocess.CompletedProcess[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        shell=shell,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu), result


def _suite(command: str) -> None:
    print(f"\n== suite: {command}  (load {_load()})")
    run, result = _timed(command, shell=True)
    summary = [line for line in result.stdout.splitlines() if " passed" in line or "failed" in line]
    print(f"wall {run.wall:6.1f} s   CPU {run.cpu:6.1f} s   exit {result.returncode}")
    print(f"pytest: {summary[-1].strip('= ') if summary else '(no summary)'}")
    print(f"target: wall <= 30 s -> {'met' if run.wall <= 30 else 'NOT met'}  (load {_load()})")
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")


def _synth(rounds: int, *, validation: bool) -> None:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    with tempfile.TemporaryDirectory() as tmp:
        bucket_app = Path(tmp) / "one_bucket.py"
        bucket_app.write_text(ONE_BUCKET_APP)
        env = {
            **os.environ,
            "CDK_CONTEXT_JSON": json.dumps(context),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        }
        if not validation:
            env["CDK_VALIDATION"] = "false"
        apps = {
            "app.py (every environment)": [str(PYTHON), "app.py"],
            "one-bucket app": [str(PYTHON), str(bucket_app)],
        }
        print(
            f"\n== synth, {rounds} rounds, built-in CloudFormation validation "
            f"{'on' if validation else 'off'}  (load {_load()})"
        )
        # One untimed run of each: the jsii package cache and the data-validation cache are warm
        # in every measured round, as on a developer's machine after the first synth.
        for name, command in apps.items():
            _, result = _timed(command, env={**env, "CDK_OUTDIR": str(Path(tmp) / "warm")})
            if result.returncode != 0:
                sys.exit(f"{name} failed:\n{result.stderr[-3000:]}")
        runs: dict[str, list[Run]] = {name: [] for name in apps}
        for index in range(rounds):
            for name, command in apps.items():
                outdir = Path(tmp) / f"out-{index}-{len(runs[name])}-{name[:3]}"
                run, result = _timed(command, env={**env, "CDK_OUTDIR": str(outdir)})
                if result.returncode != 0:
                    sys.exit(f"{name} failed:\n{result.stderr[-3000:]}")
                runs[name].append(run)
    print(f"{'app':28} {'median wall':>12} {'min wall':>9} {'median CPU':>11}")
    for name, measured in runs.items():
        walls = [r.wall for r in measured]
        cpus = [r.cpu for r in measured]
        print(
            f"{name:28} {statistics.median(walls):11.2f}s {min(walls):8.2f}s "
            f"{statistics.median(cpus):10.2f}s"
        )
    ours, base = runs.values()
    of_medians = statistics.median(r.wall for r in ours) / statistics.median(r.wall for r in base)
    per_round = statistics.median(a.wall / b.wall for a, b in zip(ours, base, strict=True))
    of_cpu = statistics.median(r.cpu for r in ours) / statistics.median(r.cpu for r in base)
    print(
        "ratio app.py / one-bucket app: of median walls, median of the rounds' ratios, "
        "of median CPU"
    )
    print(f"  {of_medians:.2f}x   {per_round:.2f}x   {of_cpu:.2f}x   (target <= 1.5x)")


if __name__ == "__main__":
    main()
