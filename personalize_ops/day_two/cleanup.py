"""Delete everything an environment made in Personalize: the console guide's "Clean up" step.

Resources are found with Personalize's List* APIs, not the stack's outputs, because cleanup is
for when the stack is gone or DELETE_FAILED. Ours means: the dataset group named exactly
`<namePrefix>`; in it, recommenders, the event tracker, the metric attribution
(`<namePrefix>-impact`) and datasets with the exact names the stack gives them (recommenders also
carrying the owner tag of this environment's stack), and filters named as the stack names them
(`<namePrefix>-<name>-<hash>`), and batch solutions named as the stack names them
(`<namePrefix>-<batch name>-<hash>`) carrying the owner tag; and schemas named as the stack names
them. Anything else, however similar its name, is reported and left alone.

A solution cannot be deleted while one of its versions trains (and Personalize has no
DeleteSolutionVersion: versions go with their solution), so cleanup stops what trains first
(StopSolutionVersionCreation; billing ends with the stop) and deletes the solution once nothing
is CREATE PENDING, IN_PROGRESS or STOPPING.

Deletion follows Personalize's order (`KINDS`) and waits as long as Personalize needs: a
recommender still training, an import still running. Every step describes before it acts, so a
second run finds nothing and an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from botocore.exceptions import ClientError

from personalize_domain.filters.names import is_filter_name
from personalize_domain.schemas import DatasetType
from personalize_domain.stack_outputs import stack_name
from personalize_domain.use_cases import USE_CASES
from personalize_ops.day_two.clients import PersonalizeClient
from personalize_ops.day_two.errors import DayTwoError, error_detail
from personalize_ops.day_two.table import render_table

# Set by the recommender custom resource (lambda/personalize_cr/recommender.py OWNER_TAG) to
# `<stack id>/<logical id>`; the stack id is `arn:...:stack/<stack name>/<uuid>`.
OWNER_TAG = "personalize-shop:cloudformation-owner"
DELETING = frozenset({"DELETE PENDING", "DELETE IN_PROGRESS"})
IN_FLIGHT = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})
THROTTLING = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)
# A ResourceInUse refusal that outlasts this, while the resource itself looks deletable, is not
# Personalize catching up: something this command does not know about holds the resource.
IN_USE_PATIENCE_SECONDS = 30 * 60

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Pacing:
    """How cleanup waits: injectable so tests run hours of Personalize time instantly."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    poll_seconds: float = 30
    # A waiting line is printed when a status changes, and at least this often meanwhile.
    report_seconds: float = 10 * 60
    max_throttled_retries: int = 8


class Api:
    """The Personalize client, with throttled calls retried and a clock for progress lines."""

    def __init__(
        self, personalize: PersonalizeClient, pacing: Pacing, echo: Callable[[str], None]
    ) -> None:
        self.personalize = personalize
        self.pacing = pacing
        self._echo = echo
        self.started = pacing.clock()

    def call(self, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, self.pacing.max_throttled_retries + 2):
            try:
                return method(*args, **kwargs)
            except ClientError as error:
                code, _ = error_detail(error)
                if code not in THROTTLING:
                    raise
                if attempt > self.pacing.max_throttled_retries:
                    raise DayTwoError(
                        f"Personalize kept throttling {error.operation_name} ({code}, "
                        f"{attempt} tries): wait a few minutes and run cleanup again; it "
                        "resumes where it stopped"
                    ) from error
                delay = min(2.0**attempt, 60.0)
                self.say(f"throttled on {error.operation_name} ({code}); retrying in {delay:g} s")
                self.pacing.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def pages(self, method: Callable[..., Any], key: str, **params: Any) -> Iterator[Any]:
        """Every item of a List* operation, page by page (each page retried if throttled)."""
        while True:
            page = self.call(method, **params)
            yield from page.get(key, [])
            if not page.get("nextToken"):
                return
            params = {**params, "nextToken": page["nextToken"]}

    def elapsed(self) -> float:
        return self.pacing.clock() - self.started

    def say(self, line: str) -> None:
        self._echo(f"[{_clock_text(self.elapsed())}] {line}")


def _clock_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _not_found(error: ClientError) -> bool:
    return error_detail(error)[0] == "ResourceNotFoundException"


# ---------------------------------------------------------------- what each kind needs


