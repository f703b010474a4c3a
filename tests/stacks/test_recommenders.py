"""Recommenders in the template: one per configured use case, readiness wiring, parallel training,
per-environment configuration, and the deploy's critical path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from personalize_domain.use_cases import USE_CASES

TYPE = "Custom::PersonalizeRecommender"


def _recommenders(template: Template) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template.find_resources(TYPE)
    return found


def _by_name(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    (entry,) = [
        (k, v) for k, v in _recommenders(template).items() if v["Properties"]["Name"] == name
    ]
    return entry


def test_each_selected_use_case_gets_one_recommender(prod: Template) -> None:
    recipes = sorted(v["Properties"]["RecipeArn"] for v in _recommenders(prod).values())
    assert recipes == sorted(uc.recipe_arn for uc in USE_CASES.values())


def test_dev_creates_only_its_two_recommenders(dev: Template) -> None:
    names = sorted(v["Properties"]["Name"] for v in _recommenders(dev).values())
    assert names == ["shop-dev-best-sellers", "shop-dev-recommended-for-you"]


def test_recommended_for_you_sends_its_configuration_as_strings(dev: Template) -> None:
    _, body = _by_name(dev, "shop-dev-recommended-for-you")
    props = body["Properties"]
    assert {
        k: props[k]
        for k in (
            "MinRecommendationRequestsPerSecond",
            "ExplorationWeight",
            "ExplorationItemAgeCutOff",
            "State",
            "RecipeArn",
        )
    } == {
        "MinRecommendationRequestsPerSecond": "1",
        "ExplorationWeight": "0.3",
        "ExplorationItemAgeCutOff": "30",
        "State": "running",
        "RecipeArn": "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you",
    }


def test_use_case_without_exploration_leaves_it_unset(dev: Template) -> None:
    _, body = _by_name(dev, "shop-dev-best-sellers")
    assert (
        body["Properties"]["ExplorationWeight"],
        body["Properties"]["ExplorationItemAgeCutOff"],
    ) == ("", "")


def test_each_recommender_is_awaited_by_its_own_wait_condition(dev: Template) -> None:
    resources = dev.to_json()["Resources"]
    handles = []
    for logical_id, body in _recommenders(dev).items():
        handle = body["Properties"]["ReadinessHandle"]["Ref"]
        handles.append(handle)
        (condition,) = [
            v
            for v in resources.values()
            if v["Type"] == "AWS::CloudFormation::WaitCondition"
            and v["Properties"]["Handle"] == {"Ref": handle}
        ]
        assert condition["DependsOn"] == [logical_id]
    assert len(set(handles)) == len(handles)


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


def test_metrics_are_read_after_the_recommender_is_ready(dev: Template) -> None:
    resources = dev.to_json()["Resources"]
    _, body = _by_name(dev, "shop-dev-best-sellers")
    metrics_id = dev.to_json()["Outputs"]["BestSellersRecommenderMetrics"]["Value"]["Fn::GetAtt"][0]
    (condition,) = resources[metrics_id]["DependsOn"]
    assert resources[condition]["Properties"]["Handle"] == body["Properties"]["ReadinessHandle"]


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
    assert diff["changed"] == sorted([logical_id, metrics_id])
    assert len(diff["added"]) == len(diff["removed"]) == 2
    assert all(k.startswith("BestSellersRecommenderReady") for k in diff["added"] + diff["removed"])


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


@pytest.mark.parametrize("env", ["dev", "prod"])
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
