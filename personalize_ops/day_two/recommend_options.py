"""`recommend`'s filter, promotion and item-metadata options, checked against cdk.json first.

Everything here is decided offline, before credentials or a stack are needed: which configured
filter is meant, that every parameter of its INCLUDE parts gets a value, how values are quoted
for Personalize (`"\\"home\\",\\"garden\\""` for text, bare for numbers), that a promotion's
percentage is 1 to 100, and that metadata columns exist in the Items schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from personalize_domain.config import EnvironmentConfig, FilterConfig
from personalize_domain.filters.grammar import Expression, FilterSyntaxError, Parameter, parse
from personalize_domain.schemas import SCHEMAS_DIR, DatasetType, load_schema
from personalize_domain.use_cases import USE_CASES
from personalize_ops.day_two.errors import DayTwoError

# GetRecommendations (botocore model and API reference): filterValues keys, value length, count;
# a promotion's name; metadata columns and the smaller result cap that comes with them.
PARAMETER_KEY = re.compile(r"[A-Za-z0-9_]{1,50}")
MAX_VALUE_CHARS = 1000
PROMOTION_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9\-_]{0,62}")
MAX_METADATA_COLUMNS = 10
MAX_RESULTS_WITH_METADATA = 50
ITEMS_METADATA_KEY = "ITEMS"


@dataclass(frozen=True)
class FilterUse:
    """A configured filter and its `filterValues`, formatted as Personalize expects them."""

    name: str
    values: dict[str, str]


@dataclass(frozen=True)
class PromotionUse:
    name: str
    percent: int
    filter: FilterUse


@dataclass(frozen=True)
class RequestOptions:
    filter: FilterUse | None = None
    promotion: PromotionUse | None = None
    metadata_columns: tuple[str, ...] = ()

    @property
    def filter_names(self) -> tuple[str, ...]:
        used = [self.filter, self.promotion.filter if self.promotion else None]
        return tuple(f.name for f in used if f is not None)


def plan_options(
    env: EnvironmentConfig,
    *,
    use_case_key: str,
    filter_name: str | None,
    filter_values: Sequence[str],
    promotion: str | None,
    metadata_columns: str | None,
    num_results: int,
    schemas_dir: Path = SCHEMAS_DIR,
) -> RequestOptions:
    """The options as Personalize takes them, or DayTwoError saying what to change."""
    if filter_values and filter_name is None:
        raise DayTwoError(
            "--filter-value needs --filter NAME: give the filter whose parameters it sets"
        )
    used = None
    if filter_name is not None:
        used = filter_use(
            env,
            use_case_key,
            filter_name,
            filter_values,
            flag="--filter-value",
            ask=lambda keys: " ".join(f"--filter-value {key}=VALUE" for key in keys),
        )
    return RequestOptions(
        filter=used,
        promotion=None if promotion is None else promotion_use(env, use_case_key, promotion),
        metadata_columns=_metadata_columns(env, metadata_columns, num_results, schemas_dir),
    )


def filter_use(
    env: EnvironmentConfig,
    use_case_key: str,
    name: str,
    pairs: Sequence[str],
    *,
    flag: str,
    ask: Callable[[list[str]], str],
) -> FilterUse:
    """`flag` names where the pairs came from; `ask` says how to give the missing keys."""
    config = _configured(env, name)
    expression = _expression(env, config)
    _check_use_case(expression, name, use_case_key)
    kinds = _parameter_kinds(expression)
    given: dict[str, list[str]] = {}
    for pair in pairs:
        key, values = _pair(pair, flag)
        if key not in kinds:
            known = ", ".join(f"${k}" for k in kinds) or "none"
            raise DayTwoError(
                f"filter {name} has no parameter ${key} (its parameters: {known}); check "
                f"environments.{env.name}.filters.{name}.expression in cdk.json"
            )
        given.setdefault(key, []).extend(values)
    required = _include_parameters(expression)
    missing = [key for key in required if key not in given]
    if missing:
        asks = ask(missing)
        raise DayTwoError(
            f"filter {name} includes only items matching ${', $'.join(missing)}, and "
            f"Personalize refuses it without a value: add {asks} (several values: "
            f"{missing[0]}=a,b)"
        )
    return FilterUse(
        name, {key: _format(name, key, values, kinds[key]) for key, values in given.items()}
    )


def promotion_use(env: EnvironmentConfig, use_case_key: str, text: str) -> PromotionUse:
    """`NAME:PERCENT:FILTER[:KEY=VALUE...]`."""
    parts = text.split(":")
    shape = (
        "--promotion NAME:PERCENT:FILTER[:KEY=VALUE...], e.g. "
        "house-brands:20:category:CATEGORY=home"
    )
    if len(parts) < 3:
        raise DayTwoError(f"--promotion {text!r} is not {shape}")
    name, percent_text, filter_name, *pairs = parts
    if not PROMOTION_NAME.fullmatch(name):
        raise DayTwoError(
            f"--promotion name {name!r} is not valid: 1-63 letters, digits, '-' or '_', starting "
            f"with a letter or digit ({shape})"
        )
    if not re.fullmatch(r"[0-9]{1,3}", percent_text) or not 1 <= int(percent_text) <= 100:
        raise DayTwoError(
            f"--promotion percentage {percent_text!r} is out of range: the share of the results "
            "to promote is a whole number from 1 to 100"
        )
    used = filter_use(
        env,
        use_case_key,
        filter_name,
        pairs,
        flag="--promotion",
        ask=lambda keys: f"--promotion {text}" + "".join(f":{key}=VALUE" for key in keys),
    )
    return PromotionUse(name, int(percent_text), used)


# ---------------------------------------------------------------- filters


def _configured(env: EnvironmentConfig, name: str) -> FilterConfig:
    configured = {f.name: f for f in env.filters}
    if name not in configured:
        known = ", ".join(sorted(configured)) or "none"
        raise DayTwoError(
            f"unknown filter {name!r}: environment {env.name} configures {known}; add it under "
            f"environments.{env.name}.filters in cdk.json and run `make deploy ENV={env.name}`"
        )
    return configured[name]


def _expression(env: EnvironmentConfig, config: FilterConfig) -> Expression:
    try:
        return parse(config.expression)
    except FilterSyntaxError as error:  # cdk.json was edited after the last synth
        raise DayTwoError(
            f"environments.{env.name}.filters.{config.name}.expression in cdk.json is invalid "
            f"({error}); fix it and deploy"
        ) from error


def _check_use_case(expression: Expression, name: str, use_case_key: str) -> None:
    use_case = USE_CASES[use_case_key]
    if not use_case.needs_item_id and any(
        r.scope == "CurrentItem" for r in expression.references()
    ):
        raise DayTwoError(
            f"filter {name} compares with CurrentItem, the item asked about, and {use_case_key} "
            "recommends for a user, not from an item: use it with frequently-bought-together or "
            "customers-who-viewed-x-also-viewed"
        )


def _parameter_kinds(expression: Expression) -> dict[str, str]:
    """Each parameter, and whether it stands for text (IN) or a number (a comparison)."""
    kinds: dict[str, str] = {}
    for part in expression.filters:
        for condition in (*part.conditions, *part.if_conditions):
            for value in condition.values:
                if isinstance(value, Parameter):
                    kinds.setdefault(value.name, "text" if condition.is_membership else "number")
    return kinds


def _include_parameters(expression: Expression) -> list[str]:
    """Parameters of INCLUDE parts: Personalize needs their values (EXCLUDE parts may go
    without; that part is then not applied)."""
    found: list[str] = []
    for part in expression.filters:
        if part.action != "INCLUDE":
            continue
        for condition in (*part.conditions, *part.if_conditions):
            for value in condition.values:
                if isinstance(value, Parameter) and value.name not in found:
                    found.append(value.name)
    return found


def _pair(pair: str, flag: str) -> tuple[str, list[str]]:
    key, sep, raw = pair.partition("=")
    if not sep or not PARAMETER_KEY.fullmatch(key):
        raise DayTwoError(
            f"{flag} {pair!r} is not KEY=VALUE with KEY the parameter's name without '$' "
            "(letters, digits, '_'), e.g. CATEGORY=home"
        )
    values = [v.strip() for v in raw.split(",")]
    if not all(values):
        raise DayTwoError(
            f"{flag} {pair!r} has an empty value; e.g. {key}=home or {key}=home,garden"
        )
    return key, values


def _format(name: str, key: str, values: list[str], kind: str) -> str:
    if kind == "number":
        for value in values:
            try:
                float(value)
            except ValueError:
                raise DayTwoError(
                    f"filter {name} compares ${key} with numbers, and {value!r} is not one"
                ) from None
        text = ",".join(values)
    else:
        text = ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    if len(text) > MAX_VALUE_CHARS:
        raise DayTwoError(
            f"the values of ${key} are {len(text)} characters once quoted; Personalize takes at "
            f"most {MAX_VALUE_CHARS}"
        )
    return text


# ---------------------------------------------------------------- metadata


def _metadata_columns(
    env: EnvironmentConfig, raw: str | None, num_results: int, schemas_dir: Path
) -> tuple[str, ...]:
    if raw is None:
        return ()
    columns = tuple(c.strip() for c in raw.split(",") if c.strip())
    if not columns:
        raise DayTwoError("--metadata-columns is empty: name Items columns, e.g. PRICE,CATEGORY_L1")
    if len(columns) > MAX_METADATA_COLUMNS:
        raise DayTwoError(
            f"--metadata-columns names {len(columns)} columns; Personalize returns at most "
            f"{MAX_METADATA_COLUMNS}"
        )
    if env.dataset(DatasetType.ITEMS) is None:
        raise DayTwoError(
            f"environment {env.name} has no Items dataset, so there is no item metadata to return"
        )
    schema = load_schema(DatasetType.ITEMS, schemas_dir)
    unknown = [c for c in columns if schema.field(c) is None]
    if unknown:
        raise DayTwoError(
            f"--metadata-columns {', '.join(unknown)}: not in the Items schema; its columns: "
            f"{', '.join(schema.column_names)}"
        )
    if num_results > MAX_RESULTS_WITH_METADATA:
        raise DayTwoError(
            f"--num-results {num_results} with --metadata-columns: Personalize returns at most "
            f"{MAX_RESULTS_WITH_METADATA} items with metadata"
        )
    return columns
