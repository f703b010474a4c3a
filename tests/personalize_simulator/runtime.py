"""An offline `personalize-runtime` (GetRecommendations) that reads recommenders from the simulator.

It answers recommenders only (not campaigns), from a catalogue of item ids, deterministically for
a given recommender, user and item. Like the control plane it sits beneath a real boto3 client,
so requests are checked by botocore's model and responses parsed by botocore's own parser.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence

from .errors import ServiceError, UnimplementedOperation, invalid_input, not_found
from .fake_service import FakeService, Params, operation
from .personalize import PersonalizeSimulator
from .resources import RECIPE_PREFIX

# Which ids GetRecommendations requires per domain recipe, read off the developer guide's use-case
# pages (kept apart from the project's use_cases.py, so a mistake there is not mirrored here).
REQUIRED_IDS: dict[str, tuple[bool, bool]] = {  # recipe -> (userId required, itemId required)
    RECIPE_PREFIX + "aws-ecomm-popular-items-by-views": (True, False),
    RECIPE_PREFIX + "aws-ecomm-popular-items-by-purchases": (True, False),
    RECIPE_PREFIX + "aws-ecomm-frequently-bought-together": (False, True),
    RECIPE_PREFIX + "aws-ecomm-customers-who-viewed-x-also-viewed": (True, True),
    RECIPE_PREFIX + "aws-ecomm-recommended-for-you": (True, False),
}

# The item ids of the committed sample (data/sample/items.csv names them SKU-000001...).
DEFAULT_CATALOGUE = tuple(f"SKU-{n:06d}" for n in range(1, 101))
DEFAULT_NUM_RESULTS = 25


class PersonalizeRuntimeSimulator(FakeService):
    """GetRecommendations for the recommenders a `PersonalizeSimulator` holds."""

    service_name = "personalize-runtime"

    def __init__(
        self, control_plane: PersonalizeSimulator, *, catalogue: Sequence[str] = DEFAULT_CATALOGUE
    ) -> None:
        super().__init__(
            region=control_plane.region, account=control_plane.account, clock=control_plane.clock
        )
        self.control_plane = control_plane
        self.catalogue = list(catalogue)
        # Users and items the recommender never saw in training: it answers an empty list (the
        # symptom an operator sees for a mistyped id).
        self.unknown_ids: set[str] = set()
        self._fixed: dict[str, list[str]] = {}

    def set_recommendations(self, recommender_arn: str, item_ids: Iterable[str]) -> None:
        """Make `recommender_arn` answer exactly these items, in this order, for any request."""
        self._fixed[recommender_arn] = list(item_ids)

    @operation("GetRecommendations")
    def _get_recommendations(self, req: Params) -> Params:
        arn = req.get("recommenderArn")
        if arn is None:
            raise UnimplementedOperation("GetRecommendations for campaigns is not simulated.")
        recommender = self._recommender(arn)
        status = recommender["status"]
        if status != "ACTIVE":
            # [H] AWS does not document the code for a stopped recommender; both modelled codes
            # are plausible, and the CLI checks the status itself before calling.
            raise invalid_input(f"Recommender {arn} is not active. Current status: {status}.")
        needs_user, needs_item = REQUIRED_IDS.get(recommender["recipeArn"], (False, False))
        user_id, item_id = req.get("userId"), req.get("itemId")
        if needs_user and not user_id:
            raise invalid_input("userId is required for this recommender.")
        if needs_item and not item_id:
            raise invalid_input("itemId is required for this recommender.")
        if {user_id, item_id} & self.unknown_ids:
            items: list[str] = []
        else:
            items = self._fixed.get(arn) or self._ranked(arn, user_id, item_id)
        items = items[: req.get("numResults", DEFAULT_NUM_RESULTS)]
        return {
            "itemList": [
                {"itemId": item, "score": round(0.2 * 0.85**rank, 6)}
                for rank, item in enumerate(items)
            ],
            "recommendationId": f"RID-{uuid.uuid5(uuid.NAMESPACE_URL, repr(sorted(req.items())))}",
        }

    def _recommender(self, arn: str) -> Params:
        try:
            # Setup path: not logged in the control plane's calls, never faulted.
            recommender: Params = self.control_plane._invoke(
                "DescribeRecommender", {"recommenderArn": arn}
            )["recommender"]
        except ServiceError as error:
            if error.code == "ResourceNotFoundException":
                raise not_found(arn) from error
            raise
        return recommender

    def _ranked(self, arn: str, user_id: str | None, item_id: str | None) -> list[str]:
        """A stable shuffle of the catalogue for this request, without the item asked about."""

        def key(item: str) -> bytes:
            return hashlib.sha256(f"{arn}|{user_id}|{item_id}|{item}".encode()).digest()

        return sorted((i for i in self.catalogue if i != item_id), key=key)
