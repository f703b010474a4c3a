"""Custom::PersonalizeDatasetImport scenarios: the real handler, the synthesized readiness state
machine and the real signal Lambda, against the Personalize and Step Functions simulators."""

from __future__ import annotations

from typing import Any

import import_job
from handler_support import HandlerError

from tests.handlers.conftest import World

TYPE = import_job.RESOURCE_TYPE
ROLE = "arn:aws:iam::123456789012:role/shop-dev-personalize"
DATA = "s3://shop-dev-data/datasets/interactions/aaaa/interactions.csv"
NEW_DATA = "s3://shop-dev-data/datasets/interactions/bbbb/interactions.csv"


def _props(
    world: World, dataset_arn: str, location: str = DATA, mode: str = "FULL"
) -> dict[str, Any]:
    return {
        "DatasetArn": dataset_arn,
        "DataLocation": location,
        "RoleArn": ROLE,
        "ImportMode": mode,
        "ReadinessHandle": world.new_handle(),
        "ReadinessStateMachineArn": world.state_machine_arn,
    }


def _create(world: World, props: dict[str, Any]) -> dict[str, Any]:
    return _ok(world, world.event("Create", TYPE, props))


def _ok(world: World, event: dict[str, Any]) -> dict[str, Any]:
    """One request through the Provider framework model; its answer as on_event's shape."""
    response = world.request(event)
    if not response.ok:
        raise HandlerError(response.reason)
    return {"PhysicalResourceId": response.physical_id, "Data": response.data}


def _job(world: World, arn: str) -> dict[str, Any]:
    job: dict[str, Any] = world.personalize_client.describe_dataset_import_job(
        datasetImportJobArn=arn
    )["datasetImportJob"]
    return job


def test_happy_path_imports_and_signals_ready(world: World) -> None:
    # GIVEN an empty dataset
    props = _props(world, world.dataset())
    # WHEN CloudFormation creates the import and the readiness workflow runs
    result = _create(world, props)
    world.run_workflows()
    # THEN the job is ACTIVE and the WaitCondition got one SUCCESS signal for it
    assert _job(world, result["PhysicalResourceId"])["status"] == "ACTIVE"
    assert world.signals(props["ReadinessHandle"]) == [
        {
            "Status": "SUCCESS",
            "Reason": "Ready",
            "UniqueId": result["PhysicalResourceId"],
            "Data": "",
        }
    ]


def test_create_returns_at_once_with_the_job_arn_as_physical_id(world: World) -> None:
    result = _create(world, _props(world, world.dataset()))
    assert result["PhysicalResourceId"].startswith(
        "arn:aws:personalize:us-east-1:123456789012:dataset-import-job/shop-dev-interactions-"
    )
    assert _job(world, result["PhysicalResourceId"])["status"] == "CREATE PENDING"


def test_first_import_is_full(world: World) -> None:
    result = _create(world, _props(world, world.dataset(), mode="INCREMENTAL"))
    assert _job(world, result["PhysicalResourceId"])["importMode"] == "FULL"


def test_workflow_polls_once_a_minute(world: World) -> None:
    props = _props(world, world.dataset())
    _create(world, props)
    world.run_workflows()
    (execution,) = world.sfn.executions()
    polls = [r.entered for r in world.sfn.history(execution) if r.name == "DescribeImportJob"]
    # 180 s of import: polled right away, then every 60 s.
    assert [(t - polls[0]).total_seconds() for t in polls] == [0, 60, 120, 180]


def test_create_failed_fails_the_deploy_with_personalizes_reason(world: World) -> None:
    # GIVEN Personalize will reject the file
    dataset = world.dataset()
    world.personalize.fail_import(
        dataset, reason="Input CSV is missing the following columns: [EVENT_TYPE]."
    )
    props = _props(world, dataset)
    # WHEN
    result = _create(world, props)
    world.run_workflows()
    # THEN the WaitCondition gets FAILURE carrying the reason, and the execution fails
    (signal,) = world.signals(props["ReadinessHandle"])
    assert (signal["Status"], signal["Reason"]) == (
        "FAILURE",
        f"Personalize import job {result['PhysicalResourceId']} failed: Input CSV is missing "
        "the following columns: [EVENT_TYPE].",
    )


def test_failure_reason_is_cut_to_fit_cloudformations_response(world: World) -> None:
    dataset = world.dataset()
    world.personalize.fail_import(dataset, reason="x" * 5000)
    props = _props(world, dataset)
    result = _create(world, props)
    world.run_workflows()
    (signal,) = world.signals(props["ReadinessHandle"])
    # Its start, then how long it was; 25 characters are kept for that note (1000 at most)
    full = f"Personalize import job {result['PhysicalResourceId']} failed: {'x' * 5000}"
    note = f"… ({len(full):,} chars, cut)"
    assert signal["Reason"] == full[: 1000 - 25] + note
    assert len(signal["Reason"]) <= 1000


def test_throttling_while_polling_is_not_yet_never_failure(world: World) -> None:
    # GIVEN Personalize throttles the workflow's next three polls
    props = _props(world, world.dataset())
    _create(world, props)
    world.personalize.inject("DescribeDatasetImportJob", "ThrottlingException", times=3)
    # WHEN / THEN the import still ends ready
    world.run_workflows()
    assert [s["Status"] for s in world.signals(props["ReadinessHandle"])] == ["SUCCESS"]


