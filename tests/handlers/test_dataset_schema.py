"""Custom::PersonalizeDatasetSchema scenarios, driven as CloudFormation and the Provider framework
really drive them (tests/cfn_model) at the framework's real polling budget, against the
Personalize simulator."""

from __future__ import annotations

import json
from typing import Any

import dataset_schema

from tests.cfn_model import CREATE_FAILED_MARKER, CloudFormation, Response
from tests.cfn_model.stack import Loop
from tests.handlers.conftest import World
from tests.handlers.shop_templates import dataset_group_resources, schema_and_dataset

TYPE = dataset_schema.RESOURCE_TYPE
V1_FIELDS: list[dict[str, Any]] = [
    {"name": "USER_ID", "type": "string"},
    {"name": "LOYALTY_TIER", "type": ["null", "string"], "categorical": True},
]
V2_FIELDS = [*V1_FIELDS, {"name": "AGE_GROUP", "type": ["null", "string"], "categorical": True}]
V3_FIELDS = [*V2_FIELDS, {"name": "GENDER", "type": ["null", "string"], "categorical": True}]
SCHEMA = "arn:aws:personalize:us-east-1:123456789012:schema"


def _body(fields: list[dict[str, Any]]) -> str:
    record = {"type": "record", "name": "Users", "fields": fields, "version": "1.0"}
    return json.dumps(record, separators=(",", ":"))


