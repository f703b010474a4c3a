"""Recommenders in each environment: one per configured use case with its settings, parallel
training, and the deploy's critical path (the recommender alone is tested in
tests/constructs/test_recommender_construct.py)."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

from stacks.personalize_stack import PersonalizeShopStack

TYPE = "Custom::PersonalizeRecommender"


def _recommenders(template: Template) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template.find_resources(TYPE)
    return found


def _by_name(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    (entry,) = [
        (k, v) for k, v in _recommenders(template).items() if v["Properties"]["Name"] == name
    ]
    return entry


def test_waits_are_longer_than_cloudformations_one_hour(dev: Template) -> None:
    conditions = dev.find_resources("AWS::CloudFormation::WaitCondition").values()
    assert {int(c["Properties"]["Timeout"]) for c in conditions} == {6 * 3600}
    (machine,) = [
        v
        for k, v in dev.find_resources("AWS::StepFunctions::StateMachine").items()
        if k.startswith("Readiness")
    ]
    definition = "".join(
        p for p in machine["Properties"]["DefinitionString"]["Fn::Join"][1] if isinstance(p, str)
    )
    assert json.loads(definition)["TimeoutSeconds"] == 6 * 3600


def test_each_configured_recommender_gets_its_configuration(
    stacks: dict[str, PersonalizeShopStack], templates: dict[str, Template], env: str
) -> None:
    # GIVEN the environment's recommenders in cdk.json / THEN one recommender each, named for the
    # environment, with the configured settings
    config = stacks[env].config
    found = {
        v["Properties"]["Name"]: v["Properties"] for v in _recommenders(templates[env]).values()
    }
    expected = {
        f"{config.name_prefix}-{r.use_case.key}": {
            "RecipeArn": r.use_case.recipe_arn,
            "MinRecommendationRequestsPerSecond": str(r.min_recommendation_requests_per_second),
            "ExplorationWeight": _text(r.exploration_weight),
            "ExplorationItemAgeCutOff": _text(r.exploration_item_age_cut_off_days),
            "State": r.state.value,
        }
        for r in config.recommenders
    }
    assert {name: {k: found[name][k] for k in expected[name]} for name in found} == expected


def _text(value: float | int | None) -> str:
    return "" if value is None else str(value)


def test_recommenders_wait_for_every_import_and_nothing_of_their_kind(dev: Template) -> None:
    resources = dev.to_json()["Resources"]
    import_conditions = {
        k
        for k, v in resources.items()
        if v["Type"] == "AWS::CloudFormation::WaitCondition"
        and resources[v["DependsOn"][0]]["Type"] == "Custom::PersonalizeDatasetImport"
    }
    for body in _recommenders(dev).values():
        depends = set(body["DependsOn"])
        assert import_conditions <= depends
        assert not {d for d in depends if resources[d]["Type"] == TYPE}


def test_each_recommender_publishes_its_arn_and_metrics(dev: Template) -> None:
    resources = dev.to_json()["Resources"]
    outputs = dev.to_json()["Outputs"]
    logical_id, _ = _by_name(dev, "shop-dev-best-sellers")
    assert outputs["BestSellersRecommenderArn"]["Value"] == {"Ref": logical_id}
    metrics_id, attribute = outputs["BestSellersRecommenderMetrics"]["Value"]["Fn::GetAtt"]
    assert attribute == "Json"
    assert resources[metrics_id]["Properties"]["RecommenderArn"] == {"Ref": logical_id}


# ---------------------------------------------------------------- -c overrides


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    b, a = before["Resources"], after["Resources"]
    return {
        "added": sorted(set(a) - set(b)),
        "removed": sorted(set(b) - set(a)),
        "changed": sorted(k for k in set(a) & set(b) if a[k] != b[k]),
    }


def test_min_rps_override_changes_only_that_recommender_in_place(synth, templates) -> None:  # type: ignore[no-untyped-def]
    # GIVEN prod, WHEN -c prod.recommenders.best-sellers.minRecommendationRequestsPerSecond=3
    before = templates["prod"].to_json()
    key = "prod.recommenders.best-sellers.minRecommendationRequestsPerSecond"
    after = Template.from_stack(synth({"env": "prod", key: "3"})["prod"]).to_json()
    diff = _diff(before, after)
    logical_id, _ = _by_name(templates["prod"], "shop-prod-best-sellers")
    # THEN the recommender keeps its logical id (no replacement) and only its properties change
    changed = {
        k
        for k, v in after["Resources"][logical_id]["Properties"].items()
        if before["Resources"][logical_id]["Properties"][k] != v
    }
    assert changed == {"MinRecommendationRequestsPerSecond", "ReadinessHandle"}
    assert after["Resources"][logical_id]["Properties"]["MinRecommendationRequestsPerSecond"] == "3"
    # ... its metrics are read again, and its WaitCondition and handle are a new pair
    metrics_id = after["Outputs"]["BestSellersRecommenderMetrics"]["Value"]["Fn::GetAtt"][0]
    # ... and the monitoring that states the minimum: the idle alarm's text and the dashboard's
    # line change, and above 1 the recommender gains a low-utilization alarm
    alarms = {
        body["Properties"]["AlarmName"]: k
        for k, body in after["Resources"].items()
        if body["Type"] == "AWS::CloudWatch::Alarm"
    }
    (dashboard,) = [k for k, b in after["Resources"].items() if b["Type"].endswith("Dashboard")]
    assert diff["changed"] == sorted(
        [logical_id, metrics_id, alarms["shop-prod-best-sellers-idle"], dashboard]
    )
    utilization = alarms["shop-prod-best-sellers-low-utilization"]
    assert utilization in diff["added"]
    waits = [k for k in diff["added"] if k != utilization] + diff["removed"]
    assert len(waits) == 4
    assert all(k.startswith("BestSellersRecommenderReady") for k in waits)


# ---------------------------------------------------------------- critical path

IMPORT_MINUTES, TRAINING_MINUTES = 3, 60


def _durations(resources: dict[str, Any]) -> dict[str, float]:
    durations = {}
    for logical_id, body in resources.items():
        if body["Type"] != "AWS::CloudFormation::WaitCondition":
            continue
        owner = resources[body["DependsOn"][0]]["Type"]
        durations[logical_id] = {
            "Custom::PersonalizeDatasetImport": IMPORT_MINUTES,
            TYPE: TRAINING_MINUTES,
            # A batch solution's version trains beside the recommenders, not after them.
            "Custom::PersonalizeSolutionVersion": TRAINING_MINUTES,
        }[owner]
    return durations


def _critical_path_minutes(template: dict[str, Any]) -> float:
    """Longest chain of simulated durations through the dependency graph (Ref/GetAtt/DependsOn)."""
    resources = template["Resources"]
    durations = _durations(resources)

    def edges(body: dict[str, Any]) -> set[str]:
        found = set(body.get("DependsOn", []))
        text = json.dumps(body.get("Properties", {}))
        for other in resources:
            if f'{{"Ref": "{other}"}}' in text or f'["{other}", ' in text:
                found.add(other)
        return found

    graph = {k: edges(v) for k, v in resources.items()}
    finish: dict[str, float] = {}

    def finish_time(node: str) -> float:
        if node not in finish:
            start = max((finish_time(d) for d in graph[node]), default=0.0)
            finish[node] = start + durations.get(node, 0.0)
        return finish[node]

    return max(finish_time(k) for k in resources)


def test_deploy_takes_the_longest_import_plus_the_longest_training(templates, env: str) -> None:  # type: ignore[no-untyped-def]
    # Imports run in parallel, then every recommender trains in parallel: 3 + 60 minutes, not
    # 3 x imports + 60 x recommenders.
    total = _critical_path_minutes(templates[env].to_json())
    expected = IMPORT_MINUTES + TRAINING_MINUTES
    assert abs(total - expected) <= 0.05 * expected


# ---------------------------------------------------------------- metadata and training columns


def test_recommenders_without_metadata_or_training_columns_do_not_carry_them(
    dev: Template,
) -> None:
    # Unset, they are not written at all: existing recommenders' properties stay as they were.
    for body in _recommenders(dev).values():
        assert "EnableMetadataWithRecommendations" not in body["Properties"]
        assert "TrainingDataConfig" not in body["Properties"]


def test_metadata_and_training_columns_are_applied_in_place(synth, templates) -> None:  # type: ignore[no-untyped-def]
    # GIVEN dev, WHEN recommended-for-you gets metadata and leaves a column out of training
    before = templates["dev"].to_json()
    prefix = "dev.recommenders.recommended-for-you"
    overrides = {
        "env": "dev",
        f"{prefix}.enableMetadataWithRecommendations": "true",
        f"{prefix}.trainingDataConfig": '{"excludedDatasetColumns": {"items": ["ADULT"]}}',
    }
    after = Template.from_stack(synth(overrides)["dev"]).to_json()
    logical_id, _ = _by_name(templates["dev"], "shop-dev-recommended-for-you")
    # THEN the same recommender (no replacement) carries both, as strings the handler parses
    props = after["Resources"][logical_id]["Properties"]
    assert props["EnableMetadataWithRecommendations"] == "true"
    assert json.loads(props["TrainingDataConfig"]) == {
        "excludedDatasetColumns": {"ITEMS": ["ADULT"]}
    }
    changed = {
        k for k, v in props.items() if before["Resources"][logical_id]["Properties"].get(k) != v
    }
    assert changed == {
        "EnableMetadataWithRecommendations",
        "TrainingDataConfig",
        "ReadinessHandle",
    }
    # ... and a new operation: CloudFormation waits until Personalize has applied it
    diff = _diff(before, after)
    assert all(k.startswith("RecommendedForYouRecommenderReady") for k in diff["added"])
    assert len(diff["added"]) == 2
