"""What a change does to each stack: added, removed, changed and replaced resources.

Noise is dropped before comparing: asset hashes (a handler edit changes them, the reviewer sees
the code diff anyway), CDK metadata, and the readiness WaitConditions that get a new logical id
for every new operation by design. What can lose data is flagged loudly: a stateful resource
replaced because a create-only property changed, because something it is created from is
replaced, or because its logical id changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from personalize_constructs.resource_kinds import KINDS
from review.intrinsics import references, render
from review.stack_resources import RECOMMENDER_TYPE
from review.template import Resource, Template

# Create-only properties: a change creates a new physical resource and deletes the old one.
STATEFUL_REPLACING: dict[str, frozenset[str]] = {
    "AWS::S3::Bucket": frozenset({"BucketName"}),
    "AWS::Personalize::DatasetGroup": frozenset({"Name", "Domain", "KmsKeyArn", "RoleArn"}),
    "AWS::Personalize::Dataset": frozenset({"Name", "DatasetType", "DatasetGroupArn", "SchemaArn"}),
    "AWS::Personalize::Schema": frozenset({"Name", "Schema", "Domain"}),
}
# Stateless, but replaced the same way: a new filter is created under its new name, the old deleted.
STATELESS_REPLACING: dict[str, frozenset[str]] = {
    "AWS::Personalize::Filter": frozenset({"Name", "DatasetGroupArn", "FilterExpression"}),
}
# Our custom resources replace themselves (return a new physical id) on these, per their contracts
# (lambda/personalize_cr/resource_kinds.py).
CUSTOM_REPLACING: dict[str, frozenset[str]] = {
    kind.resource_type: frozenset(kind.replacing) for kind in KINDS if kind.replacing
}
REPLACING = {**STATEFUL_REPLACING, **STATELESS_REPLACING, **CUSTOM_REPLACING}
# New operation, new WaitCondition: their logical ids carry a hash of the operation.
EXPECTED_RECREATE = frozenset(
    {"AWS::CloudFormation::WaitCondition", "AWS::CloudFormation::WaitConditionHandle"}
)
COMPARED_ATTRIBUTES = (
    "Type",
    "Properties",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "CreationPolicy",
    "Condition",
)
_ASSET_HASH = re.compile(r"[0-9a-f]{64}")
_OPERATION_HASH = re.compile(r"[0-9a-f]{8}$")
ABSENT = "(absent)"


@dataclass(frozen=True)
class PropertyChange:
    path: str
    before: str
    after: str


@dataclass(frozen=True)
class ResourceChange:
    logical_id: str
    type: str
    name: str  # The `Name` property, rendered; empty when there is none.
    changes: tuple[PropertyChange, ...]
    replaced_because: str  # Empty when updated in place.
    kept_on_replace: bool  # UpdateReplacePolicy Retain/Snapshot: a replaced original stays.

    @property
    def stateful(self) -> bool:
        return self.type in STATEFUL_REPLACING


@dataclass(frozen=True)
class Recreated:
    before: Resource
    after: Resource


@dataclass
class StackDiff:
    stack: str
    added: list[Resource] = field(default_factory=list)
    removed: list[Resource] = field(default_factory=list)
    changed: list[ResourceChange] = field(default_factory=list)
    recreated: list[Recreated] = field(default_factory=list)
    asset_only: list[str] = field(default_factory=list)
    outputs: list[PropertyChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.recreated or self.outputs)


def diff_templates(base: Template, head: Template) -> StackDiff:
    result = StackDiff(stack=head.stack)
    removed_ids = sorted(set(base.resources) - set(head.resources))
    added_ids = sorted(set(head.resources) - set(base.resources))
    rename = _recreated_pairs(base, head, removed_ids, added_ids)
    result.recreated = [Recreated(base.resources[o], head.resources[n]) for o, n in rename.items()]
    result.removed = [base.resources[i] for i in removed_ids if i not in rename]
    result.added = [head.resources[i] for i in added_ids if i not in rename.values()]
    common = sorted(set(base.resources) & set(head.resources))
    replaced = _replaced(base, head, common, rename)
    for logical_id in common:
        before, after = base.resources[logical_id], head.resources[logical_id]
        _compare_resource(result, before, after, rename, replaced.get(logical_id, ""))
    result.outputs = _output_changes(base, head, rename)
    result.warnings = warnings(result)
    return result


def _recreated_pairs(
    base: Template, head: Template, removed_ids: list[str], added_ids: list[str]
) -> dict[str, str]:
    """Removed and added resources of one type at the same construct path, hash suffix aside."""
    candidates: dict[tuple[str, str], list[str]] = {}
    for logical_id in added_ids:
        resource = head.resources[logical_id]
        if resource.construct_path:
            candidates.setdefault(_path_key(resource), []).append(logical_id)
    pairs = {}
    for logical_id in removed_ids:
        resource = base.resources[logical_id]
        matches = candidates.get(_path_key(resource), [])
        if resource.construct_path and len(matches) == 1:
            pairs[logical_id] = matches[0]
    return pairs


def _path_key(resource: Resource) -> tuple[str, str]:
    segments = [_OPERATION_HASH.sub("", part) for part in resource.construct_path.split("/")]
    return resource.type, "/".join(segments)


def _replaced(
    base: Template, head: Template, common: list[str], rename: Mapping[str, str]
) -> dict[str, str]:
    """Head logical id → why CloudFormation (or our handler) replaces that resource."""
    replaced: dict[str, str] = {}
    for old, new in rename.items():
        if head.resources[new].type not in EXPECTED_RECREATE:
            replaced[new] = f"its logical id changed from `{old}`"
    for logical_id in common:
        reason = _own_replacement(base.resources[logical_id], head.resources[logical_id], rename)
        if reason:
            replaced[logical_id] = reason
    # Whatever is created from a replaced resource (its ARN in a create-only property) goes too.
    grew = True
    while grew:
        grew = False
        for logical_id in common:
            if logical_id not in replaced:
                reason = _cascaded(head.resources[logical_id], replaced)
                if reason:
                    replaced[logical_id] = reason
                    grew = True
    return replaced


def _own_replacement(before: Resource, after: Resource, rename: Mapping[str, str]) -> str:
    if before.type != after.type:
        return f"its type changed from `{before.type}`"
    for name in sorted(REPLACING.get(after.type, ())):
        if normalize(before.properties.get(name), rename) != normalize(after.properties.get(name)):
            return f"create-only property `{name}` changed"
    return ""


def _cascaded(resource: Resource, replaced: Mapping[str, str]) -> str:
    for name in sorted(REPLACING.get(resource.type, ())):
        hits = sorted(set(references(resource.properties.get(name))) & set(replaced))
        if hits:
            return f"`{name}` refers to `{hits[0]}`, which is replaced"
    return ""


def normalize(
    value: object, rename: Mapping[str, str] | None = None, *, mask: bool = True
) -> object:
    """A value with asset hashes masked and renamed logical ids mapped to their new names."""
    rename = rename or {}
    if isinstance(value, str):
        masked = _ASSET_HASH.sub("<asset-hash>", value) if mask else value
        for old, new in rename.items():
            # `${Id}` or `${Id.Attr}` in Fn::Sub; a longer id that merely starts with Id stays.
            masked = re.sub(r"\$\{" + re.escape(old) + r"(?=[.}])", "${" + new, masked)
        return masked
    if isinstance(value, list):
        return [normalize(item, rename, mask=mask) for item in value]
    if isinstance(value, Mapping):
        if set(value) == {"Ref"} and value["Ref"] in rename:
            return {"Ref": rename[value["Ref"]]}
        return {
            key: _renamed_att(item, rename, mask)
            if key == "Fn::GetAtt"
            else normalize(item, rename, mask=mask)
            for key, item in value.items()
        }
    return value


def _renamed_att(argument: object, rename: Mapping[str, str], mask: bool = True) -> object:
    if isinstance(argument, list) and argument and isinstance(argument[0], str):
        return [rename.get(argument[0], argument[0]), *argument[1:]]
    return normalize(argument, rename, mask=mask)


def comparable(
    resource: Resource, rename: Mapping[str, str] | None = None, *, mask: bool = True
) -> dict[str, object]:
    """The parts of a resource a deploy acts on, plus its cdk-nag suppressions (reviewed text)."""
    rename = rename or {}
    shown: dict[str, object] = {
        key: normalize(resource.raw[key], rename, mask=mask)
        for key in COMPARED_ATTRIBUTES
        if key in resource.raw
    }
    if "DependsOn" in shown:
        shown["DependsOn"] = sorted(rename.get(d, d) for d in resource.depends_on)
    nag = resource.metadata.get("cdk_nag")
    if nag is not None:
        shown["Metadata.cdk_nag"] = nag
    return shown


def _compare_resource(
    result: StackDiff,
    before: Resource,
    after: Resource,
    rename: Mapping[str, str],
    replaced_because: str,
) -> None:
    old, new = comparable(before, rename), comparable(after)
    changes = tuple(property_changes(old, new))
    if changes or replaced_because:
        result.changed.append(
            ResourceChange(
                logical_id=after.logical_id,
                type=after.type,
                name=render(after.properties.get("Name", "")),
                changes=changes,
                replaced_because=replaced_because,
                kept_on_replace=after.update_replace_policy != "Delete",
            )
        )
    elif comparable(before, rename, mask=False) != comparable(after, mask=False):
        # Only an asset hash differs. A resource that merely refers to a re-created one (a
        # pause schedule naming a recommender's new wait) is unchanged, not listed here.
        result.asset_only.append(after.logical_id)


def property_changes(before: object, after: object, path: str = "") -> list[PropertyChange]:
    """Leaf-level differences, as paths a reviewer can find in the template."""
    if before == after:
        return []
    if _is_container(before) and _is_container(after):
        assert isinstance(before, Mapping)
        assert isinstance(after, Mapping)
        found = []
        for key in sorted(set(before) | set(after)):
            sub = f"{path}.{key}" if path else key
            found += property_changes(before.get(key, _ABSENT), after.get(key, _ABSENT), sub)
        return found
    if isinstance(before, list) and isinstance(after, list):
        if len(before) == len(after):
            found = []
            for index, (old, new) in enumerate(zip(before, after, strict=True)):
                found += property_changes(old, new, f"{path}[{index}]")
            return found
        return _list_changes(before, after, path)
    return [PropertyChange(path, _shown(before), _shown(after))]


_ABSENT = object()


def _is_container(value: object) -> bool:
    """A plain object to descend into; an intrinsic function is compared as one value."""
    if not isinstance(value, Mapping):
        return False
    if len(value) != 1:
        return True
    name = str(next(iter(value)))
    return not (name in ("Ref", "Condition") or name.startswith("Fn::"))


def _list_changes(before: list[object], after: list[object], path: str) -> list[PropertyChange]:
    def key(item: object) -> str:
        return json.dumps(item, sort_keys=True)

    old_keys, new_keys = [key(i) for i in before], [key(i) for i in after]
    found = [PropertyChange(f"{path}[-]", render(i), "") for i in before if key(i) not in new_keys]
    found += [PropertyChange(f"{path}[+]", "", render(i)) for i in after if key(i) not in old_keys]
    return found


def _shown(value: object) -> str:
    return ABSENT if value is _ABSENT else render(value)


def _output_changes(
    base: Template, head: Template, rename: Mapping[str, str]
) -> list[PropertyChange]:
    old = _outputs(base)
    new = _outputs(head)
    return property_changes(normalize(old, rename), normalize(new))


def _outputs(template: Template) -> dict[str, object]:
    outputs = template.body.get("Outputs")
    return dict(outputs) if isinstance(outputs, Mapping) else {}


def warnings(result: StackDiff) -> list[str]:
    """Loud lines for what can lose data or hit a live recommender."""
    lines = []
    for resource in result.removed:
        if resource.type in STATEFUL_REPLACING:
            lines.append(_removed_warning(resource, result))
    for change in result.changed:
        if change.stateful and change.replaced_because:
            fate = (
                "kept in the account, orphaned (UpdateReplacePolicy Retain)"
                if change.kept_on_replace
                else "deleted with its data"
            )
            lines.append(
                f"STATEFUL REPLACEMENT: `{change.logical_id}` ({change.type}) is replaced because "
                f"{change.replaced_because}; the old one is {fate}"
            )
    for pair in result.recreated:
        lines += _recreated_warning(pair)
    lines += _moved_recommender_warnings(result)
    lines += [_refused_recommender(change) for change in result.changed if refuses_adoption(change)]
    return lines


def refuses_adoption(change: ResourceChange) -> bool:
    """A recommender that needs replacing under the same name: the handler will not adopt it."""
    renamed = any(c.path == "Properties.Name" for c in change.changes)
    return change.type == RECOMMENDER_TYPE and bool(change.replaced_because) and not renamed


def _refused_recommender(change: ResourceChange) -> str:
    return (
        f"RECOMMENDER UPDATE WILL FAIL: `{change.name}` needs a new recommender because "
        f"{change.replaced_because}, under the same name; the handler refuses the existing one"
    )


def _moved_recommender_warnings(result: StackDiff) -> list[str]:
    """A recommender under a new logical id with an old one's name (construct renamed)."""
    added = {
        render(r.properties.get("Name")): r for r in result.added if r.type == RECOMMENDER_TYPE
    }
    return [
        _recommender_risk(old, added[render(old.properties.get("Name"))])
        for old in result.removed
        if old.type == RECOMMENDER_TYPE and render(old.properties.get("Name")) in added
    ]