def test_a_retried_create_adopts_the_job(world: World) -> None:
    # GIVEN the same Create delivered twice (a retried Lambda invocation: the same RequestId)
    props = _props(world, world.dataset())
    event = world.event("Create", TYPE, props)
    first = _ok(world, event)
    second = _ok(world, event)
    world.run_workflows()
    # THEN one job, one workflow, one signal, the same physical id
    assert first["PhysicalResourceId"] == second["PhysicalResourceId"]
    jobs = world.personalize_client.list_dataset_import_jobs(datasetArn=props["DatasetArn"])
    assert len(jobs["datasetImportJobs"]) == 1
    assert len(world.sfn.executions()) == 1
    assert len(world.signals(props["ReadinessHandle"])) == 1


def test_update_with_new_data_starts_a_new_incremental_job(world: World) -> None:
    # GIVEN a first FULL import that is ACTIVE, and INCREMENTAL configured
    dataset = world.dataset()
    old = _props(world, dataset, mode="INCREMENTAL")
    first = _create(world, old)
    world.run_workflows()
    new = {**_props(world, dataset, location=NEW_DATA, mode="INCREMENTAL")}
    # WHEN the data file changes
    event = world.event("Update", TYPE, new, physical_id=first["PhysicalResourceId"], old=old)
    second = _ok(world, event)
    world.run_workflows()
    # THEN a second job (a new physical id), INCREMENTAL, ACTIVE and signalled on the new handle
    job = _job(world, second["PhysicalResourceId"])
    assert second["PhysicalResourceId"] != first["PhysicalResourceId"]
    assert (job["importMode"], job["status"]) == ("INCREMENTAL", "ACTIVE")
    assert job["dataSource"]["dataLocation"] == NEW_DATA
    assert [s["Status"] for s in world.signals(new["ReadinessHandle"])] == ["SUCCESS"]


def test_update_without_new_data_keeps_the_job(world: World) -> None:
    dataset = world.dataset()
    old = _props(world, dataset)
    first = _create(world, old)
    new = {**old, "RoleArn": "arn:aws:iam::123456789012:role/other"}
    event = world.event("Update", TYPE, new, physical_id=first["PhysicalResourceId"], old=old)
    result = _ok(world, event)
    assert result["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert len(world.personalize.calls_to("CreateDatasetImportJob")) == 1


def test_a_new_import_mode_alone_starts_no_job(world: World) -> None:
    dataset = world.dataset()
    old = _props(world, dataset)
    first = _create(world, old)
    new = {**old, "ImportMode": "INCREMENTAL"}
    event = world.event("Update", TYPE, new, physical_id=first["PhysicalResourceId"], old=old)
    result = _ok(world, event)
    assert result["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert len(world.personalize.calls_to("CreateDatasetImportJob")) == 1


def test_destroy_during_an_import_waits_then_lets_the_dataset_go(world: World) -> None:
    # GIVEN an import in progress
    dataset = world.dataset()
    props = _props(world, dataset)
    job = _create(world, props)["PhysicalResourceId"]
    started = world.clock.now()
    # WHEN CloudFormation deletes the import resource
    response = world.request(world.event("Delete", TYPE, props, physical_id=job))
    # THEN the Delete ends only once the job is over, and deleting the dataset then succeeds
    assert response.ok
    assert _job(world, job)["status"] == "ACTIVE"
    assert (world.clock.now() - started).total_seconds() >= 180
    world.personalize_client.delete_dataset(datasetArn=dataset)


def test_destroy_stops_the_readiness_workflow(world: World) -> None:
    props = _props(world, world.dataset())
    job = _create(world, props)["PhysicalResourceId"]
    world.request(world.event("Delete", TYPE, props, physical_id=job))
    (execution,) = world.sfn.executions()
    assert world.sfn.status(execution) == "ABORTED"


def test_delete_of_a_physical_id_that_is_not_an_arn_with_no_import_running_ends_at_once(
    world: World,
) -> None:
    props = _props(world, world.dataset())
    started = world.clock.now()
    response = world.request(world.event("Delete", TYPE, props, physical_id="2f0c6a1e-req"))
    assert response.ok
    assert response.physical_id == "2f0c6a1e-req"
    assert world.clock.now() == started


def test_throttling_while_waiting_on_delete_means_not_yet(world: World) -> None:
    # GIVEN an import in progress, and Personalize throttling the next reads of it
    props = _props(world, world.dataset())
    job = _create(world, props)["PhysicalResourceId"]
    world.personalize.inject("DescribeDatasetImportJob", "ThrottlingException", times=3)
    # WHEN CloudFormation deletes it, THEN the throttled polls only wait
    assert world.request(world.event("Delete", TYPE, props, physical_id=job)).ok
    assert _job(world, job)["status"] == "ACTIVE"


def test_five_pending_imports_make_ours_wait_for_a_slot(world: World) -> None:
    # GIVEN five other imports pending in the region (the quota, not adjustable)
    ours = world.dataset()
    others = [world.dataset(group=f"other-{n}") for n in range(5)]
    for n, other in enumerate(others):
        world.personalize_client.create_dataset_import_job(
            jobName=f"other-{n}",
            datasetArn=other,
            dataSource={"dataLocation": DATA},
            roleArn=ROLE,
        )
    props = _props(world, ours)
    # WHEN ours is created
    result = _create(world, props)
    # THEN the deploy does not fail: the workflow creates the job once a slot frees up
    assert world.personalize.status(result["PhysicalResourceId"]) is None
    world.run_workflows()
    assert _job(world, result["PhysicalResourceId"])["status"] == "ACTIVE"
    assert [s["Status"] for s in world.signals(props["ReadinessHandle"])] == ["SUCCESS"]
