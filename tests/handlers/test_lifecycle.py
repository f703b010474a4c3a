"""The lifecycle under compound faults, driven as CloudFormation and the Provider framework
really drive it (tests/cfn_model) at the framework's real polling budget, against the
Personalize and Step Functions simulators, the synthesized readiness workflow and the real
signal Lambda.

Each scenario ends by asking the two questions the product promises to answer: is anything left
billing, and did CloudFormation report what really happened?
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import import_job
import recommender

from tests.cfn_model import MAX_RESPONSE_BYTES, CloudFormation
from tests.handlers.conftest import World
from tests.handlers.shop_templates import dataset_group_resources
from tests.personalize_simulator import RECOMMENDED_FOR_YOU

ROLE = "arn:aws:iam::123456789012:role/shop-dev-personalize"
BEST_SELLERS = "arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-purchases"
RECIPES = {"recommended-for-you": RECOMMENDED_FOR_YOU, "best-sellers": BEST_SELLERS}
SIX_HOURS = "21600"


def _h(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:8]


def shop(
    world: World,
    *,
    data: str = "a",
    rps: int = 1,
    state: str = "running",
    use_cases: tuple[str, ...] = ("recommended-for-you",),
    failure: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The dev stack's lifecycle resources, with the dependencies the constructs give them: a
    new operation (new data, new configuration) gets a new handle and condition."""
    template = dataset_group_resources()
    op = _h(data)
    template[f"ImportHandle{op}"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    template["Import"] = {
        "Type": import_job.RESOURCE_TYPE,
        "Properties": {
            "DatasetArn": {"Ref": "Dataset"},
            "DataLocation": f"s3://shop-dev-data/datasets/interactions/{data}/interactions.csv",
            "RoleArn": ROLE,
            "ImportMode": "FULL",
            "ReadinessHandle": {"Ref": f"ImportHandle{op}"},
            "ReadinessStateMachineArn": world.state_machine_arn,
        },
    }
    gate = f"ImportCondition{op}"
    template[gate] = {
        "Type": "AWS::CloudFormation::WaitCondition",
        "Properties": {"Handle": {"Ref": f"ImportHandle{op}"}, "Timeout": SIX_HOURS},
        "DependsOn": ["Import"],
    }
    for use_case in use_cases:
        lid = "".join(word.title() for word in use_case.split("-"))
        rop = _h(use_case, rps, state)
        template[f"{lid}Handle{rop}"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
        exploration = use_case == "recommended-for-you"
        template[lid] = {
            "Type": recommender.RESOURCE_TYPE,
            "Properties": {
                "Name": f"shop-dev-{use_case}",
                "DatasetGroupArn": {"Ref": "Group"},
                "RecipeArn": RECIPES[use_case],
                "MinRecommendationRequestsPerSecond": str(rps),
                "ExplorationWeight": "0.3" if exploration else "",
                "ExplorationItemAgeCutOff": "30" if exploration else "",
                "State": state,
                "ReadinessHandle": {"Ref": f"{lid}Handle{rop}"},
                "ReadinessStateMachineArn": world.state_machine_arn,
            },
            "DependsOn": [gate],
        }
        template[f"{lid}Condition{rop}"] = {
            "Type": "AWS::CloudFormation::WaitCondition",
            "Properties": {"Handle": {"Ref": f"{lid}Handle{rop}"}, "Timeout": SIX_HOURS},
            "DependsOn": [lid],
        }
    if failure is not None:
        template["Elsewhere"] = {
            "Type": "Test::Failure",
            "Properties": failure,
            "DependsOn": failure.pop("after", [gate]),
        }
    return template


def _recommenders(world: World) -> list[dict[str, Any]]:
    found = world.personalize_client.list_recommenders()["recommenders"]
    return [
        world.personalize_client.describe_recommender(recommenderArn=r["recommenderArn"])[
            "recommender"
        ]
        for r in found
    ]


def _billing(world: World) -> list[str]:
    """Recommenders that bill now or will once they settle (anything but INACTIVE)."""
    return [r["name"] for r in _recommenders(world) if r["status"] != "INACTIVE"]


def _nothing_left(world: World) -> bool:
    client = world.personalize_client
    return not (
        client.list_recommenders()["recommenders"] or client.list_dataset_groups()["datasetGroups"]
    )


RFY = "arn:aws:personalize:us-east-1:123456789012:recommender/shop-dev-recommended-for-you"


# ---------------------------------------------------------------- the baseline


def test_deploy_then_destroy_leaves_nothing(world: World) -> None:
    cfn = world.stack()
    assert cfn.deploy(shop(world)).status == "CREATE_COMPLETE"
    assert world.personalize.status(RFY) == "ACTIVE"
    assert cfn.delete().status == "DELETE_COMPLETE"
    assert _nothing_left(world)


# ---------------------------------------------------------------- a. failure after a create


def test_a_workflow_that_cannot_start_after_create_recommender_leaves_nothing_billing(
    world: World,
) -> None:
    # GIVEN Step Functions refuses to start the recommender's workflow (after the create)
    world.sfn.inject(
        "StartExecution",
        "ExecutionLimitExceeded",
        times=1,
        when=lambda params: "recommended-for-you" in params.get("name", ""),
    )
    cfn = world.stack()
    # WHEN the stack is created
    outcome = cfn.deploy(shop(world))
    # THEN the recommender fails with the reason, CloudFormation's Delete knew its ARN ...
    assert "Could not start waiting for recommender" in outcome.failures["RecommendedForYou"]
    assert any(e.logical_id == "RecommendedForYou" and "DELETE" in e.status for e in cfn.events)
    # ... and once training is over nothing bills (the rollback may have to be re-run)
    cfn.settle()
    assert _billing(world) == []


def test_an_import_whose_workflow_cannot_start_rolls_back_cleanly(world: World) -> None:
    world.sfn.inject("StartExecution", "ExecutionLimitExceeded", times=None)
    cfn = world.stack()
    outcome = cfn.deploy(shop(world))
    assert outcome.status == "ROLLBACK_COMPLETE", outcome.failures
    assert "Could not start waiting for import job" in outcome.failures["Import"]
    assert _nothing_left(world)


def test_a_missing_property_is_refused_before_anything_is_created(world: World) -> None:
    template = shop(world)
    template["Import"]["Properties"]["RoleArn"] = ""
    outcome = world.stack().deploy(template)
    assert outcome.status == "ROLLBACK_COMPLETE"
    assert "property RoleArn is missing or empty" in outcome.failures["Import"]
    assert world.personalize.calls_to("CreateDatasetImportJob") == []


# ---------------------------------------------------------------- b. rollback Update


def test_a_rolled_back_min_rps_change_restores_the_old_configuration(world: World) -> None:
    cfn = world.stack()
    cfn.deploy(shop(world, rps=1))
    # WHEN min RPS goes 1 -> 5 and something else fails afterwards
    outcome = cfn.deploy(shop(world, rps=5, failure={"AfterSeconds": 60, "after": []}))
    assert outcome.status == "UPDATE_ROLLBACK_COMPLETE", outcome.failures
    cfn.settle()
    # THEN the recommender is back on 1, as the template CloudFormation rolled back to says
    (rec,) = _recommenders(world)
    assert rec["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 1
    assert rec["status"] == "ACTIVE"


def test_a_rolled_back_start_leaves_the_recommender_stopped(world: World) -> None:
    cfn = world.stack()
    cfn.deploy(shop(world, state="stopped"))
    assert world.personalize.status(RFY) == "INACTIVE"
    outcome = cfn.deploy(shop(world, state="running", failure={"AfterSeconds": 30, "after": []}))
    assert outcome.status == "UPDATE_ROLLBACK_COMPLETE", outcome.failures
    cfn.settle()
    assert world.personalize.status(RFY) == "INACTIVE"
    assert _billing(world) == []


# ---------------------------------------------------------------- c. delete during training


def test_a_sibling_failing_one_minute_into_training_leaves_nothing_billing(world: World) -> None:
    # GIVEN a failure elsewhere one minute into a sixty-minute training
    cfn = world.stack()
    outcome = cfn.deploy(shop(world, failure={"AfterSeconds": 60}))
    # THEN the rollback either finished, or failed saying exactly what to run
    if outcome.status == "ROLLBACK_FAILED":
        reason = outcome.failures["RecommendedForYou (rollback)"]
        assert "run `cdk destroy` for this environment again" in reason
        assert "will not be left billing" in reason
    # ... and once training is over nothing bills, and the destroy it names succeeds
    cfn.settle()
    assert _billing(world) == []
    assert cfn.delete().status == "DELETE_COMPLETE"
    assert _nothing_left(world)


def test_a_destroy_during_a_configuration_update_waits_for_it(world: World) -> None:
    cfn = world.stack()
    cfn.deploy(shop(world))
    # GIVEN an update running (a day-two change) when the stack is destroyed
    world.personalize_client.update_recommender(
        recommenderArn=RFY, recommenderConfig={"minRecommendationRequestsPerSecond": 2}
    )
    assert cfn.delete().status == "DELETE_COMPLETE"
    assert _nothing_left(world)


# ---------------------------------------------------------------- e. data A, B, A


def test_reverting_to_earlier_data_imports_it_again(world: World) -> None:
    cfn = world.stack()
    for data in ("a", "b", "a"):
        assert cfn.deploy(shop(world, data=data)).status in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    jobs = world.personalize_client.list_dataset_import_jobs()["datasetImportJobs"]
    assert len(jobs) == 3
    newest = max(jobs, key=lambda j: j["creationDateTime"])
    detail = world.personalize_client.describe_dataset_import_job(
        datasetImportJobArn=newest["datasetImportJobArn"]
    )["datasetImportJob"]
    assert detail["dataSource"]["dataLocation"].endswith("/a/interactions.csv")
    assert detail["status"] == "ACTIVE"


# ---------------------------------------------------------------- g. no failureReason


def test_a_failed_import_without_a_failure_reason_fails_the_deploy_at_once(world: World) -> None:
    world.personalize.fail_import(
        "arn:aws:personalize:us-east-1:123456789012:dataset/shop-dev/INTERACTIONS", reason="x"
    )
    world.personalize.omit("DescribeDatasetImportJob", "datasetImportJob.failureReason")
    cfn = world.stack()
    start = world.clock.now()
    outcome = cfn.deploy(shop(world))
    assert outcome.status == "ROLLBACK_COMPLETE"
    assert (
        "Personalize gave no failure reason"
        in outcome.failures[
            next(lid for lid in outcome.failures if lid.startswith("ImportCondition"))
        ]
    )
    assert (world.clock.now() - start).total_seconds() < 3600


def test_describe_answers_with_every_optional_member_absent_never_break_the_workflow(
    world: World,
) -> None:
    # GIVEN Personalize answers describes with only the members its model requires
    world.personalize.omit("DescribeDatasetImportJob", "*")
    world.personalize.omit("DescribeRecommender", "*")
    template = shop(world)
    for resource in template.values():
        if resource["Type"] == "AWS::CloudFormation::WaitCondition":
            resource["Properties"]["Timeout"] = "1800"
    # WHEN the stack is created, THEN the workflow keeps polling (no runtime error) until the
    # wait condition's own timeout
    outcome = world.stack().deploy(template)
    failed = [e for e in world.sfn.executions() if world.sfn.status(e) == "FAILED"]
    assert failed == []
    assert any("timed out" in reason for reason in outcome.failures.values())


# ---------------------------------------------------------------- h. what is not ours


def test_a_hand_made_recommender_with_our_name_is_never_adopted_tagged_or_deleted(
    world: World,
) -> None:
    group = world.personalize.create_ready_dataset_group("hand-made").dataset_group_arn
    world.personalize_client.create_recommender(
        name="shop-dev-recommended-for-you", datasetGroupArn=group, recipeArn=RECOMMENDED_FOR_YOU
    )
    cfn = world.stack()
    outcome = cfn.deploy(shop(world))
    assert "was not created by this project" in outcome.failures["RecommendedForYou"]
    assert world.personalize_client.list_tags_for_resource(resourceArn=RFY)["tags"] == []
    cfn.settle()
    assert world.personalize.status(RFY) == "ACTIVE"


def test_a_delete_by_name_spares_a_recommender_in_another_dataset_group(world: World) -> None:
    group = world.personalize.create_ready_dataset_group("hand-made").dataset_group_arn
    world.personalize_client.create_recommender(
        name="shop-dev-recommended-for-you", datasetGroupArn=group, recipeArn=RECOMMENDED_FOR_YOU
    )
    world.personalize.settle()
    props = {k: v for k, v in shop(world)["RecommendedForYou"]["Properties"].items()}
    props["DatasetGroupArn"] = group.replace("hand-made", "shop-dev")
    props["ReadinessHandle"] = world.new_handle()
    # WHEN CloudFormation's rollback Delete carries its own physical id (a cancelled create)
    response = world.request(
        world.event("Delete", recommender.RESOURCE_TYPE, props, physical_id="PersonalizeShop-x")
    )
    assert response.ok
    assert world.personalize.status(RFY) == "ACTIVE"


# ---------------------------------------------------------------- i. cancelled creates, races


def test_a_cancelled_import_create_is_outwaited_before_its_dataset_is_deleted(
    world: World,
) -> None:
    dataset = world.dataset()
    props = shop(world)["Import"]["Properties"] | {
        "DatasetArn": dataset,
        "ReadinessHandle": world.new_handle(),
    }
    assert world.request(world.event("Create", import_job.RESOURCE_TYPE, props)).ok
    # WHEN the Delete arrives with CloudFormation's own physical id
    response = world.request(
        world.event("Delete", import_job.RESOURCE_TYPE, props, physical_id="PersonalizeShop-y")
    )
    # THEN it ended once the import was over, so the dataset can go
    assert response.ok
    world.personalize_client.delete_dataset(datasetArn=dataset)


def test_a_late_create_after_the_delete_started_is_not_orphaned(world: World) -> None:
    group = world.personalize.create_ready_dataset_group("shop-dev").dataset_group_arn
    props = {k: v for k, v in shop(world)["RecommendedForYou"]["Properties"].items()}
    props |= {"DatasetGroupArn": group, "ReadinessHandle": world.new_handle()}
    create = world.event("Create", recommender.RESOURCE_TYPE, props)
    delete = world.event(
        "Delete", recommender.RESOURCE_TYPE, props, physical_id="PersonalizeShop-z"
    )
    assert world.framework is not None
    # GIVEN the Delete has started (and found nothing) ...
    deleting = world.framework.request(delete)
    next(deleting)
    # ... WHEN the cancelled create's CreateRecommender lands a minute later
    world.clock.advance(60)
    world.request(create)
    # THEN the Delete still removes it (now, or via the workflow once training ends)
    try:
        while True:
            world.advance_to(world.clock.now().timestamp() + next(deleting))
    except StopIteration:
        pass
    world.run_workflows()
    world.personalize.settle()
    world.run_workflows()
    assert world.personalize.status(RFY) is None


# ---------------------------------------------------------------- j. what CloudFormation receives


def test_a_five_kilobyte_personalize_message_fits_cloudformations_response(world: World) -> None:
    world.personalize.inject(
        "CreateRecommender", "InvalidInputException", message="Invalid config: " + "x" * 5000
    )
    cfn = world.stack()
    outcome = cfn.deploy(shop(world))
    assert outcome.failures["RecommendedForYou"].startswith("Error: Invalid config: xxx")
    assert all(len(r.body) <= MAX_RESPONSE_BYTES for r in cfn.responses)


def test_no_handler_call_starts_that_could_outlast_the_lambda(world: World) -> None:
    from handler_support import WORST_CALL_SECONDS, Deadline

    from personalize_constructs import provider

    # The worst case of one call leaves room within the shortest handler timeout ...
    assert provider.IS_COMPLETE_TIMEOUT.to_seconds() > WORST_CALL_SECONDS + Deadline.MARGIN_SECONDS

    # ... and a poll with too little time left asks to be polled again instead of calling.
    class Late:
        def get_remaining_time_in_millis(self) -> int:
            return (WORST_CALL_SECONDS + Deadline.MARGIN_SECONDS - 1) * 1000

    import handler

    event = world.event(
        "Delete",
        recommender.RESOURCE_TYPE,
        {
            "Name": "shop-dev-recommended-for-you",
            "DatasetGroupArn": RFY.replace(
                "recommender/shop-dev-recommended-for-you", "dataset-group/shop-dev"
            ),
        },
        physical_id=RFY,
    )
    calls = len(world.personalize.calls)
    assert handler.is_complete(event, Late()) == {"IsComplete": False}
    assert len(world.personalize.calls) == calls


def test_the_delete_budget_ends_before_the_frameworks(world: World) -> None:
    from personalize_constructs import provider

    framework_seconds = provider.TOTAL_TIMEOUT.to_seconds()
    interval = provider.QUERY_INTERVAL.to_seconds()
    for module in (recommender, import_job):
        assert framework_seconds - 2 * interval >= module.DELETE_BUDGET_SECONDS
    _ = CloudFormation, json


def test_a_rolled_back_data_change_imports_the_earlier_data_again(world: World) -> None:
    cfn = world.stack()
    cfn.deploy(shop(world, data="a"))
    # WHEN new data is deployed and something else fails while it still imports
    outcome = cfn.deploy(shop(world, data="b", failure={"AfterSeconds": 30, "after": []}))
    assert outcome.status == "UPDATE_ROLLBACK_COMPLETE", outcome.failures
    cfn.settle()
    # THEN once the imports have settled, the dataset holds data A again (the last FULL import)
    jobs = world.personalize_client.list_dataset_import_jobs()["datasetImportJobs"]
    newest = max(jobs, key=lambda j: j["creationDateTime"])
    detail = world.personalize_client.describe_dataset_import_job(
        datasetImportJobArn=newest["datasetImportJobArn"]
    )["datasetImportJob"]
    assert detail["dataSource"]["dataLocation"].endswith("/a/interactions.csv")
    assert detail["status"] == "ACTIVE"
