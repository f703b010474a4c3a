"""Small template and price-table builders for the review tests: no synth, just dicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from personalize_domain.stack_outputs import EXPECTED_ACTIVE_USERS_METADATA
from review.pricing import PriceTable, load_prices
from review.template import Template, parse_template

STACK = "Shop-test"


def resource(
    type_: str, properties: dict[str, Any] | None = None, **attributes: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"Type": type_, **attributes}
    if properties is not None:
        body["Properties"] = properties
    return body


def template(
    resources: dict[str, dict[str, Any]],
    *,
    outputs: dict[str, Any] | None = None,
    source: Path | None = None,
    expected_active_users: int | None = None,
) -> Template:
    body: dict[str, Any] = {"Resources": resources}
    if outputs is not None:
        body["Outputs"] = outputs
    if expected_active_users is not None:
        body["Metadata"] = users_metadata(expected_active_users)
    return parse_template(source or Path(f"{STACK}.template.json"), body)


def users_metadata(expected_active_users: int) -> dict[str, Any]:
    """What the stack writes for an environment's `expectedActiveUsers`."""
    return {EXPECTED_ACTIVE_USERS_METADATA: {"expectedActiveUsers": expected_active_users}}


def write_template(
    directory: Path,
    stack: str,
    resources: dict[str, dict[str, Any]],
    expected_active_users: int | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stack}.template.json"
    body: dict[str, Any] = {"Resources": resources}
    if expected_active_users is not None:
        body["Metadata"] = users_metadata(expected_active_users)
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def recommender(
    name: str = "shop-test-best-sellers",
    *,
    recipe: str = "arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-purchases",
    min_rps: str = "1",
    state: str = "running",
    dataset_group: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    return resource(
        "Custom::PersonalizeRecommender",
        {
            "Name": name,
            "DatasetGroupArn": dataset_group or {"Fn::GetAtt": ["DatasetGroup", "DatasetGroupArn"]},
            "RecipeArn": recipe,
            "MinRecommendationRequestsPerSecond": min_rps,
            "ExplorationWeight": "",
            "ExplorationItemAgeCutOff": "",
            "State": state,
            **extra,
        },
    )


def price_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "currency": "USD",
        "as_of": "2026-01-01",
        "source": "test prices",
        "status": "EXAMPLE",
        "hours_per_month": 730,
        "assumed_active_users": 1000,
        "recommender": {
            "tiers": [
                {
                    "max_active_users": 100000,
                    "price_per_hour": 0.25,
                    "included_requests_per_hour": 4000,
                    "price_per_1000_extra_requests": 0.1,
                }
            ]
        },
        "data_ingestion": {"price_per_gb": 0.05},
    }
    data.update(overrides)
    return data


def write_prices(directory: Path, data: dict[str, Any] | None = None) -> Path:
    path = directory / "prices.json"
    path.write_text(json.dumps(data if data is not None else price_data()), encoding="utf-8")
    return path


def prices(directory: Path, data: dict[str, Any] | None = None) -> PriceTable:
    return load_prices(write_prices(directory, data))


def pause_schedule(
    action: str, recommender_id: str, cron: str, timezone: str = "Europe/Madrid"
) -> dict[str, Any]:
    """One half of a pause schedule, shaped like the synthesized `AWS::Scheduler::Schedule`."""
    target_arn = f":scheduler:::aws-sdk:personalize:{action}Recommender"
    return resource(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": cron,
            "ScheduleExpressionTimezone": timezone,
            "Target": {
                "Arn": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, target_arn]]},
                "Input": {"Fn::Join": ["", ['{"RecommenderArn":"', {"Ref": recommender_id}, '"}']]},
            },
        },
    )
