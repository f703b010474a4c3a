"""No command prints a traceback: a bad region or profile, no network, an empty id, an
unwritable output folder are each one line on stderr that names the fix, with exit status 1.

AWS settings come from the environment as an operator's shell gives them, isolated from the
machine's own (`aws_env`); the network failures are real connections refused, or botocore
raising its own timeout where the request is sent.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
    UnauthorizedSSOTokenError,
)
from click.testing import CliRunner, Result
from day_two_env import REGION, DeployedEnv

from personalize_ops.cli import main
from personalize_ops.day_two import Clients
from tests.personalize_simulator.fake_service import shared_botocore_session

Check = Callable[[str], None]


def run(args: Sequence[str], obj: Any = None) -> Result:
    return CliRunner().invoke(main, list(args), obj=obj)


def one_error_line(result: Result) -> str:
    """The single stderr line of a failed command, without its `error: ` prefix."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0].removeprefix("error: ")


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_malformed_region_names_it_and_the_fix(aws_env: pytest.MonkeyPatch) -> None:
    # WHEN --region is not a region name
    result = run(["status", "--region", "bad region!"])
    # THEN one line names the value and how to give a good one
    assert one_error_line(result) == (
        "'bad region!' is not an AWS region name: pass --region with one such as eu-west-1 "
        "(or fix `region` in cdk.json, AWS_REGION or your profile's region)"
    )


def test_an_unknown_profile_names_it_and_the_fix(aws_env: pytest.MonkeyPatch) -> None:
    # GIVEN AWS_PROFILE names a profile the AWS config does not have
    aws_env.setenv("AWS_PROFILE", "nope")
    # WHEN a day-two command runs
    result = run(["status", "--region", REGION])
    # THEN one line names the profile and how to choose another
    assert one_error_line(result) == (
        "AWS profile 'nope' is not in your AWS config: set AWS_PROFILE to one that "
        "`aws configure list-profiles` lists, or unset it"
    )


def test_an_unreachable_endpoint_says_to_check_the_network(
    aws_env: pytest.MonkeyPatch, closed_port: int
) -> None:
    # GIVEN credentials, one attempt per call, and AWS's endpoint unreachable
    aws_env.setenv("AWS_ACCESS_KEY_ID", "testing")
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    aws_env.setenv("AWS_MAX_ATTEMPTS", "1")
    aws_env.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")
    # WHEN a day-two command runs
    result = run(["status", "--region", REGION])
    # THEN one line names the endpoint and what to check
    assert one_error_line(result) == (
        f'no answer from AWS (Could not connect to the endpoint URL: "http://127.0.0.1:'
        f'{closed_port}/"): check your network connection (and HTTPS_PROXY if you need a '
        "proxy) and --region, then try again"
    )


def clients_failing_with(error: Exception, event: str = "before-send") -> Clients:
    """Real clients, one attempt each, whose every request fails with `error` at `event`
    (before-send: where botocore's HTTP layer raises; before-sign: where credentials load)."""
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
        botocore_session=shared_botocore_session(),  # models loaded once per run
    )
    config = Config(retries={"mode": "standard", "max_attempts": 1})

    def fail(**_: Any) -> None:
        raise error

    made = {}
    for name in ("cloudformation", "personalize", "personalize-runtime", "personalize-events"):
        made[name] = session.client(name, config=config)  # type: ignore[call-overload]
        made[name].meta.events.register(event, fail)
    return Clients(
        region=REGION,
        cloudformation=made["cloudformation"],
        personalize=made["personalize"],
        runtime=made["personalize-runtime"],
        events=made["personalize-events"],
    )


ENDPOINT = f"https://cloudformation.{REGION}.amazonaws.com/"


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            EndpointConnectionError(endpoint_url=ENDPOINT),
            f'Could not connect to the endpoint URL: "{ENDPOINT}"',
        ),
        (
            ConnectTimeoutError(endpoint_url=ENDPOINT),
            f'Connect timeout on endpoint URL: "{ENDPOINT}"',
        ),
        (ReadTimeoutError(endpoint_url=ENDPOINT), f'Read timeout on endpoint URL: "{ENDPOINT}"'),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_no_network_is_one_line(error: Exception, said: str) -> None:
    result = run(["status"], obj=clients_failing_with(error))
    assert one_error_line(result) == (
        f"no answer from AWS ({said}): check your network connection (and HTTPS_PROXY if you "
        "need a proxy) and --region, then try again"
    )


def test_an_expired_sso_session_says_to_log_in() -> None:
    # GIVEN the SSO token behind the profile has expired (botocore raises when it signs)
    clients = clients_failing_with(UnauthorizedSSOTokenError(), event="before-sign")
    # WHEN a day-two command runs
    result = run(["status"], obj=clients)
    # THEN one line says to log in again
    assert one_error_line(result) == (
        "your AWS SSO session is missing or expired: run `aws sso login` (with --profile "
        "$AWS_PROFILE if you use a profile), and try again"
    )