@dataclass(frozen=True)
class Observed:
    status: str
    # Why it cannot be deleted now (None: it can, or its delete is under way).
    waiting_for: str | None = None

    @property
    def deleting(self) -> bool:
        return self.status in DELETING


@dataclass(frozen=True)
class Kind:
    """One kind of resource: how to see it, how to delete it, from which statuses."""

    label: str
    describe: Callable[[Api, str], Any]  # the resource, raising ResourceNotFound when gone
    delete: Callable[[Api, str], object]
    deletable: tuple[str, ...] = ("ACTIVE", "CREATE FAILED")
    # What else must have settled first (an import, an update); None when nothing is pending.
    blocker: Callable[[Api, str, Any], str | None] = lambda api, arn, resource: None
    # ResourceInUse on delete means another resource elsewhere uses it: keep it, do not wait.
    in_use_means_shared: bool = False
    # Deleted only when the dataset group holds nothing but ours.
    needs_group_to_itself: bool = True
    # What cleanup may do about a blocker before waiting for it (e.g. stop a training); says
    # what it did, one line per action. Never called by a dry run (`observe` only reads).
    unblock: Callable[[Api, str], list[str]] | None = None

    def observe(self, api: Api, arn: str) -> Observed | None:
        """Its status now and what it waits for; None once it is gone."""
        try:
            resource = self.describe(api, arn)
        except ClientError as error:
            if _not_found(error):
                return None
            raise
        status = str(resource.get("status", "-"))
        if status in DELETING:
            return Observed(status)
        if status not in self.deletable and status != "-":
            return Observed(status, f"can be deleted once {' or '.join(self.deletable)}")
        return Observed(status, self.blocker(api, arn, resource))


def _recommender_update(api: Api, arn: str, recommender: Any) -> str | None:
    update = recommender.get("latestRecommenderUpdate") or {}
    if update.get("status") in IN_FLIGHT:
        return f"its update is {update['status']}; it can be deleted once the update settles"
    return None


def _running_import(api: Api, arn: str, dataset: Any) -> str | None:
    jobs = api.pages(api.personalize.list_dataset_import_jobs, "datasetImportJobs", datasetArn=arn)
    running = [job for job in jobs if job.get("status") in IN_FLIGHT]
    if not running:
        return None
    job = running[0]
    return (
        f"import job {job['jobName']} is {job['status']}; import jobs cannot be stopped, so the "
        "dataset can be deleted once it ends"
    )


_TRAINING = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})
_STOPPING = "CREATE STOPPING"


def _versions(api: Api, solution_arn: str) -> list[Any]:
    return list(
        api.pages(
            api.personalize.list_solution_versions, "solutionVersions", solutionArn=solution_arn
        )
    )


def _training_version(api: Api, arn: str, solution: Any) -> str | None:
    busy = [v for v in _versions(api, arn) if v.get("status") in _TRAINING | {_STOPPING}]
    if not busy:
        return None
    version = busy[0]
    if version["status"] == _STOPPING:
        return "a version is CREATE STOPPING; the solution can be deleted once it has stopped"
    return (
        f"a version is {version['status']}; cleanup stops its training first (billing ends with "
        "the stop), then deletes the solution"
    )


def _stop_training(api: Api, arn: str) -> list[str]:
    done = []
    for version in _versions(api, arn):
        if version.get("status") not in _TRAINING:
            continue
        try:
            api.call(
                api.personalize.stop_solution_version_creation,
                solutionVersionArn=version["solutionVersionArn"],
            )
        except ClientError as error:
            # It settled, or began stopping, since it was listed: the next look sees which.
            if error_detail(error)[0] not in ("ResourceInUseException", "InvalidInputException"):
                raise
            continue
        done.append(
            f"training of {version['solutionVersionArn'].rsplit('/', 1)[-1]} stopped (was "
            f"{version['status']})"
        )
    return done


