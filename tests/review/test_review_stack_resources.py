"""Recommender use cases, data locations, readiness waits and what `cdk destroy` keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.stack_resources import (
    dataset_imports,
    file_copies,
    kept_on_destroy,
    longest_wait_chain,
    recommenders,
    use_case_of,
)
from tests.review.builders import recommender, resource, template


@pytest.mark.parametrize(
    ("recipe", "name", "expected"),
    [
        ("arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-views", "x", "Most viewed"),
        ("", "shop-dev-frequently-bought-together", "Frequently bought together"),
        ("arn:aws:personalize:::recipe/aws-ecomm-brand-new-thing", "x", "Brand new thing"),
    ],
)
def test_use_case_comes_from_the_recipe_then_the_name_then_the_recipe_text(
    recipe: str, name: str, expected: str
) -> None:
    # GIVEN a recipe ARN and a recommender name WHEN the use case is derived THEN it is readable
    assert use_case_of(recipe, name) == expected


def test_recommender_settings_are_read_as_configured() -> None:
    # GIVEN a recommender with exploration set
    stack = template(
        {"R": recommender(min_rps="2", ExplorationWeight="0.3", ExplorationItemAgeCutOff="30")}
    )
    # WHEN read
    (found,) = recommenders(stack)
    # THEN the minimum, exploration and state come through
    assert (found.min_rps, found.exploration_weight, found.exploration_item_age_cut_off) == (
        2,
        "0.3",
        "30",
    )


def test_import_locations_render_their_bucket_symbolically() -> None:
    # GIVEN an import reading a file in the data bucket
    location = {"Fn::Join": ["", ["s3://", {"Ref": "DataBucket"}, "/datasets/items/abc/items.csv"]]}
    stack = template(
        {
            "ItemsImport": resource(
                "Custom::PersonalizeDatasetImport",
                {"DataLocation": location, "DatasetArn": {"Fn::GetAtt": ["Items", "DatasetArn"]}},
            )
        }
    )
    # WHEN read THEN the location and dataset read like a path
    (found,) = dataset_imports(stack)
    assert (found.location, found.dataset, found.mode) == (
        "s3://<DataBucket>/datasets/items/abc/items.csv",
        "<Items>.DatasetArn",
        "FULL",
    )


def test_file_copies_report_destination_prefix_and_unpacked_asset_size(tmp_path: Path) -> None:
    # GIVEN a BucketDeployment whose asset directory sits next to the template
    asset = "a" * 64
    (tmp_path / f"asset.{asset}").mkdir()
    (tmp_path / f"asset.{asset}" / "items.csv").write_bytes(b"x" * 1234)
    copy = resource(
        "Custom::CDKBucketDeployment",
        {
            "DestinationBucketName": {"Ref": "DataBucket"},
            "DestinationBucketKeyPrefix": "datasets/items/abc",
            "SourceObjectKeys": [f"{asset}.zip"],
            "Prune": False,
        },
    )
    stack = template({"Copy": copy}, source=tmp_path / "S.template.json")
    # WHEN read
    (found,) = file_copies(stack)
    # THEN the destination, a short asset label and the size are given
    assert (found.destination, found.sources, found.size_bytes) == (
        "s3://<DataBucket>/datasets/items/abc/",
        ("asset aaaaaaaaaaaa",),
        1234,
    )


def _wait(timeout: str, *after: str) -> dict[str, object]:
    return resource(
        "AWS::CloudFormation::WaitCondition", {"Timeout": timeout}, DependsOn=list(after)
    )


def test_waits_that_depend_on_each_other_add_up_and_parallel_ones_do_not() -> None:
    # GIVEN two imports waited for in parallel, then a recommender waited for after both
    stack = template(
        {
            "ImportA": resource("Custom::PersonalizeDatasetImport", {}),
            "ImportB": resource("Custom::PersonalizeDatasetImport", {}),
            "WaitA": _wait("3600", "ImportA"),
            "WaitB": _wait("7200", "ImportB"),
            "Rec": resource("Custom::PersonalizeRecommender", {}, DependsOn=["WaitA", "WaitB"]),
            "WaitRec": _wait("21600", "Rec"),
        }
    )
    # WHEN the longest chain is computed
    # THEN it is the slower import's wait plus the recommender's
    assert longest_wait_chain(stack) == (7200 + 21600, ("WaitB", "WaitRec"))


def test_only_retained_resources_are_kept_on_destroy() -> None:
    # GIVEN a retained bucket and a deleted one
    stack = template(
        {
            "Kept": resource("AWS::S3::Bucket", {}, DeletionPolicy="Retain"),
            "Gone": resource("AWS::S3::Bucket", {}, DeletionPolicy="Delete"),
        }
    )
    # WHEN listed THEN only the retained one is kept
    assert [r.logical_id for r in kept_on_destroy(stack)] == ["Kept"]
