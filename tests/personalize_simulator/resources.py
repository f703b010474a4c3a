"""The simulated Personalize resources and the catalogue facts the simulator checks against.

The recipe list is deliberately independent of the project's own use-case catalogue: a fake that
imported the code under test would agree with its mistakes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .lifecycle import (
    ACTIVE,
    INACTIVE,
    START_IN_PROGRESS,
    START_PENDING,
    STOP_IN_PROGRESS,
    STOP_PENDING,
    Timeline,
)

RECIPE_PREFIX = "arn:aws:personalize:::recipe/"

# Domain recipe -> whether the use case takes itemExplorationConfig (dev guide, use-case pages).
DOMAIN_RECIPES: dict[str, dict[str, bool]] = {
    "ECOMMERCE": {
        RECIPE_PREFIX + "aws-ecomm-popular-items-by-views": False,
        RECIPE_PREFIX + "aws-ecomm-popular-items-by-purchases": False,
        RECIPE_PREFIX + "aws-ecomm-frequently-bought-together": False,
        RECIPE_PREFIX + "aws-ecomm-customers-who-viewed-x-also-viewed": False,
        RECIPE_PREFIX + "aws-ecomm-recommended-for-you": True,
    },
    "VIDEO_ON_DEMAND": {
        RECIPE_PREFIX + "aws-vod-because-you-watched-x": False,
        RECIPE_PREFIX + "aws-vod-more-like-x": False,
        RECIPE_PREFIX + "aws-vod-most-popular": False,
        RECIPE_PREFIX + "aws-vod-trending-now": False,
        RECIPE_PREFIX + "aws-vod-top-picks": True,
    },
}

DATASET_TYPES = frozenset({"INTERACTIONS", "ITEMS", "USERS", "ACTIONS", "ACTION_INTERACTIONS"})

# Fields a Domain dataset's schema must declare (ECOMMERCE datasets-and-schemas page).
REQUIRED_DOMAIN_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("ECOMMERCE", "INTERACTIONS"): ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"),
    ("ECOMMERCE", "ITEMS"): ("ITEM_ID", "PRICE", "CATEGORY_L1"),
    ("ECOMMERCE", "USERS"): ("USER_ID",),
}

METRIC_NAMES = (
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
)

# Statuses in which a recommender has a trained model to report metrics for.
TRAINED_STATUSES = frozenset(
    {ACTIVE, STOP_PENDING, STOP_IN_PROGRESS, INACTIVE, START_PENDING, START_IN_PROGRESS}
)


@dataclass
class DatasetGroup:
    arn: str
    name: str
    domain: str | None
    role_arn: str | None
    kms_key_arn: str | None
    created: datetime
    timeline: Timeline


@dataclass
class Schema:
    arn: str
    name: str
    body: str
    domain: str | None
    field_names: tuple[str, ...]
    created: datetime


@dataclass
class DatasetUpdate:
    schema_arn: str
    created: datetime
    timeline: Timeline


@dataclass
class Dataset:
    arn: str
    name: str
    dataset_type: str
    group_arn: str
    # The schema before the latest update (or since creation).
    base_schema_arn: str
    created: datetime
    timeline: Timeline
    update: DatasetUpdate | None = None

    def schema_at(self, now: datetime) -> str:
        if self.update is not None and self.update.timeline.status(now) == ACTIVE:
            return self.update.schema_arn
        return self.base_schema_arn

    def update_in_flight(self, now: datetime) -> bool:
        if self.update is None:
            return False
        return self.update.timeline.status(now) not in (ACTIVE, "CREATE FAILED")


@dataclass
class ImportJob:
    arn: str
    name: str
    dataset_arn: str
    data_location: str
    role_arn: str | None
    import_mode: str
    publish_metrics: bool
    created: datetime
    timeline: Timeline


@dataclass
class RecommenderUpdate:
    config: dict[str, Any]
    created: datetime
    timeline: Timeline


@dataclass
class Recommender:
    arn: str
    name: str
    group_arn: str
    recipe_arn: str
    # The configuration serving before the latest update (or since creation).
    base_config: dict[str, Any]
    created: datetime
    timeline: Timeline
    update: RecommenderUpdate | None = None

    def config_at(self, now: datetime) -> dict[str, Any]:
        if self.update is not None and self.update.timeline.status(now) == ACTIVE:
            return self.update.config
        return self.base_config

    def update_in_flight(self, now: datetime) -> bool:
        if self.update is None:
            return False
        return self.update.timeline.status(now) not in (ACTIVE, "CREATE FAILED")


@dataclass
class Filter:
    arn: str
    name: str
    group_arn: str
    expression: str
    created: datetime
    timeline: Timeline


@dataclass
class EventTracker:
    arn: str
    name: str
    group_arn: str
    tracking_id: str
    created: datetime
    timeline: Timeline


def model_metrics(name: str, recipe_arn: str) -> dict[str, float]:
    """Plausible offline metrics, stable for a given recommender name and recipe."""
    digest = hashlib.sha256(f"{name}|{recipe_arn}".encode()).digest()
    u = [byte / 255 for byte in digest[:8]]
    precision_5 = 0.02 + 0.10 * u[0]
    precision_10 = precision_5 * (0.80 + 0.15 * u[1])
    precision_25 = precision_10 * (0.60 + 0.30 * u[2])
    ndcg_5 = 0.05 + 0.25 * u[3]
    ndcg_10 = min(1.0, ndcg_5 * (1.05 + 0.15 * u[4]))
    ndcg_25 = min(1.0, ndcg_10 * (1.05 + 0.15 * u[5]))
    values = (
        0.15 + 0.60 * u[6],
        0.05 + 0.25 * u[7],
        ndcg_5,
        ndcg_10,
        ndcg_25,
        precision_5,
        precision_10,
        precision_25,
    )
    return {metric: round(value, 4) for metric, value in zip(METRIC_NAMES, values, strict=True)}
