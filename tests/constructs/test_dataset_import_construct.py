"""DatasetImport alone: the properties the handler gets, its own WaitCondition, its version."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Template

from personalize_constructs.dataset_import import DatasetImport
from personalize_constructs.resource_kinds import DATASET_IMPORT
from personalize_domain.schemas import DatasetType
from tests.constructs.builders import (
    SERVICE_TOKEN,
    bare_stack,
    cfn_dataset,
    logical_id,
    readiness_workflow,
    resources,
)

RESOURCE_TYPE = DATASET_IMPORT.resource_type

LOCATION = "s3://shop-data/datasets/interactions/abc/interactions.csv"
ROLE_ARN = "arn:aws:iam::111111111111:role/personalize"


def _import(
    *, data_version: str = "abc", max_wait: Duration | None = None, import_mode: str = "FULL"
) -> tuple[str, Template]:
    """The template, and the logical id of the readiness state machine the import names."""
    stack = bare_stack()
    workflow = readiness_workflow(stack)
    DatasetImport(
        stack,
        "InteractionsImport",
        service_token=SERVICE_TOKEN,
        workflow=workflow,
        dataset=cfn_dataset(stack, DatasetType.INTERACTIONS),
        data_location=LOCATION,
        data_version=data_version,
        role_arn=ROLE_ARN,
        import_mode=import_mode,
        max_wait=max_wait or Duration.hours(6),
    )
    return logical_id(workflow.state_machine), Template.from_stack(stack)


@pytest.fixture(scope="module")
def built() -> tuple[str, Template]:
    return _import()


def _body(built: tuple[str, Template]) -> tuple[str, dict[str, Any]]:
    _, template = built
    ((logical, body),) = resources(template, RESOURCE_TYPE).items()
    return logical, body


def test_the_handler_gets_dataset_location_role_mode_and_the_readiness_wiring(
    built: tuple[str, Template],
) -> None:
    state_machine, _ = built
    _, body = _body(built)
    props = body["Properties"]
    assert {k: v for k, v in props.items() if k not in ("ReadinessHandle", "ServiceTimeout")} == {
        "ServiceToken": SERVICE_TOKEN,
        "DatasetArn": {"Fn::GetAtt": ["InteractionsDataset", "DatasetArn"]},
        "DataLocation": LOCATION,
        "RoleArn": ROLE_ARN,
        "ImportMode": "FULL",
        "ReadinessStateMachineArn": {"Ref": state_machine},
    }


def test_the_operation_fits_cloudformations_hour(built: tuple[str, Template]) -> None:
    _, body = _body(built)
    assert int(body["Properties"]["ServiceTimeout"]) <= 3600


def test_the_import_is_awaited_by_its_own_wait_condition(
    built: tuple[str, Template],
) -> None:
    _, template = built
    logical, body = _body(built)
    handle = body["Properties"]["ReadinessHandle"]["Ref"]
    assert list(resources(template, "AWS::CloudFormation::WaitCondition").values()) == [
        {
            "Type": "AWS::CloudFormation::WaitCondition",
            "Properties": {"Count": 1, "Handle": {"Ref": handle}, "Timeout": "21600"},
            "DependsOn": [logical],
        }
    ]


def test_the_wait_follows_the_given_bound() -> None:
    _, template = _import(max_wait=Duration.hours(12))
    (condition,) = resources(template, "AWS::CloudFormation::WaitCondition").values()
    assert condition["Properties"]["Timeout"] == "43200"


def test_new_data_is_a_new_wait_condition_on_the_same_resource(
    built: tuple[str, Template],
) -> None:
    logical, body = _body(built)
    new_logical, new_body = _body(_import(data_version="def"))
    assert new_logical == logical
    assert new_body["Properties"]["ReadinessHandle"] != body["Properties"]["ReadinessHandle"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"import_mode": "PARTIAL"}, "import_mode must be FULL or INCREMENTAL"),
        ({"data_version": ""}, "data_version must identify the data"),
        ({"max_wait": Duration.hours(13)}, "above CloudFormation's 12-hour limit"),
    ],
)
def test_props_out_of_range_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _import(**kwargs)
