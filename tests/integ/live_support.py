"""The live integration test's helpers, kept apart so they are tested offline.

Everything that talks to AWS takes its boto3 client as an argument; the offline tests drive it with
botocore's Stubber, whose unexpected calls fail loudly. Only `LiveRun` ties the pieces together
against a real account, which no offline test can do (see docs/integration-test.md).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import secrets
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from personalize_domain.config import EnvironmentConfig, RecommenderState, load_app_config
from personalize_domain.schemas import DatasetType
from personalize_domain.stack_outputs import recommender_arn_output, stack_name
from personalize_domain.use_cases import EventType, UseCase
from review.base_synth import SYNTH_ENV

# Only the Personalize stubs are installed; the other clients are typed loosely.
Client = Any

ROOT = Path(__file__).resolve().parents[2]

OPT_IN_VAR = "PERSONALIZE_LIVE_TEST"
ENV_VAR = "PERSONALIZE_LIVE_ENV"
TIMEOUT_VAR = "PERSONALIZE_LIVE_TIMEOUT_HOURS"
DEFAULT_ENV = "dev"
DEFAULT_DEPLOY_TIMEOUT_HOURS = 4.0
# Destroy waits for recommender deletions and for a pending import (each bounded at 50 minutes).
DESTROY_TIMEOUT_S = 2 * 3600
# Personalize deletes dataset groups and datasets asynchronously after CloudFormation is done.
CLEANUP_WAIT_S = 30 * 60
CLEANUP_POLL_S = 30
NUM_RESULTS = 25
TEST_PREFIX = "itest-"

RUN_COMMAND = (
    f"{OPT_IN_VAR}=1 AWS_PROFILE=<profile> AWS_REGION=<region> "
    ".venv/bin/python -m pytest -m live tests/integ -s"
)
SKIP_MESSAGE = (
    f"live AWS test, off by default. Run it with: {RUN_COMMAND} "
    "(the account and region need `npx --no-install cdk bootstrap` once). "
    f"It deploys PersonalizeShop-{DEFAULT_ENV} under a unique name prefix ({TEST_PREFIX}xxxxxx) "
    "with the sample data, trains its two recommenders (about an hour or more; a few US dollars at "
    "current pricing), asks each for 25 recommendations, then destroys everything and checks "
    "that nothing is left. Details: docs/integration-test.md"
)

CDK = ("npx", "--no-install", "cdk")
_STS_CONFIG = Config(connect_timeout=5, read_timeout=5, retries={"max_attempts": 1})
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 10})


# ---------------------------------------------------------------- settings and preconditions


@dataclass(frozen=True)
class LiveSettings:
    env_name: str
    deploy_timeout_s: float

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> LiveSettings:
        raw = environ.get(TIMEOUT_VAR, "").strip()
        hours = DEFAULT_DEPLOY_TIMEOUT_HOURS
        if raw:
            try:
                hours = float(raw)
            except ValueError:
                hours = -1.0
            if not 0 < hours <= 24:
                raise ValueError(
                    f"{TIMEOUT_VAR}={raw!r}: expected hours from 0 to 24, e.g. "
                    f"{DEFAULT_DEPLOY_TIMEOUT_HOURS:g}"
                )
        env_name = environ.get(ENV_VAR, "").strip() or DEFAULT_ENV
        return cls(env_name=env_name, deploy_timeout_s=hours * 3600)


@dataclass(frozen=True)
class LiveAccount:
    session: boto3.Session
    account_id: str
    caller_arn: str
    region: str


def resolve_live_account(
    environ: Mapping[str, str],
    *,
    configured_region: str | None,
    session_factory: Callable[[], Any] = boto3.Session,
) -> LiveAccount | str:
    """The account to test in, or why the live test is skipped.

    Without the opt-in nothing of boto3 is touched; without credentials STS is never called.
    """
    if environ.get(OPT_IN_VAR) != "1":
        return SKIP_MESSAGE
    session = session_factory()
    if session.get_credentials() is None:
        return (
            f"{OPT_IN_VAR}=1 is set, but no AWS credentials were found: set AWS_PROFILE (and run "
            f"`aws sso login` if it is an SSO profile) or the AWS_ACCESS_KEY_ID variables. "
            f"Run: {RUN_COMMAND}"
        )
    # The CDK CLI reads AWS_REGION first; boto3 does not read it at all.
    region = configured_region or environ.get("AWS_REGION") or session.region_name
    if not region:
        return (
            f"{OPT_IN_VAR}=1 is set, but no AWS region is configured: set AWS_REGION (or the "
            f"profile's region). Run: {RUN_COMMAND}"
        )
    try:
        identity = session.client(
            "sts", region_name=region, config=_STS_CONFIG
        ).get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        return f"{OPT_IN_VAR}=1 is set, but STS could not confirm the credentials: {exc}"
    return LiveAccount(
        session=session,
        account_id=identity["Account"],
        caller_arn=identity["Arn"],
        region=region,
    )


def new_name_prefix() -> str:
    """A prefix no real environment uses, so the run creates and deletes only its own resources."""
    return f"{TEST_PREFIX}{secrets.token_hex(3)}"


def context_overrides(env_name: str, name_prefix: str) -> dict[str, str]:
    """The `-c` values of the run, also given to the offline synth of the same environment."""
    return {"env": env_name, f"{env_name}.namePrefix": name_prefix}


def environment_config(
    cdk_json_context: Mapping[str, Any], env_name: str, name_prefix: str
) -> EnvironmentConfig:
    """The environment as `cdk deploy` will see it with the run's overrides (app.py's parser)."""
    config = load_app_config({**cdk_json_context, **context_overrides(env_name, name_prefix)})
    (env,) = config.selected
    return env


def interactions_file(env: EnvironmentConfig) -> Path:
    dataset = env.dataset(DatasetType.INTERACTIONS)
    if dataset is None or dataset.is_s3_uri:
        raise ValueError(
            f"environment {env.name}: the live test picks its user and item from the local "
            f"interactions file, but the source is {dataset.source if dataset else 'missing'}"
        )
    return ROOT / dataset.source


# ---------------------------------------------------------------- the CDK command lines


def _context_args(overrides: Mapping[str, str]) -> list[str]:
    return [arg for key, value in overrides.items() for arg in ("-c", f"{key}={value}")]


def cdk_deploy_command(
    stack: str, overrides: Mapping[str, str], *, outputs_file: Path, assembly_dir: Path
) -> list[str]:
    return [
        *CDK,
        "deploy",
        stack,
        *_context_args(overrides),
        "--require-approval",
        "never",
        "--outputs-file",
        str(outputs_file),
        # Never the project's cdk.out, which other commands use meanwhile.
        "--output",
        str(assembly_dir),
        "--progress",
        "events",
        "--no-notices",
    ]


def cdk_destroy_command(
    stack: str, overrides: Mapping[str, str], *, assembly_dir: Path | None = None
) -> list[str]:
    output = ["--output", str(assembly_dir)] if assembly_dir else []
    return [*CDK, "destroy", stack, "--force", *_context_args(overrides), *output, "--no-notices"]


def cdk_environ(base: Mapping[str, str], region: str) -> dict[str, str]:
    """The CLI's environment: the same region as the test's clients, no version check noise."""
    return {**base, "AWS_REGION": region, "AWS_DEFAULT_REGION": region, **SYNTH_ENV}


def run_command(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout_s: float) -> int:
    """Run `argv` in its own process group and return its exit code.

    On timeout or Ctrl-C the whole group is stopped (npx starts node as a child), then the
    exception propagates so the caller's cleanup still runs.
    """
    process = subprocess.Popen(list(argv), cwd=cwd, env=dict(env), start_new_session=True)
    try:
        return process.wait(timeout=timeout_s)
    except BaseException:
        _stop_group(process)
        raise


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    for sig, grace_s in ((signal.SIGTERM, 30.0), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace_s)
            return
        except subprocess.TimeoutExpired:
            continue


# ---------------------------------------------------------------- outputs of the deployed stack


def recommender_output_key(use_case: UseCase) -> str:
    """`<UseCase>RecommenderArn`, as stacks/personalize_stack.py names the output."""
    return recommender_arn_output(use_case.key)


def dataset_output_key(dataset_type: DatasetType) -> str:
    return f"{dataset_type.value}DatasetArn"


BUCKET_OUTPUTS = ("DataBucketName", "AccessLogBucketName")


def expected_output_keys(env: EnvironmentConfig) -> frozenset[str]:
    """Every stack output the live test reads."""
    return frozenset(
        {
            "DatasetGroupArn",
            *BUCKET_OUTPUTS,
            *(dataset_output_key(d.dataset_type) for d in env.datasets),
            *(recommender_output_key(r.use_case) for r in env.recommenders),
        }
    )


@dataclass(frozen=True)
class DeployedStack:
    dataset_group_arn: str
    dataset_arns: Mapping[str, str]
    bucket_names: tuple[str, ...]
    # By use-case key, e.g. "best-sellers".
    recommender_arns: Mapping[str, str]

    def foreign_arns(self, prefix: str) -> list[str]:
        """The ARNs not named with `prefix`: resources the run must not touch."""
        arns = [
            self.dataset_group_arn,
            *self.dataset_arns.values(),
            *self.recommender_arns.values(),
        ]
        # dataset-group/<group>, dataset/<group>/<TYPE>, recommender/<prefix>-<use case>
        return [arn for arn in arns if not _ours(arn.split(":", 5)[-1].split("/")[1], prefix)]


def read_outputs_file(path: Path, stack: str) -> dict[str, str]:
    """One stack's outputs from a file written by `cdk deploy --outputs-file`."""
    by_stack: dict[str, dict[str, str]] = json.loads(path.read_text())
    if stack not in by_stack:
        raise ValueError(f"{path}: no outputs of stack {stack}; stacks found: {sorted(by_stack)}")
    return by_stack[stack]


