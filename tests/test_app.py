"""`app.py` as the CDK CLI runs it: context arrives in CDK_CONTEXT_JSON, bad context exits 1."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from stacks.personalize_stack import PersonalizeShopStack
from tests.conftest import SynthFn

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = json.loads((ROOT / "cdk.json").read_text())["context"]["environments"]


def _run_app(
    extra_context: dict[str, Any], tmp_path: Path, context: dict[str, Any] | None = None
) -> subprocess.CompletedProcess[str]:
    context = context or json.loads((ROOT / "cdk.json").read_text())["context"]
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
            f"  - -c env=nope: unknown environment; allowed: {', '.join(sorted(SHIPPED))}",
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


def _dev_reading(source: str) -> dict[str, Any]:
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    context["environments"]["dev"]["datasets"]["interactions"]["source"] = source
    return context


def test_synth_of_an_environment_whose_data_file_is_missing_fails(tmp_path: Path) -> None:
    result = _run_app({"env": "dev"}, tmp_path, _dev_reading(str(tmp_path / "gone.csv")))
    assert result.returncode == 1
    assert "no such file" in result.stderr


def test_destroy_needs_no_data_file(tmp_path: Path) -> None:
    # GIVEN dev's interactions file deleted
    context = _dev_reading(str(tmp_path / "gone.csv"))
    # WHEN synthesized as `make destroy ENV=dev` does it
    result = _run_app({"env": "dev", "destroyOnly": "true"}, tmp_path / "out", context)
    # THEN the stack `cdk destroy` deletes by name is there, and says it is for destroy only
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.template.json")) == [
        "PersonalizeShop-dev.template.json"
    ]
    assert "[dev] destroyOnly: data files not read" in result.stderr


def test_destroy_needs_no_valid_data(tmp_path: Path) -> None:
    # GIVEN dev's interactions file present but invalid (validation would fail synth)
    broken = tmp_path / "interactions.csv"
    broken.write_text("not,a,valid,header\n")
    context = _dev_reading(str(broken))
    assert _run_app({"env": "dev"}, tmp_path / "synth", copy.deepcopy(context)).returncode == 1
    # WHEN synthesized for destroy / THEN it succeeds without validating anything
    result = _run_app({"env": "dev", "destroyOnly": "true"}, tmp_path / "out", context)
    assert result.returncode == 0, result.stderr
    assert "validating" not in result.stderr


def test_a_destroy_only_template_refuses_every_deploy(tmp_path: Path) -> None:
    result = _run_app({"env": "dev", "destroyOnly": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / "PersonalizeShop-dev.template.json").read_text())
    # THEN CloudFormation's rule check, run on every create and update, fails: the assertion
    # compares two different constants
    (assertion,) = template["Rules"]["DestroyOnly"]["Assertions"]
    first, second = assertion["Assert"]["Fn::Equals"]
    assert first != second
    assert "for cdk destroy only" in assertion["AssertDescription"]
    # AND no data file is shipped as an asset
    assert not list(tmp_path.glob("dataset-files/*"))


def test_the_app_prints_no_node_end_of_life_banner_as_byte_strings(tmp_path: Path) -> None:
    # GIVEN `npx cdk ...` run from a shell that does not silence jsii's Node banner
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JSII_SILENCE")}
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    context.update({"env": "dev", "destroyOnly": "true"})
    environment.update(
        CDK_CONTEXT_JSON=json.dumps(context), CDK_OUTDIR=str(tmp_path), CDK_VALIDATION="false"
    )
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN its stderr has our lines only: no b'!!...' banner (aws/jsii#4065)
    assert result.returncode == 0, result.stderr
    assert "b'!!" not in result.stderr
    assert "end-of-life" not in result.stderr


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