@pytest.mark.parametrize(
    ("args", "flag", "example"),
    [
        (["event", "--user-id", "", "--item-id", "SKU-000001"], "--user-id", "U0000001"),
        (["event", "--user-id", "U0000001", "--item-id", " "], "--item-id", "SKU-000001"),
        (
            ["event", "--user-id", "U0000001", "--item-id", "SKU-000001", "--session-id", ""],
            "--session-id",
            "S1",
        ),
        (
            ["recommend", "--use-case", "recommended-for-you", "--user-id", ""],
            "--user-id",
            "U0000001",
        ),
        (
            ["recommend", "--use-case", "frequently-bought-together", "--item-id", ""],
            "--item-id",
            "SKU-000001",
        ),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_an_empty_id_is_refused_before_any_aws_call(
    deployed: DeployedEnv, args: list[str], flag: str, example: str
) -> None:
    # WHEN an id option is given but empty
    result = deployed.invoke(args)
    # THEN one line names the option and an example, and nothing reached AWS
    assert one_error_line(result) == f"{flag} is empty: give an id, e.g. {flag} {example}"
    assert deployed.sim.calls == []


def test_botocores_multi_line_validation_report_is_one_line() -> None:
    # GIVEN botocore refuses the parameters before sending, with its report on two lines
    report = (
        "Invalid length for parameter userId, value: 0, valid min length: 1\n"
        "Invalid type for parameter itemId, value: 7, type: <class 'int'>"
    )
    clients = clients_failing_with(ParamValidationError(report=report))
    # WHEN a day-two command runs
    result = run(["status"], obj=clients)
    # THEN the report is one line
    assert one_error_line(result) == (
        "AWS would refuse these values (Parameter validation failed: Invalid length for "
        "parameter userId, value: 0, valid min length: 1 Invalid type for parameter itemId, "
        "value: 7, type: <class 'int'>); correct them"
    )


def test_sample_data_into_a_path_under_a_file_names_the_fix(tmp_path: Path) -> None:
    # GIVEN --out inside a path that is a file, not a folder
    (tmp_path / "file").write_text("")
    out = tmp_path / "file" / "sample"
    # WHEN sample-data runs
    result = run(["sample-data", "--out", str(out), "--interactions", "10"])
    # THEN one line names the path, the reason and the fix
    assert one_error_line(result) == (
        f"cannot write {out}: Not a directory; pass --out with a folder you can write to"
    )


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_sample_data_into_an_unwritable_folder_names_the_fix(tmp_path: Path) -> None:
    # GIVEN a folder without write permission
    out = tmp_path / "read-only"
    out.mkdir(mode=0o555)
    # WHEN sample-data writes into it
    result = run(["sample-data", "--out", str(out), "--interactions", "10"])
    # THEN one line names the file, the reason and the fix
    assert one_error_line(result) == (
        f"cannot write {out / 'interactions.csv'}: Permission denied; pass --out with a "
        "folder you can write to"
    )


def test_validate_with_an_unusable_cache_folder_names_the_fix(tmp_path: Path) -> None:
    # GIVEN a --cache-dir inside a path that is a file
    (tmp_path / "file").write_text("")
    cache = tmp_path / "file" / "cache"
    csv = tmp_path / "interactions.csv"
    csv.write_text("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu1,i1,1735689600,View\n")
    # WHEN validate caches its report there
    result = run(["validate", str(csv), "--cache-dir", str(cache)])
    # THEN one line names the folder and both ways out
    assert one_error_line(result) == (
        f"{cache}: Not a directory; pass --cache-dir with a folder you can write to, or --no-cache"
    )


def test_an_unexpected_error_is_one_line_that_offers_debug(deployed: DeployedEnv) -> None:
    # GIVEN a fault no message was written for (a Personalize client that is not one)
    clients = deployed.clients()
    broken = Clients(
        region=REGION,
        cloudformation=clients.cloudformation,
        personalize=object(),
        runtime=clients.runtime,
        events=clients.events,
    )
    # WHEN status runs
    result = run(["status"], obj=broken)
    # THEN one line names the error and how to see its traceback
    assert one_error_line(result) == (
        "unexpected AttributeError: 'object' object has no attribute 'describe_dataset_group' "
        "(run with --debug for the traceback)"
    )


def test_debug_lets_the_unexpected_error_through(deployed: DeployedEnv) -> None:
    clients = deployed.clients()
    broken = Clients(REGION, clients.cloudformation, object(), clients.runtime, clients.events)
    result = run(["--debug", "status"], obj=broken)
    assert isinstance(result.exception, AttributeError)
    assert "unexpected" not in result.stderr
