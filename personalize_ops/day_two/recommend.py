"""Ask a recommender for items, as the console's "Test recommender" does, with item details."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from personalize_domain.config import EnvironmentConfig
from personalize_domain.schemas import DatasetType
from personalize_domain.use_cases import USE_CASES
from personalize_ops.day_two.clients import PersonalizeClient, PersonalizeRuntimeClient
from personalize_ops.day_two.errors import DayTwoError, error_detail
from personalize_ops.day_two.recommend_options import (
    ITEMS_METADATA_KEY,
    RequestOptions,
)
from personalize_ops.day_two.table import render_table


@dataclass(frozen=True)
class ItemDetails:
    category: str
    price: str


@dataclass(frozen=True)
class Recommendation:
    rank: int
    item_id: str
    score: float | None
    details: ItemDetails | None = None
    # The promotion that placed it, when a promotion was asked for.
    promotion: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recommendations:
    """One GetRecommendations answer: its items, and the recommendationId that metric
    attribution needs with a click or purchase of one of them (None if none came back)."""

    items: list[Recommendation]
    recommendation_id: str | None = None


@dataclass(frozen=True)
class ResolvedOptions:
    """The request's options with the filters' ARNs from the stack's outputs."""

    options: RequestOptions
    filter_arns: dict[str, str]

    def request(self) -> dict[str, Any]:
        """The GetRecommendations parameters they add."""
        found: dict[str, Any] = {}
        options = self.options
        if options.filter is not None:
            found["filterArn"] = self.filter_arns[options.filter.name]
            if options.filter.values:
                found["filterValues"] = options.filter.values
        if options.promotion is not None:
            promotion: dict[str, Any] = {
                "name": options.promotion.name,
                "percentPromotedItems": options.promotion.percent,
                "filterArn": self.filter_arns[options.promotion.filter.name],
            }
            if options.promotion.filter.values:
                promotion["filterValues"] = options.promotion.filter.values
            found["promotions"] = [promotion]
        if options.metadata_columns:
            found["metadataColumns"] = {ITEMS_METADATA_KEY: list(options.metadata_columns)}
        return found


NO_OPTIONS = ResolvedOptions(RequestOptions(), {})


def check_inputs(use_case_key: str, user_id: str | None, item_id: str | None) -> None:
    """Refuse what the use case cannot answer before any AWS call (developer guide table)."""
    use_case = USE_CASES[use_case_key]
    problems = []
    if use_case.needs_user_id and not user_id:
        problems.append("needs --user-id")
    if use_case.needs_item_id and not item_id:
        problems.append("needs --item-id")
    if not use_case.needs_user_id and user_id:
        problems.append("does not use --user-id")
    if not use_case.needs_item_id and item_id:
        problems.append("does not use --item-id")
    if problems:
        wanted = [
            flag
            for flag, needed in (
                ("--user-id USER", use_case.needs_user_id),
                ("--item-id ITEM", use_case.needs_item_id),
            )
            if needed
        ]
        raise DayTwoError(
            f"{use_case_key} ({use_case.console_name}) {' and '.join(problems)}; "
            f"call it with {' '.join(wanted)}"
        )


def require_active(
    personalize: PersonalizeClient, arn: str, use_case_key: str, env: str
) -> dict[str, Any]:
    """The recommender's description, once it is known to be ACTIVE."""
    recommender = dict(personalize.describe_recommender(recommenderArn=arn)["recommender"])
    status = recommender["status"]
    if status == "ACTIVE":
        return recommender
    if status == "INACTIVE":
        hint = f"start it with `start --env {env} --use-case {use_case_key}` (billing resumes)"
    else:
        hint = "it answers requests only when ACTIVE; check `status` and try again later"
    raise DayTwoError(f"recommender {use_case_key} is {status}, not ACTIVE: {hint}")


def require_metadata(recommender: dict[str, Any], use_case_key: str, env: str) -> None:
    """Metadata comes only from a recommender created or updated with it (billed extra)."""
    config = recommender.get("recommenderConfig") or {}
    if config.get("enableMetadataWithRecommendations"):
        return
    raise DayTwoError(
        f"recommender {use_case_key} does not return item metadata: set "
        f"environments.{env}.recommenders.{use_case_key}.enableMetadataWithRecommendations to "
        f"true in cdk.json and run `make deploy ENV={env}` (Personalize bills it extra; see "
        "`make review`), or leave out --metadata-columns"
    )


