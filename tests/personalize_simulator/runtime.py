"""An offline `personalize-runtime` (GetRecommendations) that reads recommenders from the simulator.

It answers recommenders only (not campaigns), from a catalogue of item ids, deterministically for
a given recommender, user and item. Like the control plane it sits beneath a real boto3 client,
so requests are checked by botocore's model and responses parsed by botocore's own parser.

Given the shop's data (`load_csv`), it also ranks the popularity use cases by their event counts,
applies filters (`filterArn`, `filterValues`) and promotions the way `filtering.py` describes,
and returns item metadata (`metadataColumns`).
"""

from __future__ import annotations

import csv
import hashlib
import math
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from .errors import ServiceError, UnimplementedOperation, invalid_input, not_found
from .fake_service import FakeService, Params, operation
from .filtering import (
    FilterExpressionError,
    Part,
    Request,
    ShopData,
    applicable_parts,
    keeps,
    parse_filter,
    parse_filter_values,
)
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
# [D] (ECOMMERCE use-case pages) these leave out what the user already purchased.
SKIPS_PURCHASED = frozenset(
    {
        RECIPE_PREFIX + "aws-ecomm-customers-who-viewed-x-also-viewed",
        RECIPE_PREFIX + "aws-ecomm-recommended-for-you",
    }
)
POPULAR_BY = {
    RECIPE_PREFIX + "aws-ecomm-popular-items-by-purchases": "purchases",
    RECIPE_PREFIX + "aws-ecomm-popular-items-by-views": "views",
}

# The item ids of the committed sample (data/sample/items.csv names them SKU-000001...).
DEFAULT_CATALOGUE = tuple(f"SKU-{n:06d}" for n in range(1, 101))
DEFAULT_NUM_RESULTS = 25
# [D] GetRecommendations with metadataColumns answers at most 50 items.
MAX_RESULTS_WITH_METADATA = 50


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
        self.data = ShopData()
        self._fixed: dict[str, list[str]] = {}

    def set_recommendations(self, recommender_arn: str, item_ids: Iterable[str]) -> None:
        """Make `recommender_arn` answer exactly these items, in this order, for any request
        (filters and promotions still apply)."""
        self._fixed[recommender_arn] = list(item_ids)

    def load_csv(self, dataset_type: str, path: Path) -> None:
        """The shop's data, as its import jobs would have brought it in: "Interactions", "Items"
        or "Users". Items become the catalogue."""
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        self.load_rows(dataset_type, rows)

    def load_rows(self, dataset_type: str, rows: Sequence[Mapping[str, str]]) -> None:
        if dataset_type == "Interactions":
            self.data.add_interactions(list(rows))
        elif dataset_type == "Items":
            self.data.items.update({row["ITEM_ID"]: dict(row) for row in rows})
            self.catalogue = list(self.data.items)
        elif dataset_type == "Users":
            self.data.users.update({row["USER_ID"]: dict(row) for row in rows})
        else:
            raise ValueError(f"unknown dataset type {dataset_type!r}")

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
        num_results = req.get("numResults", DEFAULT_NUM_RESULTS)
        columns = self._metadata_columns(req, recommender, num_results)
        request_filter = self._filter(
            req.get("filterArn"), req.get("filterValues", {}), recommender, user_id, item_id
        )
        promotion = self._promotion(req.get("promotions", []), recommender, user_id, item_id)
        if {user_id, item_id} & self.unknown_ids:
            ranked: list[str] = []
        else:
            ranked = self._candidates(arn, recommender["recipeArn"], user_id, item_id)
        entries = _assemble(ranked, request_filter, promotion, num_results, self._keeps, req)
        return {
            "itemList": [
                self._entry(item, rank, promoted, columns)
                for rank, (item, promoted) in enumerate(entries)
            ],
            "recommendationId": f"RID-{uuid.uuid5(uuid.NAMESPACE_URL, repr(sorted(req.items())))}",
        }

    # -- what the request asks for -------------------------------------------------------------

    def _filter(
        self,
        filter_arn: str | None,
        raw_values: Mapping[str, str],
        recommender: Params,
        user_id: str | None,
        item_id: str | None,
    ) -> tuple[list[Part], Request] | None:
        if filter_arn is None:
            if raw_values:
                raise invalid_input("filterValues were given without a filterArn.")
            return None
        found = self._filter_resource(filter_arn)
        if found["datasetGroupArn"] != recommender["datasetGroupArn"]:
            # [H] code and text.
            raise invalid_input(
                f"Filter {filter_arn} belongs to another dataset group than recommender "
                f"{recommender['recommenderArn']}."
            )
        if found["status"] != "ACTIVE":
            raise invalid_input(
                f"Filter {filter_arn} is not active. Current status: {found['status']}."
            )
        try:
            parts = parse_filter(found["filterExpression"])
        except FilterExpressionError as error:  # accepted by CreateFilter, so not expected
            raise UnimplementedOperation(f"filter {filter_arn}: {error}") from error
        values: dict[str, tuple[str, ...]] = {}
        for key, raw in raw_values.items():
            parsed = parse_filter_values(raw)
            if parsed is None:
                # [H] text; [D] string values are given in escaped double quotes.
                raise invalid_input(
                    f"Invalid filter value for {key}: {raw!r}. Give strings in double quotes "
                    'separated by commas, for example "\\"shoes\\",\\"boots\\"".'
                )
            values[key] = parsed
        needed = {p for part in parts if part.action == "INCLUDE" for p in part.parameters()}
        missing = sorted(needed - set(values))
        if missing:
            # [D] INCLUDE parameters need values; [H] code and text.
            raise invalid_input(
                f"Filter {filter_arn} needs values for its INCLUDE parameters: "
                f"{', '.join(missing)}."
            )
        request = Request(user_id, item_id, values)
        return applicable_parts(parts, request, self.data), request

    def _promotion(
        self,
        promotions: list[Params],
        recommender: Params,
        user_id: str | None,
        item_id: str | None,
    ) -> tuple[str, int, tuple[list[Part], Request]] | None:
        if not promotions:
            return None
        (promotion,) = promotions  # the model allows at most one
        if "filterArn" not in promotion or "percentPromotedItems" not in promotion:
            raise invalid_input("A promotion needs a filterArn and a percentPromotedItems.")
        rule = self._filter(
            promotion["filterArn"], promotion.get("filterValues", {}), recommender, user_id, item_id
        )
        assert rule is not None
        return promotion.get("name", "promotion"), promotion["percentPromotedItems"], rule

    def _metadata_columns(
        self, req: Params, recommender: Params, num_results: int
    ) -> tuple[str, ...]:
        requested = req.get("metadataColumns")
        if not requested:
            return ()
        config = recommender.get("recommenderConfig") or {}
        if not config.get("enableMetadataWithRecommendations"):
            # [D] metadata needs the recommender setting; [H] code and text.
            raise invalid_input(
                f"Recommender {recommender['recommenderArn']} does not have metadata enabled "
                "(enableMetadataWithRecommendations)."
            )
        if num_results > MAX_RESULTS_WITH_METADATA:
            raise invalid_input(
                f"numResults can be at most {MAX_RESULTS_WITH_METADATA} when metadataColumns "
                "are requested."
            )
        unknown = sorted(set(requested) - {"ITEMS"})
        if unknown:
            raise invalid_input(f"metadataColumns supports the ITEMS dataset only, not {unknown}.")
        columns = tuple(requested["ITEMS"])
        known = {column for row in self.data.items.values() for column in row}
        missing = [c for c in columns if c not in known]
        if missing:
            raise invalid_input(f"The Items dataset has no column(s) {', '.join(missing)}.")
        return columns

    # -- answering ------------------------------------------------------------------------------

    def _candidates(
        self, arn: str, recipe: str, user_id: str | None, item_id: str | None
    ) -> list[str]:
        """The recommender's full ranking before filters: fixed, popularity, or a stable shuffle."""
        if arn in self._fixed:
            ranked = list(self._fixed[arn])
        elif recipe in POPULAR_BY and (self.data.purchases or self.data.views):
            counts = getattr(self.data, POPULAR_BY[recipe])
            ranked = sorted(self.catalogue, key=lambda item: (-counts.get(item, 0), item))
        else:
            ranked = self._ranked(arn, user_id, item_id)
        if recipe in SKIPS_PURCHASED and user_id is not None:
            ranked = [i for i in ranked if "purchase" not in self.data.events_with(user_id, i)]
        return [i for i in ranked if i != item_id]

    def _keeps(self, rule: tuple[list[Part], Request] | None, item: str) -> bool:
        return rule is None or keeps(rule[0], item, rule[1], self.data)

    def _entry(
        self, item: str, rank: int, promotion: str | None, columns: tuple[str, ...]
    ) -> Params:
        entry: Params = {"itemId": item, "score": round(0.2 * 0.85**rank, 6)}
        if promotion is not None:
            entry["promotionName"] = promotion
        if columns:
            row = self.data.items.get(item, {})
            entry["metadata"] = {column: row.get(column, "") for column in columns}
        return entry

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

    def _filter_resource(self, arn: str) -> Params:
        try:
            found: Params = self.control_plane._invoke("DescribeFilter", {"filterArn": arn})[
                "filter"
            ]
        except ServiceError as error:
            if error.code == "ResourceNotFoundException":
                raise not_found(arn) from error
            raise
        return found

    def _ranked(self, arn: str, user_id: str | None, item_id: str | None) -> list[str]:
        """A stable shuffle of the catalogue for this request, without the item asked about."""

        def key(item: str) -> bytes:
            return hashlib.sha256(f"{arn}|{user_id}|{item_id}|{item}".encode()).digest()

        return sorted((i for i in self.catalogue if i != item_id), key=key)


