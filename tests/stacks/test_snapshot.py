"""One snapshot per environment stack; asset hashes normalised so handler edits do not churn it.

Update after an intended change with: .venv/bin/python -m pytest tests/stacks --snapshot-update
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk.assertions import Template
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

_HASH = re.compile(r"[0-9a-f]{64}")


def _normalised(template: Template) -> Any:
    body = template.to_json()
    # CDKMetadata carries the library version; it says nothing about what we deploy.
    body.get("Resources", {}).pop("CDKMetadata", None)
    body.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    if not body.get("Conditions"):
        body.pop("Conditions", None)
    return json.loads(_HASH.sub("HASH", json.dumps(body)))


def test_stack_matches_its_snapshot(
    templates: dict[str, Template], env: str, snapshot: SnapshotAssertion
) -> None:
    assert _normalised(templates[env]) == snapshot(extension_class=JSONSnapshotExtension)
