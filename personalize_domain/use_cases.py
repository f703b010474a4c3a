"""The ECOMMERCE recommender use cases: recipe ARNs, inputs and training-data minimums.

Source: Amazon Personalize developer guide, "ECOMMERCE use cases" (choosing a use case, and
the data each one needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MIN_INTERACTIONS = 1000
MIN_USERS_WITH_TWO_INTERACTIONS = 25


class EventType(StrEnum):
    VIEW = "View"
    PURCHASE = "Purchase"


@dataclass(frozen=True)
class UseCase:
    key: str
    console_name: str
    recipe_arn: str
    needs_user_id: bool
    needs_item_id: bool
    supports_exploration: bool
    # Event type that must appear at least MIN_INTERACTIONS times; None = any events count.
    required_event_type: EventType | None


USE_CASES: dict[str, UseCase] = {
    uc.key: uc
    for uc in (
        UseCase(
            key="most-viewed",
            console_name="Most viewed",
            recipe_arn="arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-views",
            needs_user_id=True,
            needs_item_id=False,
            supports_exploration=False,
            required_event_type=EventType.VIEW,
        ),
        UseCase(
            key="best-sellers",
            console_name="Best sellers",
            recipe_arn="arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-purchases",
            needs_user_id=True,
            needs_item_id=False,
            supports_exploration=False,
            required_event_type=EventType.PURCHASE,
        ),
        UseCase(
            key="frequently-bought-together",
            console_name="Frequently bought together",
            recipe_arn="arn:aws:personalize:::recipe/aws-ecomm-frequently-bought-together",
            needs_user_id=False,
            needs_item_id=True,
            supports_exploration=False,
            required_event_type=EventType.PURCHASE,
        ),
        UseCase(
            key="customers-who-viewed-x-also-viewed",
            console_name="Customers who viewed X also viewed",
            recipe_arn="arn:aws:personalize:::recipe/aws-ecomm-customers-who-viewed-x-also-viewed",
            needs_user_id=True,
            needs_item_id=True,
            supports_exploration=False,
            required_event_type=EventType.VIEW,
        ),
        UseCase(
            key="recommended-for-you",
            console_name="Recommended for you",
            recipe_arn="arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you",
            needs_user_id=True,
            needs_item_id=False,
            supports_exploration=True,
            required_event_type=None,
        ),
    )
}
