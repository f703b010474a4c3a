"""How a filter configured as `filters.<name>` is named in Personalize, and found again.

`AWS::Personalize::Filter` cannot change its expression: a new expression is a new filter, which
CloudFormation creates before it deletes the old one, and names are unique in a dataset group.
So the name carries a short hash of the expression, as schema names carry one of their content:
`<namePrefix>-<name>-<8 hex digits>`.
"""

from __future__ import annotations

import hashlib
import re

# The longest namePrefix (24) + '-' + name + '-' + 8 hex digits fits Personalize's 63 characters.
FILTER_KEY_MAX = 29
FILTER_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
HASH_DIGITS = 8


def filter_name(name_prefix: str, key: str, expression: str) -> str:
    digest = hashlib.sha256(expression.encode()).hexdigest()[:HASH_DIGITS]
    return f"{name_prefix}-{key}-{digest}"


def is_filter_name(name_prefix: str, name: str) -> bool:
    """Whether `name` is one `filter_name` gives under this prefix (any key, any expression)."""
    pattern = rf"{re.escape(name_prefix)}-[a-z][a-z0-9]*(-[a-z0-9]+)*-[0-9a-f]{{{HASH_DIGITS}}}"
    return re.fullmatch(pattern, name) is not None
