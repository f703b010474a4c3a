"""`recommend`: the console's "Test recommender", with item details from the local items CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from day_two_env import DeployedEnv
from recommend_output import recommendation_id, table_rows

from personalize_domain.config import load_app_config
from personalize_ops.day_two.recommend import items_csv

ROOT = Path(__file__).resolve().parents[2]
RFY = ["recommend", "--use-case", "recommended-for-you"]


def test_recommend_prints_rank_item_score_category_and_price(deployed: DeployedEnv) -> None:
    # GIVEN the recommender answers two sample items in a fixed order
    arn = deployed.recommenders["recommended-for-you"]
    deployed.runtime.set_recommendations(arn, ["SKU-000002", "SKU-000001"])
    with (ROOT / "data" / "sample" / "items.csv").open() as handle:
        sku2 = next(row for row in csv.DictReader(handle) if row["ITEM_ID"] == "SKU-000002")
    # WHEN a user's recommendations are asked for
    result = deployed.invoke([*RFY, "--user-id", "U0000001"])
    # THEN each item is a row with rank, id, score and its category and price from items.csv
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == ["RANK", "ITEM", "SCORE", "CATEGORY", "PRICE"]
    category = f"{sku2['CATEGORY_L1']}/{sku2['CATEGORY_L2']}/{sku2['CATEGORY_L3']}"
    assert table_rows(result.output)[0] == ["1", "SKU-000002", "0.2000", category, sku2["PRICE"]]
    assert [row[1] for row in table_rows(result.output)] == ["SKU-000002", "SKU-000001"]


def test_recommend_asks_for_the_user_and_number_of_results(deployed: DeployedEnv) -> None:
    # WHEN 3 results are asked for a user
    result = deployed.invoke([*RFY, "--user-id", "U0000001", "--num-results", "3"])
    # THEN Personalize receives exactly that request, and 3 rows are printed
    assert result.exit_code == 0, result.output
    assert deployed.runtime.calls_to("GetRecommendations") == [
        {
            "recommenderArn": deployed.recommenders["recommended-for-you"],
            "userId": "U0000001",
            "numResults": 3,
        }
    ]
    assert len(table_rows(result.output)) == 3


def test_recommend_prints_the_recommendation_id_personalize_returned(
    deployed: DeployedEnv,
) -> None:
    # WHEN a user's recommendations are asked for
    result = deployed.invoke([*RFY, "--user-id", "U0000001", "--num-results", "3"])
    # THEN the recommendationId of that answer follows the table, for `event` to send back
    assert result.exit_code == 0, result.output
    (request,) = deployed.runtime.calls_to("GetRecommendations")
    answered = deployed.runtime.client().get_recommendations(**request)["recommendationId"]
    assert recommendation_id(result.output) == answered
    assert result.output.splitlines()[-1] == (
        f"recommendation id: {answered} (for metric attribution: `event --recommendation-id`)"
    )


def test_recommend_prints_no_id_line_when_personalize_returns_none(
    deployed: DeployedEnv,
) -> None:
    # GIVEN an answer without a recommendationId (the member is optional in the model)
    deployed.runtime.omit("GetRecommendations", "recommendationId")
    # WHEN recommendations are asked for
    result = deployed.invoke([*RFY, "--user-id", "U0000001", "--num-results", "3"])
    # THEN the table is printed alone
    assert result.exit_code == 0, result.output
    assert recommendation_id(result.output) is None
    assert len(result.output.splitlines()) == 2 + 3


def test_recommend_refuses_a_missing_user_id_before_calling_aws(deployed: DeployedEnv) -> None:
    # WHEN recommended-for-you is asked without a user
    result = deployed.invoke(RFY)
    # THEN it says what the use case needs, exits 1, and nothing was called
    assert result.exit_code == 1
    assert "recommended-for-you (Recommended for you) needs --user-id" in result.stderr
    assert "Traceback" not in result.output
    assert deployed.sim.calls == []
    assert deployed.runtime.calls == []


def test_recommend_refuses_an_item_id_the_use_case_does_not_use(deployed: DeployedEnv) -> None:
    # WHEN best-sellers is given an item
    result = deployed.invoke(
        ["recommend", "--use-case", "best-sellers", "--user-id", "U1", "--item-id", "SKU-1"]
    )
    # THEN the error names the unused option and the right call
    assert result.exit_code == 1
    assert "does not use --item-id; call it with --user-id USER" in result.stderr
    assert deployed.runtime.calls == []


def test_recommend_refuses_a_use_case_not_configured_in_the_env(deployed: DeployedEnv) -> None:
    # GIVEN dev deploys recommended-for-you and best-sellers only
    # WHEN frequently-bought-together is asked for
    result = deployed.invoke(
        ["recommend", "--use-case", "frequently-bought-together", "--item-id", "SKU-000001"]
    )
    # THEN the error says it is not configured, what is, and how to add it
    assert result.exit_code == 1
    assert (
        "use case frequently-bought-together is not configured in environment dev "
        "(deployed: best-sellers, recommended-for-you); add it under "
        "environments.dev.recommenders in cdk.json" in result.stderr
    )


def test_recommend_on_a_stopped_recommender_says_to_start_it(deployed: DeployedEnv) -> None:
    # GIVEN recommended-for-you was stopped
    deployed.sim.client().stop_recommender(
        recommenderArn=deployed.recommenders["recommended-for-you"]
    )
    deployed.sim.settle()
    # WHEN it is asked for recommendations
    result = deployed.invoke([*RFY, "--user-id", "U0000001"])
    # THEN the error gives its status and the start command, without calling the runtime
    assert result.exit_code == 1
    assert "recommender recommended-for-you is INACTIVE, not ACTIVE" in result.stderr
    assert "`start --env dev --use-case recommended-for-you`" in result.stderr
    assert deployed.runtime.calls == []


def test_recommend_on_a_stopping_recommender_says_to_wait(deployed: DeployedEnv) -> None:
    # GIVEN recommended-for-you is being stopped
    deployed.sim.client().stop_recommender(
        recommenderArn=deployed.recommenders["recommended-for-you"]
    )
    # WHEN it is asked for recommendations
    result = deployed.invoke([*RFY, "--user-id", "U0000001"])
    # THEN the error gives its transitional status
    assert result.exit_code == 1
    assert "is STOP PENDING, not ACTIVE" in result.stderr


def test_recommend_reports_an_unknown_user(deployed: DeployedEnv) -> None:
    # GIVEN Personalize knows nothing of user NOBODY and answers an empty list
    deployed.runtime.unknown_ids.add("NOBODY")
    # WHEN NOBODY's recommendations are asked for
    result = deployed.invoke([*RFY, "--user-id", "NOBODY"])
    # THEN the error says so and suggests an id from the data
    assert result.exit_code == 1
    assert "Personalize returned no recommendations for user NOBODY" in result.stderr


def test_recommend_reports_an_error_from_personalize(deployed: DeployedEnv) -> None:
    # GIVEN the runtime refuses the request (e.g. stopped between describe and call)
    deployed.runtime.inject(
        "GetRecommendations", "InvalidInputException", message="Recommender is not active."
    )
    # WHEN recommendations are asked for
    result = deployed.invoke([*RFY, "--user-id", "U0000001"])
    # THEN Personalize's code and message are reported, exit 1
    assert result.exit_code == 1
    assert (
        "Personalize refused the request (InvalidInputException): Recommender is not active."
        in result.stderr
    )


def test_items_from_s3_are_not_read_for_details() -> None:
    # GIVEN an environment whose items dataset is in S3
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    context["environments"]["dev"]["datasets"]["items"]["source"] = "s3://shop-data/items.csv"
    dev = next(e for e in load_app_config(context).environments if e.name == "dev")
    # WHEN the items file for enrichment is looked up
    # THEN there is none: the CLI prints ids and scores only
    assert items_csv(dev, ROOT) is None


def test_a_local_items_file_is_used_for_details() -> None:
    # GIVEN cdk.json's dev environment, whose items are data/sample/items.csv
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    dev = next(e for e in load_app_config(context).environments if e.name == "dev")
    # WHEN the items file is looked up
    # THEN it is that file under the project root
    assert items_csv(dev, ROOT) == ROOT / "data" / "sample" / "items.csv"