def parse_outputs(outputs: Mapping[str, str], env: EnvironmentConfig) -> DeployedStack:
    missing = sorted(expected_output_keys(env) - outputs.keys())
    if missing:
        raise ValueError(f"stack outputs lack {', '.join(missing)}; found {sorted(outputs)}")
    return DeployedStack(
        dataset_group_arn=outputs["DatasetGroupArn"],
        dataset_arns={
            d.dataset_type.value: outputs[dataset_output_key(d.dataset_type)] for d in env.datasets
        },
        bucket_names=tuple(outputs[key] for key in BUCKET_OUTPUTS),
        recommender_arns={
            r.use_case.key: outputs[recommender_output_key(r.use_case)] for r in env.recommenders
        },
    )


# ---------------------------------------------------------------- recommendations


@dataclass(frozen=True)
class SampleIds:
    user_id: str
    item_id: str


def pick_sample_ids(interactions_csv: Path) -> SampleIds:
    """The most active user, and the most purchased item (so "bought together" knows it).

    Ties go to the smallest id, so every run asks the same questions.
    """
    events: Counter[str] = Counter()
    purchases: Counter[str] = Counter()
    with interactions_csv.open(newline="") as handle:
        for row in csv.DictReader(handle):
            events[row["USER_ID"]] += 1
            if row["EVENT_TYPE"] == EventType.PURCHASE:
                purchases[row["ITEM_ID"]] += 1
    if not events or not purchases:
        raise ValueError(f"{interactions_csv}: needs interactions with at least one Purchase")
    return SampleIds(
        user_id=min(events, key=lambda user: (-events[user], user)),
        item_id=min(purchases, key=lambda item: (-purchases[item], item)),
    )