def _recommender_risk(old: Resource, new: Resource) -> str:
    # The handler adopts an existing recommender by name, so the new id takes over the same ARN,
    # and CloudFormation's clean-up Delete of the old id then deletes that very recommender.
    return (
        f"RECOMMENDER AT RISK: `{old.logical_id}` → `{new.logical_id}` keeps the name "
        f"`{render(new.properties.get('Name'))}`; the clean-up of the old logical id deletes "
        "the recommender the new one adopted"
    )


def _fate_when_removed(resource: Resource) -> str:
    if resource.deletion_policy != "Delete":
        return f"kept in the account, orphaned (DeletionPolicy {resource.deletion_policy})"
    return "deleted with its data"


def _removed_warning(resource: Resource, result: StackDiff) -> str:
    successors = [r.logical_id for r in result.added if r.type == resource.type]
    fate = _fate_when_removed(resource)
    if successors:
        names = ", ".join(f"`{s}`" for s in successors)
        return (
            f"STATEFUL REPLACEMENT: `{resource.logical_id}` ({resource.type}) is removed and "
            f"{names} of the same type added: a logical id change; the old one is {fate}"
        )
    return f"STATEFUL REMOVAL: `{resource.logical_id}` ({resource.type}) is {fate}"


def _recreated_warning(pair: Recreated) -> list[str]:
    old, new = pair.before, pair.after
    if old.type in STATEFUL_REPLACING:
        return [
            f"STATEFUL REPLACEMENT: `{old.logical_id}` → `{new.logical_id}` ({old.type}): "
            f"logical id changed; CloudFormation creates a new, empty one and the old one is "
            f"{_fate_when_removed(old)}"
        ]
    if old.type == RECOMMENDER_TYPE and old.properties.get("Name") == new.properties.get("Name"):
        return [_recommender_risk(old, new)]
    return []
