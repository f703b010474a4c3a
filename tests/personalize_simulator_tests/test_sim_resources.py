"""Resources carry AWS's ARN formats, tags and identifiers, and listings filter by parent."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.personalize_simulator import PersonalizeSimulator

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

    from tests.personalize_simulator import ReadyDatasetGroup

PREFIX = "arn:aws:personalize:us-east-1:123456789012:"


def test_arns_follow_the_service_formats(
    sim: PersonalizeSimulator, ready: ReadyDatasetGroup
) -> None:
    recommender = sim.create_ready_recommender("rfy", dataset_group_arn=ready.dataset_group_arn)
    assert (
        ready.dataset_group_arn,
        ready.schema_arn,
        ready.dataset_arn,
        ready.import_job_arn,
        recommender,
    ) == (
        PREFIX + "dataset-group/shop",
        PREFIX + "schema/shop-interactions",
        PREFIX + "dataset/shop/INTERACTIONS",
        PREFIX + "dataset-import-job/shop-initial-import",
        PREFIX + "recommender/rfy",
    )


def test_event_tracker_has_an_id_arn_and_a_tracking_id(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    created = client.create_event_tracker(name="clicks", datasetGroupArn=ready.dataset_group_arn)
    described = client.describe_event_tracker(eventTrackerArn=created["eventTrackerArn"])
    assert re.fullmatch(re.escape(PREFIX) + "event-tracker/[0-9a-f]{8}", created["eventTrackerArn"])
    assert described["eventTracker"]["trackingId"] == created["trackingId"]


def test_arns_use_the_simulators_region_and_account() -> None:
    sim = PersonalizeSimulator(region="eu-west-1", account="210987654321")
    arn = sim.client().create_dataset_group(name="shop")["datasetGroupArn"]
    assert arn == "arn:aws:personalize:eu-west-1:210987654321:dataset-group/shop"


def test_tags_given_at_creation_are_listed_and_can_be_removed(
    client: PersonalizeClient,
) -> None:
    arn = client.create_dataset_group(name="shop", tags=[{"tagKey": "team", "tagValue": "search"}])[
        "datasetGroupArn"
    ]
    client.tag_resource(resourceArn=arn, tags=[{"tagKey": "env", "tagValue": "dev"}])
    client.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"tagKey": "env", "tagValue": "dev"}
    ]


def test_list_recommenders_filters_by_dataset_group(
    sim: PersonalizeSimulator, client: PersonalizeClient
) -> None:
    sim.create_ready_recommender("first")
    second = sim.create_ready_recommender("second")
    group = client.describe_recommender(recommenderArn=second)["recommender"]["datasetGroupArn"]
    listed = client.list_recommenders(datasetGroupArn=group)["recommenders"]
    assert [rec["name"] for rec in listed] == ["second"]


def test_import_jobs_of_a_deleted_dataset_are_gone_with_it(
    sim: PersonalizeSimulator, client: PersonalizeClient, ready: ReadyDatasetGroup
) -> None:
    client.delete_dataset(datasetArn=ready.dataset_arn)
    sim.settle()
    assert client.list_dataset_import_jobs()["datasetImportJobs"] == []