def recommendation_request(
    use_case: UseCase, recommender_arn: str, ids: SampleIds, *, num_results: int = NUM_RESULTS
) -> dict[str, Any]:
    """GetRecommendations parameters with exactly the inputs the use case takes."""
    request: dict[str, Any] = {"recommenderArn": recommender_arn, "numResults": num_results}
    if use_case.needs_user_id:
        request["userId"] = ids.user_id
    if use_case.needs_item_id:
        request["itemId"] = ids.item_id
    return request


@dataclass(frozen=True)
class RecommendationResult:
    use_case: str
    inputs: str
    item_ids: tuple[str, ...] = ()
    error: str | None = None

    @property
    def problem(self) -> str | None:
        if self.error is not None:
            return f"{self.use_case} ({self.inputs}): {self.error}"
        if len(self.item_ids) < NUM_RESULTS:
            return (
                f"{self.use_case} ({self.inputs}): {len(self.item_ids)} item(s) instead of "
                f"{NUM_RESULTS}: {list(self.item_ids)}"
            )
        return None


def ask_recommenders(
    runtime: Client, env: EnvironmentConfig, deployed: DeployedStack, ids: SampleIds
) -> list[RecommendationResult]:
    """Ask each running recommender for NUM_RESULTS items; one failure does not hide the others."""
    results = []
    for recommender in env.recommenders:
        if recommender.state is not RecommenderState.RUNNING:
            continue
        use_case = recommender.use_case
        request = recommendation_request(use_case, deployed.recommender_arns[use_case.key], ids)
        inputs = ", ".join(f"{k}={request[k]}" for k in ("userId", "itemId") if k in request)
        try:
            response = runtime.get_recommendations(**request)
        except (BotoCoreError, ClientError) as exc:
            results.append(RecommendationResult(use_case.key, inputs, error=str(exc)))
            continue
        items = tuple(item["itemId"] for item in response.get("itemList", []))
        results.append(RecommendationResult(use_case.key, inputs, item_ids=items))
    return results


