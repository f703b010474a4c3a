"""Solutions, solution versions, GetSolutionMetrics and batch inference jobs for the simulator.

A mixin of `PersonalizeSimulator` (it uses its clock, durations, stores and helpers). Batch jobs
read their JSON Lines input from, and write their output into, the S3 client given with
`use_s3` (moto's S3 in the tests), when the job's end time has come.

Rules marked [H] are reasoned guesses (README.md); the rest follows the API reference.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .errors import already_exists, in_use, invalid_input, limit_exceeded, not_found
from .fake_service import Params, operation
from .lifecycle import ACTIVE, CREATE_FAILED, Timeline
from .resources import RECIPE_PREFIX, model_metrics

if TYPE_CHECKING:
    from .personalize import PersonalizeSimulator

# Custom recipes (dev guide, "Choosing a recipe"); the value says whether batch inference runs.
CUSTOM_RECIPES: dict[str, bool] = {
    RECIPE_PREFIX + "aws-user-personalization-v2": True,
    RECIPE_PREFIX + "aws-user-personalization": True,
    RECIPE_PREFIX + "aws-personalized-ranking-v2": True,
    RECIPE_PREFIX + "aws-similar-items": True,
    RECIPE_PREFIX + "aws-sims": True,
    RECIPE_PREFIX + "aws-popularity-count": True,
    RECIPE_PREFIX + "aws-trending-now": False,
    RECIPE_PREFIX + "aws-next-best-action": False,
}
# Recipes that take eventsConfig (event weighting) [H: documented for the -v2 recipes].
EVENTS_CONFIG_RECIPES = frozenset(
    {RECIPE_PREFIX + "aws-user-personalization-v2", RECIPE_PREFIX + "aws-personalized-ranking-v2"}
)
ITEM_RECIPES = frozenset({RECIPE_PREFIX + "aws-similar-items", RECIPE_PREFIX + "aws-sims"})
CREATE_STOPPING, CREATE_STOPPED = "CREATE STOPPING", "CREATE STOPPED"
TRAINING = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})
DEFAULT_AUTO_TRAINING = "rate(7 days)"
DEFAULT_TRAINING_FAILURE = "Insufficient data: fewer than 1000 interactions after filtering."
DEFAULT_UPDATE_FAILURE = "The auto training configuration could not be applied."
# A placeholder that arms a create failure; solutions carry no failureReason.
NO_REASON = "(no reason)"
BATCH_IN_FLIGHT = frozenset({"PENDING", "IN PROGRESS"})
NEXT_JOB = "<next>"
DEFAULT_CATALOGUE = tuple(f"SKU-{n:06d}" for n in range(1, 101))


@dataclass
class SolutionUpdate:
    auto_training: str | None
    created: datetime
    timeline: Timeline


@dataclass
class Solution:
    arn: str
    name: str
    group_arn: str
    recipe_arn: str
    auto_training: str | None  # None: off
    events_config: Params | None
    created: datetime
    timeline: Timeline
    update: SolutionUpdate | None = None
    automatic_runs: int = 0

    def auto_at(self, now: datetime) -> str | None:
        if self.update is not None and self.update.timeline.status(now) == ACTIVE:
            return self.update.auto_training
        return self.auto_training


@dataclass
class SolutionVersion:
    arn: str
    name: str | None
    solution_arn: str
    training_mode: str
    training_type: str
    created: datetime
    timeline: Timeline


@dataclass
class BatchJob:
    arn: str
    name: str
    version_arn: str
    input_path: str
    output_path: str
    role_arn: str
    num_results: int
    filter_arn: str | None
    created: datetime
    timeline: Timeline
    written: bool = False


@dataclass
class SolutionStores:
    solutions: dict[str, Solution] = field(default_factory=dict)
    versions: dict[str, SolutionVersion] = field(default_factory=dict)
    batch_jobs: dict[str, BatchJob] = field(default_factory=dict)
    s3: Any = None
    catalogue: tuple[str, ...] = DEFAULT_CATALOGUE
    training_failures: list[tuple[str, str]] = field(default_factory=list)
    batch_failures: list[str] = field(default_factory=list)
    # Input ids whose output line carries an error instead of recommendations.
    record_errors: dict[str, str] = field(default_factory=dict)


class SolutionOperations:
    """The solution-side operations; mixed into PersonalizeSimulator."""

    _sol: SolutionStores

    # -- outcome control and setup ------------------------------------------------------------

    def use_s3(self, client: Any, *, catalogue: tuple[str, ...] = DEFAULT_CATALOGUE) -> None:
        """Batch jobs read and write through this S3 client (e.g. moto's)."""
        self._sol.s3 = client
        self._sol.catalogue = catalogue

    def fail_training(self, solution: str, reason: str = DEFAULT_TRAINING_FAILURE) -> None:
        """The next version of `solution` (name or ARN), or the one training now, fails."""
        sim = self._sim()
        now = sim.clock.now()
        for version in self._sol.versions.values():
            parent = self._sol.solutions.get(version.solution_arn)
            if (
                parent is not None
                and solution in (parent.name, parent.arn)
                and version.timeline.fail_pending_outcome(now, reason)
            ):
                return
        self._sol.training_failures.append((solution, reason))

    def fail_solution(self, solution: str) -> None:
        """The creation of `solution` (name or ARN) under way, or else the next one, ends
        CREATE FAILED. DescribeSolution models no failureReason, so none is given."""
        sim = self._sim()
        candidates = [(s.timeline, (s.name, s.arn)) for s in self._sol.solutions.values()]
        sim._arm_failure("solution", solution, NO_REASON, 1, candidates)
        for timeline, _ in candidates:
            timeline.failure_reason = None

    def fail_solution_update(self, solution: str, reason: str = DEFAULT_UPDATE_FAILURE) -> None:
        """The update under way, or else the next one, of `solution` (name or ARN) ends with
        `latestSolutionUpdate.status == "CREATE FAILED"`; the solution keeps its auto training."""
        candidates = [
            (s.update.timeline, (s.name, s.arn))
            for s in self._sol.solutions.values()
            if s.update is not None
        ]
        self._sim()._arm_failure("solution_update", solution, reason, 1, candidates)

    def fail_batch_job(self, job_name: str = NEXT_JOB) -> None:
        """The batch job named `job_name` (default: the next one created) ends CREATE FAILED."""
        self._sol.batch_failures.append(job_name)

    def fail_batch_record(self, record_id: str, error: str) -> None:
        """Batch jobs answer the input line of `record_id` with `error` (output `error` field)."""
        self._sol.record_errors[record_id] = error

    def solution_versions_of(self, solution_arn: str) -> list[SolutionVersion]:
        return [v for v in self._sol.versions.values() if v.solution_arn == solution_arn]

    # -- solutions ----------------------------------------------------------------------------

    @operation("CreateSolution")
    def _create_solution(self, req: Params) -> Params:
        sim = self._sim()
        name = req["name"]
        arn = sim._arn(f"solution/{name}")
        if arn in self._sol.solutions:
            raise already_exists(f"Solution {arn} already exists.")
        group = sim._get(sim._groups, req["datasetGroupArn"])
        recipe = req.get("recipeArn")
        if recipe is None or recipe not in CUSTOM_RECIPES:
            raise not_found(str(recipe))
        sim._require_active("Dataset group", group.arn, group.timeline, "creating solutions")
        config = req.get("solutionConfig") or {}
        if "eventsConfig" in config and recipe not in EVENTS_CONFIG_RECIPES:
            raise invalid_input(f"eventsConfig is not supported by recipe {recipe}.")
        auto = bool(req.get("performAutoTraining", True))
        expression = (config.get("autoTrainingConfig") or {}).get("schedulingExpression")
        if expression is not None and not auto:
            raise invalid_input("autoTrainingConfig requires performAutoTraining to be true.")
        sim._check_new_tags(req)
        timeline = sim._create_timeline(
            sim.durations.solution, sim._planned_failure("solution", (name, arn))
        )
        timeline.failure_reason = None  # not in DescribeSolution's model
        self._sol.solutions[arn] = Solution(
            arn=arn,
            name=name,
            group_arn=group.arn,
            recipe_arn=recipe,
            auto_training=(expression or DEFAULT_AUTO_TRAINING) if auto else None,
            events_config=config.get("eventsConfig"),
            created=sim.clock.now(),
            timeline=timeline,
        )
        sim._store_tags(arn, req)
        return {"solutionArn": arn}

    @operation("DescribeSolution")
    def _describe_solution(self, req: Params) -> Params:
        sim = self._sim()
        sol = sim._get(self._sol.solutions, req["solutionArn"])
        now = sim.clock.now()
        view = self._solution_summary(sol)
        view.pop("recipeArn")
        view.update(
            solutionArn=sol.arn,
            performHPO=False,
            performAutoML=False,
            performAutoTraining=sol.auto_at(now) is not None,
            recipeArn=sol.recipe_arn,
            datasetGroupArn=sol.group_arn,
            solutionConfig=self._config_view(sol.events_config, sol.auto_at(now)),
        )
        versions = self.solution_versions_of(sol.arn)
        if versions:
            view["latestSolutionVersion"] = self._version_summary(versions[-1])
        if sol.update is not None:
            update = sim._common_view(None, sol.update.created, sol.update.timeline)
            update["performAutoTraining"] = sol.update.auto_training is not None
            if sol.update.auto_training is not None:
                update["solutionUpdateConfig"] = {
                    "autoTrainingConfig": {"schedulingExpression": sol.update.auto_training}
                }
            view["latestSolutionUpdate"] = update
        return {"solution": view}

    @operation("ListSolutions")
    def _list_solutions(self, req: Params) -> Params:
        scope = req.get("datasetGroupArn")
        views = [
            self._solution_summary(s)
            for s in self._sol.solutions.values()
            if scope is None or s.group_arn == scope
        ]
        return self._sim()._page("ListSolutions", "solutions", views, req, scope=scope or "")

    @operation("UpdateSolution")
    def _update_solution(self, req: Params) -> Params:
        sim = self._sim()
        sol = sim._get(self._sol.solutions, req["solutionArn"])
        now = sim.clock.now()
        sim._require_active("Solution", sol.arn, sol.timeline, "updating it")
        if sol.update is not None and sol.update.timeline.status(now) not in (
            ACTIVE,
            CREATE_FAILED,
        ):
            raise in_use(f"Solution {sol.arn} has an update in progress.")
        current = sol.auto_at(now)
        auto = req.get("performAutoTraining", current is not None)
        config = req.get("solutionUpdateConfig") or {}
        expression = (config.get("autoTrainingConfig") or {}).get("schedulingExpression")
        sol.auto_training = current
        sol.update = SolutionUpdate(
            auto_training=(expression or current or DEFAULT_AUTO_TRAINING) if auto else None,
            created=now,
            timeline=sim._create_timeline(
                sim.durations.solution,
                sim._planned_failure("solution_update", (sol.name, sol.arn)),
            ),
        )
        return {"solutionArn": sol.arn}

    @operation("DeleteSolution")
    def _delete_solution(self, req: Params) -> Params:
        sim = self._sim()
        sol = sim._get(self._sol.solutions, req["solutionArn"])
        now = sim.clock.now()
        sim._require_deletable("Solution", sol.arn, sol.timeline, (ACTIVE, CREATE_FAILED))
        busy = [
            v.arn
            for v in self.solution_versions_of(sol.arn)
            if v.timeline.status(now) in TRAINING | {CREATE_STOPPING}
        ]
        if busy:
            # [H] for CREATE STOPPING: the guide names only CREATE PENDING and IN_PROGRESS.
            raise in_use(
                f"Solution {sol.arn} has solution versions in progress: {', '.join(busy)}."
            )
        sim._begin_delete(sol.timeline)
        return {}

    def _solution_summary(self, sol: Solution) -> Params:
        view = self._sim()._common_view(sol.name, sol.created, sol.timeline)
        view.update(solutionArn=sol.arn, recipeArn=sol.recipe_arn)
        return view

    @staticmethod
    def _config_view(events: Params | None, auto: str | None) -> Params:
        config: Params = {}
        if events is not None:
            config["eventsConfig"] = events
        if auto is not None:
            config["autoTrainingConfig"] = {"schedulingExpression": auto}
        return config

    # -- solution versions --------------------------------------------------------------------

    @operation("CreateSolutionVersion")
    def _create_solution_version(self, req: Params) -> Params:
        sim = self._sim()
        sol = sim._get(self._sol.solutions, req["solutionArn"])
        sim._require_active("Solution", sol.arn, sol.timeline, "training it")
        name = req.get("name")
        if name is not None and any(v.name == name for v in self.solution_versions_of(sol.arn)):
            raise already_exists(f"Solution version {name} already exists.")
        in_flight = [
            v for v in self._sol.versions.values() if v.timeline.status(sim.clock.now()) in TRAINING
        ]
        if len(in_flight) >= sim.quotas.in_flight_solution_versions_per_region:
            raise limit_exceeded("More than 20 solution versions with PENDING or IN_PROGRESS.")
        sim._require_interactions(sim._get(sim._groups, sol.group_arn))
        sim._check_new_tags(req)
        version = self._new_version(sol, name, req.get("trainingMode", "FULL"), "MANUAL")
        sim._store_tags(version.arn, req)
        return {"solutionVersionArn": version.arn}

    def _new_version(
        self, sol: Solution, name: str | None, mode: str, training_type: str
    ) -> SolutionVersion:
        sim = self._sim()
        reason = next((r for t, r in self._sol.training_failures if t in (sol.name, sol.arn)), None)
        if reason is not None:
            self._sol.training_failures = [
                f for f in self._sol.training_failures if f[0] not in (sol.name, sol.arn)
            ]
        vid = hashlib.sha256(f"{sol.arn}|{len(self._sol.versions)}|{name}".encode()).hexdigest()
        arn = f"{sol.arn}/{vid[:8]}"
        version = SolutionVersion(
            arn=arn,
            name=name,
            solution_arn=sol.arn,
            training_mode=mode,
            training_type=training_type,
            created=sim.clock.now(),
            timeline=sim._create_timeline(sim.durations.solution_version, reason),
        )
        self._sol.versions[arn] = version
        return version

    @operation("DescribeSolutionVersion")
    def _describe_solution_version(self, req: Params) -> Params:
        sim = self._sim()
        version = sim._get(self._sol.versions, req["solutionVersionArn"])
        sol = self._sol.solutions[version.solution_arn]
        view = sim._common_view(version.name, version.created, version.timeline)
        if version.name is None:
            view.pop("name", None)
        view.update(
            solutionVersionArn=version.arn,
            solutionArn=sol.arn,
            recipeArn=sol.recipe_arn,
            datasetGroupArn=sol.group_arn,
            trainingMode=version.training_mode,
            trainingType=version.training_type,
            solutionConfig=self._config_view(sol.events_config, None),
        )
        if version.timeline.status(sim.clock.now()) == ACTIVE:
            view["trainingHours"] = round(sim.durations.solution_version / 3600, 3)
        return {"solutionVersion": view}

    @operation("ListSolutionVersions")
    def _list_solution_versions(self, req: Params) -> Params:
        sim = self._sim()
        scope = req.get("solutionArn")
        if scope is not None:
            sim._get(self._sol.solutions, scope)
        views = [
            self._version_summary(v)
            for v in self._sol.versions.values()
            if scope is None or v.solution_arn == scope
        ]
        return sim._page("ListSolutionVersions", "solutionVersions", views, req, scope=scope or "")

    @operation("StopSolutionVersionCreation")
    def _stop_solution_version_creation(self, req: Params) -> Params:
        sim = self._sim()
        version = sim._get(self._sol.versions, req["solutionVersionArn"])
        now = sim.clock.now()
        status = version.timeline.status(now)
        if status not in TRAINING:
            raise in_use(
                f"Solution version {version.arn} is in {status} status; only CREATE PENDING or "
                "CREATE IN_PROGRESS versions can be stopped."
            )
        version.timeline.phases = [p for p in version.timeline.phases if p[0] <= now]
        if status == "CREATE PENDING":
            version.timeline.phases.append((now, CREATE_STOPPED))
        else:
            version.timeline.phases += [
                (now, CREATE_STOPPING),
                (now + timedelta(seconds=sim.durations.solution_version_stop), CREATE_STOPPED),
            ]
        return {}

    @operation("GetSolutionMetrics")
    def _get_solution_metrics(self, req: Params) -> Params:
        sim = self._sim()
        version = sim._get(self._sol.versions, req["solutionVersionArn"])
        status = version.timeline.status(sim.clock.now())
        if status != ACTIVE:
            raise in_use(f"Solution version {version.arn} is in {status} status, not ACTIVE.")
        sol = self._sol.solutions[version.solution_arn]
        return {
            "solutionVersionArn": version.arn,
            "metrics": model_metrics(version.arn, sol.recipe_arn),
        }

    def _version_summary(self, version: SolutionVersion) -> Params:
        view = self._sim()._common_view(None, version.created, version.timeline)
        view.update(
            solutionVersionArn=version.arn,
            trainingMode=version.training_mode,
            trainingType=version.training_type,
        )
        return view

    # -- batch inference ----------------------------------------------------------------------

    @operation("CreateBatchInferenceJob")
    def _create_batch_inference_job(self, req: Params) -> Params:
        sim = self._sim()
        name = req["jobName"]
        arn = sim._arn(f"batch-inference-job/{name}")
        if arn in self._sol.batch_jobs:
            raise already_exists(f"Batch inference job {arn} already exists.")
        version = sim._get(self._sol.versions, req["solutionVersionArn"])
        now = sim.clock.now()
        if version.timeline.status(now) != ACTIVE:
            raise in_use(f"Solution version {version.arn} is not ACTIVE.")
        recipe = self._sol.solutions[version.solution_arn].recipe_arn
        if not CUSTOM_RECIPES[recipe]:
            raise invalid_input(f"Batch inference is not supported for recipe {recipe}.")
        in_flight = [
            j for j in self._sol.batch_jobs.values() if j.timeline.status(now) in BATCH_IN_FLIGHT
        ]
        if len(in_flight) >= sim.quotas.in_flight_batch_jobs_per_region:
            raise limit_exceeded("More than 5 resources with PENDING or IN_PROGRESS status.")
        input_path = req["jobInput"]["s3DataSource"]["path"]
        output_path = req["jobOutput"]["s3DataDestination"]["path"]
        for path in (input_path, output_path):
            if not path.startswith("s3://"):
                raise invalid_input(f"{path} is not an S3 path.")
        if not output_path.endswith("/"):
            raise invalid_input("The output path must end with '/'.")
        num_results = req.get("numResults", 25)
        if not 1 <= num_results <= 500:
            raise invalid_input("numResults must be between 1 and 500.")
        sim._check_new_tags(req)
        fails = name in self._sol.batch_failures or NEXT_JOB in self._sol.batch_failures
        if NEXT_JOB in self._sol.batch_failures and name not in self._sol.batch_failures:
            self._sol.batch_failures.remove(NEXT_JOB)
        end = now + timedelta(seconds=sim.durations.batch_job)
        timeline = Timeline(
            phases=[
                (now, "PENDING"),
                (now + timedelta(seconds=min(sim.durations.pending, 1)), "IN PROGRESS"),
                (end, CREATE_FAILED if fails else ACTIVE),
            ],
            failure_reason="Internal error while processing the batch job." if fails else None,
        )
        self._sol.batch_jobs[arn] = BatchJob(
            arn=arn,
            name=name,
            version_arn=version.arn,
            input_path=input_path,
            output_path=output_path,
            role_arn=req["roleArn"],
            num_results=num_results,
            filter_arn=req.get("filterArn"),
            created=now,
            timeline=timeline,
        )
        sim._store_tags(arn, req)
        return {"batchInferenceJobArn": arn}

    @operation("DescribeBatchInferenceJob")
    def _describe_batch_inference_job(self, req: Params) -> Params:
        sim = self._sim()
        job = sim._get(self._sol.batch_jobs, req["batchInferenceJobArn"])
        view = sim._common_view(job.name, job.created, job.timeline)
        view["jobName"] = view.pop("name")
        view.update(
            batchInferenceJobArn=job.arn,
            solutionVersionArn=job.version_arn,
            numResults=job.num_results,
            jobInput={"s3DataSource": {"path": job.input_path}},
            jobOutput={"s3DataDestination": {"path": job.output_path}},
            roleArn=job.role_arn,
            batchInferenceJobMode="BATCH_INFERENCE",
        )
        if job.filter_arn:
            view["filterArn"] = job.filter_arn
        return {"batchInferenceJob": view}

    @operation("ListBatchInferenceJobs")
    def _list_batch_inference_jobs(self, req: Params) -> Params:
        sim = self._sim()
        scope = req.get("solutionVersionArn")
        views = []
        for job in self._sol.batch_jobs.values():
            if scope is None or job.version_arn == scope:
                view = sim._common_view(job.name, job.created, job.timeline)
                view["jobName"] = view.pop("name")
                view.update(batchInferenceJobArn=job.arn, solutionVersionArn=job.version_arn)
                views.append(view)
        return sim._page(
            "ListBatchInferenceJobs", "batchInferenceJobs", views, req, scope=scope or ""
        )

    # -- time ---------------------------------------------------------------------------------

    def _solutions_tick(self, now: datetime) -> None:
        """What happened by `now`: automatic trainings, finished batch jobs' output, deletes."""
        for arn in [
            a for a, s in self._sol.solutions.items() if s.timeline.status(now) == "<gone>"
        ]:
            del self._sol.solutions[arn]
            for varn in [v.arn for v in self._sol.versions.values() if v.solution_arn == arn]:
                del self._sol.versions[varn]
        for sol in self._sol.solutions.values():
            self._automatic_training(sol, now)
        for job in self._sol.batch_jobs.values():
            if not job.written and job.timeline.status(now) == ACTIVE:
                job.written = True
                self._run_batch(job)

    def _automatic_training(self, sol: Solution, now: datetime) -> None:
        """Auto training: the first version within an hour of ACTIVE, then every N days."""
        auto = sol.auto_at(now)
        if auto is None or sol.timeline.status(now) != ACTIVE:
            return
        days = int(auto.removeprefix("rate(").split(" ")[0])
        active_at = sol.timeline.phases[-1][0]
        due = active_at + timedelta(hours=1) + timedelta(days=days) * sol.automatic_runs
        if due <= now:
            sol.automatic_runs += 1
            self._new_version(sol, None, "AUTOTRAIN", "AUTOMATIC")

    def _run_batch(self, job: BatchJob) -> None:
        s3 = self._sol.s3
        if s3 is None:
            raise AssertionError("batch job finished but no S3 client was given (use_s3)")
        bucket, _, prefix = job.input_path.removeprefix("s3://").partition("/")
        out_bucket, _, out_prefix = job.output_path.removeprefix("s3://").partition("/")
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        recipe = self._sol.solutions[self._sol.versions[job.version_arn].solution_arn].recipe_arn
        key_field = "itemId" if recipe in ITEM_RECIPES else "userId"
        for obj in listed:
            text = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode()
            lines = [self._batch_answer(job, line, key_field) for line in text.splitlines() if line]
            name = obj["Key"].rsplit("/", 1)[-1]
            s3.put_object(
                Bucket=out_bucket,
                Key=f"{out_prefix}{name}.out",
                Body=("\n".join(lines) + "\n").encode(),
            )

    def _batch_answer(self, job: BatchJob, line: str, key_field: str) -> str:
        try:
            record = json.loads(line)
        except ValueError:
            return json.dumps({"input": line, "error": "Unable to parse the input as JSON."})
        if not isinstance(record, dict) or not isinstance(record.get(key_field), str):
            return json.dumps(
                {"input": record, "error": f"Input is missing the required field {key_field}."}
            )
        if record[key_field] in self._sol.record_errors:
            return json.dumps(
                {
                    "input": record,
                    "output": None,
                    "error": self._sol.record_errors[record[key_field]],
                }
            )
        seed = hashlib.sha256(f"{job.version_arn}|{record[key_field]}".encode()).digest()
        items = [i for i in self._sol.catalogue if i != record[key_field]]
        random.Random(seed).shuffle(items)
        chosen = items[: job.num_results]
        scores = [round(0.5 / (rank + 1), 4) for rank in range(len(chosen))]
        return json.dumps(
            {
                "input": record,
                "output": {"recommendedItems": chosen, "scores": scores},
                "error": None,
            }
        )

    def _solution_timelines(self) -> list[Timeline]:
        timelines = [s.timeline for s in self._sol.solutions.values()]
        timelines += [s.update.timeline for s in self._sol.solutions.values() if s.update]
        timelines += [v.timeline for v in self._sol.versions.values()]
        timelines += [j.timeline for j in self._sol.batch_jobs.values()]
        return timelines

    def _solution_stores(self) -> tuple[dict[str, Any], ...]:
        return (self._sol.solutions, self._sol.versions, self._sol.batch_jobs)

    def _sim(self) -> PersonalizeSimulator:
        return self  # type: ignore[return-value]
