"""Turn a synthesized `AWS::StepFunctions::StateMachine` back into the ASL it will run.

CDK writes `DefinitionString` as an `Fn::Join` over text, `Ref`s and `Fn::GetAtt`s (Lambda ARNs,
the partition). The test supplies the values CloudFormation would; anything unresolved fails
loudly with the logical IDs it still needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import DefinitionError


def state_machine_definition(
    template: Mapping[str, Any],
    logical_id: str,
    *,
    values: Mapping[str, str],
    region: str = "us-east-1",
    account: str = "123456789012",
) -> str:
    """The ASL text of the state machine `logical_id` in a synthesized template.

    `values` maps a logical ID (for `Ref`) or `LogicalId.Attribute` (for `Fn::GetAtt`) to the
    value CloudFormation would substitute, e.g. {"NotifyFn.Arn": "arn:aws:lambda:...:notify"}.
    """
    resource = template.get("Resources", {}).get(logical_id)
    if resource is None or resource.get("Type") != "AWS::StepFunctions::StateMachine":
        raise DefinitionError(f"{logical_id} is not an AWS::StepFunctions::StateMachine.")
    properties = resource.get("Properties", {})
    if "DefinitionString" not in properties:
        raise DefinitionError(f"{logical_id} has no DefinitionString (S3 definitions unsupported).")
    known = {
        "AWS::Partition": "aws",
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::URLSuffix": "amazonaws.com",
        **values,
    }
    text = resolve(properties["DefinitionString"], known)
    substitutions = resolve(properties.get("DefinitionSubstitutions", {}), known)
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", str(value))
    if not isinstance(text, str):
        raise DefinitionError(f"{logical_id}'s DefinitionString did not resolve to text.")
    return text


def resolve(value: Any, known: Mapping[str, str]) -> Any:
    """Evaluate Ref, Fn::GetAtt, Fn::Join and Fn::Sub in `value` with `known` values."""
    if isinstance(value, list):
        return [resolve(item, known) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            return _lookup(argument, known)
        if key == "Fn::GetAtt":
            name = ".".join(argument) if isinstance(argument, list) else argument
            return _lookup(name, known)
        if key == "Fn::Join":
            separator, parts = argument
            return separator.join(str(resolve(part, known)) for part in parts)
        if key == "Fn::Sub":
            return _sub(argument, known)
        if key.startswith("Fn::"):
            raise DefinitionError(f"{key} is not supported when resolving a definition.")
    return {key: resolve(item, known) for key, item in value.items()}


def _sub(argument: Any, known: Mapping[str, str]) -> str:
    text, variables = (argument, {}) if isinstance(argument, str) else argument
    scope = {**known, **{k: resolve(v, known) for k, v in variables.items()}}
    return re.sub(r"\$\{([^}!]+)\}", lambda found: str(_lookup(found.group(1), scope)), text)


def _lookup(name: str, known: Mapping[str, Any]) -> Any:
    if name not in known:
        raise DefinitionError(
            f"The definition refers to {name!r}; pass its value in `values` (a logical ID for "
            "Ref, 'LogicalId.Attribute' for Fn::GetAtt)."
        )
    return known[name]
