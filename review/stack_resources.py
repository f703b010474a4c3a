"""What a stack sets up for Personalize: recommenders, data locations, waits, what destroy keeps."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from personalize_constructs.resource_kinds import DATASET_IMPORT, RECOMMENDER
from personalize_domain.filters.grammar import FilterSyntaxError, Parameter, parse
from personalize_domain.stack_outputs import EXPECTED_ACTIVE_USERS_METADATA
from personalize_domain.use_cases import USE_CASES
from review.intrinsics import references, render, render_list
from review.template import Resource, Template

RECOMMENDER_TYPE = RECOMMENDER.resource_type
IMPORT_TYPE = DATASET_IMPORT.resource_type
_REC_DEFAULTS = RECOMMENDER.defaults
BUCKET_DEPLOYMENT_TYPE = "Custom::CDKBucketDeployment"
WAIT_CONDITION_TYPE = "AWS::CloudFormation::WaitCondition"
BUCKET_TYPE = "AWS::S3::Bucket"
KEPT_POLICIES = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})
_ASSET_KEY = re.compile(r"^([0-9a-f]{64})\.(zip|json)$")


@dataclass(frozen=True)
class Recommender:
    logical_id: str
    name: str
    recipe_arn: str
    use_case: str
    min_rps_text: str
    exploration_weight: str
    exploration_item_age_cut_off: str
    state: str
    # Item metadata returned with recommendations (billed extra by Personalize).
    metadata: bool = False
    # "excluded ITEMS: ADULT, GENDER"-style text; empty when it trains on every column.
    training_columns: str = ""

    @property
    def min_rps(self) -> int | None:
        """The configured minimum, or None when it is not a literal integer (an intrinsic)."""
        return int(self.min_rps_text) if self.min_rps_text.isdigit() else None

    @property
    def running(self) -> bool:
        return self.state.lower() != "stopped"


def recommenders(template: Template) -> list[Recommender]:
    return [recommender(resource) for resource in template.of_type(RECOMMENDER_TYPE)]


def recommender(resource: Resource) -> Recommender:
    """One recommender custom resource, with the handler's defaults for what it leaves out."""
    props = resource.properties
    name = render(props.get("Name", ""))
    recipe = render(props.get("RecipeArn", ""))
    return Recommender(
        logical_id=resource.logical_id,
        name=name,
        recipe_arn=recipe,
        use_case=use_case_of(recipe, name),
        min_rps_text=render(
            props.get(
                "MinRecommendationRequestsPerSecond",
                _REC_DEFAULTS["MinRecommendationRequestsPerSecond"],
            )
        ),
        exploration_weight=render(
            props.get("ExplorationWeight", _REC_DEFAULTS["ExplorationWeight"])
        ),
        exploration_item_age_cut_off=render(props.get("ExplorationItemAgeCutOff", "")),
        state=render(props.get("State", _REC_DEFAULTS["State"])),
        metadata=render(
            props.get(
                "EnableMetadataWithRecommendations",
                _REC_DEFAULTS["EnableMetadataWithRecommendations"],
            )
        )
        == "true",
        training_columns=training_columns_text(
            render(props.get("TrainingDataConfig", _REC_DEFAULTS["TrainingDataConfig"]))
        ),
    )


def training_columns_text(raw: str) -> str:
    """The TrainingDataConfig property for people: `excluded ITEMS: ADULT, GENDER`."""
    if not raw:
        return ""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(parsed, dict):
        return raw
    parts = []
    for member, by_type in sorted(parsed.items()):
        verb = member.removesuffix("DatasetColumns")
        for dataset_type, columns in sorted((by_type or {}).items()):
            parts.append(f"{verb} {dataset_type}: {', '.join(columns)}")
    return "; ".join(parts)


