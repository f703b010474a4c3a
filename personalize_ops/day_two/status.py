"""Every Personalize resource of an environment, with its status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from personalize_domain.use_cases import USE_CASES
from personalize_ops.day_two.clients import PersonalizeClient
from personalize_ops.day_two.table import render_table

_USE_CASE_BY_RECIPE = {uc.recipe_arn: uc.key for uc in USE_CASES.values()}


@dataclass(frozen=True)
class ResourceStatus:
    kind: str  # dataset group, dataset, import job, recommender, filter
    name: str
    status: str
    details: str = ""


def collect_status(personalize: PersonalizeClient, dataset_group_arn: str) -> list[ResourceStatus]:
    """The dataset group, its datasets with their latest import, its recommenders and filters."""
    group = personalize.describe_dataset_group(datasetGroupArn=dataset_group_arn)["datasetGroup"]
    rows = [
        ResourceStatus(
            "dataset group",
            group.get("name", dataset_group_arn),
            group.get("status", "?"),
            _failure(group),
        )
    ]
    for dataset in _list(
        personalize, "list_datasets", "datasets", datasetGroupArn=dataset_group_arn
    ):
        rows.append(
            ResourceStatus(
                "dataset",
                f"{dataset.get('name', '?')} ({dataset.get('datasetType', '?')})",
                dataset.get("status", "?"),
            )
        )
        rows.append(_latest_import(personalize, dataset["datasetArn"]))
    for summary in _list(
        personalize, "list_recommenders", "recommenders", datasetGroupArn=dataset_group_arn
    ):
        recommender = personalize.describe_recommender(recommenderArn=summary["recommenderArn"])
        rows.append(_recommender_row(recommender["recommender"]))
    for found in _list(personalize, "list_filters", "Filters", datasetGroupArn=dataset_group_arn):
        rows.append(
            ResourceStatus(
                "filter", found.get("name", "?"), found.get("status", "?"), _failure(found)
            )
        )
    return rows


def render_status(rows: list[ResourceStatus]) -> str:
    return render_table(
        ("RESOURCE", "NAME", "STATUS", "DETAILS"),
        [(r.kind, r.name, r.status, r.details) for r in rows],
    )


def _list(personalize: PersonalizeClient, operation: str, key: str, **params: str) -> list[Any]:
    paginator = personalize.get_paginator(operation)  # type: ignore[call-overload]
    return [item for page in paginator.paginate(**params) for item in page[key]]


def _latest_import(personalize: PersonalizeClient, dataset_arn: str) -> ResourceStatus:
    jobs = _list(
        personalize, "list_dataset_import_jobs", "datasetImportJobs", datasetArn=dataset_arn
    )
    if not jobs:
        return ResourceStatus("import job", "(none)", "-", "no import yet")
    latest = max(jobs, key=lambda job: job["creationDateTime"])
    details = f"mode {latest.get('importMode', 'FULL')}"
    failure = _failure(latest)
    return ResourceStatus(
        "import job",
        latest["jobName"],
        latest["status"],
        f"{details}; {failure}" if failure else details,
    )


def _recommender_row(recommender: Any) -> ResourceStatus:
    config = recommender.get("recommenderConfig", {})
    use_case = _USE_CASE_BY_RECIPE.get(recommender.get("recipeArn", ""), "custom recipe")
    details = [use_case, f"min RPS {config.get('minRecommendationRequestsPerSecond', 1)}"]
    exploration = config.get("itemExplorationConfig")
    if exploration:
        details.append(
            f"exploration weight {exploration.get('explorationWeight', '0.3')}, item age "
            f"cut-off {exploration.get('explorationItemAgeCutOff', '30')} days"
        )
    if config.get("enableMetadataWithRecommendations"):
        details.append("item metadata")
    training = config.get("trainingDataConfig") or {}
    for member, by_type in sorted(training.items()):
        for dataset_type, columns in sorted((by_type or {}).items()):
            verb = member.removesuffix("DatasetColumns")
            details.append(f"training {verb} {dataset_type}: {', '.join(columns)}")
    update = recommender.get("latestRecommenderUpdate")
    if update:
        failure = _failure(update)
        details.append(f"latest update {update['status']}" + (f" ({failure})" if failure else ""))
    failure = _failure(recommender)
    if failure:
        details.append(failure)
    return ResourceStatus(
        "recommender", recommender["name"], recommender["status"], "; ".join(details)
    )


def _failure(resource: Any) -> str:
    reason = resource.get("failureReason")
    return f"failure: {reason}" if reason else ""
