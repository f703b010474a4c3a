"""`status`: every Personalize resource of the environment, with its status."""

from __future__ import annotations

from day_two_env import DeployedEnv


def _line(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if name in line)


def test_status_lists_the_dataset_group_and_each_dataset(deployed: DeployedEnv) -> None:
    # GIVEN a deployed dev environment
    # WHEN status runs
    result = deployed.invoke(["status"])
    # THEN the group and its Interactions dataset are listed ACTIVE
    assert result.exit_code == 0, result.output
    assert _line(result.output, "dataset group").split()[2:4] == ["shop-dev", "ACTIVE"]
    assert "ACTIVE" in _line(result.output, "shop-dev-interactions (INTERACTIONS)")


def test_status_shows_the_latest_import_job_with_its_mode(deployed: DeployedEnv) -> None:
    # GIVEN the initial FULL import
    # WHEN status runs
    result = deployed.invoke(["status"])
    # THEN its job is listed with status and mode
    line = _line(result.output, "import job")
    assert "shop-dev-initial-import" in line
    assert "ACTIVE" in line
    assert "mode FULL" in line


def test_status_shows_why_the_latest_import_failed(deployed: DeployedEnv) -> None:
    # GIVEN a second import into the dataset that failed
    deployed.sim.fail_import(deployed.group.dataset_arn, "Input CSV is missing ITEM_ID.")
    deployed.sim.client().create_dataset_import_job(
        jobName="shop-dev-interactions-2",
        datasetArn=deployed.group.dataset_arn,
        dataSource={"dataLocation": "s3://shop-dev-data/interactions-2.csv"},
        roleArn=deployed.outputs["PersonalizeRoleArn"],
        importMode="INCREMENTAL",
    )
    deployed.sim.settle()
    # WHEN status runs
    result = deployed.invoke(["status"])
    # THEN only the latest job is shown, failed, with its mode and Personalize's reason
    line = _line(result.output, "import job")
    assert "shop-dev-interactions-2" in line
    assert "CREATE FAILED" in line
    assert "mode INCREMENTAL; failure: Input CSV is missing ITEM_ID." in line
    assert "shop-dev-initial-import" not in result.output


def test_status_shows_each_recommender_with_its_settings(deployed: DeployedEnv) -> None:
    # GIVEN recommended-for-you with exploration and best-sellers without
    # WHEN status runs
    result = deployed.invoke(["status"])
    # THEN each recommender shows use case, min RPS and exploration only where set
    rfy = _line(result.output, "shop-dev-recommended-for-you")
    assert "ACTIVE" in rfy
    assert "min RPS 1; exploration weight 0.3, item age cut-off 30 days" in rfy
    best = _line(result.output, "shop-dev-best-sellers")
    assert "best-sellers; min RPS 1" in best
    assert "exploration" not in best


def test_status_shows_the_latest_update_of_a_recommender(deployed: DeployedEnv) -> None:
    # GIVEN an update of best-sellers that failed
    arn = deployed.recommenders["best-sellers"]
    deployed.sim.fail_next_update(arn, reason="Not enough capacity.")
    deployed.sim.client().update_recommender(
        recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 5}
    )
    deployed.sim.settle()
    # WHEN status runs
    result = deployed.invoke(["status"])
    # THEN the recommender is still ACTIVE and its failed update is shown with the reason
    line = _line(result.output, "shop-dev-best-sellers")
    assert "ACTIVE" in line
    assert "latest update CREATE FAILED (failure: Not enough capacity.)" in line


def test_status_names_the_stack_and_region(deployed: DeployedEnv) -> None:
    # WHEN status runs for dev
    result = deployed.invoke(["status", "--env", "dev"])
    # THEN the first line says which stack and region it read
    assert result.output.splitlines()[0] == "PersonalizeShop-dev (eu-west-1)"


def test_status_lists_the_filters_and_the_recommenders_metadata_and_columns(
    shop: DeployedEnv,
) -> None:
    # GIVEN dev's two filters, and recommended-for-you with metadata and training columns
    arn = shop.recommenders["recommended-for-you"]
    shop.sim.client().update_recommender(
        recommenderArn=arn,
        recommenderConfig={
            "minRecommendationRequestsPerSecond": 1,
            "enableMetadataWithRecommendations": True,
            "trainingDataConfig": {"excludedDatasetColumns": {"ITEMS": ["ADULT", "GENDER"]}},
        },
    )
    shop.sim.settle()
    # WHEN status runs
    result = shop.invoke(["status"])
    # THEN each filter is a row with its status, and the recommender says what it returns and
    # trains on
    assert result.exit_code == 0, result.output
    filters = [
        line.split()[1:3] for line in result.output.splitlines() if line.startswith("filter")
    ]
    assert filters == [
        ["shop-dev-exclude-purchased-9f7ca312", "ACTIVE"],
        ["shop-dev-category-33b2cedc", "ACTIVE"],
    ]
    assert "item metadata; training excluded ITEMS: ADULT, GENDER" in _line(
        result.output, "shop-dev-recommended-for-you"
    )
