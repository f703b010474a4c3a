"""Custom::PersonalizeDatasetSchema scenarios: the real handler against the simulator."""

from __future__ import annotations

import json
from typing import Any

import dataset_schema
import pytest
from handler_support import HandlerError

from tests.handlers.conftest import World

TYPE = dataset_schema.RESOURCE_TYPE
V1_FIELDS: list[dict[str, Any]] = [
    {"name": "USER_ID", "type": "string"},
    {"name": "LOYALTY_TIER", "type": ["null", "string"], "categorical": True},
]
V2_FIELDS = [*V1_FIELDS, {"name": "AGE_GROUP", "type": ["null", "string"], "categorical": True}]
V3_FIELDS = [*V2_FIELDS, {"name": "GENDER", "type": ["null", "string"], "categorical": True}]


def _body(fields: list[dict[str, Any]]) -> str:
    record = {"type": "record", "name": "Users", "fields": fields, "version": "1.0"}
    return json.dumps(record, separators=(",", ":"))


def _users_dataset(world: World) -> str:
    """An ACTIVE Users dataset of group shop-dev, created on the V1 schema."""
    interactions = world.dataset()
    client = world.personalize_client
    group = client.describe_dataset(datasetArn=interactions)["dataset"]["datasetGroupArn"]
    schema = client.create_schema(
        name="shop-dev-users-v1", schema=_body(V1_FIELDS), domain="ECOMMERCE"
    )["schemaArn"]
    arn: str = client.create_dataset(
        name="shop-dev-users", datasetGroupArn=group, datasetType="Users", schemaArn=schema
    )["datasetArn"]
    world.personalize.settle()
    return arn


