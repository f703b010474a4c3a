"""Templates of another git ref: a temporary worktree, the same synth, the worktree removed.

The worktree has no `.venv` or `node_modules` of its own; the synth reuses this checkout's by
absolute path, so comparing against `main` costs one synth, not an install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from review.errors import ReviewError

ROOT = Path(__file__).resolve().parent.parent
SYNTH_ENV = {
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "CDK_DISABLE_VERSION_CHECK": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
}
TAIL_LINES = 20

Runner = Callable[[Sequence[str], Path], subprocess.CompletedProcess[str]]


def run(command: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command),
        cwd=cwd,
        env={**os.environ, **SYNTH_ENV},
        capture_output=True,
        text=True,
        check=False,
    )


@dataclass(frozen=True)
class Toolchain:
    python: Path
    cdk: Path

    @classmethod
    def of_checkout(cls, root: Path = ROOT) -> Toolchain:
        toolchain = cls(
            python=root / ".venv" / "bin" / "python", cdk=root / "node_modules" / ".bin" / "cdk"
        )
        for tool in (toolchain.python, toolchain.cdk):
            if not tool.exists():
                raise ReviewError(f"{tool}: not found; run `make synth` once to install it")
        return toolchain

    def synth_command(self, out: Path) -> list[str]:
        # `--app` overrides cdk.json's relative `.venv/bin/python`, which the worktree lacks.
        return [
            str(self.cdk),
            "synth",
            "--no-notices",
            "--no-lookups",
            "-q",
            "--app",
            f"{self.python} app.py",
            "-o",
            str(out),
        ]


def resolve_ref(ref: str, *, repo: Path = ROOT, runner: Runner = run) -> str:
    result = runner(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], repo)
    if result.returncode != 0:
        raise ReviewError(f"{ref}: not a commit in {repo}")
    return result.stdout.strip()


@contextmanager
def base_templates(
    ref: str,
    *,
    repo: Path = ROOT,
    toolchain: Toolchain | None = None,
    runner: Runner = run,
) -> Iterator[Path]:
    """Yield a directory with the ref's synthesized templates; clean everything up after."""
    commit = resolve_ref(ref, repo=repo, runner=runner)
    tools = toolchain or Toolchain.of_checkout(repo)
    scratch = Path(tempfile.mkdtemp(prefix="review-base-"))
    worktree, out = scratch / "src", scratch / "out"
    try:
        _checked(
            runner(["git", "worktree", "add", "--detach", str(worktree), commit], repo),
            "git worktree add",
        )
        try:
            _checked(runner(tools.synth_command(out), worktree), f"cdk synth of {ref}")
            yield out
        finally:
            runner(["git", "worktree", "remove", "--force", str(worktree)], repo)
            runner(["git", "worktree", "prune"], repo)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _checked(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip().splitlines()[-TAIL_LINES:]
        raise ReviewError(f"{what} failed (exit {result.returncode}):\n" + "\n".join(output))
