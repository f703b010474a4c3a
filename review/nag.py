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


# The packs app.py runs, in the order the review shows them; any other pack follows.
PACK_ORDER = ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321")


def split_rule(rule: str) -> tuple[str, str]:
    """`NIST.800.53.R5-LambdaDLQ` -> (`NIST.800.53.R5`, `LambdaDLQ`)."""
    pack, _, name = rule.partition("-")
    return (pack, name) if name else ("", rule)


@dataclass(frozen=True)
class FoldedRule:
    """One rule across every pack that has it: the compliance packs ask the same question
    (LambdaDLQ, IAMNoInlinePolicy, ...) and the same decision answers it in each."""

    name: str
    # pack -> findings acknowledged (a resource without granular findings counts once)
    counts: dict[str, int]
    # reason -> (packs giving it, resource -> findings)
    reasons: dict[str, tuple[tuple[str, ...], dict[str, list[str]]]]

    @property
    def resources(self) -> int:
        return len({r for _, resources in self.reasons.values() for r in resources})


def packs_of(found: list[Suppression]) -> list[str]:
    present = {split_rule(s.rule)[0] for s in found}
    ordered = [p for p in PACK_ORDER if p in present]
    return ordered + sorted(present - set(PACK_ORDER))


def folded(found: list[Suppression]) -> list[FoldedRule]:
    """Rules by name with per-pack counts, each reason once with the packs that give it."""
    by_name: dict[str, list[Suppression]] = {}
    for item in sorted(found):
        by_name.setdefault(split_rule(item.rule)[1], []).append(item)
    rules = []
    for name in sorted(by_name):
        counts: dict[str, int] = {}
        reasons: dict[str, tuple[set[str], dict[str, list[str]]]] = {}
        for item in by_name[name]:
            pack = split_rule(item.rule)[0]
            counts[pack] = counts.get(pack, 0) + 1
            packs, resources = reasons.setdefault(item.reason, (set(), {}))
            packs.add(pack)
            findings = resources.setdefault(item.logical_id, [])
            if item.finding and item.finding not in findings:
                findings.append(item.finding)
        ordered = {
            reason: (tuple(packs_of_names(packs)), resources)
            for reason, (packs, resources) in reasons.items()
        }
        rules.append(FoldedRule(name, counts, ordered))
    return rules


def packs_of_names(packs: set[str]) -> list[str]:
    return [p for p in PACK_ORDER if p in packs] + sorted(packs - set(PACK_ORDER))