# ---------------------------------------------------------------- what is left after destroy


@dataclass(frozen=True)
class Leftover:
    kind: str
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.detail})"


@dataclass(frozen=True)
class ExistingStack:
    name: str
    status: str
    name_prefix: str | None


def _stack_missing(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    return error.get("Code") == "ValidationError" and "does not exist" in error.get("Message", "")


def existing_stack(cfn: Client, stack: str) -> ExistingStack | None:
    try:
        (found,) = cfn.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        if _stack_missing(exc):
            return None
        raise
    if found["StackStatus"] == "DELETE_COMPLETE":
        return None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}
    group_arn = outputs.get("DatasetGroupArn")
    return ExistingStack(
        name=found["StackName"],
        status=found["StackStatus"],
        name_prefix=group_arn.rpartition("dataset-group/")[2] if group_arn else None,
    )


def refusal_message(existing: ExistingStack, *, env_name: str, account: LiveAccount) -> str:
    where = f"account {account.account_id}, region {account.region}"
    lines = [
        f"Refusing to deploy: stack {existing.name} already exists in {where} "
        f"(status {existing.status}, name prefix {existing.name_prefix or 'unknown'}).",
        "app.py names the stack PersonalizeShop-<env> whatever the name prefix, so the live test "
        "would update that stack.",
    ]
    if existing.name_prefix and existing.name_prefix.startswith(TEST_PREFIX):
        lines.append(
            "It is left over from an interrupted integration run; remove it with: "
            + " ".join(
                cdk_destroy_command(
                    existing.name, context_overrides(env_name, existing.name_prefix)
                )
            )
        )
    else:
        lines.append(
            f"Run the test in another account or region (AWS_REGION=...), or pick an environment "
            f"not deployed there with {ENV_VAR}=<env>."
        )
    return "\n".join(lines)


def stack_leftovers(cfn: Client, stack: str) -> list[Leftover]:
    found = existing_stack(cfn, stack)
    return [] if found is None else [Leftover("CloudFormation stack", found.name, found.status)]


def stack_bucket_names(cfn: Client, stack: str) -> set[str]:
    """The stack's buckets, also those a failed create rolled back but retained."""
    try:
        pages = list(cfn.get_paginator("list_stack_resources").paginate(StackName=stack))
    except ClientError as exc:
        if _stack_missing(exc):
            return set()
        raise
    return {
        resource["PhysicalResourceId"]
        for page in pages
        for resource in page["StackResourceSummaries"]
        if resource["ResourceType"] == "AWS::S3::Bucket" and resource.get("PhysicalResourceId")
    }


