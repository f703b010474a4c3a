"""cdk-nag suppressions as written into template metadata, grouped by rule and then by reason.

With `write_suppressions_to_cloud_formation` each suppression is `{"id", "reason"}` in
`Metadata.cdk_nag.rules_to_suppress`; a finding-level suppression carries the finding in its id:
`AwsSolutions-IAM5[Resource::<DataBucket.Arn>/*]`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from review.intrinsics import render_list
from review.template import Template

_FINDING = re.compile(r"^(?P<rule>[^\[]+)\[(?P<finding>.*)\]$")


@dataclass(frozen=True, order=True)
class Suppression:
    rule: str
    reason: str
    logical_id: str
    finding: str


def suppressions(template: Template) -> list[Suppression]:
    found = []
    for resource in template.sorted_resources():
        nag = resource.metadata.get("cdk_nag")
        rules = nag.get("rules_to_suppress", []) if isinstance(nag, Mapping) else []
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, Mapping):
                found.extend(_entries(rule, resource.logical_id))
    return sorted(set(found))


def _entries(rule: Mapping[str, object], logical_id: str) -> list[Suppression]:
    rule_id = str(rule.get("id", "?"))
    reason = " ".join(str(rule.get("reason", "")).split()) or "(no reason given)"
    match = _FINDING.match(rule_id)
    base, finding = (match["rule"], match["finding"]) if match else (rule_id, "")
    # Older cdk-nag versions keep findings in `applies_to` instead of the id.
    findings = [finding] if finding else render_list(rule.get("applies_to", [""]))
    return [Suppression(base, reason, logical_id, item) for item in findings or [""]]


def grouped(found: list[Suppression]) -> dict[str, dict[str, dict[str, list[str]]]]:
    """rule → reason → resource → findings, every level sorted."""
    tree: dict[str, dict[str, dict[str, list[str]]]] = {}
    for item in sorted(found):
        resources = tree.setdefault(item.rule, {}).setdefault(item.reason, {})
        findings = resources.setdefault(item.logical_id, [])
        if item.finding:
            findings.append(item.finding)
    return tree
