"""Typed configuration from CDK context: parsing of -c strings and one clear message per bad key."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalize_domain import config as cfg
from personalize_domain.config import (
    ConfigError,
    RecommenderState,
    load_app_config,
)
from personalize_domain.schemas import DatasetType

ROOT = Path(__file__).resolve().parents[2]
CDK_JSON_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]


def _load(**overrides: Any) -> cfg.AppConfig:
    return load_app_config({**copy.deepcopy(CDK_JSON_CONTEXT), **overrides})


def _problems(**overrides: Any) -> list[str]:
    with pytest.raises(ConfigError) as excinfo:
        _load(**overrides)
    return excinfo.value.problems


def _env(config: cfg.AppConfig, name: str) -> cfg.EnvironmentConfig:
    return next(e for e in config.environments if e.name == name)


def _recommender(env: cfg.EnvironmentConfig, key: str) -> cfg.RecommenderConfig:
    return next(r for r in env.recommenders if r.use_case.key == key)


# ------------------------------------------------------------------ the shipped cdk.json


SHIPPED = list(CDK_JSON_CONTEXT["environments"])


def test_every_environment_cdk_json_declares_is_loaded_in_its_order() -> None:
    assert [e.name for e in _load().environments] == SHIPPED
    assert {"dev", "prod"} <= set(SHIPPED)


def test_without_env_selector_every_environment_is_synthesized() -> None:
    assert [e.name for e in _load().selected] == SHIPPED


def test_env_selector_picks_one_environment() -> None:
    assert [e.name for e in _load(env="prod").selected] == ["prod"]


def test_dev_data_is_disposable_and_prod_data_is_kept() -> None:
    config = _load()
    assert (_env(config, "dev").data_disposable, _env(config, "prod").data_disposable) == (
        True,
        False,
    )


def test_environments_are_agnostic_when_account_and_region_are_absent() -> None:
    dev = _env(_load(), "dev")
    assert (dev.account, dev.region) == (None, None)


# ------------------------------------------------------------------ -c overrides


def test_string_override_of_min_rps_is_parsed_as_an_integer() -> None:
    # GIVEN -c prod.recommenders.best-sellers.minRecommendationRequestsPerSecond=3 (a string)
    config = _load(**{"prod.recommenders.best-sellers.minRecommendationRequestsPerSecond": "3"})
    # THEN that recommender's value is the integer 3
    assert (
        _recommender(_env(config, "prod"), "best-sellers").min_recommendation_requests_per_second
        == 3
    )


def test_override_changes_only_the_named_environment() -> None:
    config = _load(**{"prod.recommenders.best-sellers.minRecommendationRequestsPerSecond": "3"})
    assert (
        _recommender(_env(config, "dev"), "best-sellers").min_recommendation_requests_per_second
        == 1
    )


def test_unprefixed_override_applies_to_the_selected_environment() -> None:
    config = _load(env="dev", **{"recommenders.recommended-for-you.explorationWeight": "0.25"})
    assert _recommender(_env(config, "dev"), "recommended-for-you").exploration_weight == 0.25


def test_unprefixed_override_without_env_selector_is_refused() -> None:
    assert _problems(**{"namePrefix": "shop-x"}) == [
        "-c namePrefix=shop-x: override without an environment; write -c <env>.namePrefix=... "
        "or add -c env=<env>"
    ]


def test_boolean_override_is_parsed() -> None:
    assert _env(_load(**{"dev.dataDisposable": "false"}), "dev").data_disposable is False


def test_state_override_is_parsed() -> None:
    config = _load(**{"prod.recommenders.best-sellers.state": "Stopped"})
    assert _recommender(_env(config, "prod"), "best-sellers").state is RecommenderState.STOPPED


def test_override_can_add_a_recommender_with_defaults() -> None:
    config = _load(**{"dev.recommenders.most-viewed.state": "running"})
    most_viewed = _recommender(_env(config, "dev"), "most-viewed")
    assert most_viewed.min_recommendation_requests_per_second == 1


def test_import_mode_override_is_parsed() -> None:
    dev = _env(_load(**{"dev.importMode": "incremental"}), "dev")
    assert dev.import_mode is cfg.ImportMode.INCREMENTAL


def test_event_tracker_is_on_in_dev_and_off_by_default_in_prod() -> None:
    config = _load()
    assert (_env(config, "dev").event_tracker, _env(config, "prod").event_tracker) == (True, False)


def test_event_tracker_override_is_parsed() -> None:
    assert _env(_load(**{"prod.eventTracker": "true"}), "prod").event_tracker is True


def test_termination_protection_is_on_where_data_is_kept_and_off_where_disposable() -> None:
    config = _load()
    assert (
        _env(config, "prod").termination_protection,
        _env(config, "dev").termination_protection,
    ) == (
        True,
        False,
    )


def test_termination_protection_override_is_parsed() -> None:
    assert (
        _env(_load(**{"prod.terminationProtection": "false"}), "prod").termination_protection
        is False
    )
    assert (
        _env(_load(**{"dev.terminationProtection": "true"}), "dev").termination_protection is True
    )


def test_termination_protection_must_be_true_or_false() -> None:
    assert _problems(**{"prod.terminationProtection": "maybe"}) == [
        "-c prod.terminationProtection=maybe: invalid; allowed: true or false"
    ]


def test_readiness_timeout_defaults_to_six_hours() -> None:
    assert _env(_load(), "dev").readiness_timeout_hours == 6


@pytest.mark.parametrize("value", ["0", "13", "2.5"])
def test_readiness_timeout_must_fit_a_wait_condition(value: str) -> None:
    assert _problems(**{"dev.readinessTimeoutHours": value}) == [
        f"-c dev.readinessTimeoutHours={value}: invalid; allowed: whole hours from 1 to 12"
    ]


def test_context_keys_of_cdk_itself_are_ignored() -> None:
    config = _load(**{"aws:cdk:enable-path-metadata": True, "@aws-cdk/core:newStyle": True})
    assert len(config.environments) == 2


# ------------------------------------------------------------------ one message per bad value


def test_unknown_environment_names_the_allowed_ones() -> None:
    assert _problems(env="nope") == ["-c env=nope: unknown environment; allowed: dev, prod"]


def test_unknown_environment_suggests_the_closest() -> None:
    assert _problems(env="prd") == [
        "-c env=prd: unknown environment (did you mean 'prod'?); allowed: dev, prod"
    ]


def test_misspelt_top_level_key_suggests_the_closest() -> None:
    assert _problems(evn="dev") == [
        "context key 'evn' is not a known setting (did you mean 'env'?); allowed: env, "
        "environments, destroyOnly, <env>.<setting> (<env>: dev, prod), or <setting> with "
        "-c env=<env>"
    ]


def test_destroy_only_is_off_unless_asked_for() -> None:
    assert (_load().destroy_only, _load(destroyOnly="true").destroy_only) == (False, True)


def test_destroy_only_takes_a_boolean() -> None:
    assert _problems(destroyOnly="yes") == [
        "context key 'destroyOnly' = 'yes': invalid; allowed: true or false"
    ]


def test_misspelt_setting_suggests_the_closest() -> None:
    assert _problems(**{"dev.namePrefx": "x"}) == [
        "context key 'dev.namePrefx' is not a known setting (did you mean 'namePrefix'?); "
        "allowed under dev: namePrefix, account, region, dataDisposable, terminationProtection, "
        "importMode, readinessTimeoutHours, eventTracker, runningHours, runningDays, timezone, "
        "maxMinRecommendationRequestsPerSecond, expectedActiveUsers, athenaWorkgroup, "
        "athenaResultsLocation, "
        "datasets.<name>.<setting>, recommenders.<name>.<setting>, filters.<name>.<setting>, "
        "alerts.<setting>, metricAttribution.<setting>"
    ]


def test_misspelt_recommender_setting_suggests_the_closest() -> None:
    key = "dev.recommenders.best-sellers.minRecommendationRequestPerSecond"
    assert _problems(**{key: "2"}) == [
        f"context key '{key}': unknown setting 'minRecommendationRequestPerSecond' (did you mean "
        "'minRecommendationRequestsPerSecond'?); allowed: minRecommendationRequestsPerSecond, "
        "explorationWeight, explorationItemAgeCutOff, state, enableMetadataWithRecommendations, "
        "trainingDataConfig"
    ]


def test_unknown_use_case_lists_the_five() -> None:
    assert _problems(**{"dev.recommenders.best-seller.state": "running"}) == [
        "context key 'dev.recommenders.best-seller.state': unknown recommender 'best-seller' "
        "(did you mean 'best-sellers'?); allowed: most-viewed, best-sellers, "
        "frequently-bought-together, customers-who-viewed-x-also-viewed, recommended-for-you"
    ]


@pytest.mark.parametrize("value", ["0", "1.5", "abc", "", "-2", 0, 2.5, True])
def test_min_rps_must_be_an_integer_of_at_least_one(value: Any) -> None:
    key = "dev.recommenders.best-sellers.minRecommendationRequestsPerSecond"
    assert _problems(**{key: value}) == [f"-c {key}={value}: invalid; allowed: an integer >= 1"]


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan", "NaN", "inf", "lots", 2])
def test_exploration_weight_must_be_between_zero_and_one(value: Any) -> None:
    key = "dev.recommenders.recommended-for-you.explorationWeight"
    assert _problems(**{key: value}) == [
        f"-c {key}={value}: invalid; allowed: a number from 0 to 1 (e.g. 0.3)"
    ]


@pytest.mark.parametrize("value", ["0", "-1", "0.5", 0])
def test_item_age_cut_off_must_be_at_least_one_day(value: Any) -> None:
    key = "dev.recommenders.recommended-for-you.explorationItemAgeCutOff"
    assert _problems(**{key: value}) == [
        f"-c {key}={value}: invalid; allowed: a whole number of days >= 1"
    ]


@pytest.mark.parametrize("setting", ["explorationWeight", "explorationItemAgeCutOff"])
def test_exploration_is_refused_on_use_cases_that_do_not_take_it(setting: str) -> None:
    assert _problems(**{f"dev.recommenders.best-sellers.{setting}": "1"}) == [
        f"-c dev.recommenders.best-sellers.{setting}=1: Best sellers does not take exploration "
        "settings; only recommended-for-you does. Remove it."
    ]


def test_state_must_be_running_or_stopped() -> None:
    assert _problems(**{"dev.recommenders.best-sellers.state": "paused"}) == [
        "-c dev.recommenders.best-sellers.state=paused: invalid; allowed: running or stopped"
    ]


@pytest.mark.parametrize("value", ["", "1shop", "shop_dev", "x" * 25])
def test_name_prefix_must_fit_personalize_names(value: str) -> None:
    assert _problems(**{"dev.namePrefix": value}) == [
        f"-c dev.namePrefix={value}: invalid; allowed: 1-24 characters, a letter first, then "
        "letters, digits or '-'"
    ]


def test_account_must_have_twelve_digits() -> None:
    assert _problems(**{"dev.account": "1234"}) == [
        "-c dev.account=1234: invalid; allowed: a 12-digit AWS account id, or absent "
        "(environment-agnostic)"
    ]


def test_two_environments_cannot_share_a_name_prefix() -> None:
    assert _problems(**{"prod.namePrefix": "shop-dev"}) == [
        "-c prod.namePrefix=shop-dev is also used by 'dev'; "
        "Personalize names must be unique per account and region, so give each environment "
        "its own prefix"
    ]


def test_a_prefix_that_another_extends_with_a_dash_is_refused() -> None:
    # GIVEN dev renamed to `shop` next to prod's `shop-prod`: dev's policies allow `shop-*`
    # WHEN loaded / THEN refused, naming both keys and the fix
    assert _problems(**{"dev.namePrefix": "shop"}) == [
        "context key 'environments.prod.namePrefix' = 'shop-prod' begins with "
        "-c dev.namePrefix=shop followed by '-': dev's policies allow 'shop-*', which matches "
        "prod's resource names. Give the two environments prefixes where neither is the other "
        "plus '-' (e.g. 'shop-dev' and 'shop-prod'), or pin different accounts "
        "(environments.<env>.account)"
    ]


def test_prefix_overlap_is_refused_whichever_environment_holds_the_shorter_one() -> None:
    problems = _problems(**{"prod.namePrefix": "Shop-Dev-Eu"})
    assert len(problems) == 1
    assert problems[0].startswith("-c prod.namePrefix=Shop-Dev-Eu begins with ")
    assert "dev's policies allow 'shop-dev-*'" in problems[0]


def test_prefixes_that_share_letters_but_no_dash_boundary_are_accepted() -> None:
    # `shop-*` does not match `shopping-...`, and `shop-pro-*` does not match `shop-prod-...`
    _load(**{"dev.namePrefix": "shop", "prod.namePrefix": "shopping"})
    _load(**{"dev.namePrefix": "shop-pro"})


def test_overlapping_prefixes_in_different_pinned_accounts_are_accepted() -> None:
    # Separate accounts are the strong boundary: no ARN of one matches the other's
    _load(
        **{
            "dev.namePrefix": "shop",
            "dev.account": "111111111111",
            "prod.account": "222222222222",
        }
    )


def test_overlapping_prefixes_are_refused_when_only_one_account_is_pinned() -> None:
    # An environment-agnostic stack can be deployed into the pinned one's account
    problems = _problems(**{"dev.namePrefix": "shop", "prod.account": "222222222222"})
    assert len(problems) == 1
    assert "dev's policies allow 'shop-*'" in problems[0]


def test_interactions_dataset_is_required() -> None:
    environments = copy.deepcopy(CDK_JSON_CONTEXT["environments"])
    del environments["dev"]["datasets"]["interactions"]
    assert _problems(environments=environments) == [
        "context key 'environments.dev.datasets.interactions' is required: every ECOMMERCE "
        'dataset group needs an Interactions dataset, e.g. {"source": '
        '"data/sample/interactions.csv"}'
    ]


def test_unknown_key_in_cdk_json_is_named_with_its_full_path() -> None:
    environments = copy.deepcopy(CDK_JSON_CONTEXT["environments"])
    environments["prod"]["dataDisposible"] = False
    assert _problems(environments=environments) == [
        "context key 'environments.prod.dataDisposible' is not a known setting (did you mean "
        "'dataDisposable'?); allowed: namePrefix, account, region, dataDisposable, "
        "terminationProtection, importMode, readinessTimeoutHours, eventTracker, runningHours, "
        "runningDays, timezone, maxMinRecommendationRequestsPerSecond, expectedActiveUsers, "
        "athenaWorkgroup, athenaResultsLocation, datasets, recommenders, filters, alerts, "
        "metricAttribution, batch"
    ]


def test_invalid_value_in_cdk_json_is_named_by_its_path_and_json_value() -> None:
    environments = copy.deepcopy(CDK_JSON_CONTEXT["environments"])
    environments["prod"]["recommenders"]["best-sellers"]["minRecommendationRequestsPerSecond"] = 0
    assert _problems(environments=environments) == [
        "context key 'environments.prod.recommenders.best-sellers."
        "minRecommendationRequestsPerSecond' = 0: invalid; allowed: an integer >= 1"
    ]


def test_every_problem_is_reported_at_once() -> None:
    problems = _problems(
        **{
            "dev.recommenders.best-sellers.minRecommendationRequestsPerSecond": "0",
            "prod.recommenders.recommended-for-you.explorationWeight": "2",
        }
    )
    assert len(problems) == 2


def test_config_error_message_lists_each_problem_on_its_own_line() -> None:
    with pytest.raises(ConfigError, match=r"Invalid CDK context \(cdk.json or -c\):\n  - -c env=x"):
        _load(env="x")


def test_datasets_are_typed() -> None:
    dev = _env(_load(), "dev")
    assert [d.dataset_type for d in dev.datasets] == [
        DatasetType.INTERACTIONS,
        DatasetType.ITEMS,
        DatasetType.USERS,
    ]


# ------------------------------------------------------------------ property-based parsers


@given(st.integers())
def test_positive_int_parser_accepts_exactly_the_integers_from_one(number: int) -> None:
    if number >= 1:
        assert cfg._parse_positive_int(str(number)) == number
    else:
        with pytest.raises(cfg._Invalid):
            cfg._parse_positive_int(str(number))


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_weight_parser_accepts_exactly_the_finite_numbers_in_zero_to_one(number: float) -> None:
    if math.isfinite(number) and 0.0 <= number <= 1.0:
        assert cfg._parse_weight(repr(number)) == number
    else:
        with pytest.raises(cfg._Invalid):
            cfg._parse_weight(repr(number))


def _failure(parser: Any, value: Any) -> str | None:
    try:
        parser(value)
    except cfg._Invalid as exc:
        return str(exc)
    return None


@given(st.one_of(st.text(), st.integers(), st.floats(), st.booleans(), st.none()))
def test_parsers_fail_only_with_a_message_of_what_is_allowed(value: Any) -> None:
    for parser in (
        cfg._parse_positive_int,
        cfg._parse_weight,
        cfg._parse_bool,
        cfg._parse_state,
        cfg._parse_name_prefix,
        cfg._parse_account,
        cfg._parse_region,
        cfg._parse_source,
        cfg._parse_import_mode,
        cfg._parse_readiness_hours,
        cfg._parse_days,
        cfg._parse_min_rps_cap,
    ):
        message = _failure(parser, value)
        assert message is None or "allowed: " in message


@given(st.dictionaries(st.text(min_size=1), st.one_of(st.text(), st.integers())))
def test_random_extra_context_never_crashes_the_loader(extra: dict[str, Any]) -> None:
    try:
        _load(**extra)
    except ConfigError as exc:
        problems = exc.problems
    else:
        return
    assert problems
    assert all(isinstance(p, str) and p for p in problems)


# ------------------------------------------------------------------ running hours


def test_running_hours_become_cron_expressions_in_the_time_zone() -> None:
    hours = _env(_load(), "dev").running_hours
    assert hours is not None
    assert (hours.cron(hours.start), hours.cron(hours.stop), hours.timezone) == (
        "cron(0 8 ? * MON-FRI *)",
        "cron(0 20 ? * MON-FRI *)",
        "Europe/Madrid",
    )


def test_running_hours_refuse_a_stopped_recommender_they_would_start_every_day() -> None:
    # GIVEN -c dev.recommenders.best-sellers.state=stopped, with dev's running hours
    # THEN the message names the -c key, as every other message about an override does
    assert _problems(**{"dev.recommenders.best-sellers.state": "stopped"}) == [
        "-c dev.recommenders.best-sellers.state=stopped: with runningHours the schedule starts "
        "and stops recommenders; remove runningHours to keep it stopped, or set its state to "
        "running"
    ]


@pytest.mark.parametrize("value", ["8-20", "08:00", "25:00-20:00", "08:00-08:00"])
def test_running_hours_must_be_a_24_hour_range(value: str) -> None:
    assert _problems(**{"dev.runningHours": value}) == [
        f"-c dev.runningHours={value}: invalid; allowed: HH:MM-HH:MM in 24-hour time, e.g. "
        "08:00-20:00"
    ]


def test_time_zone_must_be_a_known_iana_name() -> None:
    assert _problems(**{"dev.timezone": "Mars/Olympus"}) == [
        "-c dev.timezone=Mars/Olympus: invalid; allowed: an IANA time zone, e.g. Europe/Madrid "
        "or UTC"
    ]


def test_running_days_without_running_hours_are_refused() -> None:
    assert _problems(**{"prod.runningDays": "MON-FRI"}) == [
        "-c prod.runningDays=MON-FRI: only used with runningHours; set "
        "environments.prod.runningHours (e.g. 08:00-20:00) or remove it"
    ]
