"""aws-sdk integrations: PascalCase both ways from the botocore model, error names, loud misuse."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ParamValidationError

from tests.personalize_simulator import PersonalizeSimulator
from tests.stepfunctions_simulator import DefinitionError, StepFunctionsSimulator
from tests.stepfunctions_simulator.sdk import java_exception_name, java_service_name
from tests.stepfunctions_simulator_tests.helpers import (
    PERSONALIZE,
    ROLE_ARN,
    machine,
    run_definition,
)


def sdk_task(action: str, parameters: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return machine(
        {
            "Call": {
                "Type": "Task",
                "Resource": PERSONALIZE + action,
                "Parameters": parameters,
                "End": True,
                **fields,
            }
        }
    )


def test_pascal_case_parameters_reach_personalize_with_the_model_member_names(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator
) -> None:
    # GIVEN a createDatasetImportJob task with nested structures and a list of structures
    dataset_arn = personalize.create_ready_dataset_group("shop").dataset_arn
    parameters = {
        "JobName": "from-sfn",
        "DatasetArn": dataset_arn,
        "DataSource": {"DataLocation": "s3://shop-data/more.csv"},
        "RoleArn": ROLE_ARN,
        "ImportMode": "INCREMENTAL",
        "Tags": [{"TagKey": "team", "TagValue": "shop"}],
    }
    # WHEN it runs
    run_definition(sfn, sdk_task("createDatasetImportJob", parameters))
    # THEN Personalize received the camelCase members it models
    assert personalize.calls_to("CreateDatasetImportJob") == [
        {
            "jobName": "from-sfn",
            "datasetArn": dataset_arn,
            "dataSource": {"dataLocation": "s3://shop-data/more.csv"},
            "roleArn": ROLE_ARN,
            "importMode": "INCREMENTAL",
            "tags": [{"tagKey": "team", "tagValue": "shop"}],
        }
    ]


def test_map_keys_in_parameters_are_data_and_keep_their_case(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator
) -> None:
    # GIVEN an updateRecommender whose ItemExplorationConfig map has camelCase keys
    recommender_arn = personalize.create_ready_recommender("shop-rfy")
    exploration = {"explorationWeight": "0.3", "explorationItemAgeCutOff": "7"}
    parameters = {
        "RecommenderArn": recommender_arn,
        "RecommenderConfig": {"ItemExplorationConfig": exploration},
    }
    # WHEN it runs
    run_definition(sfn, sdk_task("updateRecommender", parameters))
    # THEN the structure names were translated and the map keys were not
    (call,) = personalize.calls_to("UpdateRecommender")
    assert call["recommenderConfig"] == {"itemExplorationConfig": exploration}


def test_results_come_back_in_pascal_case_with_map_keys_untouched(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator
) -> None:
    # GIVEN an ACTIVE recommender configured with an exploration map
    exploration = {"explorationWeight": "0.3"}
    arn = personalize.create_ready_recommender(
        "shop-rfy", config={"itemExplorationConfig": exploration}
    )
    # WHEN a state machine describes it
    execution_arn = run_definition(sfn, sdk_task("describeRecommender", {"RecommenderArn": arn}))
    # THEN structure members are PascalCase at every depth; map keys are as Personalize sent them
    recommender = sfn.output(execution_arn)["Recommender"]
    assert recommender["RecommenderArn"] == arn
    assert recommender["RecommenderConfig"]["ItemExplorationConfig"] == exploration
    assert recommender["RecommenderConfig"]["MinRecommendationRequestsPerSecond"] == 1
    assert "coverage" in recommender["ModelMetrics"]


def test_lists_of_structures_in_results_are_translated_item_by_item(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator
) -> None:
    # GIVEN one ACTIVE recommender
    arn = personalize.create_ready_recommender("shop-rfy")
    # WHEN a state machine lists recommenders
    execution_arn = run_definition(sfn, sdk_task("listRecommenders", {}))
    # THEN each summary in the list has PascalCase members
    (summary,) = sfn.output(execution_arn)["Recommenders"]
    assert (summary["RecommenderArn"], summary["Status"]) == (arn, "ACTIVE")


def test_result_timestamps_are_iso_8601_text_in_utc(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator
) -> None:
    # GIVEN a dataset group created at the simulator's start time (2025-01-01T00:00:00Z)
    created = sfn.clock.now()
    group_arn = personalize.create_ready_dataset_group("shop").dataset_group_arn
    # WHEN a state machine describes it
    execution_arn = run_definition(
        sfn, sdk_task("describeDatasetGroup", {"DatasetGroupArn": group_arn})
    )
    # THEN its creation time is text, as Step Functions renders an SDK timestamp
    group = sfn.output(execution_arn)["DatasetGroup"]
    assert group["CreationDateTime"] == created.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_unknown_parameter_name_is_refused_when_the_state_machine_is_registered(
    sfn: StepFunctionsSimulator,
) -> None:
    # GIVEN a definition spelling a parameter the way no model member is spelled
    definition = sdk_task("describeDatasetImportJob", {"DatasetImportJobARN": "arn:x"})
    # WHEN it is registered THEN the registration fails, naming the expected member
    with pytest.raises(DefinitionError, match=r"'DatasetImportJobARN'.*DatasetImportJobArn"):
        sfn.register_state_machine(sfn.state_machine_arn("bad"), definition)


def test_an_unknown_member_arriving_through_a_path_fails_the_run_loudly(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator
) -> None:
    # GIVEN a nested structure taken from the input, with a wrong member name, and a Catch-all
    definition = sdk_task(
        "createDatasetImportJob",
        {"JobName": "j", "DatasetArn": "arn:d", "DataSource.$": "$.source"},
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Swallow"}],
    )
    definition["States"]["Swallow"] = {"Type": "Succeed"}
    # WHEN it runs THEN run() raises, and the Catch cannot swallow it
    with pytest.raises(DefinitionError, match=r"'Location' is not a parameter of DataSource"):
        run_definition(sfn, definition, {"source": {"Location": "s3://b/k"}})


def test_a_parameter_botocore_rejects_fails_the_run_loudly(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator
) -> None:
    # GIVEN a parameter of the wrong type, which only botocore's validation can see
    definition = sdk_task("describeDatasetImportJob", {"DatasetImportJobArn.$": "$.arn"})
    # WHEN it runs THEN run() raises with botocore's report attached
    with pytest.raises(DefinitionError, match="botocore rejected") as raised:
        run_definition(sfn, definition, {"arn": 42})
    assert isinstance(raised.value.__cause__, ParamValidationError)


def test_an_operation_the_service_does_not_have_is_refused_at_registration(
    sfn: StepFunctionsSimulator,
) -> None:
    definition = sdk_task("describeDatasetImportJobs", {})
    with pytest.raises(DefinitionError, match="has no operation DescribeDatasetImportJobs"):
        sfn.register_state_machine(sfn.state_machine_arn("bad"), definition)


def test_a_service_without_a_client_fails_the_run_loudly(sfn: StepFunctionsSimulator) -> None:
    # GIVEN no Personalize client was given to the simulator
    definition = sdk_task("listRecommenders", {})
    # WHEN it runs THEN run() says which client is missing
    with pytest.raises(DefinitionError, match=r"sfn.sdk_clients\['personalize'\]"):
        run_definition(sfn, definition)


@pytest.mark.parametrize(
    ("service_id", "name"),
    [
        ("Personalize", "Personalize"),
        ("DynamoDB", "DynamoDb"),
        ("SFN", "Sfn"),
        ("S3", "S3"),
        ("EC2", "Ec2"),
        ("CloudWatch Logs", "CloudWatchLogs"),
        ("API Gateway", "ApiGateway"),
        ("ElastiCache", "ElastiCache"),
    ],
)
def test_error_names_use_the_java_sdk_service_name(service_id: str, name: str) -> None:
    # Names measured by a third party with TestState (see README, [H]).
    assert java_service_name(service_id) == name


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("ResourceNotFoundException", "ResourceNotFoundException"),
        ("InvalidArn", "InvalidArnException"),
        ("DBInstanceNotFoundFault", "DbInstanceNotFoundException"),
        ("KMSInvalidStateException", "KmsInvalidStateException"),
    ],
)
def test_error_names_use_the_java_sdk_exception_name(code: str, name: str) -> None:
    assert java_exception_name(code) == name