def get_recommendations(
    runtime: PersonalizeRuntimeClient,
    arn: str,
    *,
    user_id: str | None,
    item_id: str | None,
    num_results: int,
    options: ResolvedOptions = NO_OPTIONS,
) -> Recommendations:
    request: dict[str, object] = {"recommenderArn": arn, "numResults": num_results}
    if user_id:
        request["userId"] = user_id
    if item_id:
        request["itemId"] = item_id
    request.update(options.request())
    try:
        answer = runtime.get_recommendations(**request)
    except ClientError as error:
        code, message = error_detail(error)
        raise DayTwoError(f"Personalize refused the request ({code or ''}): {message}") from error
    items = answer["itemList"]
    if not items:
        asked = " and ".join(
            f"{label} {value}" for label, value in (("user", user_id), ("item", item_id)) if value
        )
        if options.options.filter_names:
            raise DayTwoError(
                f"Personalize returned no recommendations for {asked} with filter(s) "
                f"{', '.join(options.options.filter_names)}: no recommended item passes them; "
                "try other filter values, or without the filter"
            )
        raise DayTwoError(
            f"Personalize returned no recommendations for {asked}: the id is probably unknown "
            "to the recommender (not in the data it trained on); try an id from the "
            "interactions file"
        )
    found = [
        Recommendation(
            rank=rank,
            item_id=item["itemId"],
            score=item.get("score"),
            promotion=item.get("promotionName"),
            metadata=dict(item.get("metadata") or {}),
        )
        for rank, item in enumerate(items, start=1)
    ]
    return Recommendations(found, answer.get("recommendationId"))


def items_csv(env: EnvironmentConfig, root: Path) -> Path | None:
    """The environment's items file when it is local; None for s3:// or no items dataset."""
    dataset = env.dataset(DatasetType.ITEMS)
    if dataset is None or dataset.is_s3_uri:
        return None
    path = dataset.local_path(root)
    return path if path.is_file() else None


def item_details(path: Path, item_ids: Iterable[str]) -> dict[str, ItemDetails]:
    """Category (L1/L2/L3 joined by /) and price of the given items, read from the items CSV."""
    wanted = set(item_ids)
    found: dict[str, ItemDetails] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            item_id = row.get("ITEM_ID", "")
            if item_id in wanted:
                levels = [row.get(f"CATEGORY_L{n}") or "" for n in (1, 2, 3)]
                found[item_id] = ItemDetails(
                    category="/".join(level for level in levels if level),
                    price=row.get("PRICE") or "",
                )
                if len(found) == len(wanted):
                    break
    return found


def enrich(recommendations: Recommendations, path: Path) -> Recommendations:
    details = item_details(path, (r.item_id for r in recommendations.items))
    return replace(
        recommendations,
        items=[replace(r, details=details.get(r.item_id)) for r in recommendations.items],
    )


def recommend(
    personalize: PersonalizeClient,
    runtime: PersonalizeRuntimeClient,
    *,
    arn: str,
    env: str,
    use_case_key: str,
    user_id: str | None,
    item_id: str | None,
    num_results: int,
    items_file: Path | None,
    options: ResolvedOptions = NO_OPTIONS,
) -> Recommendations:
    check_inputs(use_case_key, user_id, item_id)
    recommender = require_active(personalize, arn, use_case_key, env)
    if options.options.metadata_columns:
        require_metadata(recommender, use_case_key, env)
    found = get_recommendations(
        runtime, arn, user_id=user_id, item_id=item_id, num_results=num_results, options=options
    )
    return enrich(found, items_file) if items_file is not None else found


def render_recommendations(
    recommendations: Recommendations,
    *,
    enriched: bool,
    promoted: bool = False,
    metadata_columns: tuple[str, ...] = (),
) -> str:
    headers = ["RANK", "ITEM", "SCORE"]
    headers += ["PROMOTION"] if promoted else []
    headers += ["CATEGORY", "PRICE"] if enriched else []
    headers += list(metadata_columns)
    rows = []
    for r in recommendations.items:
        row = [str(r.rank), r.item_id, "-" if r.score is None else f"{r.score:.4f}"]
        if promoted:
            row.append(r.promotion or "-")
        if enriched:
            row += [r.details.category, r.details.price] if r.details else ["?", "?"]
        row += [r.metadata.get(column) or "-" for column in metadata_columns]
        rows.append(row)
    right = [0, 2] + ([len(headers) - len(metadata_columns) - 1] if enriched else [])
    table = render_table(headers, rows, right=tuple(right))
    if recommendations.recommendation_id is None:
        return table
    return (
        f"{table}\nrecommendation id: {recommendations.recommendation_id} "
        "(for metric attribution: `event --recommendation-id`)"
    )
