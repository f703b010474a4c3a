"""`stop` and `start`: pause and resume the environment's recommenders now."""

from __future__ import annotations

from day_two_env import DeployedEnv


def test_stop_stops_every_active_recommender(deployed: DeployedEnv) -> None:
    # GIVEN two ACTIVE recommenders
    # WHEN stop runs without --use-case
    result = deployed.invoke(["stop"])
    # THEN both are stopping
    assert result.exit_code == 0, result.output
    assert sorted(p["recommenderArn"] for p in deployed.sim.calls_to("StopRecommender")) == sorted(
        deployed.recommenders.values()
    )
    assert {deployed.sim.status(arn) for arn in deployed.recommenders.values()} == {"STOP PENDING"}


def test_stop_skips_a_recommender_already_stopped(deployed: DeployedEnv) -> None:
    # GIVEN best-sellers is already INACTIVE
    best = deployed.recommenders["best-sellers"]
    deployed.sim.client().stop_recommender(recommenderArn=best)
    deployed.sim.settle()
    deployed.sim.calls.clear()
    # WHEN stop runs for all
    result = deployed.invoke(["stop"])
    # THEN only recommended-for-you is stopped, and best-sellers is noted as skipped
    assert result.exit_code == 0, result.output
    assert deployed.sim.calls_to("StopRecommender") == [
        {"recommenderArn": deployed.recommenders["recommended-for-you"]}
    ]
    assert "skipped: already INACTIVE" in result.output


def test_start_starts_only_the_named_use_case(deployed: DeployedEnv) -> None:
    # GIVEN both recommenders are INACTIVE
    control = deployed.sim.client()
    for arn in deployed.recommenders.values():
        control.stop_recommender(recommenderArn=arn)
    deployed.sim.settle()
    # WHEN start runs for best-sellers
    result = deployed.invoke(["start", "--use-case", "best-sellers"])
    # THEN best-sellers is starting and recommended-for-you stays INACTIVE
    assert result.exit_code == 0, result.output
    assert deployed.sim.status(deployed.recommenders["best-sellers"]) == "START PENDING"
    assert deployed.sim.status(deployed.recommenders["recommended-for-you"]) == "INACTIVE"


def test_start_skips_an_active_recommender(deployed: DeployedEnv) -> None:
    # GIVEN both recommenders ACTIVE
    # WHEN start runs
    result = deployed.invoke(["start"])
    # THEN nothing is started and the note says why
    assert result.exit_code == 0, result.output
    assert deployed.sim.calls_to("StartRecommender") == []
    assert result.output.count("skipped: already ACTIVE") == 2


def test_stop_warns_that_deploy_reapplies_the_configured_state(deployed: DeployedEnv) -> None:
    # WHEN stop runs
    result = deployed.invoke(["stop", "--use-case", "best-sellers"])
    # THEN a warning on stderr says cdk deploy re-applies cdk.json's state (running in dev)
    assert "warning: the next `make deploy ENV=dev` that changes a recommender" in result.stderr
    assert "best-sellers=running" in result.stderr


def test_stop_fails_for_a_recommender_still_being_created(deployed: DeployedEnv) -> None:
    # GIVEN most-viewed is still being created, and the stack already lists it
    arn = deployed.sim.client().create_recommender(
        name="shop-dev-most-viewed",
        datasetGroupArn=deployed.group.dataset_group_arn,
        recipeArn="arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-views",
    )["recommenderArn"]
    deployed.outputs["MostViewedRecommenderArn"] = arn
    # WHEN stop runs for all
    result = deployed.invoke(["stop"])
    # THEN the other two are stopped, most-viewed is reported unchanged, and the exit code is 1
    assert result.exit_code == 1
    assert len(deployed.sim.calls_to("StopRecommender")) == 2
    assert "CREATE PENDING  not changed: stop needs ACTIVE" in result.output


def test_stop_refuses_a_use_case_not_deployed(deployed: DeployedEnv) -> None:
    # WHEN stop names a use case dev does not deploy
    result = deployed.invoke(["stop", "--use-case", "most-viewed"])
    # THEN nothing is stopped and the error says it is not configured
    assert result.exit_code == 1
    assert "use case most-viewed is not configured in environment dev" in result.stderr
    assert deployed.sim.calls_to("StopRecommender") == []
