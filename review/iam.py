"""Who can act in a stack: each IAM role, who may assume it, and what it is granted on what.

Grants come from a role's inline `Policies`, from `AWS::IAM::Policy`/`ManagedPolicy` resources
attached through `Roles`, and from `ManagedPolicyArns`. Resource policies (bucket policies and
the like) grant to principals too, so they are listed beside the roles.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from review.intrinsics import references, render, render_list
from review.template import Resource, Template

ROLE_TYPE = "AWS::IAM::Role"
ATTACHED_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")


@dataclass(frozen=True)
class Statement:
    effect: str
    principals: tuple[str, ...]
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[str, ...]
    source: str

    @property
    def broad(self) -> tuple[str, ...]:
        """Why a reviewer should look twice at an Allow: a `*` resource or a wildcard action."""
        if self.effect != "Allow":
            return ()
        notes = []
        if "*" in self.resources:
            notes.append("any resource (`*`)")
        if any("*" in action for action in self.actions):
            notes.append("wildcard action")
        return tuple(notes)


@dataclass(frozen=True)
class Role:
    logical_id: str
    construct_path: str
    trust: tuple[Statement, ...]
    grants: tuple[Statement, ...]
    managed_policies: tuple[str, ...]
    used_by: tuple[str, ...]


@dataclass(frozen=True)
class ResourcePolicy:
    logical_id: str
    type: str
    target: str
    statements: tuple[Statement, ...]


def roles(template: Template) -> list[Role]:
    attached = _attached_statements(template)
    return [
        Role(
            logical_id=role.logical_id,
            construct_path=role.construct_path,
            trust=tuple(_statements(role.properties.get("AssumeRolePolicyDocument"), "trust")),
            grants=tuple(_inline_grants(role)) + tuple(attached.get(role.logical_id, ())),
            managed_policies=_managed(role),
            used_by=tuple(_users_of(template, role.logical_id)),
        )
        for role in template.of_type(ROLE_TYPE)
    ]


def resource_policies(template: Template) -> list[ResourcePolicy]:
    policies = []
    for resource in template.sorted_resources():
        if resource.type in ATTACHED_POLICY_TYPES or resource.type == ROLE_TYPE:
            continue
        document = resource.properties.get("PolicyDocument")
        if document is None:
            continue
        target = next(
            (render(v) for k, v in sorted(resource.properties.items()) if k != "PolicyDocument"),
            "",
        )
        statements = tuple(_statements(document, resource.logical_id))
        policies.append(ResourcePolicy(resource.logical_id, resource.type, target, statements))
    return policies


def _managed(role: Resource) -> tuple[str, ...]:
    arns = role.properties.get("ManagedPolicyArns")
    return tuple(sorted(render_list(arns))) if arns else ()


def _inline_grants(role: Resource) -> Iterator[Statement]:
    inline = role.properties.get("Policies", [])
    for policy in inline if isinstance(inline, list) else []:
        if isinstance(policy, Mapping):
            name = render(policy.get("PolicyName", "?"))
            yield from _statements(policy.get("PolicyDocument"), f"inline `{name}`")


def _attached_statements(template: Template) -> dict[str, list[Statement]]:
    """Statements of policy resources, keyed by the role they attach to (logical id or name)."""
    by_role: dict[str, list[Statement]] = {}
    for policy in template.of_type(*ATTACHED_POLICY_TYPES):
        statements = list(_statements(policy.properties.get("PolicyDocument"), policy.logical_id))
        attached_roles = policy.properties.get("Roles", [])
        for role in attached_roles if isinstance(attached_roles, list) else []:
            key = _role_key(role)
            by_role.setdefault(key, []).extend(statements)
    return by_role


def external_roles(template: Template) -> list[str]:
    """Roles that policies here attach to but that this template does not define."""
    defined = {role.logical_id for role in template.of_type(ROLE_TYPE)}
    return sorted(set(_attached_statements(template)) - defined)


def _role_key(value: object) -> str:
    if isinstance(value, Mapping) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        return value["Ref"]
    return render(value)


def _users_of(template: Template, role_id: str) -> Iterator[str]:
    """Resources that run as the role or hand it on; a policy naming it as principal is a grant."""
    for resource in template.sorted_resources():
        if resource.type in ATTACHED_POLICY_TYPES or resource.logical_id == role_id:
            continue
        properties = {k: v for k, v in resource.properties.items() if k != "PolicyDocument"}
        if role_id in set(references(properties)):
            yield f"{resource.logical_id} ({resource.type})"


def _statements(document: object, source: str) -> Iterator[Statement]:
    if not isinstance(document, Mapping):
        return
    raw = document.get("Statement", [])
    for statement in raw if isinstance(raw, list) else [raw]:
        if isinstance(statement, Mapping):
            yield _statement(statement, source)


def _statement(statement: Mapping[str, object], source: str) -> Statement:
    actions = _negatable(statement, "Action")
    resources = _negatable(statement, "Resource")
    return Statement(
        effect=render(statement.get("Effect", "?")),
        principals=tuple(principal_list(statement)),
        actions=tuple(sorted(actions)),
        resources=tuple(sorted(resources)),
        conditions=tuple(condition_list(statement.get("Condition"))),
        source=source,
    )


def _negatable(statement: Mapping[str, object], key: str) -> list[str]:
    if key in statement:
        return render_list(statement[key])
    if f"Not{key}" in statement:
        return [f"NOT {item}" for item in render_list(statement[f"Not{key}"])]
    return []


def principal_list(statement: Mapping[str, object]) -> list[str]:
    negated = "NotPrincipal" in statement
    principal = statement.get("NotPrincipal" if negated else "Principal")
    prefix = "NOT " if negated else ""
    if principal is None:
        return []
    if not isinstance(principal, Mapping):
        return [f"{prefix}{render(principal)}"]
    return [
        f"{prefix}{kind} {value}"
        for kind in sorted(principal)
        for value in sorted(render_list(principal[kind]))
    ]


def condition_list(condition: object) -> list[str]:
    """`{"StringEquals": {"aws:SourceAccount": X}}` as `StringEquals aws:SourceAccount = X`."""
    if not isinstance(condition, Mapping):
        return [] if condition is None else [render(condition)]
    lines = []
    for operator in sorted(condition):
        tests = condition[operator]
        if not isinstance(tests, Mapping):
            lines.append(f"{operator} {render(tests)}")
            continue
        for key in sorted(tests):
            values = render_list(tests[key])
            shown = values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"
            lines.append(f"{operator} {key} = {shown}")
    return lines