def use_case_of(recipe_arn: str, name: str) -> str:
    """The catalogue's name for the recipe, else for the name's use-case key, else the recipe's."""
    for use_case in USE_CASES.values():
        if use_case.recipe_arn == recipe_arn:
            return use_case.console_name
    for key in sorted(USE_CASES, key=len, reverse=True):
        if name.endswith(f"-{key}"):
            return USE_CASES[key].console_name
    recipe = recipe_arn.rsplit("/", 1)[-1]
    words = re.sub(r"^aws-(ecomm|vod)-", "", recipe).replace("-", " ").strip()
    return words.capitalize() if words else "unknown"


FILTER_TYPE = "AWS::Personalize::Filter"


@dataclass(frozen=True)
class Filter:
    logical_id: str
    name: str
    expression: str
    # Parameters a request must give a value ($NAME of an INCLUDE part), then the others.
    required: tuple[str, ...]
    optional: tuple[str, ...]


def filters(template: Template) -> list[Filter]:
    found = []
    for resource in template.of_type(FILTER_TYPE):
        expression = render(resource.properties.get("FilterExpression", ""))
        required, optional = _parameters(expression)
        found.append(
            Filter(
                logical_id=resource.logical_id,
                name=render(resource.properties.get("Name", "")),
                expression=expression,
                required=required,
                optional=optional,
            )
        )
    return sorted(found, key=lambda f: f.name)


def _parameters(expression: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        parsed = parse(expression)
    except FilterSyntaxError:
        return (), ()
    required: list[str] = []
    optional: list[str] = []
    for part in parsed.filters:
        for condition in (*part.conditions, *part.if_conditions):
            for value in condition.values:
                if isinstance(value, Parameter):
                    bucket = required if part.action == "INCLUDE" else optional
                    if value.name not in required and value.name not in bucket:
                        bucket.append(value.name)
    return tuple(required), tuple(p for p in optional if p not in required)


@dataclass(frozen=True)
class DatasetImport:
    logical_id: str
    dataset: str
    location: str
    mode: str


def dataset_imports(template: Template) -> list[DatasetImport]:
    return [
        DatasetImport(
            logical_id=resource.logical_id,
            dataset=render(resource.properties.get("DatasetArn", "")),
            location=render(resource.properties.get("DataLocation", "")),
            mode=render(
                resource.properties.get("ImportMode", DATASET_IMPORT.defaults["ImportMode"])
            ),
        )
        for resource in template.of_type(IMPORT_TYPE)
    ]


@dataclass(frozen=True)
class FileCopy:
    logical_id: str
    destination: str
    sources: tuple[str, ...]
    prune: str
    retain_on_delete: str
    size_bytes: int | None


def file_copies(template: Template) -> list[FileCopy]:
    """BucketDeployments: the files `cdk deploy` copies into a bucket, and their unpacked size."""
    copies = []
    for resource in template.of_type(BUCKET_DEPLOYMENT_TYPE):
        props = resource.properties
        bucket = render(props.get("DestinationBucketName", ""))
        prefix = render(props.get("DestinationBucketKeyPrefix", ""))
        keys = render_list(props.get("SourceObjectKeys", []))
        copies.append(
            FileCopy(
                logical_id=resource.logical_id,
                destination=f"s3://{bucket}/{prefix}".rstrip("/") + "/",
                sources=tuple(_asset_label(key) for key in keys),
                prune=render(props.get("Prune", True)),
                retain_on_delete=render(props.get("RetainOnDelete", True)),
                size_bytes=_assets_size(template.source.parent, keys),
            )
        )
    return copies


def _asset_label(key: str) -> str:
    match = _ASSET_KEY.match(key)
    return f"asset {match.group(1)[:12]}" if match else key


def _assets_size(assembly: Path, keys: list[str]) -> int | None:
    """Unpacked size of the assets, read from the cloud assembly; None when it is not there."""
    total = 0
    for key in keys:
        match = _ASSET_KEY.match(key)
        if match is None:
            return None
        size = _asset_size(assembly / f"asset.{match.group(1)}", assembly / f"asset.{key}")
        if size is None:
            return None
        total += size
    return total


@cache
def _asset_size(directory: Path, archive: Path) -> int | None:
    if directory.is_dir():
        return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())
    if archive.is_file():
        with zipfile.ZipFile(archive) as zipped:
            return sum(info.file_size for info in zipped.infolist())
    return None


