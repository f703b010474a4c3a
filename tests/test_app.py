"""`app.py` as the CDK CLI runs it: context arrives in CDK_CONTEXT_JSON, bad context exits 1."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from personalize_domain.config import ConfigError
from personalize_domain.data_sources import DataSourceError
from stacks.personalize_stack import PersonalizeShopStack
from tests.conftest import SynthFn

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = json.loads((ROOT / "cdk.json").read_text())["context"]["environments"]


def _run_app(
    extra_context: dict[str, Any],
    tmp_path: Path,
    context: dict[str, Any] | None = None,
    environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python app.py` as the CDK CLI runs it. Each run costs a whole Python, jsii and Node start
    (several seconds): only what needs a separate process runs here; the rest goes through the
    `synth` fixture, which builds the same `build_app` in this process."""
    context = context or json.loads((ROOT / "cdk.json").read_text())["context"]
    context.update(extra_context)
    env = {
        **(os.environ if environment is None else environment),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_OUTDIR": str(tmp_path),
        "CDK_VALIDATION": "false",
    }
    return subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def _outdir(stack: PersonalizeShopStack) -> Path:
    return Path(cdk.Stage.of(stack).outdir)  # type: ignore[union-attr]


# The one full synth in another process: what `cdk synth` runs, from a shell that does not
# silence jsii's Node banner. Two tests read it; they share the session synth's xdist worker.
@pytest.fixture(scope="module")
def cli_synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JSII_SILENCE")}
    outdir = tmp_path_factory.mktemp("cli-synth")
    result = _run_app({}, outdir, environment=environment)
    assert result.returncode == 0, result.stderr
    return outdir, result.stderr


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


@pytest.mark.xdist_group("session-synth")
def test_two_synths_of_the_same_commit_are_byte_identical(
    stacks: dict[str, PersonalizeShopStack], cli_synth: tuple[Path, str]
) -> None:
    # GIVEN two synths of every environment into different folders, in different processes: the
    # test session's own, and app.py run as the CLI runs it
    outdir, _ = cli_synth
    # THEN every template and every asset file is the same, byte for byte
    digests = _tree_digest(outdir)
    assert any(name.endswith(".template.json") for name in digests)
    assert any(name.startswith("asset.") for name in digests)
    assert digests == _tree_digest(_outdir(stacks["dev"]))


@pytest.mark.xdist_group("session-synth")
def test_the_app_prints_no_node_end_of_life_banner_as_byte_strings(
    cli_synth: tuple[Path, str],
) -> None:
    # GIVEN `npx cdk ...` run from a shell that does not silence jsii's Node banner
    _, stderr = cli_synth
    # THEN its stderr has our lines only: no b'!!...' banner (aws/jsii#4065)
    assert "b'!!" not in stderr
    assert "end-of-life" not in stderr


def _dev_reading(cdk_json_context: dict[str, Any], **sources: str) -> dict[str, Any]:
    """Overrides giving dev's datasets these sources (by dataset type)."""
    environments = copy.deepcopy(cdk_json_context["environments"])
    for dataset, source in sources.items():
        environments["dev"]["datasets"][dataset]["source"] = source
    return {"env": "dev", "environments": environments}


def _broken_csv(tmp_path: Path) -> str:
    broken = tmp_path / "items.csv"
    broken.write_text("not,a,valid,header\n")
    return str(broken)


def test_synth_of_an_environment_whose_data_file_is_missing_fails(
    synth: SynthFn, cdk_json_context: dict[str, Any], tmp_path: Path
) -> None:
    overrides = _dev_reading(cdk_json_context, interactions=str(tmp_path / "gone.csv"))
    with pytest.raises(DataSourceError, match="no such file"):
        synth(overrides)


def test_synth_of_an_environment_whose_data_is_invalid_fails(
    synth: SynthFn, cdk_json_context: dict[str, Any], tmp_path: Path
) -> None:
    overrides = _dev_reading(cdk_json_context, items=_broken_csv(tmp_path))
    with pytest.raises(DataSourceError):
        synth(overrides)


@dataclass(frozen=True)
class DestroyOnlySynth:
    stacks: dict[str, PersonalizeShopStack]
    stderr: str


# GIVEN dev's interactions file deleted and its items file invalid (either fails a normal synth:
# the two tests above), synthesized as `make destroy ENV=dev` does it. One synth for the tests
# below, on one xdist worker.
@pytest.fixture(scope="module")
def destroy_only(
    synth: SynthFn,
    cdk_json_context: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> DestroyOnlySynth:
    folder = tmp_path_factory.mktemp("destroy-only-data")
    overrides = _dev_reading(
        cdk_json_context, interactions=str(folder / "gone.csv"), items=_broken_csv(folder)
    )
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        stacks = synth({**overrides, "destroyOnly": "true"})
    return DestroyOnlySynth(stacks, stderr.getvalue())


@pytest.mark.xdist_group("destroy-only")
def test_destroy_needs_neither_the_data_files_nor_valid_data(
    destroy_only: DestroyOnlySynth,
) -> None:
    # THEN the stack `cdk destroy` deletes by name is there, alone, and nothing was validated
    outdir = _outdir(destroy_only.stacks["dev"])
    assert sorted(p.name for p in outdir.glob("*.template.json")) == [
        "PersonalizeShop-dev.template.json"
    ]
    assert "validating" not in destroy_only.stderr


@pytest.mark.xdist_group("destroy-only")
def test_destroy_only_says_its_template_is_for_destroy_only(destroy_only: DestroyOnlySynth) -> None:
    assert "[dev] destroyOnly: data files not read" in destroy_only.stderr


@pytest.mark.xdist_group("destroy-only")
def test_a_destroy_only_template_refuses_every_deploy(destroy_only: DestroyOnlySynth) -> None:
    template = json.loads(
        (_outdir(destroy_only.stacks["dev"]) / "PersonalizeShop-dev.template.json").read_text()
    )
    # THEN CloudFormation's rule check, run on every create and update, fails: the assertion
    # compares two different constants
    (assertion,) = template["Rules"]["DestroyOnly"]["Assertions"]
    first, second = assertion["Assert"]["Fn::Equals"]
    assert first != second
    assert "for cdk destroy only" in assertion["AssertDescription"]


@pytest.mark.xdist_group("destroy-only")
def test_a_destroy_only_template_ships_no_data_file(destroy_only: DestroyOnlySynth) -> None:
    assert not list(_outdir(destroy_only.stacks["dev"]).glob("dataset-files/*"))


def test_a_bad_filter_expression_fails_synth_naming_key_and_position(synth: SynthFn) -> None:
    # GIVEN `cdk synth -c env=dev -c dev.filters.category.expression=...` with a field items lack
    bad = "INCLUDE ItemID WHERE Items.COLOUR IN ($COLOUR)"
    # THEN synth fails with the key, the position and the fix (app.py prints it and exits 1, as
    # the unknown-environment test above shows for every context error)
    with pytest.raises(ConfigError) as failure:
        synth({"env": "dev", "dev.filters.category.expression": bad})
    lines = str(failure.value).splitlines()
    assert lines[0] == "Invalid CDK context (cdk.json or -c):"
    assert lines[1].startswith(
        f"  - -c dev.filters.category.expression={bad}, position 22 (near 'Items.COLOUR IN "
        "($COLOUR)'): the Items schema (items.json) has no field COLOUR. Fix: use one of its "
        "fields:"
    )
