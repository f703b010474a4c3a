"""UpdateDataset: a dataset's schema replaced in place, refused as Personalize refuses it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from tests.personalize_simulator import DEFAULT_DATASET_UPDATE_FAILURE, PersonalizeSimulator

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

    from tests.personalize_simulator import ReadyDatasetGroup

USERS_FIELDS: list[dict[str, Any]] = [
    {"name": "USER_ID", "type": "string"},
    {"name": "TIER", "type": "string", "categorical": True},
]
NEW_COLUMN = {"name": "AGE_GROUP", "type": ["null", "string"], "categorical": True}


def _schema(client: PersonalizeClient, name: str, fields: list[dict[str, Any]]) -> str:
    body = {"type": "record", "name": "Users", "fields": fields, "version": "1.0"}
    return client.create_schema(name=name, schema=json.dumps(body), domain="ECOMMERCE")["schemaArn"]


@pytest.fixture
def users(sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup) -> str:
    """An ACTIVE Users dataset in the ready group, on a schema of two fields."""
    arn = client.create_dataset(
        name="shop-users",
        datasetGroupArn=ready.dataset_group_arn,
        datasetType="Users",
        schemaArn=_schema(client, "users-v1", USERS_FIELDS),
    )["datasetArn"]
    sim.settle()
    return arn


def _dataset(client: PersonalizeClient, arn: str) -> dict[str, Any]:
    return dict(client.describe_dataset(datasetArn=arn)["dataset"])


def _refusal(client: PersonalizeClient, dataset_arn: str, schema_arn: str) -> ClientError:
    with pytest.raises(ClientError) as excinfo:
        client.update_dataset(datasetArn=dataset_arn, schemaArn=schema_arn)
    return excinfo.value


def test_a_new_nullable_column_is_applied_once_the_update_is_active(
    sim: PersonalizeSimulator, client: PersonalizeClient, users: str
) -> None:
    # GIVEN a schema with one more nullable column
    v1 = _dataset(client, users)["schemaArn"]
    v2 = _schema(client, "users-v2", [*USERS_FIELDS, NEW_COLUMN])
    # WHEN the dataset is updated to it
    client.update_dataset(datasetArn=users, schemaArn=v2)
    # THEN the dataset keeps v1 while the update runs, and has v2 once it is ACTIVE
    during = _dataset(client, users)
    assert (during["schemaArn"], during["latestDatasetUpdate"]["status"]) == (v1, "CREATE PENDING")
    sim.settle()
    after = _dataset(client, users)
    assert after["schemaArn"] == v2
    assert after["latestDatasetUpdate"]["schemaArn"] == v2
    assert after["latestDatasetUpdate"]["status"] == "ACTIVE"


def test_a_failed_update_reports_its_reason_and_keeps_the_old_schema(
    sim: PersonalizeSimulator, client: PersonalizeClient, users: str
) -> None:
    v1 = _dataset(client, users)["schemaArn"]
    sim.fail_dataset_update("shop-users")
    client.update_dataset(
        datasetArn=users, schemaArn=_schema(client, "users-v2", [*USERS_FIELDS, NEW_COLUMN])
    )
    sim.settle()
    dataset = _dataset(client, users)
    assert dataset["schemaArn"] == v1
    assert dataset["latestDatasetUpdate"]["status"] == "CREATE FAILED"
    assert dataset["latestDatasetUpdate"]["failureReason"] == DEFAULT_DATASET_UPDATE_FAILURE


def test_a_never_updated_dataset_has_no_latest_update(
    client: PersonalizeClient, users: str
) -> None:
    assert "latestDatasetUpdate" not in _dataset(client, users)


def test_removing_a_field_is_refused(client: PersonalizeClient, users: str) -> None:
    error = _refusal(client, users, _schema(client, "users-v2", USERS_FIELDS[:1]))
    assert error.response["Error"]["Code"] == "InvalidInputException"
    assert "field TIER of the current schema is missing" in str(error)


def test_changing_a_fields_attributes_is_refused(client: PersonalizeClient, users: str) -> None:
    retyped = [USERS_FIELDS[0], {"name": "TIER", "type": ["null", "string"], "categorical": True}]
    error = _refusal(client, users, _schema(client, "users-v2", retyped))
    assert "field TIER changed its type or attributes" in str(error)


def test_a_new_field_that_cannot_be_null_is_refused(client: PersonalizeClient, users: str) -> None:
    required = {"name": "AGE", "type": "int"}
    error = _refusal(client, users, _schema(client, "users-v2", [*USERS_FIELDS, required]))
    assert "new field AGE must support null data" in str(error)


def test_an_interactions_schema_cannot_be_replaced(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    error = _refusal(client, ready.dataset_arn, ready.schema_arn)
    assert error.response["Error"]["Code"] == "InvalidInputException"
    assert "only Items and Users datasets can be updated" in str(error)


def test_a_second_update_while_one_runs_is_in_use(client: PersonalizeClient, users: str) -> None:
    v2 = _schema(client, "users-v2", [*USERS_FIELDS, NEW_COLUMN])
    client.update_dataset(datasetArn=users, schemaArn=v2)
    error = _refusal(client, users, v2)
    assert error.response["Error"]["Code"] == "ResourceInUseException"


def test_the_schema_a_dataset_moved_to_cannot_be_deleted_but_the_old_one_can(
    sim: PersonalizeSimulator, client: PersonalizeClient, users: str
) -> None:
    v1 = _dataset(client, users)["schemaArn"]
    v2 = _schema(client, "users-v2", [*USERS_FIELDS, NEW_COLUMN])
    client.update_dataset(datasetArn=users, schemaArn=v2)
    sim.settle()
    with pytest.raises(ClientError, match="ResourceInUseException"):
        client.delete_schema(schemaArn=v2)
    client.delete_schema(schemaArn=v1)
    assert sim.status(v1) is None
