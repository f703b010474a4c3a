"""Template values as CloudFormation would deploy them, in one example account and region."""

from __future__ import annotations

import re
from typing import Any

PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "eu-west-1",
    "AWS::AccountId": "111111111111",
    "AWS::URLSuffix": "amazonaws.com",
}
ACCOUNT = PSEUDO["AWS::AccountId"]
REGION = PSEUDO["AWS::Region"]


def resolve(value: Any) -> str:
    """The deployed string. A reference to one of the stack's own resources becomes
    `<LogicalId>` or `<LogicalId.Attribute>`, a marker that matches no name: it is that one
    resource."""
    if isinstance(value, str):
        return value
    (intrinsic, argument), *rest = value.items()
    assert not rest, value
    if intrinsic == "Ref":
        return PSEUDO.get(argument, f"<{argument}>")
    if intrinsic == "Fn::GetAtt":
        return f"<{'.'.join(argument)}>"
    if intrinsic == "Fn::Join":
        separator, parts = argument
        return str(separator).join(resolve(p) for p in parts)
    if intrinsic == "Fn::Sub":
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        return re.sub(
            r"\$\{([^}]+)\}",
            lambda m: resolve(variables.get(m[1], {"Ref": m[1]})),
            text,
        )
    raise AssertionError(f"teach resolve() {intrinsic} before trusting a test on it: {value}")