RECOMMENDERS = Kind(
    "recommender",
    describe=lambda api, arn: api.call(api.personalize.describe_recommender, recommenderArn=arn)[
        "recommender"
    ],
    delete=lambda api, arn: api.call(api.personalize.delete_recommender, recommenderArn=arn),
    deletable=("ACTIVE", "CREATE FAILED", "INACTIVE"),
    blocker=_recommender_update,
    # Recommenders are billed by the hour: delete ours even when the group must stay.
    needs_group_to_itself=False,
)
EVENT_TRACKERS = Kind(
    "event tracker",
    describe=lambda api, arn: api.call(api.personalize.describe_event_tracker, eventTrackerArn=arn)[
        "eventTracker"
    ],
    delete=lambda api, arn: api.call(api.personalize.delete_event_tracker, eventTrackerArn=arn),
)
FILTERS = Kind(
    "filter",
    describe=lambda api, arn: api.call(api.personalize.describe_filter, filterArn=arn)["filter"],
    delete=lambda api, arn: api.call(api.personalize.delete_filter, filterArn=arn),
)
DATASETS = Kind(
    "dataset",
    describe=lambda api, arn: api.call(api.personalize.describe_dataset, datasetArn=arn)["dataset"],
    delete=lambda api, arn: api.call(api.personalize.delete_dataset, datasetArn=arn),
    blocker=_running_import,
)
DATASET_GROUPS = Kind(
    "dataset group",
    describe=lambda api, arn: api.call(api.personalize.describe_dataset_group, datasetGroupArn=arn)[
        "datasetGroup"
    ],
    delete=lambda api, arn: api.call(api.personalize.delete_dataset_group, datasetGroupArn=arn),
)
SOLUTIONS = Kind(
    "solution",
    describe=lambda api, arn: api.call(api.personalize.describe_solution, solutionArn=arn)[
        "solution"
    ],
    delete=lambda api, arn: api.call(api.personalize.delete_solution, solutionArn=arn),
    blocker=_training_version,
    unblock=_stop_training,
    # Training is billed by the hour, and auto training starts new ones: delete ours in any case.
    needs_group_to_itself=False,
)
METRIC_ATTRIBUTIONS = Kind(
    "metric attribution",
    describe=lambda api, arn: api.call(
        api.personalize.describe_metric_attribution, metricAttributionArn=arn
    )["metricAttribution"],
    delete=lambda api, arn: api.call(
        api.personalize.delete_metric_attribution, metricAttributionArn=arn
    ),
    # It publishes to CloudWatch (billed per metric) until deleted: delete ours in any case.
    needs_group_to_itself=False,
)
SCHEMAS = Kind(
    "schema",
    # Schemas have no status; DescribeSchema answers until the schema is gone.
    describe=lambda api, arn: {
        "status": "-",
        **api.call(api.personalize.describe_schema, schemaArn=arn)["schema"],
    },
    delete=lambda api, arn: api.call(api.personalize.delete_schema, schemaArn=arn),
    in_use_means_shared=True,
)

# Personalize's deletion order (developer guide, "Clean up"; filters before datasets as in
# aws-samples/retail-demo-store's delete_dataset_groups.py, which also deletes solutions right
# after recommenders and campaigns). Kinds the stack may create later go here, in their place,
# with a finder in `plan_cleanup`: campaigns before SOLUTIONS.
KINDS: tuple[Kind, ...] = (
    RECOMMENDERS,
    SOLUTIONS,
    EVENT_TRACKERS,
    FILTERS,
    METRIC_ATTRIBUTIONS,
    DATASETS,
    DATASET_GROUPS,
    SCHEMAS,
)


# ---------------------------------------------------------------- which resources are ours


