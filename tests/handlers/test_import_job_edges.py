"""Custom::PersonalizeDatasetImport edge cases a sampled mutation run found untested: property
checks and their messages, long dataset group names, and how a Delete ends. Every request goes
through tests/cfn_model at the Provider's real budgets."""

from __future__ import annotations

import dataclasses
from typing import Any

from tests.handlers.conftest import World
from tests.handlers.test_import_job import NEW_DATA, TYPE, _create, _job, _props


def _fails(world: World, event: dict[str, Any]) -> str:
    """The handler's message, as the framework's reason carries it (before its log pointer)."""
    response = world.request(event)
    assert not response.ok
    return response.reason.split("\n", 1)[0].removeprefix("Error: ")


def test_a_bare_s3_scheme_is_not_a_data_location(world: World) -> None:
    props = _props(world, world.dataset(), location="s3://")
    reason = _fails(world, world.event("Create", TYPE, props))
    assert reason == "property DataLocation must be an s3:// URI, got 's3://'"
    assert world.personalize.calls_to("CreateDatasetImportJob") == []


def test_a_validation_without_its_query_is_refused_naming_the_fields(world: World) -> None:
    props = _props(world, world.dataset()) | {
        "Validation": {"WorkGroup": "primary", "OutputLocation": "s3://shop-dev-athena/"}
    }
    reason = _fails(world, world.event("Create", TYPE, props))
    assert reason == (
        "property Validation must be an object with the strings QueryString, WorkGroup, "
        "OutputLocation"
    )
    assert world.personalize.calls_to("CreateDatasetImportJob") == []


def test_a_dataset_group_with_a_long_name_still_gets_a_valid_job_name(world: World) -> None:
    # GIVEN a dataset group whose name is as long as its dataset's name allows
    group = "shop-" + "x" * 45
    dataset = world.dataset(group=group)
    # WHEN its import is created
    job = _create(world, _props(world, dataset))["PhysicalResourceId"]
    # THEN the job exists, under a name within Personalize's 63 characters
    assert _job(world, job)["jobName"].startswith(f"{group[:37]}-interactions-")
    assert len(_job(world, job)["jobName"]) <= 63


def test_incremental_before_any_full_import_says_what_to_deploy(world: World) -> None:
    # GIVEN a dataset whose only (FULL) import failed
    dataset = world.dataset()
    world.personalize.fail_import(dataset)
    old = _props(world, dataset, mode="INCREMENTAL")
    first = _create(world, old)
    world.run_workflows()
    new = _props(world, dataset, location=NEW_DATA, mode="INCREMENTAL")
    event = world.event("Update", TYPE, new, physical_id=first["PhysicalResourceId"], old=old)
    # WHEN / THEN the update is refused, saying what to deploy
    assert _fails(world, event) == (
        f"{dataset}: an INCREMENTAL import needs a successful FULL import first (Personalize "
        "appends incremental data to bulk data). Deploy once with importMode FULL for this "
        "environment, then switch back to INCREMENTAL."
    )
    # AND it is refused before Personalize is asked for a second job
    assert len(world.personalize.calls_to("CreateDatasetImportJob")) == 1


def test_a_destroy_during_an_import_longer_than_the_budget_says_what_to_run(
    world: World,
) -> None:
    # GIVEN an import that runs for two hours
    world.personalize.durations = dataclasses.replace(
        world.personalize.durations, import_job=2 * 3600
    )
    props = _props(world, world.dataset())
    job = _create(world, props)["PhysicalResourceId"]
    # WHEN the stack is destroyed
    reason = _fails(world, world.event("Delete", TYPE, props, physical_id=job))
    # THEN the Delete fails before the framework's timeout, saying what to run and when
    assert reason == (
        f"Import job {job} still runs after 45 minutes. Personalize can neither stop nor delete "
        "an import job, and its dataset can be deleted only once it has ended. Nothing bills "
        "while it runs; run `cdk destroy` for this environment again once it has ended (or "
        "`personalize-shop cleanup --env <env>`, which waits as long as needed)."
    )


def test_an_import_personalize_refuses_fails_with_its_reason(world: World) -> None:
    # GIVEN Personalize refuses the import job (it certainly created nothing)
    world.personalize.inject(
        "CreateDatasetImportJob", "InvalidInputException", message="Bucket policy denies read."
    )
    props = _props(world, world.dataset())
    # THEN the create fails with Personalize's own words
    reason = _fails(world, world.event("Create", TYPE, props))
    assert reason == "Bucket policy denies read. (InvalidInputException, CreateDatasetImportJob)"
