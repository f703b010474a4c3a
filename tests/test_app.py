"""`app.py` as the CDK CLI runs it: context arrives in CDK_CONTEXT_JSON, bad context exits 1."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_selected_environment_synthesizes_only_its_stack(tmp_path: Path) -> None:
    result = _run_app({"env": "prod"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.glob("*.template.json")) == [
        "PersonalizeShop-prod.template.json"
    ]


def _tree_digest(outdir: Path) -> dict[str, str]:
    """sha256 of every template and asset file, by path relative to the cloud assembly."""
    digests = {}
    for path in sorted(outdir.rglob("*")):
        if path.is_file() and (path.name.endswith(".template.json") or "asset." in str(path)):
            digests[str(path.relative_to(outdir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def test_two_synths_of_the_same_commit_are_byte_identical(tmp_path: Path) -> None:
    # GIVEN two synths into different folders
    first, second = tmp_path / "first", tmp_path / "second"
    assert _run_app({}, first).returncode == 0
    assert _run_app({}, second).returncode == 0
    # THEN every template and every asset file is the same, byte for byte
    digests = _tree_digest(first)
    assert any(name.endswith(".template.json") for name in digests)
    assert any(name.startswith("asset.") for name in digests)
    assert digests == _tree_digest(second)


def test_a_bad_filter_expression_fails_synth_naming_key_and_position(tmp_path: Path) -> None:
    # GIVEN `cdk synth -c env=dev -c dev.filters.category.expression=...` with a field items lack
    bad = "INCLUDE ItemID WHERE Items.COLOUR IN ($COLOUR)"
    result = _run_app({"env": "dev", "dev.filters.category.expression": bad}, tmp_path)
    # THEN synth exits 1 with the key, the position and the fix, and writes no template
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Invalid CDK context (cdk.json or -c):"
    assert lines[1].startswith(
        f"  - -c dev.filters.category.expression={bad}, position 22 (near 'Items.COLOUR IN "
        "($COLOUR)'): the Items schema (items.json) has no field COLOUR. Fix: use one of its "
        "fields:"
    )
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.template.json"))
