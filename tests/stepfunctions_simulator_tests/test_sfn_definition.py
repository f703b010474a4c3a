"""Definitions are checked when registered; what the simulator does not implement is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.stepfunctions_simulator import (
    DefinitionError,
    StepFunctionsSimulator,
    state_machine_definition,
)
from tests.stepfunctions_simulator_tests.helpers import LAMBDA_INVOKE, PERSONALIZE, machine

SUCCEED = {"Type": "Succeed"}


def one_task(**fields: Any) -> dict[str, Any]:
    return machine({"Call": {"Type": "Task", "End": True, **fields}})


@pytest.mark.parametrize(
    ("definition", "complaint"),
    [
        ({"StartAt": "Nope", "States": {"Done": SUCCEED}}, "StartAt 'Nope' is not a state"),
        (machine({"A": {"Type": "Pass", "Next": "B"}}), "unknown state 'B'"),
        (machine({"A": SUCCEED, "B": SUCCEED}), r"\['B'\] are not reachable"),
        (machine({"A": {"Type": "Pass"}}), "exactly one of Next and End"),
        (machine({"A": {"Type": "Parallel", "End": True}}), "Parallel and Map"),
        ({**machine({"A": SUCCEED}), "QueryLanguage": "JSONata"}, "only the JSONPath"),
        (
            machine({"A": {"Type": "Pass", "Assign": {}, "End": True}}),
            r"\['Assign'\] not supported",
        ),
        (
            one_task(Resource=PERSONALIZE + "listRecommenders", HeartbeatSeconds=5),
            "HeartbeatSeconds",
        ),
        (one_task(Resource="arn:aws:states:::sns:publish"), "is not supported; the simulator runs"),
        (one_task(Resource=LAMBDA_INVOKE + ".waitForTaskToken"), "integration pattern"),
        (one_task(Resource=LAMBDA_INVOKE, Parameters={"FunctionName": "f"}), "needs Payload"),
        (
            one_task(
                Resource=PERSONALIZE + "listRecommenders",
                Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}],
            ),
            "States.ALL must appear alone, in the last handler",
        ),
        (
            machine({"A": {"Type": "Pass", "Parameters": {"x.$": "$.items[*]"}, "End": True}}),
            r"'\[\*\]' is not supported",
        ),
        (
            machine({"A": {"Type": "Pass", "Parameters": {"x.$": "States.UUID()"}, "End": True}}),
            "States.UUID is not supported",
        ),
        (
            machine({"A": {"Type": "Pass", "Parameters": {"x.$": "plain"}, "End": True}}),
            "neither a path nor an intrinsic",
        ),
        (
            machine(
                {
                    "A": {
                        "Type": "Choice",
                        "Choices": [
                            {"Variable": "$.v", "StringEquals": "a", "IsNull": True, "Next": "B"}
                        ],
                    },
                    "B": SUCCEED,
                }
            ),
            "exactly one supported operator",
        ),
        (
            machine(
                {"A": {"Type": "Wait", "Seconds": 1, "Timestamp": "x", "Next": "B"}, "B": SUCCEED}
            ),
            "needs exactly one of",
        ),
    ],
)
def test_invalid_or_unsupported_definitions_are_refused_at_registration(
    sfn: StepFunctionsSimulator, definition: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(DefinitionError, match=complaint):
        sfn.register_state_machine(sfn.state_machine_arn("bad"), definition)


def test_a_definition_can_be_registered_as_json_text(sfn: StepFunctionsSimulator) -> None:
    # GIVEN a definition registered as JSON text
    arn = sfn.register_state_machine(
        sfn.state_machine_arn("text"), json.dumps(machine({"A": SUCCEED}))
    )
    # WHEN it runs THEN it behaves as the same definition given as a dict
    execution_arn = sfn.client().start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    sfn.run(execution_arn)
    assert sfn.client().describe_execution(executionArn=execution_arn)["status"] == "SUCCEEDED"


def test_a_state_machine_arn_in_another_region_is_refused(sfn: StepFunctionsSimulator) -> None:
    other = "arn:aws:states:eu-west-1:123456789012:stateMachine:elsewhere"
    with pytest.raises(ValueError, match="not in us-east-1"):
        sfn.register_state_machine(other, machine({"A": SUCCEED}))


SYNTHESIZED = {
    "Resources": {
        "Waiter": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "DefinitionString": {
                    "Fn::Join": [
                        "",
                        [
                            '{"StartAt":"Signal","States":{"Signal":{"Type":"Task","Resource":"arn:',
                            {"Ref": "AWS::Partition"},
                            ':states:::lambda:invoke","Parameters":{"FunctionName":"',
                            {"Fn::GetAtt": ["SignalFn", "Arn"]},
                            '","Payload.$":"$"},"End":true}}}',
                        ],
                    ]
                }
            },
        }
    }
}


def test_a_synthesized_definition_string_is_resolved_with_the_values_given(
    sfn: StepFunctionsSimulator,
) -> None:
    # GIVEN a CDK-style DefinitionString and the ARN CloudFormation would give SignalFn
    function_arn = "arn:aws:lambda:us-east-1:123456789012:function:signal"
    # WHEN it is resolved and run
    text = state_machine_definition(SYNTHESIZED, "Waiter", values={"SignalFn.Arn": function_arn})
    arn = sfn.register_state_machine(sfn.state_machine_arn("waiter"), text)
    sfn.lambdas[function_arn] = lambda event, context: "signalled"
    execution = sfn.client().start_execution(stateMachineArn=arn)["executionArn"]
    # THEN the resolved definition runs
    assert sfn.run(execution) == "SUCCEEDED"
    assert json.loads(text)["States"]["Signal"]["Resource"] == "arn:aws:states:::lambda:invoke"


def test_a_synthesized_definition_with_an_unresolved_reference_names_it() -> None:
    with pytest.raises(DefinitionError, match=r"'SignalFn\.Arn'"):
        state_machine_definition(SYNTHESIZED, "Waiter", values={})
