"""A `StackDiff` as Markdown: warnings first, then recommenders, then every resource change."""

from __future__ import annotations

from dataclasses import dataclass

from personalize_constructs.resource_kinds import RECOMMENDER
from review import stack_resources
from review.diff import (
    ABSENT,
    EXPECTED_RECREATE,
    PropertyChange,
    ResourceChange,
    StackDiff,
    refuses_adoption,
)
from review.intrinsics import render
from review.markdown import EMPTY, code, table, truncate
from review.pricing import PriceTable, RecommenderCost, money, monthly
from review.template import Resource

# Recommender settings the handler applies to the running recommender (no new training).
IN_PLACE = RECOMMENDER.in_place
# What an in-place change costs beyond the property itself.
IN_PLACE_NOTES = {
    "EnableMetadataWithRecommendations": " (item metadata is billed extra)",
    "TrainingDataConfig": " (a full retraining; the current model serves until it is done)",
}
CONTEXT = 40


@dataclass(frozen=True)
class Costs:
    """Each side's recommenders priced (pause schedules applied) and the users they were priced
    for; None for a side the stack does not exist on."""

    before: tuple[list[RecommenderCost], int] | None
    after: tuple[list[RecommenderCost], int] | None
    prices: PriceTable


def render_diff(
    result: StackDiff,
    *,
    base_label: str,
    head_label: str,
    costs: Costs | None = None,
    only_in: str | None = None,
) -> str:
    sections = [
        _header(result, base_label, head_label),
        _only_in(result.stack, only_in),
        _warnings(result),
        _recommenders(result, costs),
        _added(result.added),
        _removed(result.removed),
        _changed(result.changed),
        _recreated(result),
        _outputs(result.outputs),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _only_in(stack: str, only_in: str | None) -> list[str]:
    if only_in == "head":
        return [
            f"**New stack:** `{stack}` exists only in the head; everything below is what its "
            "first deploy creates."
        ]
    if only_in == "base":
        return [
            f"**Stack gone from the head:** `{stack}` exists only in the base. Deploying the head "
            "does not delete it: `make destroy ENV=<env>` does, and deletes what is listed below."
        ]
    return []


def _header(result: StackDiff, base_label: str, head_label: str) -> list[str]:
    counts = (
        f"**{len(result.added)} added, {len(result.removed)} removed, "
        f"{len(result.changed)} changed, {len(result.recreated)} re-created under a new "
        "logical id.**"
    )
    return [
        f"# Template diff: `{result.stack}`",
        "",
        f"Base: {base_label} → head: {head_label}",
        "",
        "No changes to resources or outputs." if result.empty else counts,
    ]


def _warnings(result: StackDiff) -> list[str]:
    if not result.warnings:
        return []
    lines = ["## ⚠️ Warnings", ""]
    for warning in result.warnings:
        lines += [f"> ⚠️ **WARNING** {warning}", ">"]
    return lines[:-1]


def _recommenders(result: StackDiff, costs: Costs | None) -> list[str]:
    lines = [f"- {line}" for line in _recommender_lines(result)]
    if costs is not None:
        line = _cost_line(costs)
        if line:
            lines.append(line)
    return ["## Recommenders", "", *lines] if lines else []


def _cost_line(costs: Costs) -> str:
    """The monthly cost before → after, pause schedules applied, as the summary computes it."""
    prices = costs.prices
    before_costs, before_users = costs.before or ([], 0)
    after_costs, after_users = costs.after or ([], 0)
    before, after = monthly(before_costs, prices), monthly(after_costs, prices)
    if before == after and before_users == after_users:
        return ""
    users = (
        f"{after_users:,} active users"
        if before_users == after_users or costs.before is None or costs.after is None
        else f"{before_users:,} → {after_users:,} active users"
    )
    return (
        f"- Recommender cost per month at the configured minimum, pause schedules applied: "
        f"**{prices.currency} {money(before)} → {money(after)}** ({users}, "
        f"{prices.hours_per_month} hours a month; price table as of {prices.as_of})"
    )


def _recommender_lines(result: StackDiff) -> list[str]:
    lines = []
    for resource in result.added:
        if resource.type == stack_resources.RECOMMENDER_TYPE:
            lines.append(f"{_name(resource)}: **new**, {_settings(resource)}")
    for resource in result.removed:
        if resource.type == stack_resources.RECOMMENDER_TYPE:
            lines.append(f"{_name(resource)}: **deleted**")
    for pair in result.recreated:
        if pair.after.type == stack_resources.RECOMMENDER_TYPE:
            lines.append(
                f"{_name(pair.after)}: **replaced** under a new logical id "
                f"({code(pair.before.logical_id)} → {code(pair.after.logical_id)})"
            )
    for change in result.changed:
        if change.type == stack_resources.RECOMMENDER_TYPE:
            lines.append(_recommender_change(change))
    return lines


def _name(resource: Resource) -> str:
    return code(render(resource.properties.get("Name", resource.logical_id)))


def _settings(resource: Resource) -> str:
    found = stack_resources.recommender(resource)
    return f"min RPS {found.min_rps_text}, state {found.state}"


def _recommender_change(change: ResourceChange) -> str:
    label = code(change.name or change.logical_id)
    settings = {c.path.removeprefix("Properties."): c for c in change.changes}
    if change.replaced_because and "Name" in settings:
        return (
            f"{label}: **replaced**, a new recommender is created and trained, then the old "
            f"{code(settings['Name'].before)} is deleted (because {change.replaced_because})"
        )
    if refuses_adoption(change):
        # The handler creates by name; a recommender of that name exists with other settings,
        # and the handler refuses to adopt it rather than train over it.
        return (
            f"{label}: **deploy will fail**: it needs a new recommender (because "
            f"{change.replaced_because}) but keeps the name, and the handler refuses the existing "
            "one with other settings; delete it first or rename"
        )
    parts = [
        f"{name} {code(settings[name].before)} → {code(settings[name].after)}"
        + IN_PLACE_NOTES.get(name, "")
        for name in IN_PLACE
        if name in settings
    ]
    state = settings.get("State")
    if state is not None:
        parts.append("stopped" if state.after == "stopped" else f"state → {code(state.after)}")
    if not parts:
        return f"{label}: changed, no recommender setting (see below)"
    return f"{label}: **updated in place**: " + "; ".join(parts)


def _added(added: list[Resource]) -> list[str]:
    if not added:
        return []
    rows = [[code(r.logical_id), code(r.type), code(r.construct_path)] for r in added]
    return ["## Added", "", *table(["Logical id", "Type", "Construct"], rows)]


def _removed(removed: list[Resource]) -> list[str]:
    if not removed:
        return []
    rows = [
        [code(r.logical_id), code(r.type), code(r.construct_path), r.deletion_policy]
        for r in removed
    ]
    return ["## Removed", "", *table(["Logical id", "Type", "Construct", "DeletionPolicy"], rows)]


def _changed(changed: list[ResourceChange]) -> list[str]:
    if not changed:
        return []
    lines = ["## Changed"]
    for change in changed:
        verdict = (
            f"**replaced**: {change.replaced_because}"
            if change.replaced_because
            else "updated in place"
        )
        lines += ["", f"### {code(change.logical_id)} ({change.type}): {verdict}", ""]
        lines += [_property_line(c) for c in change.changes] or ["- (no property change)"]
    return lines


def _property_line(change: PropertyChange) -> str:
    if change.path.endswith("[+]"):
        return f"- {code(change.path)} added: {code(truncate(change.after))}"
    if change.path.endswith("[-]"):
        return f"- {code(change.path)} removed: {code(truncate(change.before))}"
    before, after = excerpt_pair(change.before, change.after)
    return f"- {code(change.path)}: {code(before)} → {code(after)}"


def excerpt_pair(before: str, after: str, limit: int = 160) -> tuple[str, str]:
    """Long strings (schemas, definitions) cut down to where they differ, with some context."""
    if (len(before) <= limit and len(after) <= limit) or ABSENT in (before, after):
        return truncate(before, limit), truncate(after, limit)
    prefix = 0
    while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(before), len(after)) - prefix and before[-1 - suffix] == after[-1 - suffix]
    ):
        suffix += 1
    start = max(0, prefix - CONTEXT)
    return (
        _window(before, start, len(before) - suffix + CONTEXT, limit),
        _window(after, start, len(after) - suffix + CONTEXT, limit),
    )