@dataclass(frozen=True)
class Names:
    """The names the stack gives an environment's resources (see personalize_constructs/)."""

    prefix: str
    stack: str

    @property
    def dataset_group(self) -> str:
        return self.prefix

    @property
    def event_tracker(self) -> str:
        return f"{self.prefix}-events"

    @property
    def metric_attribution(self) -> str:
        return f"{self.prefix}-impact"

    def recommenders(self) -> frozenset[str]:
        return frozenset(f"{self.prefix}-{key}" for key in USE_CASES)

    def dataset(self, dataset_type: str) -> str | None:
        """The name of our dataset of that type (Personalize reports types upper-case)."""
        known = {t.value.upper(): t for t in DatasetType}
        found = known.get(dataset_type.upper())
        return f"{self.prefix}-{found.key}" if found else None

    def is_filter(self, name: str) -> bool:
        # `<prefix>-<filter name>-<first 8 hex digits of the expression's sha256>`.
        return is_filter_name(self.prefix, name)

    def is_solution(self, name: str) -> bool:
        # `<prefix>-<batch name>-<first 8 hex digits of the recipe and weights' sha256>`
        # (personalize_domain/batch_config.py).
        return (
            re.fullmatch(rf"{re.escape(self.prefix)}-[a-z][a-z0-9-]{{0,19}}-[0-9a-f]{{8}}", name)
            is not None
        )

    def is_schema(self, name: str) -> bool:
        # `<prefix>-<dataset type>-<first 8 hex digits of the schema's sha256>`.
        types = "|".join(t.key for t in DatasetType)
        return re.fullmatch(rf"{re.escape(self.prefix)}-({types})-[0-9a-f]{{8}}", name) is not None

    def owner_stack(self, tag_value: str | None) -> str | None:
        """The stack named by an owner tag value, or None if the value names none."""
        if not tag_value or ":stack/" not in tag_value:
            return None
        return tag_value.split(":stack/", 1)[1].split("/", 1)[0]


@dataclass(frozen=True)
class Target:
    kind: Kind
    name: str
    arn: str
    observed: Observed


@dataclass(frozen=True)
class Kept:
    kind: str
    name: str
    reason: str


@dataclass(frozen=True)
class Plan:
    env: str
    region: str
    names: Names
    steps: tuple[Target, ...]
    kept: tuple[Kept, ...]
    # Ours, but kept because the dataset group also holds resources that are not ours.
    held_back: tuple[Target, ...] = ()

    @property
    def blocked(self) -> bool:
        """Everything left alone is in our dataset group, so it keeps the group."""
        return bool(self.kept)


def plan_cleanup(api: Api, *, env: str, name_prefix: str, region: str) -> Plan:
    """Find the environment's resources, in deletion order; change nothing."""
    names = Names(prefix=name_prefix, stack=stack_name(env))
    personalize = api.personalize
    found: dict[str, list[tuple[str, str]]] = {kind.label: [] for kind in KINDS}
    kept: list[Kept] = []
    groups = [
        g
        for g in api.pages(personalize.list_dataset_groups, "datasetGroups")
        if g["name"] == names.dataset_group
    ]
    for group in groups:
        group_arn = group["datasetGroupArn"]
        found[DATASET_GROUPS.label].append((group["name"], group_arn))
        for rec in api.pages(
            personalize.list_recommenders, "recommenders", datasetGroupArn=group_arn
        ):
            reason = _recommender_not_ours(api, names, rec)
            if reason:
                kept.append(Kept(RECOMMENDERS.label, rec["name"], reason))
            else:
                found[RECOMMENDERS.label].append((rec["name"], rec["recommenderArn"]))
        for solution in api.pages(
            personalize.list_solutions, "solutions", datasetGroupArn=group_arn
        ):
            reason = _solution_not_ours(api, names, solution)
            if reason:
                kept.append(Kept(SOLUTIONS.label, solution["name"], reason))
            else:
                found[SOLUTIONS.label].append((solution["name"], solution["solutionArn"]))
        for tracker in api.pages(
            personalize.list_event_trackers, "eventTrackers", datasetGroupArn=group_arn
        ):
            if tracker["name"] == names.event_tracker:
                found[EVENT_TRACKERS.label].append((tracker["name"], tracker["eventTrackerArn"]))
            else:
                kept.append(
                    Kept(EVENT_TRACKERS.label, tracker["name"], _unknown_name(names.event_tracker))
                )
        for attribution in api.pages(
            personalize.list_metric_attributions, "metricAttributions", datasetGroupArn=group_arn
        ):
            if attribution["name"] == names.metric_attribution:
                found[METRIC_ATTRIBUTIONS.label].append(
                    (attribution["name"], attribution["metricAttributionArn"])
                )
            else:
                kept.append(
                    Kept(
                        METRIC_ATTRIBUTIONS.label,
                        attribution["name"],
                        _unknown_name(names.metric_attribution),
                    )
                )
        for found_filter in api.pages(
            personalize.list_filters, "Filters", datasetGroupArn=group_arn
        ):
            if names.is_filter(found_filter["name"]):
                found[FILTERS.label].append((found_filter["name"], found_filter["filterArn"]))
            else:
                kept.append(
                    Kept(
                        FILTERS.label,
                        found_filter["name"],
                        "its name is not one the stack gives (<namePrefix>-<name>-<hash>)",
                    )
                )
        for dataset in api.pages(personalize.list_datasets, "datasets", datasetGroupArn=group_arn):
            expected = names.dataset(dataset.get("datasetType", ""))
            if dataset["name"] == expected:
                found[DATASETS.label].append((dataset["name"], dataset["datasetArn"]))
            else:
                kept.append(Kept(DATASETS.label, dataset["name"], _unknown_name(expected)))
    for schema in api.pages(personalize.list_schemas, "schemas"):
        if names.is_schema(schema["name"]):
            found[SCHEMAS.label].append((schema["name"], schema["schemaArn"]))

    blocked = bool(kept)
    steps: list[Target] = []
    held_back: list[Target] = []
    for kind in KINDS:
        for name, arn in found[kind.label]:
            observed = kind.observe(api, arn)
            if observed is None:
                continue  # it went while we looked
            target = Target(kind, name, arn, observed)
            (held_back if blocked and kind.needs_group_to_itself else steps).append(target)
    return Plan(env, region, names, tuple(steps), tuple(kept), tuple(held_back))