@dataclass(frozen=True)
class AccessLog:
    bucket: str
    destination: str


def access_logs(template: Template) -> list[AccessLog]:
    logs = []
    for bucket in template.of_type(BUCKET_TYPE):
        config = bucket.properties.get("LoggingConfiguration")
        if isinstance(config, dict):
            destination = render(config.get("DestinationBucketName", ""))
            prefix = render(config.get("LogFilePrefix", ""))
            logs.append(AccessLog(f"<{bucket.logical_id}>", f"s3://{destination}/{prefix}"))
    return logs


@dataclass(frozen=True)
class Wait:
    logical_id: str
    timeout_seconds: int
    waits_for: tuple[str, ...]


def waits(template: Template) -> list[Wait]:
    return [
        Wait(
            logical_id=resource.logical_id,
            timeout_seconds=_seconds(resource.properties.get("Timeout")),
            waits_for=resource.depends_on,
        )
        for resource in template.of_type(WAIT_CONDITION_TYPE)
    ]


def _seconds(value: object) -> int:
    text = render(value)
    return int(text) if text.isdigit() else 0


def service_timeouts(template: Template) -> dict[str, int]:
    """Custom resource type → longest `ServiceTimeout`: CloudFormation's cap per handler call."""
    timeouts: dict[str, int] = {}
    for resource in template.sorted_resources():
        if resource.type.startswith("Custom::") and "ServiceTimeout" in resource.properties:
            seconds = _seconds(resource.properties["ServiceTimeout"])
            timeouts[resource.type] = max(seconds, timeouts.get(resource.type, 0))
    return timeouts


def longest_wait_chain(template: Template) -> tuple[int, tuple[str, ...]]:
    """The worst case before CloudFormation gives up: WaitCondition timeouts along one dependency
    chain (waits that depend on each other add up; independent ones run side by side)."""
    wait_seconds = {wait.logical_id: wait.timeout_seconds for wait in waits(template)}
    best: dict[str, tuple[int, tuple[str, ...]]] = {}

    def chain(logical_id: str) -> tuple[int, tuple[str, ...]]:
        if logical_id not in best:
            best[logical_id] = (0, ())  # Guards against a cycle in a malformed template.
            upstream = max(
                (chain(dep) for dep in _dependencies(template, logical_id)),
                default=(0, ()),
                key=lambda found: (found[0], found[1]),
            )
            own = wait_seconds.get(logical_id, 0)
            path = (*upstream[1], logical_id) if own else upstream[1]
            best[logical_id] = (upstream[0] + own, path)
        return best[logical_id]

    return max(
        (chain(logical_id) for logical_id in sorted(template.resources)),
        default=(0, ()),
        key=lambda found: (found[0], found[1]),
    )


def _dependencies(template: Template, logical_id: str) -> list[str]:
    resource = template.resources[logical_id]
    found = set(resource.depends_on) | set(references(dict(resource.properties)))
    return sorted(dep for dep in found if dep in template.resources)


def kept_on_destroy(template: Template) -> list[Resource]:
    """Resources `cdk destroy` leaves behind (DeletionPolicy Retain and kin)."""
    return [r for r in template.sorted_resources() if r.deletion_policy in KEPT_POLICIES]


def expected_active_users(template: Template) -> int | None:
    """The environment's `expectedActiveUsers`, written into the template's metadata."""
    metadata = template.body.get("Metadata")
    entry = metadata.get(EXPECTED_ACTIVE_USERS_METADATA) if isinstance(metadata, dict) else None
    value = entry.get("expectedActiveUsers") if isinstance(entry, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
