"""Loading synthesized templates, and the few typed views of a resource every report needs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from review.errors import ReviewError, read_json

TEMPLATE_SUFFIX = ".template.json"
# Resources CDK adds to every stack that say nothing about this app.
NOISE_TYPES = frozenset({"AWS::CDK::Metadata"})


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    properties: Mapping[str, Any]
    raw: Mapping[str, Any]

    @property
    def metadata(self) -> Mapping[str, Any]:
        value = self.raw.get("Metadata")
        return value if isinstance(value, Mapping) else {}

    @property
    def construct_path(self) -> str:
        path = self.metadata.get("aws:cdk:path")
        return path if isinstance(path, str) else ""

    @property
    def deletion_policy(self) -> str:
        # CloudFormation's default when the attribute is absent.
        policy = self.raw.get("DeletionPolicy")
        return policy if isinstance(policy, str) else "Delete"

    @property
    def update_replace_policy(self) -> str:
        policy = self.raw.get("UpdateReplacePolicy")
        return policy if isinstance(policy, str) else "Delete"

    @property
    def depends_on(self) -> tuple[str, ...]:
        value = self.raw.get("DependsOn")
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list):
            return tuple(v for v in value if isinstance(v, str))
        return ()


@dataclass(frozen=True)
class Template:
    stack: str
    source: Path
    body: Mapping[str, Any]
    resources: Mapping[str, Resource]

    def of_type(self, *types: str) -> Iterator[Resource]:
        """Resources of these types by logical id: reports must not depend on dict order."""
        for logical_id in sorted(self.resources):
            resource = self.resources[logical_id]
            if resource.type in types:
                yield resource

    def sorted_resources(self) -> Iterator[Resource]:
        for logical_id in sorted(self.resources):
            yield self.resources[logical_id]


def stack_name(path: Path) -> str:
    return path.name.removesuffix(TEMPLATE_SUFFIX)


def load_template(path: Path) -> Template:
    return parse_template(path, read_json(path, "template"))


def parse_template(path: Path, body: object) -> Template:
    """A template from its parsed JSON; `path` names the stack and appears in every error."""
    if not isinstance(body, dict):
        raise ReviewError(f"{path}: a template is a JSON object, got {type(body).__name__}")
    raw_resources = body.get("Resources")
    if not isinstance(raw_resources, dict) or not raw_resources:
        raise ReviewError(f"{path}: no 'Resources' object; is this a CloudFormation template?")
    return Template(
        stack=stack_name(path),
        source=path,
        body=body,
        resources={
            logical_id: _resource(path, logical_id, raw)
            for logical_id, raw in raw_resources.items()
            if not (isinstance(raw, dict) and raw.get("Type") in NOISE_TYPES)
        },
    )


def _resource(path: Path, logical_id: str, raw: object) -> Resource:
    if not isinstance(raw, dict) or not isinstance(raw.get("Type"), str):
        raise ReviewError(f"{path}: resource {logical_id!r} has no 'Type' string")
    properties = raw.get("Properties", {})
    if not isinstance(properties, dict):
        raise ReviewError(f"{path}: resource {logical_id!r} has 'Properties' that is not an object")
    return Resource(logical_id=logical_id, type=raw["Type"], properties=properties, raw=raw)


def load_templates(directory: Path) -> dict[str, Template]:
    """Every `<stack>.template.json` in a cloud assembly directory, by stack name."""
    if not directory.is_dir():
        raise ReviewError(f"{directory}: templates directory not found (run `make synth` first?)")
    paths = sorted(directory.glob(f"*{TEMPLATE_SUFFIX}"))
    if not paths:
        raise ReviewError(f"{directory}: no *{TEMPLATE_SUFFIX} files (run `make synth` first?)")
    return {stack_name(path): load_template(path) for path in paths}


def empty_template(stack: str, source: Path) -> Template:
    """No resources and no outputs: the other side of a stack that exists on one side only."""
    return Template(stack=stack, source=source, body={}, resources={})