def _props(dataset_arn: str, fields: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return {
        "DatasetArn": dataset_arn,
        "SchemaName": name,
        "Schema": _body(fields),
        "Domain": "ECOMMERCE",
    }


def _run(world: World, request: str, props: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    event = world.event(request, TYPE, props, **kwargs)
    result = dataset_schema.on_event(event, world.personalize_client)
    return {**event, **result}


def _complete(world: World, event: dict[str, Any]) -> bool:
    return bool(dataset_schema.is_complete(event, world.personalize_client)["IsComplete"])


def _schema_of(world: World, dataset_arn: str) -> str:
    dataset = world.personalize_client.describe_dataset(datasetArn=dataset_arn)["dataset"]
    return str(dataset["schemaArn"])


def test_update_is_applied_and_awaited(world: World) -> None:
    # GIVEN a Users dataset on V1
    users = _users_dataset(world)
    # WHEN the resource asks for V2 (one more nullable column)
    event = _run(world, "Create", _props(users, V2_FIELDS, "shop-dev-users-v2"))
    # THEN is_complete waits while Personalize updates, and the dataset ends on V2
    assert not _complete(world, event)
    world.personalize.settle()
    assert _complete(world, event)
    assert _schema_of(world, users) == event["PhysicalResourceId"]
    assert event["PhysicalResourceId"].endswith(":schema/shop-dev-users-v2")


def test_a_failed_update_fails_with_personalizes_reason(world: World) -> None:
    users = _users_dataset(world)
    world.personalize.fail_dataset_update(users, reason="Schema field AGE_GROUP is invalid.")
    event = _run(world, "Create", _props(users, V2_FIELDS, "shop-dev-users-v2"))
    world.personalize.settle()
    with pytest.raises(HandlerError) as excinfo:
        _complete(world, event)
    assert str(excinfo.value) == (
        f"Personalize could not give dataset {users} the schema "
        f"{event['PhysicalResourceId']}: Schema field AGE_GROUP is invalid."
    )


def test_a_refused_schema_fails_at_once_naming_it(world: World) -> None:
    # GIVEN a request Personalize refuses (a new column that cannot be null)
    users = _users_dataset(world)
    required = [*V1_FIELDS, {"name": "AGE", "type": "int"}]
    # WHEN / THEN on_event fails with Personalize's own words
    with pytest.raises(HandlerError, match="new field AGE must support null data"):
        _run(world, "Create", _props(users, required, "shop-dev-users-v2"))


def test_a_retried_request_creates_and_updates_once(world: World) -> None:
    users = _users_dataset(world)
    props = _props(users, V2_FIELDS, "shop-dev-users-v2")
    first = _run(world, "Create", props)
    second = _run(world, "Create", props)
    assert first["PhysicalResourceId"] == second["PhysicalResourceId"]
    created = [
        c for c in world.personalize.calls_to("CreateSchema") if c["name"] == props["SchemaName"]
    ]
    assert len(created) == 1
    assert len(world.personalize.calls_to("UpdateDataset")) == 1


def test_a_request_after_the_update_finished_changes_nothing(world: World) -> None:
    users = _users_dataset(world)
    props = _props(users, V2_FIELDS, "shop-dev-users-v2")
    _run(world, "Create", props)
    world.personalize.settle()
    event = _run(world, "Update", props, physical_id=_schema_of(world, users), old=props)
    assert len(world.personalize.calls_to("UpdateDataset")) == 1
    assert _complete(world, event)


def test_throttling_while_polling_is_not_yet_never_failure(world: World) -> None:
    users = _users_dataset(world)
    event = _run(world, "Create", _props(users, V2_FIELDS, "shop-dev-users-v2"))
    world.personalize.settle()
    world.personalize.inject("DescribeDataset", "ThrottlingException", times=2)
    assert [_complete(world, event) for _ in range(3)] == [False, False, True]


def test_the_next_schema_replaces_the_previous_one_which_is_then_deleted(world: World) -> None:
    # GIVEN the dataset on V2 through this resource
    users = _users_dataset(world)
    v2 = _props(users, V2_FIELDS, "shop-dev-users-v2")
    created = _run(world, "Create", v2)
    world.personalize.settle()
    # WHEN the resource is updated to V3, then CloudFormation deletes the old physical id
    updated = _run(world, "Update", _props(users, V3_FIELDS, "shop-dev-users-v3"), old=v2)
    world.personalize.settle()
    assert _complete(world, updated)
    _run(world, "Delete", v2, physical_id=created["PhysicalResourceId"])
    # THEN the dataset is on V3 and V2 is gone
    assert _schema_of(world, users) == updated["PhysicalResourceId"]
    assert world.personalize.status(created["PhysicalResourceId"]) is None


def test_a_rollback_to_fewer_fields_keeps_the_newer_schema(world: World) -> None:
    # GIVEN the dataset moved to V3, and a later resource failed
    users = _users_dataset(world)
    v2, v3 = (
        _props(users, V2_FIELDS, "shop-dev-users-v2"),
        _props(users, V3_FIELDS, "shop-dev-users-v3"),
    )
    forward = _run(world, "Update", v3, old=v2)
    world.personalize.settle()
    # WHEN CloudFormation rolls back to V2 (Personalize cannot remove a field)
    rollback = _run(world, "Update", v2, old=v3, physical_id=forward["PhysicalResourceId"])
    # THEN nothing is asked of Personalize, the rollback succeeds, the dataset keeps V3
    assert len(world.personalize.calls_to("UpdateDataset")) == 1
    assert _complete(world, rollback)
    assert _schema_of(world, users) == forward["PhysicalResourceId"]


def test_delete_leaves_a_schema_the_dataset_still_uses(world: World) -> None:
    # GIVEN the stack is deleted: this resource goes before its dataset
    users = _users_dataset(world)
    props = _props(users, V2_FIELDS, "shop-dev-users-v2")
    created = _run(world, "Create", props)
    world.personalize.settle()
    # WHEN Delete arrives / THEN it succeeds and the schema stays with its dataset
    _run(world, "Delete", props, physical_id=created["PhysicalResourceId"])
    assert world.personalize.status(created["PhysicalResourceId"]) == "ACTIVE"


def test_delete_of_a_cancelled_create_does_nothing(world: World) -> None:
    props = _props(_users_dataset(world), V2_FIELDS, "shop-dev-users-v2")
    result = _run(world, "Delete", props, physical_id="PersonalizeShop-dev-UsersSchema-1A2B")
    assert result["PhysicalResourceId"] == "PersonalizeShop-dev-UsersSchema-1A2B"
    assert world.personalize.calls_to("DeleteSchema") == []


def test_a_schema_of_that_name_with_other_content_is_not_adopted(world: World) -> None:
    users = _users_dataset(world)
    world.personalize_client.create_schema(
        name="shop-dev-users-v2", schema=_body(V3_FIELDS), domain="ECOMMERCE"
    )
    with pytest.raises(HandlerError, match="a schema named shop-dev-users-v2 exists with other"):
        _run(world, "Create", _props(users, V2_FIELDS, "shop-dev-users-v2"))
