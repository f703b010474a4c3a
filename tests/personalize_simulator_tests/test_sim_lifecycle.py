"""Statuses move with the simulator's clock, through AWS's exact status strings."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tests.personalize_simulator import (
    DEFAULT_IMPORT_FAILURE,
    Clock,
    Durations,
    PersonalizeSimulator,
)

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

    from tests.personalize_simulator import ReadyDatasetGroup

RECOMMENDED_FOR_YOU = "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you"
# The metrics handler's own list (lambda/personalize_cr/metrics.py), written independently of the
# simulator's: the simulator must report exactly what the handler reads.
METRICS = set(importlib.import_module("metrics").METRICS)


def _recommender(client: PersonalizeClient, arn: str) -> dict[str, object]:
    return dict(client.describe_recommender(recommenderArn=arn)["recommender"])


def _create_recommender(client: PersonalizeClient, ready: ReadyDatasetGroup) -> str:
    return client.create_recommender(
        name="rfy", datasetGroupArn=ready.dataset_group_arn, recipeArn=RECOMMENDED_FOR_YOU
    )["recommenderArn"]


def _statuses_at(
    sim: PersonalizeSimulator, read: Callable[[], object], offsets: list[float]
) -> list[object]:
    """Advance by each offset in turn and read the status after each step."""
    seen = []
    for offset in offsets:
        sim.advance(offset)
        seen.append(read())
    return seen


def test_dataset_group_goes_pending_in_progress_active(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    # GIVEN a dataset group just created (default: 5 s pending, 30 s in all)
    arn = client.create_dataset_group(name="shop", domain="ECOMMERCE")["datasetGroupArn"]

    # WHEN time passes THEN the status follows the documented sequence
    def status() -> str:
        return client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"]

    assert _statuses_at(sim, status, [0, 5, 24, 1]) == [
        "CREATE PENDING",
        "CREATE IN_PROGRESS",
        "CREATE IN_PROGRESS",
        "ACTIVE",
    ]


def test_import_job_takes_its_configured_duration() -> None:
    sim = PersonalizeSimulator(durations=Durations(import_job=600))
    client = sim.client()
    ready = sim.create_ready_dataset_group("shop")
    arn = client.create_dataset_import_job(
        jobName="refresh",
        datasetArn=ready.dataset_arn,
        dataSource={"dataLocation": "s3://shop-data/interactions.csv"},
        importMode="INCREMENTAL",
    )["datasetImportJobArn"]

    def status() -> str:
        return client.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"][
            "status"
        ]

    assert _statuses_at(sim, status, [599, 1]) == ["CREATE IN_PROGRESS", "ACTIVE"]


def test_zero_duration_settles_at_once() -> None:
    sim = PersonalizeSimulator(durations=Durations(dataset_group=0))
    client = sim.client()
    arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
    assert client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "ACTIVE"


def test_recommender_trains_for_an_hour_by_default(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    arn = _create_recommender(client, ready)
    assert _statuses_at(sim, lambda: _recommender(client, arn)["status"], [0, 5, 3594, 1]) == [
        "CREATE PENDING",
        "CREATE IN_PROGRESS",
        "CREATE IN_PROGRESS",
        "ACTIVE",
    ]


def test_model_metrics_are_absent_while_training(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    arn = _create_recommender(client, ready)
    sim.advance(60)
    assert "modelMetrics" not in _recommender(client, arn)


def test_model_metrics_appear_once_active_with_the_eight_documented_keys(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    arn = _create_recommender(client, ready)
    sim.settle()
    metrics = _recommender(client, arn)["modelMetrics"]
    assert isinstance(metrics, dict)
    assert set(metrics) == METRICS
    assert all(0 < value <= 1 for value in metrics.values())


def test_model_metrics_are_deterministic_across_simulators() -> None:
    values = []
    for _ in range(2):
        sim = PersonalizeSimulator()
        arn = sim.create_ready_recommender("rfy")
        values.append(_recommender(sim.client(), arn)["modelMetrics"])
    assert values[0] == values[1]


def test_stop_then_start_walks_through_every_documented_status(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    # GIVEN an ACTIVE recommender (stop 60 s, start 120 s, 5 s pending each)
    arn = sim.create_ready_recommender("rfy")

    def status() -> object:
        return _recommender(client, arn)["status"]

    # WHEN it is stopped and, once INACTIVE, started again
    client.stop_recommender(recommenderArn=arn)
    stopping = _statuses_at(sim, status, [0, 5, 55])
    client.start_recommender(recommenderArn=arn)
    starting = _statuses_at(sim, status, [0, 5, 115])
    # THEN it passes through the exact documented strings
    assert stopping + starting == [
        "STOP PENDING",
        "STOP IN_PROGRESS",
        "INACTIVE",
        "START PENDING",
        "START IN_PROGRESS",
        "ACTIVE",
    ]


def test_update_is_tracked_in_latest_recommender_update_while_the_recommender_serves(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    arn = sim.create_ready_recommender("rfy")
    client.update_recommender(
        recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 5}
    )
    seen = []
    for offset in (0, 5, 1795):
        sim.advance(offset)
        rec = client.describe_recommender(recommenderArn=arn)["recommender"]
        seen.append((rec["status"], rec["latestRecommenderUpdate"]["status"]))
    assert seen == [
        ("ACTIVE", "CREATE PENDING"),
        ("ACTIVE", "CREATE IN_PROGRESS"),
        ("ACTIVE", "ACTIVE"),
    ]


def test_old_config_serves_until_the_update_is_active(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    arn = sim.create_ready_recommender("rfy")
    client.update_recommender(
        recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 5}
    )
    during = client.describe_recommender(recommenderArn=arn)["recommender"]["recommenderConfig"]
    sim.settle()
    after = client.describe_recommender(recommenderArn=arn)["recommender"]["recommenderConfig"]
    assert during["minRecommendationRequestsPerSecond"] == 1
    assert after["minRecommendationRequestsPerSecond"] == 5


def test_delete_passes_through_delete_statuses_then_describe_raises_not_found(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    arn = sim.create_ready_recommender("rfy")
    client.delete_recommender(recommenderArn=arn)
    assert _statuses_at(sim, lambda: _recommender(client, arn)["status"], [0, 5]) == [
        "DELETE PENDING",
        "DELETE IN_PROGRESS",
    ]
    sim.advance(55)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_recommender(recommenderArn=arn)


def test_deleted_resource_disappears_from_listings(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    arn = sim.create_ready_recommender("rfy")
    client.delete_recommender(recommenderArn=arn)
    sim.settle()
    assert client.list_recommenders()["recommenders"] == []


# -- outcome control --------------------------------------------------------------------------


def test_fail_import_armed_before_the_job_makes_it_end_create_failed_with_the_reason(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    # GIVEN the next import into the dataset is set to fail
    sim.fail_import(ready.dataset_arn, reason=DEFAULT_IMPORT_FAILURE)
    # WHEN an import job is created and runs to its end
    arn = client.create_dataset_import_job(
        jobName="refresh",
        datasetArn=ready.dataset_arn,
        dataSource={"dataLocation": "s3://shop-data/interactions.csv"},
    )["datasetImportJobArn"]
    sim.settle()
    job = client.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]
    # THEN it ends CREATE FAILED with that reason
    assert (job["status"], job["failureReason"]) == (
        "CREATE FAILED",
        "Input CSV is missing the following columns: [EVENT_TYPE].",
    )


def test_fail_import_applies_to_a_job_already_under_way_by_name(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    arn = client.create_dataset_import_job(
        jobName="refresh",
        datasetArn=ready.dataset_arn,
        dataSource={"dataLocation": "s3://shop-data/interactions.csv"},
    )["datasetImportJobArn"]
    sim.advance(30)
    sim.fail_import("refresh", reason="Insufficient privileges for accessing data in Amazon S3.")
    sim.settle()
    job = client.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]
    assert job["failureReason"] == "Insufficient privileges for accessing data in Amazon S3."


def test_fail_import_is_used_up_by_one_job(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    sim.fail_import(ready.dataset_arn)
    statuses = []
    for name in ("first", "retry"):
        arn = client.create_dataset_import_job(
            jobName=name,
            datasetArn=ready.dataset_arn,
            dataSource={"dataLocation": "s3://shop-data/interactions.csv"},
        )["datasetImportJobArn"]
        sim.settle()
        job = client.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]
        statuses.append(job["status"])
    assert statuses == ["CREATE FAILED", "ACTIVE"]


def test_fail_recommender_ends_creation_in_create_failed_without_metrics(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    sim.fail_recommender("rfy", reason="Dataset has fewer than 1000 interactions.")
    arn = _create_recommender(client, ready)
    sim.settle()
    rec = _recommender(client, arn)
    assert (rec["status"], rec["failureReason"]) == (
        "CREATE FAILED",
        "Dataset has fewer than 1000 interactions.",
    )
    assert "modelMetrics" not in rec


def test_fail_next_update_fails_the_update_and_keeps_the_old_config(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    arn = sim.create_ready_recommender("rfy")
    sim.fail_next_update("rfy", reason="Update failed.")
    client.update_recommender(
        recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 5}
    )
    sim.settle()
    rec = client.describe_recommender(recommenderArn=arn)["recommender"]
    update = rec["latestRecommenderUpdate"]
    assert (rec["status"], update["status"], update["failureReason"]) == (
        "ACTIVE",
        "CREATE FAILED",
        "Update failed.",
    )
    assert rec["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 1


def test_fail_dataset_group_ends_it_create_failed(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    sim.fail_dataset_group("shop", reason="KMS key is not accessible.")
    arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
    sim.settle()
    group = client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]
    assert (group["status"], group["failureReason"]) == (
        "CREATE FAILED",
        "KMS key is not accessible.",
    )


# -- clock ------------------------------------------------------------------------------------


def test_clock_sleep_advances_simulated_time_instantly() -> None:
    clock = Clock()
    start = clock.now()
    clock.sleep(3600)
    assert (clock.now() - start).total_seconds() == 3600


def test_clock_refuses_to_go_backwards() -> None:
    with pytest.raises(ValueError, match="only moves forward"):
        Clock().advance(-1)


def test_settle_advances_to_the_end_of_the_longest_transition(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    start = sim.clock.now()
    _create_recommender(client, ready)
    assert (sim.settle() - start).total_seconds() == 3600