def _recommender_not_ours(api: Api, names: Names, recommender: Any) -> str | None:
    if recommender["name"] not in names.recommenders():
        return "its name is not one the stack gives (<namePrefix>-<use case>)"
    return _not_owned(api, names, recommender["recommenderArn"])


def _solution_not_ours(api: Api, names: Names, solution: Any) -> str | None:
    if not names.is_solution(solution["name"]):
        return "its name is not one the stack gives (<namePrefix>-<batch name>-<hash>)"
    return _not_owned(api, names, solution["solutionArn"])


def _not_owned(api: Api, names: Names, arn: str) -> str | None:
    """None if the owner tag names this environment's stack; else why it is left alone."""
    tags = api.call(api.personalize.list_tags_for_resource, resourceArn=arn).get("tags", [])
    owner = next((t["tagValue"] for t in tags if t["tagKey"] == OWNER_TAG), None)
    stack = names.owner_stack(owner)
    if stack == names.stack:
        return None
    if owner is None:
        return f"no {OWNER_TAG} tag: not made by the stack (by hand?)"
    return f"its {OWNER_TAG} tag names {stack or owner!r}, not stack {names.stack}"


def _unknown_name(expected: str | None) -> str:
    return f"its name is not the stack's ({expected})" if expected else "not a kind the stack makes"


# ---------------------------------------------------------------- deleting, and waiting


@dataclass
class Outcome:
    deleted: list[Target] = field(default_factory=list)
    shared: list[tuple[Target, str]] = field(default_factory=list)


def execute(api: Api, plan: Plan) -> Outcome:
    """Delete the plan's resources kind by kind, each kind's resources side by side."""
    outcome = Outcome()
    for kind in KINDS:
        targets = [t for t in plan.steps if t.kind is kind]
        if targets:
            _delete_all(api, targets, outcome)
    return outcome


def _delete_all(api: Api, targets: list[Target], outcome: Outcome) -> None:
    pending = {t.arn: t for t in targets}
    requested: set[str] = set()
    shown: dict[str, tuple[str, float]] = {}  # arn -> (last line, when)
    refused_since: dict[str, float] = {}  # arn -> first ResourceInUse of its delete
    while True:
        for arn, target in list(pending.items()):
            label = f"{target.kind.label} {target.name}"
            observed = target.kind.observe(api, arn)
            if observed is None:
                api.say(f"{label}: deleted")
                outcome.deleted.append(target)
                del pending[arn]
                continue
            if observed.waiting_for is not None and target.kind.unblock is not None:
                actions = target.kind.unblock(api, arn)
                for line in actions:
                    api.say(f"{label}: {line}")
                if actions:  # what it waits for now, not what it waited for before
                    observed = target.kind.observe(api, arn) or observed
            if not observed.deleting and observed.waiting_for is None and arn not in requested:
                try:
                    target.kind.delete(api, arn)
                except ClientError as error:
                    code, message = error_detail(error)
                    if code == "ResourceNotFoundException":
                        continue  # gone already; the next look says so
                    if code != "ResourceInUseException":
                        raise
                    if target.kind.in_use_means_shared:
                        api.say(f"{label}: kept, Personalize says it is in use: {message}")
                        outcome.shared.append((target, message))
                        del pending[arn]
                        continue
                    first = refused_since.setdefault(arn, api.elapsed())
                    if api.elapsed() - first >= IN_USE_PATIENCE_SECONDS:
                        raise DayTwoError(
                            f"Personalize still refuses to delete {label} after "
                            f"{_clock_text(api.elapsed() - first)} ({code}): {message}; it "
                            "probably holds resources this command does not delete (campaigns, "
                            "or solutions not made by the stack): delete them in the console, then "
                            "run cleanup again"
                        ) from error
                    observed = Observed(observed.status, f"Personalize says in use: {message}")
                else:
                    requested.add(arn)
                    was = "" if observed.status == "-" else f" (was {observed.status})"
                    api.say(f"{label}: delete requested{was}")
                    shown[arn] = ("", api.elapsed())
                    continue
            _progress(api, label, arn, observed, shown)
        if not pending:
            return
        api.pacing.sleep(api.pacing.poll_seconds)


