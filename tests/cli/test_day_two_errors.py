"""Errors every day-two command shares: one line that says what to do, exit 1, no traceback."""

from __future__ import annotations

import boto3
import botocore.session
import pytest
from botocore.credentials import CredentialResolver
from click.testing import CliRunner
from day_two_env import REGION, DeployedEnv

from personalize_ops.cli import main
from personalize_ops.day_two import Clients
from tests.personalize_simulator.fake_service import shared_botocore_session

COMMANDS = [
    ["status"],
    ["metrics"],
    ["recommend", "--use-case", "best-sellers", "--user-id", "U0000001"],
    ["stop"],
    ["start"],
    ["event", "--user-id", "U0000001", "--item-id", "SKU-000001"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: args[0])
def test_no_stack_says_to_deploy_first(deployed: DeployedEnv, args: list[str]) -> None:
    # GIVEN no stack PersonalizeShop-dev in the region
    # WHEN the command runs
    result = deployed.invoke(args, stack_deployed=False)
    # THEN it says which stack is missing where, and how to create it
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no stack PersonalizeShop-dev in eu-west-1: run `make deploy ENV=dev` first\n"
    )


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: args[0])
def test_missing_credentials_say_how_to_set_them(args: list[str]) -> None:
    # GIVEN clients whose credential chain finds nothing
    session = botocore.session.Session()
    session.register_component("credential_provider", CredentialResolver(providers=[]))
    # The service models, already loaded by the simulators' session (~0.4 s a fresh session).
    session.register_component(
        "data_loader", shared_botocore_session().get_component("data_loader")
    )
    boto = boto3.session.Session(botocore_session=session, region_name=REGION)
    clients = Clients(
        region=REGION,
        cloudformation=boto.client("cloudformation"),
        personalize=boto.client("personalize"),
        runtime=boto.client("personalize-runtime"),
        events=boto.client("personalize-events"),
    )
    # WHEN the command runs
    result = CliRunner().invoke(main, args, obj=clients)
    # THEN it says there are no credentials and how to set them, exit 1, no traceback
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no AWS credentials: set AWS_PROFILE")
    assert "Traceback" not in result.output


def test_unknown_environment_lists_the_known_ones(deployed: DeployedEnv) -> None:
    # WHEN an environment absent from cdk.json is named
    result = deployed.invoke(["status", "--env", "staging"])
    # THEN the error lists cdk.json's environments
    assert result.exit_code == 1
    assert result.stderr == "error: unknown environment 'staging'; cdk.json has: dev, prod\n"


def test_an_unexpected_aws_error_is_one_line(deployed: DeployedEnv) -> None:
    # GIVEN Personalize denies DescribeDatasetGroup
    deployed.sim.inject("DescribeDatasetGroup", "AccessDeniedException")
    # WHEN status runs
    result = deployed.invoke(["status"])
    # THEN the operation, code and message are printed, exit 1
    assert result.exit_code == 1
    assert result.stderr == (
        "error: AWS refused DescribeDatasetGroup (AccessDeniedException): "
        "User is not authorized to perform this action.\n"
    )


def test_the_stack_read_is_the_one_of_env(deployed: DeployedEnv) -> None:
    # GIVEN no prod stack (the stub answers only for PersonalizeShop-prod)
    # WHEN status runs for prod
    result = deployed.invoke(
        ["status", "--env", "prod"], stack_deployed=False, stack="PersonalizeShop-prod"
    )
    # THEN the error names the prod stack and its deploy command
    assert result.stderr == (
        "error: no stack PersonalizeShop-prod in eu-west-1: run `make deploy ENV=prod` first\n"
    )
