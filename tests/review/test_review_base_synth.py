"""The base templates of a git ref: synthesized in a temporary worktree that is always removed.

These tests use a throwaway git repository under tmp_path and a fake synth, so they run in well
under a second and never touch this checkout's git state.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from review.base_synth import Toolchain, base_templates, run
from review.errors import ReviewError

TOOLS = Toolchain(python=Path("/venv/bin/python"), cdk=Path("/node_modules/.bin/cdk"))


def _git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    subprocess.run(["git", *identity, "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose commit has app.py saying "base" while the working tree says "head"."""
    path = tmp_path / "repo"
    path.mkdir()
    _git(path, "init", "-q")
    (path / "app.py").write_text("base\n", encoding="utf-8")
    _git(path, "add", "app.py")
    _git(path, "commit", "-q", "-m", "base")
    (path / "app.py").write_text("head\n", encoding="utf-8")
    return path


class FakeSynth:
    """Runs git for real; for the synth, records what it saw and writes one template."""

    def __init__(self, *, exit_code: int = 0) -> None:
        self.exit_code = exit_code
        self.seen_app: str | None = None
        self.worktree: Path | None = None

    def __call__(self, command: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        if command[0] == "git":
            return run(command, cwd)
        self.worktree, self.seen_app = cwd, (cwd / "app.py").read_text(encoding="utf-8")
        out = Path(command[command.index("-o") + 1])
        out.mkdir(parents=True)
        body = {"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}
        (out / "Shop-dev.template.json").write_text(json.dumps(body), encoding="utf-8")
        return subprocess.CompletedProcess(command, self.exit_code, "", "synth exploded\n")


def test_the_ref_is_synthesized_from_its_own_files_and_the_worktree_removed(repo: Path) -> None:
    # GIVEN a working tree that differs from HEAD
    synth = FakeSynth()
    # WHEN the base templates of HEAD are built
    with base_templates("HEAD", repo=repo, toolchain=TOOLS, runner=synth) as out:
        names = sorted(p.name for p in out.iterdir())
    # THEN the synth saw HEAD's app.py, and afterwards neither worktree nor its registration remain
    listed = run(["git", "worktree", "list"], repo).stdout
    assert (names, synth.seen_app) == (["Shop-dev.template.json"], "base\n")
    assert synth.worktree is not None
    assert (synth.worktree.exists(), str(synth.worktree) in listed) == (False, False)


def test_a_failed_synth_reports_its_output_and_still_removes_the_worktree(repo: Path) -> None:
    # GIVEN a synth that fails
    synth = FakeSynth(exit_code=1)
    # WHEN the base templates are built THEN the error carries the synth's last lines
    with (
        pytest.raises(ReviewError, match=r"cdk synth of HEAD failed \(exit 1\):\nsynth exploded"),
        base_templates("HEAD", repo=repo, toolchain=TOOLS, runner=synth),
    ):
        pass
    # AND the worktree is gone
    assert synth.worktree is not None
    assert not synth.worktree.exists()


def test_an_unknown_ref_is_named(repo: Path) -> None:
    # GIVEN a ref the repository does not have WHEN its templates are asked for THEN it is named
    with (
        pytest.raises(ReviewError, match=r"no-such-branch: not a commit"),
        base_templates("no-such-branch", repo=repo, toolchain=TOOLS, runner=FakeSynth()),
    ):
        pass


def test_the_synth_reuses_this_checkouts_tools_by_absolute_path(tmp_path: Path) -> None:
    # GIVEN the toolchain WHEN the synth command is built THEN cdk.json's relative app is overridden
    command = TOOLS.synth_command(tmp_path / "out")
    assert command[0] == "/node_modules/.bin/cdk"
    assert command[command.index("--app") + 1] == "/venv/bin/python app.py"
