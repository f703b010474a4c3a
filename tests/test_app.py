"""`app.py` as the CDK CLI runs it: context arrives in CDK_CONTEXT_JSON, bad context exits 1."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk

from stacks.personalize_stack import PersonalizeShopStack
from tests.conftest import SynthFn

ROOT = Path(__file__).resolve().parent.parent


def _run_app(extra_context: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    context.update(extra_context)
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_OUTDIR": str(tmp_path),
        "CDK_VALIDATION": "false",
    }
    return subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def _outdir(stack: PersonalizeShopStack) -> Path:
    return Path(cdk.Stage.of(stack).outdir)  # type: ignore[union-attr]


def test_unknown_environment_fails_synth_with_one_clear_message(tmp_path: Path) -> None:
    # GIVEN `cdk synth -c env=nope`
    result = _run_app({"env": "nope"}, tmp_path)
    # THEN synth exits 1, says what is wrong and what is allowed, and shows no traceback
    assert (result.returncode, result.stderr.strip().splitlines()) == (
        1,
        [
            "Invalid CDK context (cdk.json or -c):",
            "  - -c env=nope: unknown environment; allowed: dev, prod",
        ],
    )


def test_selected_environment_synthesizes_only_its_stack(synth: SynthFn) -> None:
    # GIVEN `-c env=prod` (in this process: the CLI's CDK_CONTEXT_JSON reaches the same
    # app.node context, which the subprocess test below goes through)
    stacks = synth({"env": "prod"})
    # THEN the cloud assembly holds prod's template and no other
    assert sorted(p.name for p in _outdir(stacks["prod"]).glob("*.template.json")) == [
        "PersonalizeShop-prod.template.json"
    ]


def _tree_digest(outdir: Path) -> dict[str, str]:
    """sha256 of every template and asset file, by path relative to the cloud assembly."""
    digests = {}
    for path in sorted(outdir.rglob("*")):
        if path.is_file() and (path.name.endswith(".template.json") or "asset." in str(path)):
            digests[str(path.relative_to(outdir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def test_two_synths_of_the_same_commit_are_byte_identical(
    stacks: dict[str, PersonalizeShopStack], tmp_path: Path
) -> None:
    # GIVEN two synths of every environment into different folders, in different processes: the
    # test session's own, and app.py run as the CLI runs it
    result = _run_app({}, tmp_path)
    assert result.returncode == 0, result.stderr
    # THEN every template and every asset file is the same, byte for byte
    digests = _tree_digest(tmp_path)
    assert any(name.endswith(".template.json") for name in digests)
    assert any(name.startswith("asset.") for name in digests)
    assert digests == _tree_digest(_outdir(stacks["dev"]))