def _progress(
    api: Api, label: str, arn: str, observed: Observed, shown: dict[str, tuple[str, float]]
) -> None:
    """A waiting line when something changed, or when the last one is getting old."""
    line = f"{label}: {observed.status}"
    if observed.waiting_for:
        line = f"waiting for {label}: {observed.status}; {observed.waiting_for}"
    last, when = shown.get(arn, ("", float("-inf")))
    if line != last or api.elapsed() - when >= api.pacing.report_seconds:
        api.say(line)
        shown[arn] = (line, api.elapsed())


# ---------------------------------------------------------------- what the operator reads


def not_touched(env: str) -> list[str]:
    return [
        "Not touched by cleanup:",
        "  S3 buckets: the data bucket is retained by design where dataDisposable is false "
        "(delete it in S3 once its data is no longer needed); `cdk destroy` deletes it where true",
        "  import jobs: Personalize cannot delete them; they go with their dataset, cost nothing",
        f"  the CloudFormation stack: if it is DELETE_FAILED, run `make destroy ENV={env}` again",
    ]


def render_plan(plan: Plan, *, dry_run: bool) -> str:
    where = f"environment {plan.env} (namePrefix {plan.names.prefix}) in {plan.region}"
    lines: list[str] = []
    if plan.steps:
        lines.append(f"{'Would delete' if dry_run else 'Deleting'}, in this order, from {where}:")
        rows = [
            (str(n), t.kind.label, t.name, t.observed.status, _note(t.observed))
            for n, t in enumerate(plan.steps, start=1)
        ]
        lines.append(
            render_table(("STEP", "RESOURCE", "NAME", "STATUS", "WAITS FOR"), rows, right=(0,))
        )
    elif not plan.kept:
        lines.append(f"Nothing to clean up: Personalize has no resources of {where}.")
    if plan.kept:
        lines.append("Left alone (not made by this environment's stack):")
        lines += [f"  {k.kind} {k.name}: {k.reason}" for k in plan.kept]
    if plan.held_back:
        held = ", ".join(f"{t.kind.label} {t.name}" for t in plan.held_back)
        lines.append(
            f"Kept while dataset group {plan.names.dataset_group} holds resources left alone: "
            f"{held}."
        )
    lines += not_touched(plan.env)
    return "\n".join(lines)


def _note(observed: Observed) -> str:
    if observed.deleting:
        return "its delete is under way"
    return observed.waiting_for or ""


def blocked_error(plan: Plan) -> DayTwoError:
    return DayTwoError(
        f"dataset group {plan.names.dataset_group} still holds {len(plan.kept)} resource(s) "
        f"not made by stack {plan.names.stack} (listed above), so it and its event tracker, "
        "filters, datasets and schemas were kept: delete those resources yourself if they are "
        f"no longer needed, then run `cleanup --env {plan.env}` again"
    )


def render_outcome(api: Api, outcome: Outcome) -> str:
    text = f"Done in {_clock_text(api.elapsed())}: {len(outcome.deleted)} resource(s) deleted"
    if outcome.shared:
        text += f"; {len(outcome.shared)} schema(s) kept because another dataset uses them"
    return text + "."
