"""Typed, validated per-environment configuration, built once from CDK context in `app.py`.

cdk.json holds an `environments` block; any value can be overridden with `-c <env>.<path>=value`
(or `-c <path>=value` together with `-c env=<name>`). Values given with `-c` arrive as strings
(aws-cdk#20245), so every leaf is parsed here. All problems are collected and reported together,
each naming the context key, the value received and what is allowed.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from personalize_domain.batch_config import (
    BATCH_KEY,
    BatchSolutionConfig,
    build_batch,
    has_schedule,
)
from personalize_domain.filters.checks import Finding, check_filters
from personalize_domain.filters.names import FILTER_KEY_MAX, FILTER_KEY_PATTERN
from personalize_domain.monitoring_config import (
    ENV_BLOCKS,
    AlertsConfig,
    Invalid,
    MetricAttributionConfig,
    build_alerts,
    build_metric_attribution,
)
from personalize_domain.s3_uri import is_s3_uri, s3_uri_problems, split_s3_uri
from personalize_domain.schemas import SCHEMAS_DIR, DatasetSchema, DatasetType, load_schema
from personalize_domain.stack_outputs import filter_arn_output
from personalize_domain.use_cases import USE_CASES, UseCase

ENVIRONMENTS_KEY = "environments"
ENV_SELECTOR_KEY = "env"
# `cdk destroy` synthesizes the app too; with this key no data file is read or even looked for.
DESTROY_ONLY_KEY = "destroyOnly"
# Keys the CDK CLI itself keeps in cdk.json or cdk.context.json without a ':' or '/' in them
# (`cdk cli-telemetry`, `cdk acknowledge`); every other unknown key is refused.
CDK_CLI_KEYS = frozenset({"cli-telemetry", "acknowledged-issue-numbers"})

# Leaves the generated names (`<prefix>-<dataset>-<hash>`) inside Personalize's 63 characters.
NAME_PREFIX_MAX = 24
_NAME_PREFIX_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]*$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")


class ConfigError(ValueError):
    """Context is invalid; `problems` lists one human-readable line per bad key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "Invalid CDK context (cdk.json or -c):\n" + "\n".join(f"  - {p}" for p in problems)
        )


