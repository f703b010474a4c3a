"""Offline tests of the live integration test's helpers: no AWS, botocore's Stubber for clients."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from live_support import (
    DEFAULT_DEPLOY_TIMEOUT_HOURS,
    DEFAULT_ENV,
    ENV_VAR,
    OPT_IN_VAR,
    ROOT,
    RUN_COMMAND,
    SKIP_MESSAGE,
    TIMEOUT_VAR,
    DeployedStack,
    Leftover,
    LiveAccount,
    LiveRun,
    LiveSettings,
    SampleIds,
    ask_recommenders,
    bucket_leftovers,
    cdk_deploy_command,
    cdk_destroy_command,
    cdk_environ,
    context_overrides,
    empty_and_delete_bucket,
    environment_config,
    existing_stack,
    is_implicit_cdk_log_group,
    leftover_problem,
    log_group_leftovers,
    new_name_prefix,
    parse_outputs,
    personalize_leftovers,
    pick_sample_ids,
    read_outputs_file,
    recommendation_request,
    refusal_message,
    resolve_live_account,
    run_command,
    stack_bucket_names,
    wait_until_clean,
)

from personalize_domain.config import ConfigError, EnvironmentConfig, load_app_config
from personalize_domain.use_cases import USE_CASES

REGION, ACCOUNT = "eu-west-1", "111122223333"
STACK = "PersonalizeShop-dev"
PREFIX = "itest-abc123"
GROUP_ARN = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/{PREFIX}"
AUTO_DELETE_LOGS = f"/aws/lambda/{STACK}-CustomS3AutoDeleteObjectsCustomResourcePr-Ab12"
MISSING_STACK = "Stack with id PersonalizeShop-dev does not exist"
SAMPLE_INTERACTIONS = ROOT / "data/sample/interactions.csv"
GUIDE = ROOT / "docs/integration-test.md"

# One botocore session for every stubbed client: its loaded service models are reused.
_BOTO = boto3.Session(
    region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
)


@pytest.fixture
def stubbed() -> Iterator[Callable[[str], tuple[Any, Stubber]]]:
    """A factory of clients whose every call must have been stubbed, in order."""
    stubbers: list[Stubber] = []

    def make(service: str) -> tuple[Any, Stubber]:
        client = _BOTO.client(service)  # type: ignore[call-overload]
        stubber = Stubber(client)
        stubber.activate()
        stubbers.append(stubber)
        return client, stubber

    yield make
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


@pytest.fixture(scope="module")
def sample_ids() -> SampleIds:
    return pick_sample_ids(SAMPLE_INTERACTIONS)


@pytest.fixture(scope="module")
def dev(cdk_json_context: dict[str, Any]) -> EnvironmentConfig:
    return environment_config(cdk_json_context, "dev", PREFIX)


def _outputs(env: EnvironmentConfig) -> dict[str, str]:
    """Outputs shaped as `cdk deploy` writes them for `env`."""
    arn = f"arn:aws:personalize:{REGION}:{ACCOUNT}"
    outputs = {
        "DatasetGroupArn": GROUP_ARN,
        "DataBucketName": "personalizeshop-dev-databucket-1a2b",
        "AccessLogBucketName": "personalizeshop-dev-accesslogbucket-3c4d",
        "PersonalizeRoleArn": f"arn:aws:iam::{ACCOUNT}:role/PersonalizeShop-dev-Role",
    }
    for dataset in env.datasets:
        outputs[f"{dataset.dataset_type.value}DatasetArn"] = (
            f"{arn}:dataset/{PREFIX}/{dataset.dataset_type.value.upper()}"
        )
    for recommender in env.recommenders:
        label = "".join(p.title() for p in recommender.use_case.key.split("-"))
        outputs[f"{label}RecommenderArn"] = f"{arn}:recommender/{PREFIX}-{recommender.use_case.key}"
        outputs[f"{label}RecommenderMetrics"] = "{}"
    return outputs


def _client_error(stubber: Stubber, method: str, code: str, message: str, status: int) -> None:
    stubber.add_client_error(
        method, service_error_code=code, service_message=message, http_status_code=status
    )


# ---------------------------------------------------------------- when the live test runs


class _FakeSession:
    """Just what resolve_live_account uses of a boto3 Session."""

    def __init__(self, *, credentials: bool, region: str | None, sts: Any = None) -> None:
        self._credentials = credentials
        self.region_name = region
        self._sts = sts
        self.client_regions: list[str] = []

    def get_credentials(self) -> object | None:
        return object() if self._credentials else None

    def client(self, service: str, *, region_name: str, config: Any) -> Any:
        assert self._sts is not None, f"unexpected {service} client"
        self.client_regions.append(region_name)
        return self._sts


def _identity(stubber: Stubber) -> None:
    stubber.add_response(
        "get_caller_identity",
        {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/me", "UserId": "AIDA"},
    )


def test_without_opt_in_the_test_skips_before_touching_boto3() -> None:
    # GIVEN no PERSONALIZE_LIVE_TEST
    def no_session() -> Any:
        raise AssertionError("boto3 must not be touched")

    # WHEN the account is resolved
    reason = resolve_live_account({}, configured_region=None, session_factory=no_session)

    # THEN the skip message is the one that says how to run the test
    assert reason == SKIP_MESSAGE


@pytest.mark.parametrize(
    "needed",
    ["cdk bootstrap", "about an hour or more", "a few US dollars", "destroys"],
)
def test_skip_message_says_how_to_run_and_what_it_costs(needed: str) -> None:
    # GIVEN / WHEN the message a skipped run shows
    # THEN it carries the command, the prerequisite, duration, cost and cleanup
    assert needed in SKIP_MESSAGE


def test_skip_message_states_as_many_recommenders_as_dev_trains(dev: EnvironmentConfig) -> None:
    # GIVEN the dev environment of cdk.json / WHEN its recommenders are counted
    count = ["no", "one", "two", "three", "four", "five"][len(dev.recommenders)]

    # THEN the skip message announces that many trainings
    assert f"trains its {count} recommenders" in SKIP_MESSAGE


@pytest.mark.parametrize(
    "documented",
    [
        RUN_COMMAND,
        SKIP_MESSAGE,
        f"| `{OPT_IN_VAR}` | unset |",
        f"| `{ENV_VAR}` | `{DEFAULT_ENV}` |",
        f"| `{TIMEOUT_VAR}` | `{DEFAULT_DEPLOY_TIMEOUT_HOURS:g}` |",
    ],
)
def test_the_guide_shows_the_command_the_skip_and_each_variable_with_its_default(
    documented: str,
) -> None:
    # GIVEN / WHEN docs/integration-test.md / THEN it says what the code does
    assert documented in GUIDE.read_text()


def test_without_credentials_the_test_skips_without_calling_sts() -> None:
    # GIVEN the opt-in but no credentials (a session that has no STS client to give)
    session = _FakeSession(credentials=False, region=REGION)

    # WHEN the account is resolved
    reason = resolve_live_account(
        {"PERSONALIZE_LIVE_TEST": "1"}, configured_region=None, session_factory=lambda: session
    )

    # THEN it is a skip that names the missing credentials
    assert isinstance(reason, str)
    assert "no AWS credentials were found" in reason


def test_credentials_that_sts_rejects_skip_with_sts_error(stubbed: Any) -> None:
    # GIVEN credentials STS rejects
    sts, stubber = stubbed("sts")
    _client_error(stubber, "get_caller_identity", "ExpiredToken", "The token expired", 403)
    session = _FakeSession(credentials=True, region=REGION, sts=sts)

    # WHEN the account is resolved
    reason = resolve_live_account(
        {"PERSONALIZE_LIVE_TEST": "1"}, configured_region=None, session_factory=lambda: session
    )

    # THEN it is a skip carrying STS's error
    assert isinstance(reason, str)
    assert reason.endswith("The token expired")


@pytest.mark.parametrize(
    ("configured", "aws_region", "profile", "expected"),
    [
        ("eu-central-1", "eu-west-1", "us-east-1", "eu-central-1"),
        (None, "eu-west-1", "us-east-1", "eu-west-1"),
        (None, None, "us-east-1", "us-east-1"),
    ],
)
def test_region_is_the_environments_then_aws_region_then_the_profiles(
    stubbed: Any, configured: str | None, aws_region: str | None, profile: str, expected: str
) -> None:
    # GIVEN working credentials and regions from several places
    sts, stubber = stubbed("sts")
    _identity(stubber)
    session = _FakeSession(credentials=True, region=profile, sts=sts)
    environ = {"PERSONALIZE_LIVE_TEST": "1", **({"AWS_REGION": aws_region} if aws_region else {})}

    # WHEN the account is resolved
    account = resolve_live_account(
        environ, configured_region=configured, session_factory=lambda: session
    )

    # THEN the region is the one `cdk deploy` will use too, and STS was asked there
    assert isinstance(account, LiveAccount)
    assert (account.account_id, account.region) == (ACCOUNT, expected)
    assert session.client_regions == [expected]


def test_settings_default_to_dev_and_four_hours() -> None:
    # GIVEN no settings in the environment / WHEN read
    settings = LiveSettings.from_environ({})

    # THEN the sample dev environment is deployed with a four-hour bound
    assert (settings.env_name, settings.deploy_timeout_s) == ("dev", 4 * 3600)


@pytest.mark.parametrize("raw", ["four", "0", "-1", "25"])
def test_invalid_timeout_is_refused_naming_the_variable(raw: str) -> None:
    # GIVEN an invalid PERSONALIZE_LIVE_TIMEOUT_HOURS / WHEN read / THEN the error names it
    with pytest.raises(ValueError, match=f"PERSONALIZE_LIVE_TIMEOUT_HOURS='{raw}'"):
        LiveSettings.from_environ({"PERSONALIZE_LIVE_TIMEOUT_HOURS": raw})


def test_generated_prefix_is_a_valid_name_prefix_of_the_app(
    cdk_json_context: dict[str, Any],
) -> None:
    # GIVEN a generated prefix
    prefix = new_name_prefix()

    # WHEN the dev environment is configured with it by app.py's parser
    env = environment_config(cdk_json_context, "dev", prefix)

    # THEN it is accepted and is the test's own
    assert env.name_prefix == prefix
    assert re.fullmatch(r"itest-[0-9a-f]{6}", prefix)


def test_unknown_environment_fails_with_the_apps_message(cdk_json_context: dict[str, Any]) -> None:
    # GIVEN PERSONALIZE_LIVE_ENV=prd / WHEN configured / THEN the app's own error says so
    with pytest.raises(ConfigError, match="unknown environment"):
        environment_config(cdk_json_context, "prd", PREFIX)


# ---------------------------------------------------------------- the CDK command lines


def test_deploy_command_selects_the_stack_with_the_prefix_and_writes_outputs(
    tmp_path: Path,
) -> None:
    # GIVEN the run's context overrides
    overrides = context_overrides("dev", PREFIX)

    # WHEN the deploy command is built
    command = cdk_deploy_command(
        STACK, overrides, outputs_file=tmp_path / "o.json", assembly_dir=tmp_path / "a"
    )

    # THEN it deploys that stack alone, unattended, with the prefix, outside the project's cdk.out
    assert command == [
        *("npx", "--no-install", "cdk", "deploy", STACK),
        *("-c", "env=dev", "-c", f"dev.namePrefix={PREFIX}"),
        *("--require-approval", "never", "--outputs-file", str(tmp_path / "o.json")),
        *("--output", str(tmp_path / "a"), "--progress", "events", "--no-notices"),
    ]


def test_destroy_command_forces_the_same_stack_and_prefix(tmp_path: Path) -> None:
    # GIVEN the run's context overrides / WHEN the destroy command is built
    command = cdk_destroy_command(
        STACK, context_overrides("dev", PREFIX), assembly_dir=tmp_path / "a"
    )

    # THEN it destroys that stack without asking, synthesized with the same prefix
    assert command == [
        *("npx", "--no-install", "cdk", "destroy", STACK, "--force"),
        *("-c", "env=dev", "-c", f"dev.namePrefix={PREFIX}"),
        *("--output", str(tmp_path / "a"), "--no-notices"),
    ]


def test_cdk_runs_in_the_region_of_the_test_clients() -> None:
    # GIVEN a profile and another default region in the environment
    base = {"AWS_PROFILE": "sandbox", "AWS_DEFAULT_REGION": "us-east-1"}

    # WHEN the CLI's environment is built for eu-west-1
    environ = cdk_environ(base, REGION)

    # THEN the CLI uses the same profile and region as the test's boto3 clients
    assert (environ["AWS_PROFILE"], environ["AWS_REGION"], environ["AWS_DEFAULT_REGION"]) == (
        "sandbox",
        REGION,
        REGION,
    )


def test_run_command_returns_the_exit_code(tmp_path: Path) -> None:
    # GIVEN a command that exits 3 / WHEN run / THEN 3 comes back
    code = run_command(
        [sys.executable, "-c", "raise SystemExit(3)"], cwd=tmp_path, env=os.environ, timeout_s=30
    )
    assert code == 3


def _running(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        return "\nState:\tZ" not in status.read_text()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_run_command_timeout_stops_the_whole_process_group(tmp_path: Path) -> None:
    # GIVEN a command whose child (as node under npx) outlives the timeout
    pid_file = tmp_path / "child.pid"
    script = f"sleep 60 & echo $! > {pid_file}; wait"

    # WHEN it is run with a short timeout
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_command(["sh", "-c", script], cwd=tmp_path, env=os.environ, timeout_s=0.5)

    # THEN it gives up promptly and the grandchild is stopped too (the signal is delivered at
    # once, but a loaded machine may take a moment to schedule the child's exit)
    assert time.monotonic() - started < 10
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child)


# ---------------------------------------------------------------- outputs


def test_outputs_file_yields_the_stacks_outputs(tmp_path: Path) -> None:
    # GIVEN a file as `cdk deploy --outputs-file` writes it, with two stacks
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"Other": {"A": "1"}, STACK: {"DatasetGroupArn": GROUP_ARN}}))

    # WHEN the stack's outputs are read / THEN they are that stack's
    assert read_outputs_file(path, STACK) == {"DatasetGroupArn": GROUP_ARN}


def test_outputs_file_without_the_stack_names_the_stacks_found(tmp_path: Path) -> None:
    # GIVEN outputs of another stack only
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"Other": {"A": "1"}}))

    # WHEN read / THEN the error names the stack and what was found
    with pytest.raises(
        ValueError, match=rf"no outputs of stack {STACK}; stacks found: \['Other'\]"
    ):
        read_outputs_file(path, STACK)


def test_outputs_map_each_recommender_to_its_use_case(dev: EnvironmentConfig) -> None:
    # GIVEN the outputs of the dev stack / WHEN parsed
    deployed = parse_outputs(_outputs(dev), dev)

    # THEN each recommender ARN is keyed by its use case
    recommenders = f"arn:aws:personalize:{REGION}:{ACCOUNT}:recommender"
    assert deployed.recommender_arns == {
        "recommended-for-you": f"{recommenders}/{PREFIX}-recommended-for-you",
        "best-sellers": f"{recommenders}/{PREFIX}-best-sellers",
    }


def test_outputs_lacking_what_the_test_reads_are_refused_naming_each(
    dev: EnvironmentConfig,
) -> None:
    # GIVEN outputs without a recommender and without the data bucket
    outputs = _outputs(dev)
    del outputs["BestSellersRecommenderArn"], outputs["DataBucketName"]

    # WHEN parsed / THEN both are named
    with pytest.raises(ValueError, match="lack BestSellersRecommenderArn, DataBucketName;"):
        parse_outputs(outputs, dev)


# ---------------------------------------------------------------- recommendations


def test_sample_ids_are_the_most_active_user_and_most_purchased_item(tmp_path: Path) -> None:
    # GIVEN interactions where U2 is most active, SKU-9 most viewed and SKU-3 and SKU-5 tie on
    # purchases
    path = tmp_path / "interactions.csv"
    rows = [
        "U1,SKU-9,1,View",
        "U2,SKU-9,2,View",
        "U2,SKU-9,3,View",
        "U2,SKU-5,4,Purchase",
        "U1,SKU-3,5,Purchase",
    ]
    path.write_text("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n" + "\n".join(rows) + "\n")

    # WHEN ids are picked
    ids = pick_sample_ids(path)

    # THEN the user is U2 and the item the smallest id among the most purchased
    assert (ids.user_id, ids.item_id) == ("U2", "SKU-3")


@pytest.mark.parametrize(
    ("use_case", "inputs"),
    [
        ("most-viewed", {"userId"}),
        ("best-sellers", {"userId"}),
        ("recommended-for-you", {"userId"}),
        ("frequently-bought-together", {"itemId"}),
        ("customers-who-viewed-x-also-viewed", {"userId", "itemId"}),
    ],
)
def test_each_use_case_is_asked_with_its_inputs(
    use_case: str, inputs: set[str], sample_ids: SampleIds
) -> None:
    # GIVEN a user and an item of the sample

    # WHEN the request for the use case is built
    request = recommendation_request(USE_CASES[use_case], "arn:rec", sample_ids)

    # THEN it carries exactly the inputs the use case takes, and asks for 25 items
    assert request == {
        "recommenderArn": "arn:rec",
        "numResults": 25,
        **({"userId": sample_ids.user_id} if "userId" in inputs else {}),
        **({"itemId": sample_ids.item_id} if "itemId" in inputs else {}),
    }


def _items(count: int) -> dict[str, Any]:
    return {"itemList": [{"itemId": f"SKU-{i:06d}"} for i in range(count)]}


def test_a_recommender_returning_fewer_than_25_is_reported_with_its_count(
    stubbed: Any, dev: EnvironmentConfig, sample_ids: SampleIds
) -> None:
    # GIVEN recommended-for-you returns 25 items and best-sellers 3
    runtime, stubber = stubbed("personalize-runtime")
    deployed = parse_outputs(_outputs(dev), dev)
    stubber.add_response("get_recommendations", _items(25))
    stubber.add_response("get_recommendations", _items(3))

    # WHEN both are asked
    results = ask_recommenders(runtime, dev, deployed, sample_ids)

    # THEN only best-sellers is a problem, with its count
    problems = [r.problem for r in results if r.problem]
    assert len(problems) == 1
    assert problems[0].startswith("best-sellers (userId=")
    assert "3 item(s) instead of 25" in problems[0]


def test_a_failing_recommender_does_not_hide_the_others(
    stubbed: Any, dev: EnvironmentConfig, sample_ids: SampleIds
) -> None:
    # GIVEN recommended-for-you fails and best-sellers answers
    runtime, stubber = stubbed("personalize-runtime")
    deployed = parse_outputs(_outputs(dev), dev)
    _client_error(stubber, "get_recommendations", "ResourceNotFoundException", "no such", 404)
    stubber.add_response("get_recommendations", _items(25))

    # WHEN both are asked
    results = ask_recommenders(runtime, dev, deployed, sample_ids)

    # THEN both were asked and the failure carries Personalize's error
    assert [(r.use_case, len(r.item_ids)) for r in results] == [
        ("recommended-for-you", 0),
        ("best-sellers", 25),
    ]
    assert "ResourceNotFoundException" in (results[0].problem or "")


def test_a_stopped_recommender_is_not_asked(
    stubbed: Any, cdk_json_context: dict[str, Any], sample_ids: SampleIds
) -> None:
    # GIVEN dev with best-sellers stopped (and no running hours, which would refuse that)
    environments = json.loads(json.dumps(cdk_json_context["environments"]))
    for key in ("runningHours", "runningDays", "timezone"):
        environments["dev"].pop(key, None)
    context = {
        **cdk_json_context,
        "environments": environments,
        **context_overrides("dev", PREFIX),
        "dev.recommenders.best-sellers.state": "stopped",
    }
    (env,) = load_app_config(context).selected
    runtime, stubber = stubbed("personalize-runtime")
    stubber.add_response("get_recommendations", _items(25))

    # WHEN the recommenders are asked
    results = ask_recommenders(runtime, env, parse_outputs(_outputs(env), env), sample_ids)

    # THEN only the running one was (the stubber fails on a second call)
    assert [r.use_case for r in results] == ["recommended-for-you"]


# ---------------------------------------------------------------- before deploy: refuse to collide


def _stack(status: str, prefix: str) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": STACK,
                "StackStatus": status,
                "CreationTime": "2026-01-01T00:00:00Z",
                "Outputs": [
                    {
                        "OutputKey": "DatasetGroupArn",
                        "OutputValue": GROUP_ARN.replace(PREFIX, prefix),
                    }
                ],
            }
        ]
    }


def test_an_absent_stack_is_no_conflict(stubbed: Any) -> None:
    # GIVEN CloudFormation does not know the stack
    cfn, stubber = stubbed("cloudformation")
    _client_error(stubber, "describe_stacks", "ValidationError", MISSING_STACK, 400)

    # WHEN looked up / THEN there is nothing to collide with
    assert existing_stack(cfn, STACK) is None


def test_an_existing_stack_is_reported_with_its_name_prefix(stubbed: Any) -> None:
    # GIVEN the real dev environment is deployed
    cfn, stubber = stubbed("cloudformation")
    stubber.add_response("describe_stacks", _stack("UPDATE_COMPLETE", "shop-dev"))

    # WHEN looked up
    found = existing_stack(cfn, STACK)

    # THEN its status and prefix are known
    assert found is not None
    assert (found.status, found.name_prefix) == ("UPDATE_COMPLETE", "shop-dev")


def _account() -> LiveAccount:
    return LiveAccount(
        session=_BOTO, account_id=ACCOUNT, caller_arn="arn:aws:iam::1:user/me", region=REGION
    )


def test_refusal_for_a_real_environment_says_where_else_to_run(stubbed: Any) -> None:
    # GIVEN the real dev stack exists
    cfn, stubber = stubbed("cloudformation")
    stubber.add_response("describe_stacks", _stack("UPDATE_COMPLETE", "shop-dev"))
    found = existing_stack(cfn, STACK)
    assert found is not None

    # WHEN the refusal is worded
    message = refusal_message(found, env_name="dev", account=_account())

    # THEN it names the stack, the account and region, and where else to run
    assert message.startswith(
        f"Refusing to deploy: stack {STACK} already exists in account {ACCOUNT}, region {REGION}"
    )
    assert "another account or region" in message


def test_refusal_for_an_interrupted_run_gives_the_destroy_command(stubbed: Any) -> None:
    # GIVEN a stack left by an interrupted integration run
    cfn, stubber = stubbed("cloudformation")
    stubber.add_response("describe_stacks", _stack("CREATE_COMPLETE", "itest-0f0f0f"))
    found = existing_stack(cfn, STACK)
    assert found is not None

    # WHEN the refusal is worded
    message = refusal_message(found, env_name="dev", account=_account())

    # THEN it gives the command that removes it, with its prefix
    assert (
        f"npx --no-install cdk destroy {STACK} --force -c env=dev -c dev.namePrefix=itest-0f0f0f "
        "--no-notices" in message
    )


# ---------------------------------------------------------------- after destroy: leftovers


def _group(name: str, status: str) -> dict[str, Any]:
    return {
        "name": name,
        "status": status,
        "datasetGroupArn": f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/{name}",
    }


def test_personalize_leftovers_are_the_prefixs_and_no_one_elses(stubbed: Any) -> None:
    # GIVEN our group still being deleted with a recommender, a filter and a dataset, the real
    # dev group, a lookalike prefix, and schemas of both
    personalize, stubber = stubbed("personalize")
    stubber.add_response(
        "list_dataset_groups",
        {
            "datasetGroups": [
                _group("shop-dev", "ACTIVE"),
                _group(PREFIX, "DELETE PENDING"),
                _group(f"{PREFIX}0", "ACTIVE"),
            ]
        },
    )
    stubber.add_response(
        "list_recommenders",
        {"recommenders": [{"name": f"{PREFIX}-best-sellers", "status": "DELETE IN_PROGRESS"}]},
        {"datasetGroupArn": GROUP_ARN},
    )
    stubber.add_response(
        "list_filters",
        {"Filters": [{"name": f"{PREFIX}-category-33b2cedc", "status": "DELETE PENDING"}]},
        {"datasetGroupArn": GROUP_ARN},
    )
    stubber.add_response(
        "list_datasets",
        {"datasets": [{"name": f"{PREFIX}-interactions", "status": "DELETE PENDING"}]},
        {"datasetGroupArn": GROUP_ARN},
    )
    stubber.add_response(
        "list_schemas",
        {"schemas": [{"name": "shop-dev-users-1a2b3c4d"}, {"name": f"{PREFIX}-users-1a2b3c4d"}]},
    )

    # WHEN leftovers are looked for
    leftovers = personalize_leftovers(personalize, PREFIX)

    # THEN exactly the prefix's resources are named, with their status
    assert leftovers == [
        Leftover("Personalize dataset group", PREFIX, "DELETE PENDING"),
        Leftover("Personalize recommender", f"{PREFIX}-best-sellers", "DELETE IN_PROGRESS"),
        Leftover("Personalize filter", f"{PREFIX}-category-33b2cedc", "DELETE PENDING"),
        Leftover("Personalize dataset", f"{PREFIX}-interactions", "DELETE PENDING"),
        Leftover("Personalize schema", f"{PREFIX}-users-1a2b3c4d", "exists"),
    ]


def test_only_log_groups_created_during_the_run_are_leftovers(stubbed: Any) -> None:
    # GIVEN a log group of an earlier deployment and one created by this run
    logs, stubber = stubbed("logs")
    older = f"/aws/lambda/{STACK}-CustomS3AutoDeleteObjectsCustomResourcePr-Old1"
    ours = f"{STACK}-ProviderOnEventLogs56BD1BF7-New2"
    stubber.add_response(
        "describe_log_groups",
        {"logGroups": [{"logGroupName": older}, {"logGroupName": ours}]},
        {"logGroupNamePattern": STACK},
    )

    # WHEN leftovers are looked for / THEN only the run's own one is named
    assert log_group_leftovers(logs, STACK, before=frozenset({older})) == [
        Leftover("CloudWatch log group", ours, "exists")
    ]


@pytest.mark.parametrize(
    ("name", "implicit"),
    [
        (AUTO_DELETE_LOGS, True),
        (f"{STACK}-ProviderOnEventLogs56BD1BF7-Ab12", False),
        ("/aws/lambda/PersonalizeShop-prod-CustomS3AutoDeleteObjectsCustomResourcePr-Ab12", False),
    ],
)
def test_only_cdks_bucket_emptying_log_group_of_the_stack_is_implicit(
    name: str, implicit: bool
) -> None:
    # GIVEN a log group name / WHEN classified / THEN only the documented implicit one is
    assert is_implicit_cdk_log_group(name, STACK) is implicit


def test_buckets_that_still_answer_are_leftovers(stubbed: Any) -> None:
    # GIVEN one deleted bucket and one still there
    s3, stubber = stubbed("s3")
    _client_error(stubber, "head_bucket", "404", "Not Found", 404)
    stubber.add_response("head_bucket", {}, {"Bucket": "kept"})

    # WHEN leftovers are looked for / THEN only the remaining one is named
    assert bucket_leftovers(s3, ["gone", "kept"]) == [Leftover("S3 bucket", "kept", "exists")]


def test_stack_buckets_include_those_a_rollback_retained(stubbed: Any) -> None:
    # GIVEN a rolled-back stack whose retained bucket is DELETE_SKIPPED
    cfn, stubber = stubbed("cloudformation")
    resource = {"LastUpdatedTimestamp": "2026-01-01T00:00:00Z", "ResourceStatus": "DELETE_SKIPPED"}
    stubber.add_response(
        "list_stack_resources",
        {
            "StackResourceSummaries": [
                {
                    **resource,
                    "LogicalResourceId": "DataBucket",
                    "PhysicalResourceId": "personalizeshop-dev-databucket-1a2b",
                    "ResourceType": "AWS::S3::Bucket",
                },
                {
                    **resource,
                    "LogicalResourceId": "ProviderOnEventLogs56BD1BF7",
                    "PhysicalResourceId": f"{STACK}-ProviderOnEventLogs56BD1BF7-Ab12",
                    "ResourceType": "AWS::Logs::LogGroup",
                },
            ]
        },
    )

    # WHEN the stack's buckets are listed / THEN the bucket, and only it, is found
    assert stack_bucket_names(cfn, STACK) == {"personalizeshop-dev-databucket-1a2b"}


def test_emptying_a_bucket_deletes_versions_and_delete_markers_first(stubbed: Any) -> None:
    # GIVEN a versioned bucket with an object version and a delete marker
    s3, stubber = stubbed("s3")
    stubber.add_response(
        "list_object_versions",
        {
            "Versions": [{"Key": "interactions.csv", "VersionId": "v1"}],
            "DeleteMarkers": [{"Key": "old.csv", "VersionId": "v2"}],
        },
        {"Bucket": "kept"},
    )
    stubber.add_response(
        "delete_objects",
        {},
        {
            "Bucket": "kept",
            "Delete": {
                "Objects": [
                    {"Key": "interactions.csv", "VersionId": "v1"},
                    {"Key": "old.csv", "VersionId": "v2"},
                ],
                "Quiet": True,
            },
        },
    )
    stubber.add_response("delete_bucket", {}, {"Bucket": "kept"})

    # WHEN it is emptied and deleted / THEN the calls were exactly those (checked by the stubber)
    empty_and_delete_bucket(s3, "kept")


class _FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_waiting_ends_as_soon_as_nothing_is_left() -> None:
    # GIVEN a dataset group Personalize deletes after two polls
    reports = [[Leftover("Personalize dataset group", PREFIX, "DELETE PENDING")]] * 2 + [[]]
    clock = _FakeClock()

    # WHEN waited for
    left = wait_until_clean(
        lambda: reports.pop(0),
        timeout_s=600,
        interval_s=30,
        sleep=clock.sleep,
        clock=lambda: clock.now,
    )

    # THEN nothing is left, after two pauses
    assert (left, clock.sleeps) == ([], [30, 30])


def test_waiting_gives_up_at_the_bound_with_what_is_left() -> None:
    # GIVEN a schema that never goes away
    schema = Leftover("Personalize schema", f"{PREFIX}-users-1a2b3c4d", "exists")
    clock = _FakeClock()

    # WHEN waited for up to 90 s
    left = wait_until_clean(
        lambda: [schema], timeout_s=90, interval_s=30, sleep=clock.sleep, clock=lambda: clock.now
    )

    # THEN it is returned once the bound has passed
    assert (left, clock.now) == ([schema], 90)


def test_leftover_report_names_every_leftover() -> None:
    # GIVEN two leftovers
    leftovers = [
        Leftover("CloudFormation stack", STACK, "DELETE_FAILED"),
        Leftover("S3 bucket", "personalizeshop-dev-databucket-1a2b", "exists"),
    ]

    # WHEN reported
    message = leftover_problem(STACK, PREFIX, leftovers)

    # THEN each is on its own line, by kind, name and status
    assert message.splitlines()[1:] == [
        f"  - CloudFormation stack {STACK} (DELETE_FAILED)",
        "  - S3 bucket personalizeshop-dev-databucket-1a2b (exists)",
    ]


# ---------------------------------------------------------------- one run, with stubbed AWS


class _StubbedSession:
    def __init__(self, clients: Mapping[str, Any]) -> None:
        self._clients = clients

    def client(self, service: str, **_: Any) -> Any:
        return self._clients[service]


class _FakeCdk:
    """Stands for `npx cdk`: records commands and writes the outputs file deploy would write."""

    def __init__(self, *, code: int = 0, outputs: dict[str, str] | None = None) -> None:
        self.code, self.outputs = code, outputs
        self.commands: list[list[str]] = []

    def __call__(self, argv: list[str], **_: Any) -> int:
        self.commands.append(argv)
        if "--outputs-file" in argv and self.outputs is not None:
            path = Path(argv[argv.index("--outputs-file") + 1])
            path.write_text(json.dumps({STACK: self.outputs}))
        return self.code


def _run(
    env: EnvironmentConfig, clients: Mapping[str, Any], cdk: _FakeCdk, tmp_path: Path
) -> LiveRun:
    account = LiveAccount(
        session=_StubbedSession(clients),  # type: ignore[arg-type]
        account_id=ACCOUNT,
        caller_arn="arn:aws:iam::1:user/me",
        region=REGION,
    )
    return LiveRun(
        env=env,
        account=account,
        workdir=tmp_path,
        deploy_timeout_s=60,
        runner=cdk,
        cleanup_wait_s=0,
        cleanup_poll_s=0,
    )


def test_a_deploy_that_names_another_dataset_group_is_refused(
    stubbed: Any, dev: EnvironmentConfig, tmp_path: Path
) -> None:
    # GIVEN a deploy whose outputs name the real environment's dataset group
    logs, log_stubber = stubbed("logs")
    log_stubber.add_response("describe_log_groups", {"logGroups": []})
    outputs = {**_outputs(dev), "DatasetGroupArn": GROUP_ARN.replace(PREFIX, "shop-dev")}
    run = _run(dev, {"logs": logs}, _FakeCdk(outputs=outputs), tmp_path)

    # WHEN deployed / THEN the run stops: the prefix did not apply
    with pytest.raises(
        AssertionError, match=f"override {PREFIX} did not apply; the stack names arn"
    ):
        run.deploy()


def _cleanup_stubs(stubbed: Any, *, group_left: bool) -> dict[str, Any]:
    """What destroy_and_check asks, in order, when the stack is gone after `cdk destroy`."""
    cfn, cfn_stub = stubbed("cloudformation")
    logs, logs_stub = stubbed("logs")
    personalize, personalize_stub = stubbed("personalize")
    s3, s3_stub = stubbed("s3")
    _client_error(cfn_stub, "list_stack_resources", "ValidationError", MISSING_STACK, 400)
    _client_error(cfn_stub, "describe_stacks", "ValidationError", MISSING_STACK, 400)
    logs_stub.add_response(
        "describe_log_groups", {"logGroups": [{"logGroupName": AUTO_DELETE_LOGS}]}
    )
    logs_stub.add_response("delete_log_group", {}, {"logGroupName": AUTO_DELETE_LOGS})
    # One poll of leftovers:
    _client_error(cfn_stub, "describe_stacks", "ValidationError", MISSING_STACK, 400)
    groups = [_group(PREFIX, "DELETE PENDING")] if group_left else []
    personalize_stub.add_response("list_dataset_groups", {"datasetGroups": groups})
    if group_left:
        personalize_stub.add_response("list_recommenders", {"recommenders": []})
        personalize_stub.add_response("list_filters", {"Filters": []})
        personalize_stub.add_response("list_datasets", {"datasets": []})
    personalize_stub.add_response("list_schemas", {"schemas": []})
    logs_stub.add_response("describe_log_groups", {"logGroups": []})
    for _ in range(2):
        _client_error(s3_stub, "head_bucket", "404", "Not Found", 404)
    return {"cloudformation": cfn, "logs": logs, "personalize": personalize, "s3": s3}


def test_a_clean_destroy_reports_no_problem_and_removes_cdks_implicit_log_group(
    stubbed: Any, dev: EnvironmentConfig, tmp_path: Path
) -> None:
    # GIVEN a deployed run whose destroy leaves only CDK's implicit log group
    clients = _cleanup_stubs(stubbed, group_left=False)
    cdk = _FakeCdk()
    run = _run(dev, clients, cdk, tmp_path)
    run.deployed = parse_outputs(_outputs(dev), dev)

    # WHEN destroyed and checked
    report = run.destroy_and_check()

    # THEN cdk destroy ran once, nothing is a problem, and the log group deletion is noted
    assert [c[3:5] for c in cdk.commands] == [["destroy", STACK]]
    assert report.problems == []
    assert report.notes == [f"deleted {AUTO_DELETE_LOGS}, which CDK creates implicitly (README)"]


def test_a_failed_destroy_with_a_leftover_reports_both(
    stubbed: Any, dev: EnvironmentConfig, tmp_path: Path
) -> None:
    # GIVEN cdk destroy exits 1 and the dataset group outlives the wait
    clients = _cleanup_stubs(stubbed, group_left=True)
    run = _run(dev, clients, _FakeCdk(code=1), tmp_path)
    run.deployed = parse_outputs(_outputs(dev), dev)

    # WHEN destroyed and checked
    report = run.destroy_and_check()

    # THEN the exit code and the dataset group are both problems
    assert report.problems[0] == "cdk destroy exited with 1; its output is above"
    assert f"  - Personalize dataset group {PREFIX} (DELETE PENDING)" in report.problems[1]


def test_arns_outside_the_prefix_are_found_whatever_their_kind() -> None:
    # GIVEN a deployed stack whose items dataset and one recommender belong to the real dev
    arn = f"arn:aws:personalize:{REGION}:{ACCOUNT}"
    deployed = DeployedStack(
        dataset_group_arn=GROUP_ARN,
        dataset_arns={
            "Interactions": f"{arn}:dataset/{PREFIX}/INTERACTIONS",
            "Items": f"{arn}:dataset/shop-dev/ITEMS",
        },
        bucket_names=(),
        recommender_arns={
            "best-sellers": f"{arn}:recommender/{PREFIX}-best-sellers",
            "most-viewed": f"{arn}:recommender/shop-dev-most-viewed",
        },
    )

    # WHEN checked against the run's prefix / THEN exactly those two are named
    assert deployed.foreign_arns(PREFIX) == [
        f"{arn}:dataset/shop-dev/ITEMS",
        f"{arn}:recommender/shop-dev-most-viewed",
    ]