def _ours(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(f"{prefix}-")


def personalize_leftovers(personalize: Client, prefix: str) -> list[Leftover]:
    """Dataset groups, their recommenders, filters and datasets, and schemas named with `prefix`.

    Recommenders, filters and datasets cannot outlive their dataset group, so they are looked up
    in the groups that remain.
    """
    found: list[Leftover] = []
    for page in personalize.get_paginator("list_dataset_groups").paginate():
        for group in page["datasetGroups"]:
            if not _ours(group["name"], prefix):
                continue
            found.append(Leftover("Personalize dataset group", group["name"], group["status"]))
            arn = group["datasetGroupArn"]
            for kind, operation, key in (
                ("Personalize recommender", "list_recommenders", "recommenders"),
                ("Personalize filter", "list_filters", "Filters"),
                ("Personalize dataset", "list_datasets", "datasets"),
            ):
                for inner in personalize.get_paginator(operation).paginate(datasetGroupArn=arn):
                    found.extend(
                        Leftover(kind, summary["name"], summary.get("status", "exists"))
                        for summary in inner[key]
                    )
    for page in personalize.get_paginator("list_schemas").paginate():
        found.extend(
            Leftover("Personalize schema", schema["name"], "exists")
            for schema in page["schemas"]
            if _ours(schema["name"], prefix)
        )
    return found


def log_groups_containing(logs: Client, text: str) -> frozenset[str]:
    paginator = logs.get_paginator("describe_log_groups")
    return frozenset(
        group["logGroupName"]
        for page in paginator.paginate(logGroupNamePattern=text)
        for group in page["logGroups"]
    )


def is_implicit_cdk_log_group(name: str, stack: str) -> bool:
    """The log group CDK's bucket-emptying function creates itself (aws-cdk#11549, README)."""
    return name.startswith(f"/aws/lambda/{stack}-CustomS3AutoDeleteObjects")


def log_group_leftovers(logs: Client, stack: str, *, before: frozenset[str]) -> list[Leftover]:
    """Log groups naming the stack that the run created (older ones belong to someone else)."""
    return [
        Leftover("CloudWatch log group", name, "exists")
        for name in sorted(log_groups_containing(logs, stack) - before)
    ]


def bucket_exists(s3: Client, name: str) -> bool:
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    return True


def bucket_leftovers(s3: Client, names: Iterable[str]) -> list[Leftover]:
    return [
        Leftover("S3 bucket", name, "exists") for name in sorted(names) if bucket_exists(s3, name)
    ]


def empty_and_delete_bucket(s3: Client, name: str) -> None:
    """Delete every object version and delete marker, then the bucket."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        objects = [
            {"Key": entry["Key"], "VersionId": entry["VersionId"]}
            for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        if objects:
            s3.delete_objects(Bucket=name, Delete={"Objects": objects, "Quiet": True})
    s3.delete_bucket(Bucket=name)


def wait_until_clean(
    find: Callable[[], list[Leftover]],
    *,
    timeout_s: float,
    interval_s: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[Leftover]:
    """Poll `find` until it reports nothing or `timeout_s` passes; return the last report."""
    deadline = clock() + timeout_s
    while True:
        leftovers = find()
        if not leftovers or clock() >= deadline:
            return leftovers
        sleep(interval_s)


# ---------------------------------------------------------------- one live run


def leftover_problem(stack: str, prefix: str, leftovers: Sequence[Leftover]) -> str:
    return (
        f"{len(leftovers)} resource(s) of {stack} ({prefix}) are left after destroy; delete "
        "them by hand (docs/integration-test.md):\n"
        + "\n".join(f"  - {leftover}" for leftover in leftovers)
    )


@dataclass
class CleanupReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join([*self.problems, *(f"note: {n}" for n in self.notes)])


@dataclass
class LiveRun:
    """Deploy one environment under a test prefix, then destroy it and look for leftovers."""

    env: EnvironmentConfig
    account: LiveAccount
    workdir: Path
    deploy_timeout_s: float
    log_groups_before: frozenset[str] = frozenset()
    deployed: DeployedStack | None = None
    destroyed: bool = False
    # Seams for the offline tests of the orchestration.
    runner: Callable[..., int] = run_command
    cleanup_wait_s: float = CLEANUP_WAIT_S
    cleanup_poll_s: float = CLEANUP_POLL_S

    @property
    def stack(self) -> str:
        return stack_name(self.env.name)

    @property
    def overrides(self) -> dict[str, str]:
        return context_overrides(self.env.name, self.env.name_prefix)

    def client(self, service: str) -> Client:
        return self.account.session.client(
            service,  # type: ignore[call-overload]
            region_name=self.account.region,
            config=_CLIENT_CONFIG,
        )

    def refusal(self) -> str | None:
        if self.env.account and self.env.account != self.account.account_id:
            return (
                f"Refusing to deploy: environment {self.env.name} is pinned to account "
                f"{self.env.account}, but the credentials are for {self.account.account_id}."
            )
        found = existing_stack(self.client("cloudformation"), self.stack)
        if found is None:
            return None
        return refusal_message(found, env_name=self.env.name, account=self.account)

    def deploy(self) -> DeployedStack:
        self.log_groups_before = log_groups_containing(self.client("logs"), self.stack)
        outputs_file = self.workdir / "outputs.json"
        command = cdk_deploy_command(
            self.stack,
            self.overrides,
            outputs_file=outputs_file,
            assembly_dir=self.workdir / "cdk.out.deploy",
        )
        _say(f"deploying {self.stack} as {self.env.name_prefix}: {' '.join(command)}")
        code = self.runner(
            command,
            cwd=ROOT,
            env=cdk_environ(os.environ, self.account.region),
            timeout_s=self.deploy_timeout_s,
        )
        if code != 0:
            raise AssertionError(f"cdk deploy exited with {code}; its output is above")
        deployed = parse_outputs(read_outputs_file(outputs_file, self.stack), self.env)
        self.deployed = deployed
        foreign = deployed.foreign_arns(self.env.name_prefix)
        if foreign:
            raise AssertionError(
                f"the name prefix override {self.env.name_prefix} did not apply; the stack "
                f"names {', '.join(foreign)}"
            )
        return deployed

    def destroy_and_check(self) -> CleanupReport:
        self.destroyed = True
        report = CleanupReport()
        cfn, s3, logs = self.client("cloudformation"), self.client("s3"), self.client("logs")
        personalize = self.client("personalize")
        buckets = set(self.deployed.bucket_names) if self.deployed is not None else set()
        try:
            buckets.update(stack_bucket_names(cfn, self.stack))
        except (BotoCoreError, ClientError) as exc:
            report.notes.append(f"could not list the stack's buckets before destroy: {exc}")

        command = cdk_destroy_command(
            self.stack, self.overrides, assembly_dir=self.workdir / "cdk.out.destroy"
        )
        _say(f"destroying {self.stack}: {' '.join(command)}")
        try:
            code = self.runner(
                command,
                cwd=ROOT,
                env=cdk_environ(os.environ, self.account.region),
                timeout_s=DESTROY_TIMEOUT_S,
            )
            if code != 0:
                report.problems.append(f"cdk destroy exited with {code}; its output is above")
        except subprocess.TimeoutExpired:
            report.problems.append(f"cdk destroy did not finish in {DESTROY_TIMEOUT_S // 60} min")

        try:
            if not stack_leftovers(cfn, self.stack):
                self._delete_implicit_log_groups(logs, report)
                if not self.env.data_disposable:
                    self._delete_retained(s3, buckets, report)
            leftovers = wait_until_clean(
                lambda: [
                    *stack_leftovers(cfn, self.stack),
                    *personalize_leftovers(personalize, self.env.name_prefix),
                    *log_group_leftovers(logs, self.stack, before=self.log_groups_before),
                    *bucket_leftovers(s3, buckets),
                ],
                timeout_s=self.cleanup_wait_s,
                interval_s=self.cleanup_poll_s,
            )
        except (BotoCoreError, ClientError) as exc:
            report.problems.append(
                f"could not check what is left of {self.stack} ({self.env.name_prefix}): {exc}"
            )
            return report
        if leftovers:
            report.problems.append(leftover_problem(self.stack, self.env.name_prefix, leftovers))
        return report

    def _delete_implicit_log_groups(self, logs: Client, report: CleanupReport) -> None:
        for name in sorted(log_groups_containing(logs, self.stack) - self.log_groups_before):
            if is_implicit_cdk_log_group(name, self.stack):
                logs.delete_log_group(logGroupName=name)
                report.notes.append(f"deleted {name}, which CDK creates implicitly (README)")

    def _delete_retained(self, s3: Client, buckets: set[str], report: CleanupReport) -> None:
        """dataDisposable: false retains the buckets; check that, then remove the test's copy."""
        for name in sorted(buckets):
            if not bucket_exists(s3, name):
                report.problems.append(
                    f"bucket {name} is gone although {self.env.name} sets dataDisposable: false"
                )
                continue
            # Access logs of the data bucket may still arrive in the log bucket: try again.
            for attempt in range(1, 4):
                try:
                    empty_and_delete_bucket(s3, name)
                except ClientError as exc:
                    if attempt < 3 and exc.response["Error"].get("Code") == "BucketNotEmpty":
                        continue
                    report.problems.append(f"could not delete retained bucket {name}: {exc}")
                else:
                    report.notes.append(f"retained bucket {name} (dataDisposable: false) deleted")
                break


def _say(message: str) -> None:
    print(f"[integ] {message}", flush=True)