def _window(text: str, start: int, end: int, limit: int) -> str:
    end = min(len(text), end, start + limit)
    head = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    return f"{head}{text[start:end]}{tail}"


def _recreated(result: StackDiff) -> list[str]:
    lines = []
    if result.recreated:
        rows = [
            [
                code(p.before.logical_id),
                code(p.after.logical_id),
                code(p.after.type),
                _recreated_reason(p.after),
            ]
            for p in result.recreated
        ]
        lines += ["## Re-created under a new logical id", ""]
        lines += table(["Before", "After", "Type", "Why"], rows)
    if result.asset_only:
        if lines:
            lines.append("")
        lines += [
            "## Asset contents changed",
            "",
            "Only asset hashes differ (handler code or data files); see the source diff: "
            + ", ".join(code(i) for i in result.asset_only),
        ]
    return lines


def _recreated_reason(resource: Resource) -> str:
    if resource.type in EXPECTED_RECREATE:
        return "a new readiness wait: expected for every new import or recommender operation"
    return "construct path kept, id hash changed: CloudFormation replaces it"


def _outputs(changes: list[PropertyChange]) -> list[str]:
    if not changes:
        return []
    lines = ["## Outputs", ""]
    for change in changes:
        before = EMPTY if change.before == ABSENT else code(truncate(change.before))
        after = EMPTY if change.after == ABSENT else code(truncate(change.after))
        lines.append(f"- {code(change.path)}: {before} → {after}")
    return lines
