"""The command line meets the operator's environment: AWS_REGION, a mistyped --env, output
lines that stay apart, and the credentials check make diff/deploy/destroy run first."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from personalize_ops import cli
from personalize_ops.day_two import default_session
from tests.test_adding_an_environment import with_staging

ROOT = Path(__file__).resolve().parents[2]
NO_CREDENTIALS = (
    "error: no AWS credentials: set AWS_PROFILE (then `aws sso login` if it uses SSO) or "
    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and try again"
)


def test_aws_region_is_honoured(aws_env: pytest.MonkeyPatch) -> None:
    aws_env.setenv("AWS_REGION", "eu-central-1")
    assert default_session(None).region_name == "eu-central-1"


def test_aws_region_wins_over_aws_default_region(aws_env: pytest.MonkeyPatch) -> None:
    # As in the AWS CLI v2 and the CDK CLI
    aws_env.setenv("AWS_DEFAULT_REGION", "us-east-1")
    aws_env.setenv("AWS_REGION", "eu-central-1")
    assert default_session(None).region_name == "eu-central-1"


def test_region_option_and_cdk_json_win_over_aws_region(aws_env: pytest.MonkeyPatch) -> None:
    aws_env.setenv("AWS_REGION", "eu-central-1")
    assert default_session("eu-west-1").region_name == "eu-west-1"


@pytest.fixture
def with_staging_cdk_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    copied = tmp_path / "cdk.json"
    copied.write_text(json.dumps(with_staging(json.loads((ROOT / "cdk.json").read_text()))))
    monkeypatch.setattr(cli, "CDK_JSON", copied)


@pytest.mark.parametrize("command", ["status", "cleanup", "check-credentials"])
def test_a_mistyped_environment_gets_did_you_mean(
    with_staging_cdk_json: None, aws_env: pytest.MonkeyPatch, command: str
) -> None:
    result = CliRunner().invoke(cli.main, [command, "--env", "stagin"])
    assert (result.exit_code, result.stderr) == (
        1,
        "error: unknown environment 'stagin' (did you mean 'staging'?); cdk.json has: dev, "
        "prod, staging\n",
    )


def test_an_environment_nothing_resembles_lists_them_without_a_guess(
    aws_env: pytest.MonkeyPatch,
) -> None:
    result = CliRunner().invoke(cli.main, ["status", "--env", "qa"])
    assert result.stderr == "error: unknown environment 'qa'; cdk.json has: dev, prod\n"


def test_validate_prints_every_line_apart_and_in_order(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli.main, ["validate", str(ROOT / "data/sample/users.csv"), "--no-cache"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    # THEN the report ends with its verdict, then the timing on a line of its own, on stdout
    assert lines[-3:-1] == ["OK: no problems found.", lines[-2]]
    assert re.fullmatch(r"Validated in \d+\.\d\d s\.", lines[-2])
    assert lines[-1] == ""
    assert result.stderr == ""


def test_validate_expands_a_home_relative_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "users.csv").write_bytes((ROOT / "data/sample/users.csv").read_bytes())
    result = CliRunner().invoke(cli.main, ["validate", "--users=~/users.csv", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'users.csv'} (Users)" in result.stdout


# ---------------------------------------------------------------- check-credentials


def test_check_credentials_without_credentials_says_what_to_set(
    aws_env: pytest.MonkeyPatch,
) -> None:
    aws_env.setenv("AWS_REGION", "eu-west-1")
    result = CliRunner().invoke(cli.main, ["check-credentials", "--env", "dev"])
    assert (result.exit_code, result.stderr) == (1, NO_CREDENTIALS + "\n")


def test_check_credentials_without_a_region_says_how_to_give_one(
    aws_env: pytest.MonkeyPatch,
) -> None:
    result = CliRunner().invoke(cli.main, ["check-credentials", "--env", "dev"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no AWS region: ")


def _sts_answering(monkeypatch: pytest.MonkeyPatch, account: str) -> None:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    )
    sts = session.client("sts")
    stubber = Stubber(sts)
    arn = f"arn:aws:sts::{account}:assumed-role/Deployer/alice"
    stubber.add_response(
        "get_caller_identity", {"Account": account, "Arn": arn, "UserId": "AROAEXAMPLE:alice"}
    )
    stubber.activate()

    class _Session:
        region_name = "eu-west-1"

        def client(self, name: str, **_: Any) -> Any:
            assert name == "sts"
            return sts

    monkeypatch.setattr(cli, "default_session", lambda region: _Session())


def test_check_credentials_names_the_account_and_region(monkeypatch: pytest.MonkeyPatch) -> None:
    _sts_answering(monkeypatch, "111122223333")
    result = CliRunner().invoke(cli.main, ["check-credentials", "--env", "dev"])
    assert (result.exit_code, result.stdout) == (
        0,
        "AWS credentials: account 111122223333 as "
        "arn:aws:sts::111122223333:assumed-role/Deployer/alice, region eu-west-1\n",
    )


def test_check_credentials_refuses_another_account_than_the_pinned_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    context = json.loads((ROOT / "cdk.json").read_text())
    context["context"]["environments"]["prod"]["account"] = "444455556666"
    (tmp_path / "cdk.json").write_text(json.dumps(context))
    monkeypatch.setattr(cli, "CDK_JSON", tmp_path / "cdk.json")
    _sts_answering(monkeypatch, "111122223333")
    result = CliRunner().invoke(cli.main, ["check-credentials", "--env", "prod"])
    assert (result.exit_code, result.stderr) == (
        1,
        "error: environment prod is pinned to account 444455556666 (cdk.json), but your "
        "credentials are for 111122223333: set AWS_PROFILE to a profile of 444455556666\n",
    )


# ---------------------------------------------------------------- make targets


def _make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


@pytest.mark.parametrize("target", ["diff", "deploy", "destroy"])
def test_make_checks_credentials_before_cdk_with_the_cli_s_hint(
    target: str, aws_env: pytest.MonkeyPatch
) -> None:
    # GIVEN a shell without AWS credentials / WHEN make diff, deploy or destroy runs
    aws_env.setenv("AWS_REGION", "eu-west-1")
    result = _make(target, "ENV=dev", env=dict(os.environ))
    # THEN it stops at the check with the command line's one-line hint; CDK never runs
    assert result.returncode != 0
    assert NO_CREDENTIALS in result.stderr
    assert "Unable to resolve AWS account" not in result.stdout + result.stderr
    assert "npx" not in result.stdout


@pytest.mark.parametrize("target", ["diff", "deploy", "destroy"])
def test_make_without_env_names_the_variable(target: str) -> None:
    result = _make("-n", target)
    assert result.returncode != 0
    assert f"ENV is not set: make {target} ENV=<environment in cdk.json>" in result.stderr


def test_every_target_reads_env_and_passes_args_to_cdk() -> None:
    commands = {
        target: _make("-n", target, "ENV=staging", "ARGS=--force").stdout.splitlines()[-1]
        for target in ("synth", "diff", "deploy", "destroy")
    }
    assert commands == {
        "synth": "npx --no-install cdk synth --no-notices --no-lookups -q -c env=staging --force",
        "diff": "npx --no-install cdk diff --no-notices -c env=staging --force",
        "deploy": "npx --no-install cdk deploy --no-notices -c env=staging --force",
        "destroy": "npx --no-install cdk destroy --no-notices -c env=staging -c destroyOnly=true "
        "--force",
    }


def test_synth_without_env_synthesizes_every_environment() -> None:
    (command,) = [line for line in _make("-n", "synth").stdout.splitlines() if "cdk synth" in line]
    assert "-c env=" not in command


def test_the_old_variable_is_refused_not_ignored() -> None:
    result = _make("-n", "synth", "CDK_ENV=prod")
    assert result.returncode != 0
    assert "CDK_ENV is no longer read: use ENV=prod" in result.stderr
