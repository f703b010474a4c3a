"""Who may assume each role: a service acting for us, only for our own resource (confused-deputy
protection), never for another account's or another environment's."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from tests.stacks.template_values import ACCOUNT, REGION, resolve

# Lambda takes no aws:SourceArn for an execution role: the function's own role is its boundary.
WITHOUT_SOURCE_CONDITIONS = {"lambda.amazonaws.com"}


def _trust(template: Template, role_id: str) -> list[dict[str, Any]]:
    role = template.to_json()["Resources"][role_id]
    statements: list[dict[str, Any]] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    return statements


def test_each_state_machine_role_trusts_step_functions_only_for_that_state_machine(
    templates: dict[str, Template], env: str
) -> None:
    # GIVEN every state machine of the environment (readiness and the Provider's waiter)
    machines = templates[env].find_resources("AWS::StepFunctions::StateMachine")
    assert len(machines) == 2
    for machine in machines.values():
        name = machine["Properties"]["StateMachineName"]
        # WHEN Step Functions assumes its role / THEN only on behalf of that one state machine
        (statement,) = _trust(templates[env], machine["Properties"]["RoleArn"]["Fn::GetAtt"][0])
        assert statement["Principal"] == {"Service": "states.amazonaws.com"}
        condition = statement["Condition"]
        assert resolve(condition["ArnLike"]["aws:SourceArn"]) == (
            f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
        )
        assert resolve(condition["StringEquals"]["aws:SourceAccount"]) == ACCOUNT


def test_the_provider_waiter_state_machine_is_named_for_its_environment(dev: Template) -> None:
    names = {
        m["Properties"]["StateMachineName"]
        for m in dev.find_resources("AWS::StepFunctions::StateMachine").values()
    }
    assert names == {"shop-dev-readiness", "shop-dev-provider-waiter"}


def test_every_service_but_lambda_assumes_a_role_only_for_a_source_in_this_account(
    templates: dict[str, Template], env: str
) -> None:
    # GIVEN every role's trust policy / THEN each service principal other than Lambda is bound to
    # this account and to a source ARN of it
    for role_id in templates[env].find_resources("AWS::IAM::Role"):
        for statement in _trust(templates[env], role_id):
            service = statement["Principal"]["Service"]
            if service in WITHOUT_SOURCE_CONDITIONS:
                continue
            keys = {
                key: resolve(value)
                for operator in statement.get("Condition", {}).values()
                for key, value in operator.items()
            }
            assert keys.get("aws:SourceAccount") == ACCOUNT, (role_id, service)
            assert keys.get("aws:SourceArn", "").startswith("arn:aws:"), (role_id, service)
            assert f":{REGION}:{ACCOUNT}:" in keys["aws:SourceArn"], (role_id, service)