def _assemble(
    ranked: list[str],
    request_filter: tuple[list[Part], Request] | None,
    promotion: tuple[str, int, tuple[list[Part], Request]] | None,
    num_results: int,
    keep: Callable[[tuple[list[Part], Request] | None, str], bool],
    req: Params,
) -> list[tuple[str, str | None]]:
    """[D] the promotion filter applies to promoted items only, the request filter to the rest;
    promoted items keep their own order and sit at positions drawn from the request ([D] "random",
    here stable); when too few items match the promotion, as many as there are."""
    promoted: list[str] = []
    if promotion is not None:
        _, percent, rule = promotion
        wanted = math.floor(num_results * percent / 100)  # [H] rounding down
        promoted = [i for i in ranked if keep(rule, i)][:wanted]
    rest = [i for i in ranked if i not in promoted and keep(request_filter, i)]
    rest = rest[: num_results - len(promoted)]
    total = len(promoted) + len(rest)
    seed = hashlib.sha256(repr(sorted(req.items())).encode()).digest()
    slots = sorted(range(total), key=lambda n: hashlib.sha256(seed + n.to_bytes(4, "big")).digest())
    promoted_slots = sorted(slots[: len(promoted)])
    name = promotion[0] if promotion is not None else None
    entries: list[tuple[str, str | None]] = []
    queue_promoted, queue_rest = iter(promoted), iter(rest)
    for position in range(total):
        if position in promoted_slots:
            entries.append((next(queue_promoted), name))
        else:
            entries.append((next(queue_rest), None))
    return entries