def _props(dataset_arn: Any, fields: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return {
        "DatasetArn": dataset_arn,
        "SchemaName": name,
        "Schema": _body(fields),
        "Domain": "ECOMMERCE",
    }


def _stack(
    fields: list[dict[str, Any]], name: str, *, failure: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The dataset group with its Users dataset (created on V1) as the stack declares them, and
    the resource that moves the dataset to `fields`; `failure`, a sibling failing after it."""
    template: dict[str, Any] = {
        **dataset_group_resources(),
        **schema_and_dataset(
            "Users", schema_name="shop-dev-users-v1", schema=_body(V1_FIELDS), prefix="Users"
        ),
        "UsersSchemaUpdate": {
            "Type": TYPE,
            "Properties": _props({"Ref": "UsersDataset"}, fields, name),
        },
    }
    if failure is not None:
        template["Elsewhere"] = {
            "Type": "Test::Failure",
            "Properties": failure,
            "DependsOn": ["UsersSchemaUpdate"],
        }
    return template


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


def _dataset(world: World, dataset_arn: str) -> dict[str, Any]:
    found: dict[str, Any] = world.personalize_client.describe_dataset(datasetArn=dataset_arn)[
        "dataset"
    ]
    return found


def _schema_of(world: World, dataset_arn: str) -> str:
    return str(_dataset(world, dataset_arn)["schemaArn"])


def _first_line(response: Response) -> str:
    return response.reason.splitlines()[0]


def _polls(world: World, since: int) -> int:
    assert world.framework is not None
    calls = world.framework.invocations[since:]
    return sum(1 for function, _ in calls if function == world.framework.is_complete_name)


def _invocations(world: World) -> int:
    assert world.framework is not None
    return len(world.framework.invocations)


# ---------------------------------------------------------------- create and update


def test_update_is_applied_and_awaited(world: World) -> None:
    # GIVEN the stack's Users dataset on V1
    cfn = world.stack()
    # WHEN the resource asks for V2 (one more nullable column)
    outcome = cfn.deploy(_stack(V2_FIELDS, "shop-dev-users-v2"))
    # THEN the resource completes only once Personalize has moved the dataset onto V2
    assert outcome.status == "CREATE_COMPLETE", outcome.failures
    users = cfn.physical["UsersDataset"]
    assert cfn.physical["UsersSchemaUpdate"] == f"{SCHEMA}/shop-dev-users-v2"
    assert _schema_of(world, users) == cfn.physical["UsersSchemaUpdate"]
    assert _dataset(world, users)["latestDatasetUpdate"]["status"] == "ACTIVE"


def test_a_failed_update_fails_with_personalizes_reason(world: World) -> None:
    users = _users_dataset(world)
    world.personalize.fail_dataset_update(users, reason="Schema field AGE_GROUP is invalid.")
    event = world.event("Create", TYPE, _props(users, V2_FIELDS, "shop-dev-users-v2"))
    response = world.request(event)
    assert not response.ok
    assert _first_line(response) == (
        f"Error: Personalize could not give dataset {users} the schema "
        f"{SCHEMA}/shop-dev-users-v2: Schema field AGE_GROUP is invalid."
    )


def test_a_refused_schema_fails_at_once_naming_it(world: World) -> None:
    # GIVEN a request Personalize refuses (a new column that cannot be null)
    users = _users_dataset(world)
    required = [*V1_FIELDS, {"name": "AGE", "type": "int"}]
    before, started = _invocations(world), world.clock.now()
    # WHEN CloudFormation sends it
    response = world.request(world.event("Create", TYPE, _props(users, required, "shop-dev-v2")))
    # THEN on_event fails it with Personalize's own words, before any polling
    assert not response.ok
    assert _first_line(response).startswith(
        f"Error: Personalize refused schema {SCHEMA}/shop-dev-v2 for dataset {users}: "
    )
    assert "new field AGE must support null data" in _first_line(response)
    assert response.physical_id == CREATE_FAILED_MARKER
    assert _polls(world, before) == 0
    assert world.clock.now() == started


def test_a_repeated_request_during_the_update_creates_and_updates_once(world: World) -> None:
    # GIVEN the same Create delivered twice, the second while the first's update runs
    users = _users_dataset(world)
    props = _props(users, V2_FIELDS, "shop-dev-users-v2")
    assert world.framework is not None
    responses: list[Response] = []
    loop = Loop(world)
    for _ in range(2):
        loop.spawn(world.framework.request(world.event("Create", TYPE, props)), responses.append)
    # WHEN both run to their answers
    loop.run(lambda: len(responses) == 2)
    # THEN both succeed on one schema, created once, with one UpdateDataset
    assert [r.ok for r in responses] == [True, True], [r.reason for r in responses]
    assert {r.physical_id for r in responses} == {f"{SCHEMA}/shop-dev-users-v2"}
    created = [
        c for c in world.personalize.calls_to("CreateSchema") if c["name"] == props["SchemaName"]
    ]
    assert len(created) == 1
    assert len(world.personalize.calls_to("UpdateDataset")) == 1


def test_a_request_after_the_update_finished_changes_nothing(world: World) -> None:
    users = _users_dataset(world)
    props = _props(users, V2_FIELDS, "shop-dev-users-v2")
    assert world.request(world.event("Create", TYPE, props)).ok
    again = world.event("Update", TYPE, props, physical_id=_schema_of(world, users), old=props)
    response = world.request(again)
    assert response.ok, response.reason
    assert response.physical_id == f"{SCHEMA}/shop-dev-users-v2"
    assert len(world.personalize.calls_to("UpdateDataset")) == 1


def test_throttling_while_polling_is_not_yet_never_failure(world: World) -> None:
    # GIVEN DescribeDataset throttled on is_complete's first two polls
    users = _users_dataset(world)
    assert world.framework is not None
    framework = world.framework
    world.personalize.inject(
        "DescribeDataset",
        "ThrottlingException",
        times=2,
        when=lambda _params: framework.invocations[-1][0] == framework.is_complete_name,
    )
    before = _invocations(world)
    # WHEN CloudFormation creates the resource
    response = world.request(world.event("Create", TYPE, _props(users, V2_FIELDS, "v2")))
    # THEN the throttled polls were "not yet", and a later one saw the update through
    assert response.ok, response.reason
    assert _polls(world, before) >= 3
    assert _schema_of(world, users) == f"{SCHEMA}/v2"


# ---------------------------------------------------------------- replacement and rollback


def test_the_next_schema_replaces_the_previous_one_which_is_then_deleted(world: World) -> None:
    # GIVEN the stack's dataset on V2 through this resource
    cfn = world.stack()
    assert cfn.deploy(_stack(V2_FIELDS, "shop-dev-users-v2")).status == "CREATE_COMPLETE"
    v2 = cfn.physical["UsersSchemaUpdate"]
    # WHEN the stack is updated to V3 (a new name: a replacement, then the clean-up)
    outcome = cfn.deploy(_stack(V3_FIELDS, "shop-dev-users-v3"))
    # THEN the dataset is on V3 and V2 is gone
    assert outcome.status == "UPDATE_COMPLETE", outcome.failures
    assert cfn.physical["UsersSchemaUpdate"] == f"{SCHEMA}/shop-dev-users-v3"
    assert _schema_of(world, cfn.physical["UsersDataset"]) == cfn.physical["UsersSchemaUpdate"]
    assert world.personalize.status(v2) is None


def test_a_rollback_to_fewer_fields_keeps_the_newer_schema(world: World) -> None:
    # GIVEN the dataset on V2, then moved to V3 by an update in which a later resource fails
    cfn = world.stack()
    assert cfn.deploy(_stack(V2_FIELDS, "shop-dev-users-v2")).status == "CREATE_COMPLETE"
    users = cfn.physical["UsersDataset"]
    # WHEN CloudFormation rolls back to V2 (Personalize cannot remove a field)
    outcome = cfn.deploy(_stack(V3_FIELDS, "shop-dev-users-v3", failure={"AfterSeconds": 30}))
    # THEN the rollback completes without asking Personalize for anything, the dataset keeps V3
    assert outcome.status == "UPDATE_ROLLBACK_COMPLETE", outcome.failures
    assert len(world.personalize.calls_to("UpdateDataset")) == 2
    assert _schema_of(world, users) == f"{SCHEMA}/shop-dev-users-v3"
    assert world.personalize.status(f"{SCHEMA}/shop-dev-users-v3") == "ACTIVE"


# ---------------------------------------------------------------- delete


def test_delete_leaves_a_schema_the_dataset_still_uses(world: World) -> None:
    # GIVEN the stack on V2
    cfn: CloudFormation = world.stack()
    assert cfn.deploy(_stack(V2_FIELDS, "shop-dev-users-v2")).status == "CREATE_COMPLETE"
    v2 = cfn.physical["UsersSchemaUpdate"]
    # WHEN the stack is deleted: this resource goes before its dataset
    outcome = cfn.delete()
    # THEN the delete completes, and the schema its dataset used then was left to it
    assert outcome.status == "DELETE_COMPLETE", outcome.failures
    assert world.personalize.calls_to("DeleteSchema")[0] == {"schemaArn": v2}
    assert world.personalize.status(v2) == "ACTIVE"


def test_delete_of_a_cancelled_create_does_nothing(world: World) -> None:
    props = _props(_users_dataset(world), V2_FIELDS, "shop-dev-users-v2")
    event = world.event("Delete", TYPE, props, physical_id="PersonalizeShop-dev-UsersSchema-1A2B")
    response = world.request(event)
    assert response.ok, response.reason
    assert response.physical_id == "PersonalizeShop-dev-UsersSchema-1A2B"
    assert world.personalize.calls_to("DeleteSchema") == []


# ---------------------------------------------------------------- what is not ours


def test_a_schema_of_that_name_with_other_content_is_not_adopted(world: World) -> None:
    users = _users_dataset(world)
    world.personalize_client.create_schema(
        name="shop-dev-users-v2", schema=_body(V3_FIELDS), domain="ECOMMERCE"
    )
    response = world.request(
        world.event("Create", TYPE, _props(users, V2_FIELDS, "shop-dev-users-v2"))
    )
    assert not response.ok
    assert "a schema named shop-dev-users-v2 exists with other content" in _first_line(response)
    assert world.personalize.calls_to("UpdateDataset") == []
