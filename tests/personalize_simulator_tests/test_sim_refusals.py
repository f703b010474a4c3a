"""The simulator refuses what Personalize refuses, with the modelled error and a clear message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest

from tests.personalize_simulator import (
    ECOMMERCE_INTERACTIONS_SCHEMA,
    PersonalizeSimulator,
    Quotas,
)

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_personalize.literals import ImportModeType
    from mypy_boto3_personalize.type_defs import DataSourceTypeDef, RecommenderConfigTypeDef

    from tests.personalize_simulator import ReadyDatasetGroup

RECIPE = "arn:aws:personalize:::recipe/"
RECOMMENDED_FOR_YOU = RECIPE + "aws-ecomm-recommended-for-you"
S3: DataSourceTypeDef = {"dataLocation": "s3://shop-data/interactions.csv"}


def _import(
    client: PersonalizeClient, dataset_arn: str, name: str, mode: ImportModeType = "FULL"
) -> str:
    return client.create_dataset_import_job(
        jobName=name,
        datasetArn=dataset_arn,
        dataSource=S3,
        importMode=mode,
    )["datasetImportJobArn"]


def _group_with_empty_dataset(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> tuple[str, str]:
    """An ACTIVE ECOMMERCE group with an ACTIVE Interactions dataset and no import; their ARNs."""
    group = client.create_dataset_group(name="shop", domain="ECOMMERCE")["datasetGroupArn"]
    sim.settle()
    schema = client.create_schema(
        name="interactions", schema=ECOMMERCE_INTERACTIONS_SCHEMA, domain="ECOMMERCE"
    )["schemaArn"]
    dataset = client.create_dataset(
        name="interactions", datasetGroupArn=group, datasetType="Interactions", schemaArn=schema
    )["datasetArn"]
    sim.settle()
    return group, dataset


def _create_recommender(
    client: PersonalizeClient, group_arn: str, name: str = "rfy", **config: Any
) -> str:
    return client.create_recommender(
        name=name,
        datasetGroupArn=group_arn,
        recipeArn=RECOMMENDED_FOR_YOU,
        recommenderConfig=cast("RecommenderConfigTypeDef", config),
    )["recommenderArn"]


# -- names and quotas -------------------------------------------------------------------------


def test_dataset_group_with_an_existing_name_is_refused(client: PersonalizeClient) -> None:
    client.create_dataset_group(name="shop")
    with pytest.raises(
        client.exceptions.ResourceAlreadyExistsException, match="dataset-group/shop"
    ):
        client.create_dataset_group(name="shop")


def test_recommender_with_an_existing_name_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    _create_recommender(client, ready.dataset_group_arn)
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException, match="recommender/rfy"):
        _create_recommender(client, ready.dataset_group_arn)


def test_import_job_with_an_existing_name_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
        _import(client, ready.dataset_arn, "shop-initial-import")


def test_a_sixth_pending_import_job_in_the_region_is_refused_with_the_aws_text() -> None:
    # GIVEN five imports under way, each into its own group's dataset
    sim = PersonalizeSimulator(quotas=Quotas(dataset_groups_per_region=10))
    client = sim.client()
    datasets = [sim.create_ready_dataset_group(f"g{i}").dataset_arn for i in range(6)]
    for index, dataset in enumerate(datasets[:5]):
        _import(client, dataset, f"refresh-{index}")
    # WHEN a sixth is started
    with pytest.raises(client.exceptions.LimitExceededException) as caught:
        _import(client, datasets[5], "refresh-5")
    # THEN the quota error carries the documented message
    assert caught.value.response["Error"]["Message"] == (
        "More than 5 resources with PENDING or IN_PROGRESS status."
    )


def test_recommenders_beyond_the_per_dataset_group_quota_are_refused() -> None:
    sim = PersonalizeSimulator(quotas=Quotas(recommenders_per_dataset_group=1))
    client = sim.client()
    group = sim.create_ready_dataset_group("shop").dataset_group_arn
    _create_recommender(client, group, "first")
    with pytest.raises(client.exceptions.LimitExceededException, match="per dataset group"):
        _create_recommender(client, group, "second")


def test_recommenders_beyond_the_per_region_quota_are_refused() -> None:
    sim = PersonalizeSimulator(quotas=Quotas(recommenders_per_region=1))
    client = sim.client()
    sim.create_ready_recommender("first")
    group = sim.create_ready_dataset_group("other").dataset_group_arn
    with pytest.raises(client.exceptions.LimitExceededException, match="per region"):
        _create_recommender(client, group, "second")


def test_dataset_groups_beyond_the_region_quota_are_refused(client: PersonalizeClient) -> None:
    for index in range(5):
        client.create_dataset_group(name=f"g{index}")
    with pytest.raises(client.exceptions.LimitExceededException, match="5 dataset groups"):
        client.create_dataset_group(name="g5")


# -- datasets and imports ---------------------------------------------------------------------


def test_incremental_import_before_any_full_import_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    _, dataset = _group_with_empty_dataset(sim, client)
    with pytest.raises(client.exceptions.InvalidInputException, match="Use importMode FULL"):
        _import(client, dataset, "append", "INCREMENTAL")


def test_incremental_import_after_a_failed_full_import_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    _, dataset = _group_with_empty_dataset(sim, client)
    sim.fail_import(dataset)
    _import(client, dataset, "bulk")
    sim.settle()
    with pytest.raises(client.exceptions.InvalidInputException, match="INCREMENTAL requires"):
        _import(client, dataset, "append", "INCREMENTAL")


def test_incremental_import_after_a_successful_full_import_is_accepted(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    arn = _import(client, ready.dataset_arn, "append", "INCREMENTAL")
    job = client.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]
    assert job["importMode"] == "INCREMENTAL"


def test_second_import_into_a_dataset_while_one_runs_is_refused(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    _import(client, ready.dataset_arn, "first")
    with pytest.raises(
        client.exceptions.ResourceInUseException, match="already has dataset import"
    ):
        _import(client, ready.dataset_arn, "second")


def test_deleting_a_dataset_while_its_import_runs_is_refused(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    _import(client, ready.dataset_arn, "refresh")
    with pytest.raises(client.exceptions.ResourceInUseException, match="cannot be stopped"):
        client.delete_dataset(datasetArn=ready.dataset_arn)


def test_creating_a_dataset_before_the_group_is_active_is_refused(
    client: PersonalizeClient,
) -> None:
    group = client.create_dataset_group(name="shop", domain="ECOMMERCE")["datasetGroupArn"]
    schema = client.create_schema(
        name="interactions", schema=ECOMMERCE_INTERACTIONS_SCHEMA, domain="ECOMMERCE"
    )["schemaArn"]
    with pytest.raises(client.exceptions.ResourceInUseException, match="CREATE PENDING status"):
        client.create_dataset(
            name="interactions", datasetGroupArn=group, datasetType="Interactions", schemaArn=schema
        )


def test_second_dataset_of_the_same_type_in_a_group_is_refused(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException, match="INTERACTIONS"):
        client.create_dataset(
            name="again",
            datasetGroupArn=ready.dataset_group_arn,
            datasetType="interactions",
            schemaArn=ready.schema_arn,
        )


def test_domain_schema_missing_a_required_field_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    group = client.create_dataset_group(name="shop", domain="ECOMMERCE")["datasetGroupArn"]
    sim.settle()
    schema = client.create_schema(
        name="no-event-type",
        domain="ECOMMERCE",
        schema=ECOMMERCE_INTERACTIONS_SCHEMA.replace(',{"name":"EVENT_TYPE","type":"string"}', ""),
    )["schemaArn"]
    with pytest.raises(client.exceptions.InvalidInputException, match=r"\[EVENT_TYPE\]"):
        client.create_dataset(
            name="interactions", datasetGroupArn=group, datasetType="Interactions", schemaArn=schema
        )


def test_schema_that_is_not_an_avro_record_is_refused(client: PersonalizeClient) -> None:
    with pytest.raises(client.exceptions.InvalidInputException, match="Avro record"):
        client.create_schema(name="bad", schema='{"type": "string"}')


def test_deleting_a_schema_a_dataset_uses_is_refused(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    with pytest.raises(client.exceptions.ResourceInUseException, match="is used by dataset"):
        client.delete_schema(schemaArn=ready.schema_arn)


# -- dataset groups ---------------------------------------------------------------------------


def test_deleting_a_dataset_group_that_has_datasets_is_refused(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    with pytest.raises(client.exceptions.ResourceInUseException, match=r"1 dataset\(s\)"):
        client.delete_dataset_group(datasetGroupArn=ready.dataset_group_arn)


def test_deleting_a_dataset_group_that_has_a_recommender_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    sim.create_ready_recommender("rfy", dataset_group_arn=ready.dataset_group_arn)
    with pytest.raises(client.exceptions.ResourceInUseException, match=r"1 recommender\(s\)"):
        client.delete_dataset_group(datasetGroupArn=ready.dataset_group_arn)


def test_deleting_a_dataset_group_that_has_an_event_tracker_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    group = client.create_dataset_group(name="shop", domain="ECOMMERCE")["datasetGroupArn"]
    sim.settle()
    client.create_event_tracker(name="clicks", datasetGroupArn=group)
    sim.settle()
    with pytest.raises(client.exceptions.ResourceInUseException, match=r"1 event tracker\(s\)"):
        client.delete_dataset_group(datasetGroupArn=group)


def test_deleting_a_dataset_group_already_being_deleted_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    group = client.create_dataset_group(name="shop")["datasetGroupArn"]
    sim.settle()
    client.delete_dataset_group(datasetGroupArn=group)
    with pytest.raises(client.exceptions.ResourceInUseException, match="DELETE PENDING status"):
        client.delete_dataset_group(datasetGroupArn=group)


def test_a_second_event_tracker_in_a_group_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    group = client.create_dataset_group(name="shop", domain="ECOMMERCE")["datasetGroupArn"]
    sim.settle()
    client.create_event_tracker(name="clicks", datasetGroupArn=group)
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException, match="only one"):
        client.create_event_tracker(name="views", datasetGroupArn=group)


# -- recommender creation ---------------------------------------------------------------------


def test_recommender_without_imported_interactions_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    group, _ = _group_with_empty_dataset(sim, client)
    with pytest.raises(client.exceptions.InvalidInputException, match="no imported interactions"):
        _create_recommender(client, group)


def test_recommender_while_the_first_import_runs_is_refused_as_in_use(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    group, dataset = _group_with_empty_dataset(sim, client)
    _import(client, dataset, "bulk")
    with pytest.raises(client.exceptions.ResourceInUseException, match="import job in progress"):
        _create_recommender(client, group)


def test_recommender_on_a_custom_dataset_group_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    group = client.create_dataset_group(name="custom")["datasetGroupArn"]
    sim.settle()
    with pytest.raises(client.exceptions.InvalidInputException, match="domains-specific"):
        _create_recommender(client, group)


def test_ecommerce_recipe_on_a_video_on_demand_group_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    group = client.create_dataset_group(name="vod", domain="VIDEO_ON_DEMAND")["datasetGroupArn"]
    sim.settle()
    with pytest.raises(client.exceptions.InvalidInputException, match="VIDEO_ON_DEMAND domain"):
        _create_recommender(client, group)


def test_unknown_recipe_is_not_found(client: PersonalizeClient, ready: ReadyDatasetGroup) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException, match="aws-ecomm-nonsense"):
        client.create_recommender(
            name="rfy",
            datasetGroupArn=ready.dataset_group_arn,
            recipeArn=RECIPE + "aws-ecomm-nonsense",
        )


@pytest.mark.parametrize(
    ("exploration", "complaint"),
    [
        ({"explorationWeight": "1.5"}, "explorationWeight must be a decimal between 0 and 1"),
        ({"explorationWeight": "high"}, "explorationWeight must be a decimal between 0 and 1"),
        ({"explorationItemAgeCutOff": "0"}, "explorationItemAgeCutOff must be a number"),
        ({"explorationRate": "0.3"}, "unsupported keys"),
    ],
)
def test_invalid_item_exploration_config_is_refused(
    client: PersonalizeClient,
    ready: ReadyDatasetGroup,
    exploration: dict[str, str],
    complaint: str,
) -> None:
    with pytest.raises(client.exceptions.InvalidInputException, match=complaint):
        _create_recommender(client, ready.dataset_group_arn, itemExplorationConfig=exploration)


def test_valid_item_exploration_config_is_echoed_with_the_default_min_rps(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    exploration = {"explorationWeight": "0.9", "explorationItemAgeCutOff": "7"}
    arn = _create_recommender(client, ready.dataset_group_arn, itemExplorationConfig=exploration)
    config = client.describe_recommender(recommenderArn=arn)["recommender"]["recommenderConfig"]
    assert config == {"itemExplorationConfig": exploration, "minRecommendationRequestsPerSecond": 1}


def test_excluding_event_type_from_training_is_refused(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    with pytest.raises(client.exceptions.InvalidInputException, match="EVENT_TYPE cannot"):
        _create_recommender(
            client,
            ready.dataset_group_arn,
            trainingDataConfig={"excludedDatasetColumns": {"Interactions": ["EVENT_TYPE"]}},
        )


# -- recommender state rules ------------------------------------------------------------------


def test_deleting_a_recommender_still_training_is_refused(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    arn = _create_recommender(client, ready.dataset_group_arn)
    with pytest.raises(client.exceptions.ResourceInUseException, match="CREATE PENDING status"):
        client.delete_recommender(recommenderArn=arn)


@pytest.mark.parametrize("outcome", ["INACTIVE", "CREATE FAILED"])
def test_inactive_and_failed_recommenders_can_be_deleted(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup, outcome: str
) -> None:
    if outcome == "CREATE FAILED":
        sim.fail_recommender("rfy")
    arn = _create_recommender(client, ready.dataset_group_arn)
    sim.settle()
    if outcome == "INACTIVE":
        client.stop_recommender(recommenderArn=arn)
        sim.settle()
    assert sim.status(arn) == outcome
    client.delete_recommender(recommenderArn=arn)
    assert sim.status(arn) == "DELETE PENDING"


def test_stopping_a_recommender_that_is_not_active_is_refused(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    arn = _create_recommender(client, ready.dataset_group_arn)
    with pytest.raises(client.exceptions.ResourceInUseException, match="must be ACTIVE"):
        client.stop_recommender(recommenderArn=arn)


def test_starting_a_recommender_that_is_not_inactive_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    arn = sim.create_ready_recommender("rfy")
    with pytest.raises(client.exceptions.ResourceInUseException, match="only INACTIVE"):
        client.start_recommender(recommenderArn=arn)


def test_updating_a_recommender_while_an_update_runs_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    arn = sim.create_ready_recommender("rfy")
    config: Any = {"minRecommendationRequestsPerSecond": 2}
    client.update_recommender(recommenderArn=arn, recommenderConfig=config)
    with pytest.raises(client.exceptions.ResourceInUseException, match="has an update in"):
        client.update_recommender(recommenderArn=arn, recommenderConfig=config)


def test_updating_a_stopped_recommender_is_refused(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    arn = sim.create_ready_recommender("rfy")
    client.stop_recommender(recommenderArn=arn)
    sim.settle()
    with pytest.raises(client.exceptions.ResourceInUseException, match="INACTIVE status"):
        client.update_recommender(
            recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 2}
        )


def test_tagging_past_200_tags_is_refused(
    client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    tags: Any = [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(201)]
    with pytest.raises(client.exceptions.TooManyTagsException):
        client.tag_resource(resourceArn=ready.dataset_group_arn, tags=tags)
