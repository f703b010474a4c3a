"""The intended use: handler code starts an execution through boto3; the test runs it offline."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from tests.personalize_simulator import PersonalizeSimulator
from tests.stepfunctions_simulator import SUCCEEDED, LambdaContext, StepFunctionsSimulator
from tests.stepfunctions_simulator_tests.helpers import LAMBDA_INVOKE, PERSONALIZE, machine

SIGNAL_FN = "arn:aws:lambda:us-east-1:123456789012:function:signal"

WAIT_FOR_RECOMMENDER = machine(
    {
        "Wait": {"Type": "Wait", "Seconds": 600, "Next": "Describe"},
        "Describe": {
            "Type": "Task",
            "Resource": PERSONALIZE + "describeRecommender",
            "Parameters": {"RecommenderArn.$": "$.recommenderArn"},
            "ResultSelector": {"status.$": "$.Recommender.Status"},
            "ResultPath": "$.recommender",
            "Retry": [
                {
                    "ErrorEquals": ["Personalize.PersonalizeException"],
                    "IntervalSeconds": 5,
                    "BackoffRate": 2,
                    "MaxAttempts": 5,
                }
            ],
            "Next": "Ready?",
        },
        "Ready?": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.recommender.status", "StringEquals": "ACTIVE", "Next": "Signal"}
            ],
            "Default": "Wait",
        },
        "Signal": {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE,
            "Parameters": {
                "FunctionName": SIGNAL_FN,
                "Payload": {
                    "waitHandle.$": "$.waitHandle",
                    "data.$": "$.recommenderArn",
                    "reason.$": "States.Format('{} is {}', $.recommenderArn, $.recommender.status)",
                },
            },
            "End": True,
        },
    },
    TimeoutSeconds=6 * 3600,
)


def on_create(personalize_client: Any, sfn_client: Any, machine_arn: str, group: str) -> str:
    """Stands in for the custom-resource handler: start the work, hand the wait to SFN."""
    recommender_arn: str = personalize_client.create_recommender(
        name="shop-rfy",
        datasetGroupArn=group,
        recipeArn="arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you",
    )["recommenderArn"]
    sfn_client.start_execution(
        stateMachineArn=machine_arn,
        name="shop-rfy-create",
        input=json.dumps({"recommenderArn": recommender_arn, "waitHandle": "https://handle"}),
    )
    return recommender_arn


def test_a_recommender_created_by_a_handler_is_signalled_once_it_is_active(
    sfn: StepFunctionsSimulator, personalize: PersonalizeSimulator
) -> None:
    # GIVEN the waiting state machine, a signal function, and a ready dataset group
    machine_arn = sfn.register_state_machine(sfn.state_machine_arn("wait"), WAIT_FOR_RECOMMENDER)
    signals: list[tuple[Any, Any]] = []

    def signal(event: Any, context: LambdaContext) -> None:
        signals.append((sfn.clock.now(), event))

    sfn.lambdas[SIGNAL_FN] = signal
    group = personalize.create_ready_dataset_group("shop").dataset_group_arn
    personalize.inject("DescribeRecommender", "ThrottlingException")
    # WHEN the handler creates the recommender and every execution runs
    started = sfn.clock.now()
    recommender_arn = on_create(personalize.client(), sfn.client(), machine_arn, group)
    sfn.run_all()
    # THEN the signal came after training (3600 s) at the first poll that saw ACTIVE, once
    (execution_arn,) = sfn.executions()
    assert sfn.status(execution_arn) == SUCCEEDED
    ((signalled_at, event),) = signals
    assert event == {
        "waitHandle": "https://handle",
        "data": recommender_arn,
        "reason": f"{recommender_arn} is ACTIVE",
    }
    # Six 600 s waits reach 3600 s; the throttled first poll added its 5 s retry interval.
    assert signalled_at == started + timedelta(seconds=3600 + 5)