class RecommenderState(StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"


class ImportMode(StrEnum):
    FULL = "FULL"
    INCREMENTAL = "INCREMENTAL"


# A cost guard: each recommender is billed per hour at its minimum requests per second at least,
# so a value above this cap fails synth unless the environment raises its cap on purpose.
DEFAULT_MAX_MIN_RPS = 100
# Personalize's minRecommendationRequestsPerSecond is a 32-bit integer.
MAX_MIN_RPS_CAP = 2**31 - 1

# CloudFormation's WaitCondition allows at most 12 hours.
MAX_READINESS_HOURS = 12
DEFAULT_READINESS_HOURS = 6


@dataclass(frozen=True)
class RunningHours:
    """When recommenders run; outside these hours a schedule stops them (billing paused)."""

    start: str  # "HH:MM"
    stop: str  # "HH:MM"
    days: str  # cron day-of-week field, e.g. "MON-FRI"
    timezone: str  # IANA name, e.g. "Europe/Madrid"

    def cron(self, hh_mm: str) -> str:
        hours, minutes = hh_mm.split(":")
        return f"cron({int(minutes)} {int(hours)} ? * {self.days} *)"


@dataclass(frozen=True)
class TrainingDataConfig:
    """Columns a recommender trains on: excluded from, or the only ones included of, a dataset.

    Each is a tuple of (dataset type, columns). A column left out of training can still filter.
    """

    excluded: tuple[tuple[DatasetType, tuple[str, ...]], ...] = ()
    included: tuple[tuple[DatasetType, tuple[str, ...]], ...] = ()

    def api_shape(self) -> dict[str, dict[str, list[str]]]:
        """RecommenderConfig.trainingDataConfig as CreateRecommender takes it."""
        shape: dict[str, dict[str, list[str]]] = {}
        for member, entries in (
            ("excludedDatasetColumns", self.excluded),
            ("includedDatasetColumns", self.included),
        ):
            if entries:
                shape[member] = {t.value.upper(): list(columns) for t, columns in entries}
        return shape


@dataclass(frozen=True)
class RecommenderConfig:
    use_case: UseCase
    min_recommendation_requests_per_second: int = 1
    # None means "not set": Personalize then applies its defaults (0.3 and 30 days).
    exploration_weight: float | None = None
    exploration_item_age_cut_off_days: int | None = None
    state: RecommenderState = RecommenderState.RUNNING
    # Item metadata with each recommendation (GetRecommendations metadataColumns); billed extra.
    enable_metadata_with_recommendations: bool = False
    training_data: TrainingDataConfig | None = None


@dataclass(frozen=True)
class FilterConfig:
    """`filters.<name>`: a Personalize filter of the environment's dataset group."""

    name: str
    expression: str


@dataclass(frozen=True)
class DatasetConfig:
    dataset_type: DatasetType
    # A path relative to the project root, or an existing s3:// URI.
    source: str
    skip_validation: bool = False
    # The readiness workflow validates the s3:// object with Athena before importing it.
    validate_in_s3: bool = False

    @property
    def is_s3_uri(self) -> bool:
        return is_s3_uri(self.source)

    def local_path(self, root: Path) -> Path:
        """The absolute file a local source names: `~` expanded, a relative path from `root`."""
        return (root / Path(self.source).expanduser()).resolve()


@dataclass(frozen=True)
class EnvironmentConfig:
    name: str
    name_prefix: str
    account: str | None
    region: str | None
    data_disposable: bool
    datasets: tuple[DatasetConfig, ...]
    recommenders: tuple[RecommenderConfig, ...]
    # Mode of the imports that follow a changed data file; the first import is always FULL.
    import_mode: ImportMode = ImportMode.FULL
    # How long `cdk deploy` waits for an import or a training before failing.
    readiness_timeout_hours: int = DEFAULT_READINESS_HOURS
    # An event tracker lets the shop's backend stream interactions (PutEvents).
    event_tracker: bool = False
    # None: recommenders follow only their configured state.
    running_hours: RunningHours | None = None
    # CloudFormation refuses to delete the stack until it is turned off.
    termination_protection: bool = False
    # Active users the shop expects: they choose the recommender price tier in the review.
    expected_active_users: int | None = None
    # `personalize-shop validate --engine athena`: where Athena runs the validation queries.
    athena_workgroup: str = "primary"
    athena_results_location: str | None = None
    # Alarm thresholds and the alert e-mail (monitoring_config.py); None: revenue not attributed.
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    metric_attribution: MetricAttributionConfig | None = None
    filters: tuple[FilterConfig, ...] = ()
    # Custom solutions for batch recommendations (personalize_domain/batch_config.py).
    batch: tuple[BatchSolutionConfig, ...] = ()

    def dataset(self, dataset_type: DatasetType) -> DatasetConfig | None:
        return next((d for d in self.datasets if d.dataset_type is dataset_type), None)


@dataclass(frozen=True)
class AppConfig:
    environments: tuple[EnvironmentConfig, ...]
    # The subset `cdk synth/deploy` acts on: all, or the one named by `-c env=<name>`.
    selected: tuple[EnvironmentConfig, ...] = field(default=())
    # `-c destroyOnly=true`: synthesize for `cdk destroy` without the data; not deployable.
    destroy_only: bool = False


# ---------------------------------------------------------------- parsing of leaf values


# One exception type for every leaf parser, ours and monitoring_config's.
_Invalid = Invalid


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _Invalid("allowed: true or false")


def _parse_positive_int(value: Any) -> int:
    """A JSON integer from cdk.json, or plain digits from -c: no sign, space, fraction, exponent."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,100}", value):
        number = int(value)
    else:
        raise _Invalid("allowed: an integer >= 1")
    if number < 1:
        raise _Invalid("allowed: an integer >= 1")
    return number


def _parse_weight(value: Any) -> float:
    allowed = "allowed: a number from 0 to 1 (e.g. 0.3)"
    if isinstance(value, bool):
        raise _Invalid(allowed)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _Invalid(allowed) from None
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise _Invalid(allowed)
    return number


def _parse_name_prefix(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not _NAME_PREFIX_RE.match(value)
        or len(value) > NAME_PREFIX_MAX
    ):
        raise _Invalid(
            f"allowed: 1-{NAME_PREFIX_MAX} characters, a letter first, then letters, digits or '-'"
        )
    return value


def _parse_account(value: Any) -> str | None:
    if value is None or value == "":
        return None
    text = str(value)
    if not _ACCOUNT_RE.match(text):
        raise _Invalid("allowed: a 12-digit AWS account id, or absent (environment-agnostic)")
    return text


def _parse_region(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _REGION_RE.match(value):
        raise _Invalid("allowed: an AWS region such as eu-west-1, or absent (environment-agnostic)")
    return value


def _parse_state(value: Any) -> RecommenderState:
    try:
        return RecommenderState(str(value).strip().lower())
    except ValueError:
        raise _Invalid("allowed: running or stopped") from None


def _parse_import_mode(value: Any) -> ImportMode:
    try:
        return ImportMode(str(value).strip().upper())
    except ValueError:
        raise _Invalid("allowed: FULL or INCREMENTAL") from None


def _parse_readiness_hours(value: Any) -> int:
    allowed = f"allowed: whole hours from 1 to {MAX_READINESS_HOURS}"
    try:
        hours = _parse_positive_int(value)
    except _Invalid:
        raise _Invalid(allowed) from None
    if hours > MAX_READINESS_HOURS:
        raise _Invalid(allowed)
    return hours


def _parse_min_rps_cap(value: Any) -> int:
    allowed = f"allowed: an integer from 1 to {MAX_MIN_RPS_CAP}"
    try:
        cap = _parse_positive_int(value)
    except _Invalid:
        raise _Invalid(allowed) from None
    if cap > MAX_MIN_RPS_CAP:
        raise _Invalid(allowed)
    return cap


def _parse_days(value: Any) -> int:
    try:
        return _parse_positive_int(value)
    except _Invalid:
        raise _Invalid("allowed: a whole number of days >= 1") from None


_HOURS_RE = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*$")
_DAYS_RE = re.compile(r"^(SUN|MON|TUE|WED|THU|FRI|SAT)([-,](SUN|MON|TUE|WED|THU|FRI|SAT))*$")


def _parse_running_hours(value: Any) -> tuple[str, str]:
    match = _HOURS_RE.match(str(value)) if isinstance(value, str) else None
    if not match or match.group(1, 2) == match.group(3, 4):
        raise _Invalid("allowed: HH:MM-HH:MM in 24-hour time, e.g. 08:00-20:00")
    return f"{match.group(1)}:{match.group(2)}", f"{match.group(3)}:{match.group(4)}"


def _parse_running_days(value: Any) -> str:
    text = str(value).strip().upper()
    if not _DAYS_RE.match(text):
        raise _Invalid("allowed: days as in cron, e.g. MON-FRI or MON,WED,FRI")
    return text


def _parse_timezone(value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise _Invalid("allowed: an IANA time zone, e.g. Europe/Madrid or UTC") from None
    return str(value)


# TrainingDataConfig in the API: at most 3 dataset types, 50 columns each, 150 characters and
# this pattern per column.
MAX_TRAINING_COLUMNS = 50
_COLUMN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,149}$")
_TRAINING_MEMBERS = {"excludedDatasetColumns": "excluded", "includedDatasetColumns": "included"}
# Personalize trains on event types: they cannot be left out (developer guide, "Configuring
# columns used when training").
NOT_EXCLUDABLE = {DatasetType.INTERACTIONS: ("EVENT_TYPE",)}


def _parse_training_data_config(value: Any) -> TrainingDataConfig:
    """`{"excludedDatasetColumns": {"items": ["COL", ...]}, "includedDatasetColumns": {...}}`,
    as an object in cdk.json or as its JSON text with -c."""
    allowed = (
        'allowed: {"excludedDatasetColumns": {"items": ["PRODUCT_DESCRIPTION"]}} and/or '
        '"includedDatasetColumns", keyed by interactions, items or users'
    )
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise _Invalid(f"not JSON; {allowed}") from None
    if not isinstance(value, Mapping) or not value:
        raise _Invalid(allowed)
    found: dict[str, tuple[tuple[DatasetType, tuple[str, ...]], ...]] = {}
    for member, columns_by_type in value.items():
        if member not in _TRAINING_MEMBERS:
            raise _Invalid(
                f"unknown key {member!r}{_suggest(member, _TRAINING_MEMBERS)}; {allowed}"
            )
        if not isinstance(columns_by_type, Mapping) or not columns_by_type:
            raise _Invalid(f"{member} must map a dataset type to a list of columns; {allowed}")
        entries = []
        for type_key, columns in columns_by_type.items():
            dataset_type = next((t for t in DatasetType if str(type_key).lower() == t.key), None)
            if dataset_type is None:
                raise _Invalid(
                    f"{member}: unknown dataset type {type_key!r}; allowed: interactions, items, "
                    "users"
                )
            if (
                not isinstance(columns, list)
                or not columns
                or len(columns) > MAX_TRAINING_COLUMNS
                or not all(isinstance(c, str) and _COLUMN_RE.match(c) for c in columns)
            ):
                raise _Invalid(
                    f"{member}.{type_key}: a list of 1-{MAX_TRAINING_COLUMNS} column names "
                    "(letters, digits and '_', not starting with a digit)"
                )
            entries.append((dataset_type, tuple(columns)))
        found[_TRAINING_MEMBERS[member]] = tuple(entries)
    return TrainingDataConfig(**found)


def _parse_expression(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(
            "allowed: a Personalize filter expression, e.g. "
            'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")'
        )
    return value


def _parse_source(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(
            "allowed: a CSV path (relative to the project root, absolute, or ~/...), or an "
            "s3:// URI"
        )
    if is_s3_uri(value):
        _check_s3_source(value)
    return value


_WORKGROUP = re.compile(r"[a-zA-Z0-9._-]{1,128}")


def _parse_workgroup(value: Any) -> str:
    if not isinstance(value, str) or not _WORKGROUP.fullmatch(value):
        raise _Invalid("allowed: an Athena workgroup name (1-128 of a-z, A-Z, 0-9, ., _, -)")
    return value


def _parse_results_location(value: Any) -> str:
    if not isinstance(value, str) or not is_s3_uri(value) or not value.endswith("/"):
        raise _Invalid("allowed: an s3://bucket/prefix/ URI ending in /")
    return value


def _check_s3_source(uri: str) -> None:
    problems = s3_uri_problems(uri)
    if problems:
        raise _Invalid(
            f"{'; '.join(problems)}; allowed: s3://<bucket>/<key>.csv, or s3://<bucket>/<folder>/ "
            "for every CSV file in that folder, the bucket named by S3's bucket naming rules"
        )


# Schema of one environment: nested dicts of leaf parsers. The keys are the context keys.
_Parser = Callable[[Any], Any]
_RECOMMENDER_FIELDS: dict[str, _Parser] = {
    "minRecommendationRequestsPerSecond": _parse_positive_int,
    "explorationWeight": _parse_weight,
    "explorationItemAgeCutOff": _parse_days,
    "state": _parse_state,
    "enableMetadataWithRecommendations": _parse_bool,
    "trainingDataConfig": _parse_training_data_config,
}
_DATASET_FIELDS: dict[str, _Parser] = {
    "source": _parse_source,
    "skipValidation": _parse_bool,
    "validateInS3": _parse_bool,
}
_ENV_FIELDS: dict[str, _Parser] = {
    "namePrefix": _parse_name_prefix,
    "account": _parse_account,
    "region": _parse_region,
    "dataDisposable": _parse_bool,
    "terminationProtection": _parse_bool,
    "importMode": _parse_import_mode,
    "readinessTimeoutHours": _parse_readiness_hours,
    "eventTracker": _parse_bool,
    "runningHours": _parse_running_hours,
    "runningDays": _parse_running_days,
    "timezone": _parse_timezone,
    "maxMinRecommendationRequestsPerSecond": _parse_min_rps_cap,
    "expectedActiveUsers": _parse_positive_int,
    "athenaWorkgroup": _parse_workgroup,
    "athenaResultsLocation": _parse_results_location,
}
_FILTER_FIELDS: dict[str, _Parser] = {
    "expression": _parse_expression,
}
# A section's members: a fixed list (dataset types, use cases), or None for names the user
# chooses (filters), checked by `_member_name_problem`.
_ENV_SECTIONS: dict[str, tuple[tuple[str, ...] | None, dict[str, _Parser]]] = {
    "datasets": (tuple(t.key for t in DatasetType), _DATASET_FIELDS),
    "recommenders": (tuple(USE_CASES), _RECOMMENDER_FIELDS),
    "filters": (None, _FILTER_FIELDS),
}
FILTER_NAME_RULE = (
    f"1-{FILTER_KEY_MAX} characters: lower-case letters and digits in words joined by '-', "
    "a letter first (e.g. exclude-purchased)"
)


# ---------------------------------------------------------------- building the config


class _Problems(list[str]):
    """Collected problems, and where each overridden value came from (to name the -c key)."""

    def __init__(self) -> None:
        super().__init__()
        self.origins: dict[str, tuple[str, Any]] = {}

    _UNSET = object()

    def subject(self, path: str, value: Any = _UNSET) -> str:
        """How a message names the key: its `-c` form when overridden (which shows the value),
        else the context key, followed by `value` when one is given."""
        if path in self.origins:
            cli_key, given = self.origins[path]
            return f"-c {cli_key}={given}"
        shown = "" if value is _Problems._UNSET else f" = {value!r}"
        return f"context key '{path}'{shown}"


def load_app_config(context: Mapping[str, Any], *, schemas_dir: Path = SCHEMAS_DIR) -> AppConfig:
    """Build and validate the configuration from the full CDK context (cdk.json plus -c values).

    Filter expressions are checked against the schemas in `schemas_dir` of the datasets each
    environment has.
    """
    problems = _Problems()
    raw_envs = context.get(ENVIRONMENTS_KEY)
    if not isinstance(raw_envs, Mapping) or not raw_envs:
        raise ConfigError(
            [
                f"context key '{ENVIRONMENTS_KEY}' is missing or empty; declare at least one "
                "environment in cdk.json (see README, 'Configuration')"
            ]
        )
    merged: dict[str, dict[str, Any]] = {
        name: _deep_copy(body) if isinstance(body, Mapping) else body
        for name, body in raw_envs.items()
    }

    selected_name = context.get(ENV_SELECTOR_KEY)
    if selected_name is not None and selected_name not in merged:
        problems.append(
            f"-c {ENV_SELECTOR_KEY}={selected_name}: unknown environment"
            f"{_suggest(str(selected_name), merged)}; allowed: {', '.join(sorted(merged))}"
        )
        selected_name = None

    _apply_overrides(context, merged, selected_name, problems)
    destroy_only = _leaf(
        DESTROY_ONLY_KEY, context.get(DESTROY_ONLY_KEY, False), _parse_bool, problems
    )

    envs: list[EnvironmentConfig] = []
    for name, body in merged.items():
        env = _build_env(name, body, problems, schemas_dir)
        if env is not None:
            envs.append(env)
    _check_unique_prefixes(envs, problems)
    _check_prefixes_do_not_overlap(envs, problems)
    if problems:
        raise ConfigError(problems)
    selected = tuple(e for e in envs if selected_name is None or e.name == selected_name)
    return AppConfig(environments=tuple(envs), selected=selected, destroy_only=bool(destroy_only))


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    return value


def _apply_overrides(
    context: Mapping[str, Any],
    merged: dict[str, dict[str, Any]],
    selected_name: str | None,
    problems: _Problems,
) -> None:
    """Apply `-c <env>.<path>=v` (and `-c <path>=v` with `-c env=`) onto the environments."""
    top_level_names = (*_ENV_FIELDS, *_ENV_SECTIONS, *ENV_BLOCKS, BATCH_KEY)
    ours = (*merged, *top_level_names, ENVIRONMENTS_KEY, ENV_SELECTOR_KEY, DESTROY_ONLY_KEY)
    for key, value in context.items():
        # CDK feature flags and CLI settings contain ':' or '/' or start with '@'; not ours.
        if key in (ENVIRONMENTS_KEY, ENV_SELECTOR_KEY, DESTROY_ONLY_KEY):
            continue
        if ":" in key or "/" in key or "@" in key:
            continue
        if key in CDK_CLI_KEYS:
            continue
        head, _, rest = key.partition(".")
        if head in merged:
            env_name, path = head, rest
        elif head in top_level_names:
            if selected_name is None:
                problems.append(
                    f"-c {key}={value}: override without an environment; write "
                    f"-c <env>.{key}=... or add -c {ENV_SELECTOR_KEY}=<env>"
                )
                continue
            env_name, path = selected_name, key
        else:
            problems.append(_unknown_key(key, value, list(merged), ours))
            continue
        if not path:
            problems.append(f"-c {key}: name a setting, e.g. -c {env_name}.namePrefix=shop-test")
            continue
        _set_path(merged[env_name], env_name, path.split("."), value, key, problems)


def _unknown_key(key: str, value: Any, environments: list[str], ours: Sequence[str]) -> str:
    """A context key that names neither an environment nor a setting: refused even when nothing
    is close, since a typo would otherwise leave the intended value silently unapplied."""
    head, dot, rest = key.partition(".")
    known = ", ".join(environments)
    if head == ENVIRONMENTS_KEY and dot:
        return f"-c {key}={value}: drop the '{ENVIRONMENTS_KEY}.' and write -c {rest}=..."
    if dot:
        return (
            f"-c {key}={value}: '{head}' is not an environment in cdk.json"
            f"{_suggest(head, environments)}; known environments: {known}"
        )
    return (
        f"context key '{key}' is not a known setting{_suggest(head, ours)}; allowed: "
        f"{ENV_SELECTOR_KEY}, {ENVIRONMENTS_KEY}, {DESTROY_ONLY_KEY}, <env>.<setting> (<env>: "
        f"{known}), or <setting> with -c {ENV_SELECTOR_KEY}=<env>"
    )


def _set_path(
    body: dict[str, Any],
    env_name: str,
    parts: list[str],
    value: Any,
    cli_key: str,
    problems: _Problems,
) -> None:
    key = f"{env_name}.{'.'.join(parts)}"
    first = parts[0]
    canonical = f"{ENVIRONMENTS_KEY}.{key}"
    if len(parts) == 1 and first in _ENV_FIELDS:
        body[first] = value
        problems.origins[canonical] = (cli_key, value)
        return
    if first in ENV_BLOCKS and len(parts) == 2:
        fields = ENV_BLOCKS[first]
        if parts[1] not in fields:
            problems.append(
                f"context key '{key}': unknown setting '{parts[1]}'{_suggest(parts[1], fields)}; "
                f"allowed: {', '.join(fields)}"
            )
            return
        body.setdefault(first, {})[parts[1]] = value
        problems.origins[canonical] = (cli_key, value)
        return
    if first == BATCH_KEY and len(parts) == 3:
        # Batch solutions have free names; build_batch validates name and setting.
        body.setdefault(BATCH_KEY, {}).setdefault(parts[1], {})[parts[2]] = value
        problems.origins[canonical] = (cli_key, value)
        return
    if first in _ENV_SECTIONS and len(parts) == 3:
        members, fields = _ENV_SECTIONS[first]
        member, leaf = parts[1], parts[2]
        if members is None:
            if not _is_member_name(member):
                problems.append(
                    f"context key '{key}': '{member}' is not a valid {first[:-1]} name; "
                    f"allowed: {FILTER_NAME_RULE}"
                )
                return
        elif member not in members:
            problems.append(
                f"context key '{key}': unknown {first[:-1]} '{member}'"
                f"{_suggest(member, members)}; allowed: {', '.join(members)}"
            )
            return
        if leaf not in fields:
            problems.append(
                f"context key '{key}': unknown setting '{leaf}'{_suggest(leaf, fields)}; "
                f"allowed: {', '.join(fields)}"
            )
            return
        section = body.setdefault(first, {})
        section.setdefault(member, {})[leaf] = value
        problems.origins[canonical] = (cli_key, value)
        return
    candidates = [
        *_ENV_FIELDS,
        *(f"{s}.<name>.<setting>" for s in _ENV_SECTIONS),
        *(f"{b}.<setting>" for b in ENV_BLOCKS),
    ]
    problems.append(
        f"context key '{key}' is not a known setting"
        f"{_suggest(first, [*_ENV_FIELDS, *_ENV_SECTIONS])}; "
        f"allowed under {env_name}: {', '.join(candidates)}"
    )


def _build_env(
    name: str, body: Any, problems: _Problems, schemas_dir: Path
) -> EnvironmentConfig | None:
    where = f"{ENVIRONMENTS_KEY}.{name}"
    if not isinstance(body, Mapping):
        problems.append(f"context key '{where}' must be an object, got {body!r}")
        return None
    start = len(problems)
    for key in body:
        known = [*_ENV_FIELDS, *_ENV_SECTIONS, *ENV_BLOCKS, BATCH_KEY]
        if key not in known:
            problems.append(
                f"context key '{where}.{key}' is not a known setting"
                f"{_suggest(key, known)}; "
                f"allowed: {', '.join(known)}"
            )
    if "namePrefix" not in body:
        problems.append(f"context key '{where}.namePrefix' is required (e.g. \"shop-{name}\")")
    values = {
        k: _leaf(f"{where}.{k}", body[k], parser, problems)
        for k, parser in _ENV_FIELDS.items()
        if k in body
    }
    datasets = _build_datasets(where, body.get("datasets", {}), problems)
    _check_validate_in_s3(where, values, datasets, problems, schemas_dir)
    recommenders = _build_recommenders(where, body.get("recommenders", {}), problems)
    blocks = {
        name: _block_values(f"{where}.{name}", body.get(name, {}), fields, problems)
        for name, fields in ENV_BLOCKS.items()
    }
    filters = _build_filters(where, body.get("filters", {}), problems)
    # Without an Interactions dataset (already reported) the group itself is invalid.
    if any(d.dataset_type is DatasetType.INTERACTIONS for d in datasets) and (
        filters or any(r.training_data for r in recommenders)
    ):
        schemas = {d.dataset_type: load_schema(d.dataset_type, schemas_dir) for d in datasets}
        _check_filter_expressions(where, filters, schemas, problems)
        _check_training_columns(where, recommenders, schemas, problems)
    scheduled = has_schedule(body.get(BATCH_KEY, {}))
    running_hours = _build_running_hours(where, values, recommenders, problems, scheduled)
    batch = build_batch(
        where,
        body.get(BATCH_KEY, {}),
        lambda key, value, message: problems.append(f"{problems.subject(key, value)}: {message}"),
        timezone=values.get("timezone"),
    )
    _check_min_rps_cap(where, values, recommenders, problems)
    if len(problems) > start:
        return None
    return EnvironmentConfig(
        name=name,
        name_prefix=values["namePrefix"],
        account=values.get("account"),
        region=values.get("region"),
        data_disposable=values.get("dataDisposable", False),
        import_mode=values.get("importMode", ImportMode.FULL),
        readiness_timeout_hours=values.get("readinessTimeoutHours", DEFAULT_READINESS_HOURS),
        event_tracker=values.get("eventTracker", False),
        running_hours=running_hours,
        termination_protection=_termination_protection(values),
        expected_active_users=values.get("expectedActiveUsers"),
        athena_workgroup=values.get("athenaWorkgroup", "primary"),
        athena_results_location=values.get("athenaResultsLocation"),
        datasets=datasets,
        recommenders=recommenders,
        alerts=build_alerts(blocks["alerts"]),
        metric_attribution=build_metric_attribution(blocks["metricAttribution"]),
        filters=filters,
        batch=batch,
    )


def _block_values(
    where: str, raw: Any, fields: dict[str, _Parser], problems: _Problems
) -> dict[str, Any]:
    """A flat block (`alerts`, `metricAttribution`): each known key parsed, unknown ones refused."""
    if not isinstance(raw, Mapping):
        problems.append(f"context key '{where}' must be an object with keys {', '.join(fields)}")
        return {}
    values: dict[str, Any] = {}
    for leaf, value in raw.items():
        if leaf not in fields:
            problems.append(
                f"context key '{where}.{leaf}' is not a known setting"
                f"{_suggest(leaf, fields)}; allowed: {', '.join(fields)}"
            )
            continue
        parsed = _leaf(f"{where}.{leaf}", value, fields[leaf], problems)
        if parsed is not None:
            values[leaf] = parsed
    return values


def _termination_protection(values: dict[str, Any]) -> bool:
    """On by default where the data is kept: a stack that guards data is not deleted by mistake."""
    if "terminationProtection" in values:
        return bool(values["terminationProtection"])
    return not values.get("dataDisposable", False)


def _build_running_hours(
    where: str,
    values: dict[str, Any],
    recommenders: tuple[RecommenderConfig, ...],
    problems: _Problems,
    batch_scheduled: bool = False,
) -> RunningHours | None:
    """The pause schedule, and the rule that keeps it from fighting the configured state.

    `timezone` is also the time zone of batch schedules (`batch.<name>.schedule`).
    """
    if "runningHours" in values and values["runningHours"] is None:
        return None  # invalid, already reported
    if "runningHours" not in values:
        unused = ("runningDays",) if batch_scheduled else ("runningDays", "timezone")
        for key in unused:
            if key in values:
                also = f" or a {where}.batch.<name>.schedule" if key == "timezone" else ""
                problems.append(
                    f"{problems.subject(f'{where}.{key}')}: only used with runningHours{also}; "
                    f"set {where}.runningHours (e.g. 08:00-20:00) or remove it"
                )
        return None
    stopped = [r.use_case.key for r in recommenders if r.state is RecommenderState.STOPPED]
    for key in stopped:
        # The schedule would start it every morning: the two would fight.
        subject = problems.subject(f"{where}.recommenders.{key}.state", "stopped")
        problems.append(
            f"{subject}: with runningHours the schedule starts and stops recommenders; remove "
            "runningHours to keep it stopped, or set its state to running"
        )
    start, stop = values["runningHours"]
    return RunningHours(
        start=start,
        stop=stop,
        days=values.get("runningDays") or "MON-FRI",
        timezone=values.get("timezone") or "UTC",
    )


def _check_min_rps_cap(
    where: str,
    values: dict[str, Any],
    recommenders: tuple[RecommenderConfig, ...],
    problems: _Problems,
) -> None:
    """Refuse a minimum RPS above the environment's cost cap, naming the key that raises it."""
    cap_key = "maxMinRecommendationRequestsPerSecond"
    cap = values.get(cap_key, DEFAULT_MAX_MIN_RPS)
    if cap is None:
        return  # invalid, already reported
    for recommender in recommenders:
        rps = recommender.min_recommendation_requests_per_second
        if rps is None or rps <= cap:
            continue
        key = f"{where}.recommenders.{recommender.use_case.key}.minRecommendationRequestsPerSecond"
        fix = (
            f"Personalize takes at most {MAX_MIN_RPS_CAP}; lower it"
            if rps > MAX_MIN_RPS_CAP
            else f"lower it, or raise the cap on purpose: {where}.{cap_key} >= {rps}"
        )
        problems.append(
            f"{problems.subject(key, rps)}: above this environment's cost cap of {cap} (each "
            f"recommender is billed per hour at its minimum at least); {fix}"
        )


def _build_datasets(where: str, raw: Any, problems: _Problems) -> tuple[DatasetConfig, ...]:
    entries = _section_entries(f"{where}.datasets", raw, _ENV_SECTIONS["datasets"], problems)
    datasets = []
    for key, values in entries.items():
        if "source" not in values:
            problems.append(
                f"context key '{where}.datasets.{key}.source' is required: a CSV path relative to "
                "the project root or an s3:// URI"
            )
            continue
        datasets.append(
            DatasetConfig(
                dataset_type=DatasetType[key.upper()],
                source=values["source"],
                skip_validation=values.get("skipValidation", False),
                validate_in_s3=values.get("validateInS3", False),
            )
        )
    if isinstance(raw, Mapping) and DatasetType.INTERACTIONS.key not in raw:
        problems.append(
            f"context key '{where}.datasets.interactions' is required: every ECOMMERCE dataset "
            'group needs an Interactions dataset, e.g. {"source": "data/sample/interactions.csv"}'
        )
    return tuple(datasets)


def _check_validate_in_s3(
    where: str,
    values: dict[str, Any],
    datasets: tuple[DatasetConfig, ...],
    problems: _Problems,
    schemas_dir: Path,
) -> None:
    """`validateInS3` needs one s3:// object in a folder, a schema without free text, and a
    prefix for Athena's results.

    The workflow's role may list and read the object's folder and write under the results
    location: at a bucket root, either would be the whole bucket. Athena's CSV reader
    (OpenCSVSerde) splits rows at every line break, even inside quotes, and a free-text field is
    where a valid file has them: the deploy would fail on findings the data does not have.
    """
    validated = [d for d in datasets if d.validate_in_s3]
    for dataset in validated:
        key = f"{where}.datasets.{dataset.dataset_type.key}.validateInS3"
        if not dataset.is_s3_uri:
            problems.append(
                f"{problems.subject(key, True)}: only for an s3:// source (synth validates a "
                f"local file itself); set {where}.datasets.{dataset.dataset_type.key}.source to "
                "s3://<bucket>/<key>.csv or remove validateInS3"
            )
        elif dataset.source.endswith("/"):
            problems.append(
                f"{problems.subject(key, True)}: validates one object, and "
                f"{dataset.source} is a folder; point source at the object "
                "(s3://<bucket>/<folder>/<file>.csv) or remove validateInS3"
            )
        elif "/" not in (source := split_s3_uri(dataset.source)).key:
            problems.append(
                f"{problems.subject(key, True)}: {dataset.source} is at the bucket root, so the "
                "validation table would read, and the deploy's workflow list, the whole bucket; "
                f"move the object into a folder (s3://{source.bucket}/<folder>/{source.key}) "
                "and point source at it, or remove validateInS3"
            )
        elif free_text := [
            f.name for f in load_schema(dataset.dataset_type, schemas_dir).fields if f.textual
        ]:
            problems.append(
                f"{problems.subject(key, True)}: the {dataset.dataset_type.value} schema has the "
                f"free-text field {', '.join(free_text)}, and Athena's CSV reader splits rows at "
                "every line break, even inside quotes, so a valid file with a multi-line value "
                "would fail the deploy; remove validateInS3 and validate the object before "
                f"pointing source at it: personalize-shop validate --type "
                f"{dataset.dataset_type.key} {dataset.source} (DuckDB reads quoted line breaks)"
            )
        elif "athenaResultsLocation" not in values:
            problems.append(
                f"{problems.subject(key, True)}: Athena needs a results location; set "
                f"{where}.athenaResultsLocation to an s3://<bucket>/<prefix>/ this environment "
                "may write to (and athenaWorkgroup, default primary)"
            )
    results = values.get("athenaResultsLocation")
    if validated and results is not None and not split_s3_uri(results).key.strip("/"):
        bucket = split_s3_uri(results).bucket
        problems.append(
            f"{problems.subject(f'{where}.athenaResultsLocation', results)}: with validateInS3 "
            "the deploy's workflow writes Athena's results there, and a bucket root would grant "
            f"it s3:PutObject on the whole bucket; use a prefix of its own, e.g. "
            f"s3://{bucket}/<prefix>/"
        )


def _build_recommenders(where: str, raw: Any, problems: _Problems) -> tuple[RecommenderConfig, ...]:
    entries = _section_entries(
        f"{where}.recommenders", raw, _ENV_SECTIONS["recommenders"], problems
    )
    recommenders = []
    for key, values in entries.items():
        use_case = USE_CASES[key]
        exploration = [k for k in ("explorationWeight", "explorationItemAgeCutOff") if k in values]
        if exploration and not use_case.supports_exploration:
            for k in exploration:
                problems.append(
                    f"{problems.subject(f'{where}.recommenders.{key}.{k}')}: "
                    f"{use_case.console_name} does "
                    "not take exploration settings; only recommended-for-you does. Remove it."
                )
            continue
        recommenders.append(
            RecommenderConfig(
                use_case=use_case,
                min_recommendation_requests_per_second=values.get(
                    "minRecommendationRequestsPerSecond", 1
                ),
                exploration_weight=values.get("explorationWeight"),
                exploration_item_age_cut_off_days=values.get("explorationItemAgeCutOff"),
                state=values.get("state", RecommenderState.RUNNING),
                enable_metadata_with_recommendations=bool(
                    values.get("enableMetadataWithRecommendations", False)
                ),
                training_data=values.get("trainingDataConfig"),
            )
        )
    return tuple(recommenders)


def _is_member_name(name: str) -> bool:
    return len(name) <= FILTER_KEY_MAX and FILTER_KEY_PATTERN.match(name) is not None


def _build_filters(where: str, raw: Any, problems: _Problems) -> tuple[FilterConfig, ...]:
    entries = _section_entries(f"{where}.filters", raw, _ENV_SECTIONS["filters"], problems)
    filters = []
    for name, values in entries.items():
        if "expression" not in values:
            problems.append(
                f"context key '{where}.filters.{name}.expression' is required: the filter "
                'expression, e.g. EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")'
            )
            continue
        if values["expression"] is None:
            continue  # invalid, already reported
        filters.append(FilterConfig(name=name, expression=values["expression"]))
    outputs: dict[str, str] = {}
    for found in filters:
        output = filter_arn_output(found.name)
        if output in outputs:
            problems.append(
                f"context key '{where}.filters.{found.name}': its stack output {output} is also "
                f"that of filter '{outputs[output]}'; rename one of them"
            )
        outputs[output] = found.name
    return tuple(filters)


def _check_training_columns(
    where: str,
    recommenders: tuple[RecommenderConfig, ...],
    schemas: Mapping[DatasetType, DatasetSchema],
    problems: _Problems,
) -> None:
    """Training columns name datasets the environment has, and columns of their schemas."""
    for recommender in recommenders:
        training = recommender.training_data
        if training is None:
            continue
        key = f"{where}.recommenders.{recommender.use_case.key}.trainingDataConfig"
        subject = problems.subject(key)
        excluded = {t for t, _ in training.excluded}
        for member, entries in (
            ("excludedDatasetColumns", training.excluded),
            ("includedDatasetColumns", training.included),
        ):
            for dataset_type, columns in entries:
                schema = schemas.get(dataset_type)
                if schema is None:
                    problems.append(
                        f"{subject}: {member}.{dataset_type.key}: this environment has no "
                        f"{dataset_type.value} dataset; add datasets.{dataset_type.key} or remove "
                        "it"
                    )
                    continue
                unknown = [c for c in columns if schema.field(c) is None]
                if unknown:
                    problems.append(
                        f"{subject}: {member}.{dataset_type.key}: {', '.join(unknown)} not in "
                        f"the {dataset_type.value} schema ({schema.path.name}); its columns: "
                        f"{', '.join(schema.column_names)}"
                    )
                kept = NOT_EXCLUDABLE.get(dataset_type, ())
                if member == "excludedDatasetColumns" and set(columns) & set(kept):
                    problems.append(
                        f"{subject}: {member}.{dataset_type.key}: {', '.join(kept)} cannot be "
                        "excluded (Personalize trains on it); remove it from the list"
                    )
                if member == "includedDatasetColumns" and dataset_type in excluded:
                    problems.append(
                        f"{subject}: {dataset_type.key} is both excluded and included; give one "
                        "list per dataset"
                    )


def _check_filter_expressions(
    where: str,
    filters: tuple[FilterConfig, ...],
    schemas: Mapping[DatasetType, DatasetSchema],
    problems: _Problems,
) -> None:
    """The grammar, the fields of the environment's schemas, and Personalize's filter limits."""
    checked = check_filters([(f.name, f.expression) for f in filters], schemas)
    for result in checked:
        key = f"{where}.filters.{result.name}.expression"
        expression = next(f.expression for f in filters if f.name == result.name)
        for finding in result.findings:
            problems.append(_filter_problem(problems.subject(key), expression, finding))


def _filter_problem(subject: str, expression: str, finding: Finding) -> str:
    if finding.position is None:
        return f"{subject}: {finding.problem}. Fix: {finding.fix}"
    start = finding.position - 1
    excerpt = expression[start : start + 30]
    near = f"near '{excerpt}{'...' if len(expression) > start + 30 else ''}'"
    if not excerpt:
        near = "at the end"
    return f"{subject}, position {finding.position} ({near}): {finding.problem}. Fix: {finding.fix}"


def _section_entries(
    where: str,
    raw: Any,
    spec: tuple[tuple[str, ...] | None, dict[str, _Parser]],
    problems: _Problems,
) -> dict[str, dict[str, Any]]:
    members, fields = spec
    if not isinstance(raw, Mapping):
        keyed_by = "names of your choice" if members is None else ", ".join(members)
        problems.append(f"context key '{where}' must be an object keyed by {keyed_by}")
        return {}
    entries: dict[str, dict[str, Any]] = {}
    for member, body in raw.items():
        if members is None:
            if not _is_member_name(member):
                problems.append(
                    f"context key '{where}.{member}': not a valid name; allowed: {FILTER_NAME_RULE}"
                )
                continue
        elif member not in members:
            problems.append(
                f"context key '{where}.{member}' is unknown{_suggest(member, members)}; "
                f"allowed: {', '.join(members)}"
            )
            continue
        if not isinstance(body, Mapping):
            problems.append(f"context key '{where}.{member}' must be an object, got {body!r}")
            continue
        parsed: dict[str, Any] = {}
        for leaf, value in body.items():
            if leaf not in fields:
                problems.append(
                    f"context key '{where}.{member}.{leaf}' is not a known setting"
                    f"{_suggest(leaf, fields)}; allowed: {', '.join(fields)}"
                )
                continue
            parsed[leaf] = _leaf(f"{where}.{member}.{leaf}", value, fields[leaf], problems)
        entries[member] = parsed
    return entries


def _leaf(key: str, value: Any, parser: _Parser, problems: _Problems) -> Any:
    try:
        return parser(value)
    except _Invalid as exc:
        problems.append(f"{problems.subject(key, value)}: invalid; {exc}")
        return None


def _check_unique_prefixes(envs: list[EnvironmentConfig], problems: _Problems) -> None:
    seen: dict[tuple[str, str | None, str | None], str] = {}
    for env in envs:
        slot = (env.name_prefix.lower(), env.account, env.region)
        if slot in seen:
            key = f"{ENVIRONMENTS_KEY}.{env.name}.namePrefix"
            subject = problems.subject(key, env.name_prefix)
            problems.append(
                f"{subject} is also used by '{seen[slot]}'; Personalize names must be unique per "
                "account and region, so give each environment its own prefix"
            )
        seen[slot] = env.name


def _check_prefixes_do_not_overlap(envs: list[EnvironmentConfig], problems: _Problems) -> None:
    """Policies allow `<prefix>-*`: a prefix that another one extends with '-' (`shop`,
    `shop-prod`) lets the shorter one's functions act on the longer one's resources."""
    for short in envs:
        for long in envs:
            if short is long or not _could_share_account_and_region(short, long):
                continue
            if not long.name_prefix.lower().startswith(short.name_prefix.lower() + "-"):
                continue
            long_key = problems.subject(
                f"{ENVIRONMENTS_KEY}.{long.name}.namePrefix", long.name_prefix
            )
            short_key = problems.subject(
                f"{ENVIRONMENTS_KEY}.{short.name}.namePrefix", short.name_prefix
            )
            problems.append(
                f"{long_key} begins with {short_key} followed by '-': {short.name}'s policies "
                f"allow '{short.name_prefix}-*', which matches {long.name}'s resource names. "
                "Give the two environments prefixes where neither is the other plus '-' "
                "(e.g. 'shop-dev' and 'shop-prod'), or pin different accounts "
                f"({ENVIRONMENTS_KEY}.<env>.account)"
            )


def _could_share_account_and_region(a: EnvironmentConfig, b: EnvironmentConfig) -> bool:
    """Unless both pin different accounts (or regions), they may be deployed side by side."""
    return all(
        x is None or y is None or x == y for x, y in ((a.account, b.account), (a.region, b.region))
    )


def _suggest(word: str, candidates: Any) -> str:
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""
