"""The simulator sits under a real boto3 client: botocore validates, parses and raises."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError

from tests.personalize_simulator import (
    InvalidSimulatedResponse,
    PersonalizeSimulator,
    ServiceError,
    UnimplementedOperation,
    operation,
)

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

    from tests.personalize_simulator import ReadyDatasetGroup

DSG_ARN = "arn:aws:personalize:us-east-1:123456789012:dataset-group/"


# -- request validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({}, 'Missing required parameter in input: "name"'),
        ({"name": 42}, "Invalid type for parameter name"),
        ({"name": "shop", "colour": "blue"}, 'Unknown parameter in input: "colour"'),
    ],
)
def test_malformed_request_is_rejected_by_botocore_before_reaching_the_simulator(
    sim: PersonalizeSimulator, client: PersonalizeClient, kwargs: dict[str, Any], complaint: str
) -> None:
    # GIVEN a request that breaks the service model
    # WHEN it is sent
    with pytest.raises(ParamValidationError, match=complaint):
        client.create_dataset_group(**kwargs)
    # THEN the simulator never saw it
    assert sim.calls == []


def test_name_pattern_is_checked_server_side_with_the_coral_message(
    client: PersonalizeClient,
) -> None:
    # GIVEN a name botocore accepts client-side but the model's pattern forbids
    # WHEN a dataset group is created with it
    with pytest.raises(client.exceptions.InvalidInputException) as caught:
        client.create_dataset_group(name="bad name!")
    # THEN the service answers with the validation text AWS uses
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'bad name!' at 'name' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^[a-zA-Z0-9][a-zA-Z0-9\\-_]*"
    )


def test_name_longer_than_63_characters_is_refused(client: PersonalizeClient) -> None:
    with pytest.raises(
        client.exceptions.InvalidInputException,
        match="Member must have length less than or equal to 63",
    ):
        client.create_dataset_group(name="a" * 64)


def test_data_location_must_match_the_s3_location_pattern(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    with pytest.raises(
        client.exceptions.InvalidInputException, match=r"at 'dataSource\.dataLocation'"
    ):
        client.create_dataset_import_job(
            jobName="second",
            datasetArn=ready.dataset_arn,
            dataSource={"dataLocation": "bucket/interactions.csv"},
        )


def test_constraint_breach_on_an_operation_without_invalid_input_is_a_validation_exception(
    client: PersonalizeClient,
) -> None:
    # GIVEN ListSchemas, which models only InvalidNextTokenException
    # WHEN maxResults exceeds the model's maximum (botocore checks only the minimum)
    with pytest.raises(ClientError) as caught:
        client.list_schemas(maxResults=101)
    # THEN the error is the generic, unmodelled ValidationException
    assert caught.value.response["Error"]["Code"] == "ValidationException"


# -- responses --------------------------------------------------------------------------------


def test_modeled_error_is_raised_as_the_clients_exception_class_with_its_message_member(
    client: PersonalizeClient,
) -> None:
    arn = "arn:aws:personalize:us-east-1:123456789012:recommender/missing"
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.describe_recommender(recommenderArn=arn)
    # The stubs' TypedDict omits modelled members such as `message`; the parsed dict has them.
    response: dict[str, Any] = dict(caught.value.response)
    assert response["message"] == f"Resource Arn {arn} does not exist."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_timestamps_come_back_as_timezone_aware_datetimes_parsed_by_botocore(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
    group = client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]
    assert group["creationDateTime"] == sim.clock.now()
    assert group["creationDateTime"].astimezone(UTC) == datetime(2025, 1, 1, tzinfo=UTC)


class _BrokenSimulator(PersonalizeSimulator):
    @operation("DescribeDatasetGroup")
    def _describe_dataset_group(self, req: dict[str, Any]) -> dict[str, Any]:
        return {"datasetGroup": {"name": 7}}

    @operation("DescribeSchema")
    def _describe_schema(self, req: dict[str, Any]) -> dict[str, Any]:
        raise ServiceError("ResourceInUseException", "DescribeSchema does not model this.")


def test_response_that_breaks_the_output_shape_fails_loudly() -> None:
    # GIVEN a simulator whose DescribeDatasetGroup returns a number where a name belongs
    client = _BrokenSimulator().client()
    # WHEN the operation is called
    # THEN the response is refused instead of reaching the code under test
    with pytest.raises(InvalidSimulatedResponse, match="Invalid type for parameter datasetGroup"):
        client.describe_dataset_group(datasetGroupArn=DSG_ARN + "shop")


def test_error_the_operation_does_not_model_fails_loudly() -> None:
    client = _BrokenSimulator().client()
    with pytest.raises(InvalidSimulatedResponse, match="cannot return ResourceInUseException"):
        client.describe_schema(schemaArn="arn:aws:personalize:us-east-1:123456789012:schema/s")


def test_unimplemented_operation_fails_loudly_naming_it(client: PersonalizeClient) -> None:
    with pytest.raises(
        UnimplementedOperation, match="does not implement personalize CreateCampaign"
    ):
        client.create_campaign(name="custom", solutionVersionArn=DSG_ARN + "shop")


# -- attaching --------------------------------------------------------------------------------


def test_attach_answers_an_existing_client(sim: PersonalizeSimulator) -> None:
    existing = boto3.client(
        "personalize",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    sim.attach(existing)
    assert existing.list_dataset_groups()["datasetGroups"] == []


def test_attach_refuses_a_client_of_another_region(sim: PersonalizeSimulator) -> None:
    other = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing"
    ).client("personalize", region_name="eu-west-1")
    with pytest.raises(ValueError, match="region us-east-1; the client is for eu-west-1"):
        sim.attach(other)


def test_attach_refuses_a_client_of_another_service(sim: PersonalizeSimulator) -> None:
    runtime = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing"
    ).client("personalize-runtime", region_name="us-east-1")
    with pytest.raises(ValueError, match="simulates 'personalize'"):
        sim.attach(runtime)


def test_no_network_connection_is_ever_opened(
    sim: PersonalizeSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a client pointed at an unroutable endpoint, and sockets that refuse to connect
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    client = sim.client(endpoint_url="https://192.0.2.1")
    # WHEN calls are made THEN they are answered in-process
    arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
    assert client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["name"] == "shop"


# -- call log and fault injection -------------------------------------------------------------


def test_call_log_records_operation_params_and_error_code(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    client.create_dataset_group(name="shop", domain="ECOMMERCE")
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
        client.create_dataset_group(name="shop", domain="ECOMMERCE")
    assert [(c.operation, c.params, c.error) for c in sim.calls] == [
        ("CreateDatasetGroup", {"name": "shop", "domain": "ECOMMERCE"}, None),
        (
            "CreateDatasetGroup",
            {"name": "shop", "domain": "ECOMMERCE"},
            "ResourceAlreadyExistsException",
        ),
    ]


def test_injected_throttling_fails_the_next_calls_then_lets_them_through(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    # GIVEN two throttles injected on ListDatasetGroups
    sim.inject("ListDatasetGroups", "ThrottlingException", times=2)
    # WHEN it is called three times
    codes = []
    for _ in range(3):
        try:
            client.list_dataset_groups()
            codes.append("ok")
        except ClientError as error:
            codes.append(error.response["Error"]["Code"])
    # THEN the first two are throttled and the third succeeds
    assert codes == ["ThrottlingException", "ThrottlingException", "ok"]


def test_throttling_is_an_unmodeled_client_error_not_a_modeled_exception_class(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    sim.inject("ListDatasetGroups", "ThrottlingException")
    with pytest.raises(ClientError, match="Rate exceeded") as caught:
        client.list_dataset_groups()
    assert type(caught.value) is ClientError


def test_injected_fault_with_a_predicate_hits_only_matching_calls(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    sim.inject(
        "CreateDatasetGroup",
        "LimitExceededException",
        times=None,
        when=lambda params: params["name"].startswith("big"),
    )
    client.create_dataset_group(name="small")
    with pytest.raises(client.exceptions.LimitExceededException):
        client.create_dataset_group(name="big-one")


def test_injecting_an_error_the_operation_cannot_return_is_refused(
    sim: PersonalizeSimulator,
) -> None:
    with pytest.raises(ValueError, match="DescribeRecommender cannot return LimitExceeded"):
        sim.inject("DescribeRecommender", "LimitExceededException")


# -- pagination -------------------------------------------------------------------------------


def test_list_pages_with_max_results_and_next_token(client: PersonalizeClient) -> None:
    for name in ("a", "b", "c"):
        client.create_dataset_group(name=name)
    first = client.list_dataset_groups(maxResults=2)
    second = client.list_dataset_groups(maxResults=2, nextToken=first["nextToken"])
    assert [g["name"] for g in first["datasetGroups"]] == ["a", "b"]
    assert [g["name"] for g in second["datasetGroups"]] == ["c"]
    assert "nextToken" not in second


def test_botocore_paginator_walks_every_page(client: PersonalizeClient) -> None:
    for name in ("a", "b", "c", "d", "e"):
        client.create_dataset_group(name=name)
    pages = client.get_paginator("list_dataset_groups").paginate(PaginationConfig={"PageSize": 2})
    assert [[g["name"] for g in page["datasetGroups"]] for page in pages] == [
        ["a", "b"],
        ["c", "d"],
        ["e"],
    ]


def test_a_next_token_from_another_listing_is_refused(client: PersonalizeClient) -> None:
    for name in ("a", "b"):
        client.create_dataset_group(name=name)
    token = client.list_dataset_groups(maxResults=1)["nextToken"]
    with pytest.raises(client.exceptions.InvalidNextTokenException):
        client.list_schemas(nextToken=token)
