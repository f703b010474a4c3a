"""Diff classification: added/removed/changed, stateful replacements, recommender updates, noise."""

from __future__ import annotations

from typing import Any

from review.diff import diff_templates, normalize
from review.diff_report import excerpt_pair, render_diff
from tests.review.builders import recommender, resource, template

GROUP_ARN = {"Fn::GetAtt": ["DatasetGroup", "DatasetGroupArn"]}


def _group(**overrides: str) -> dict[str, Any]:
    return resource(
        "AWS::Personalize::DatasetGroup", {"Name": "shop", "Domain": "ECOMMERCE", **overrides}
    )


def _schema(name: str) -> dict[str, Any]:
    return resource("AWS::Personalize::Schema", {"Name": name, "Schema": "{}"})


def _dataset() -> dict[str, Any]:
    return resource(
        "AWS::Personalize::Dataset",
        {
            "Name": "shop-items",
            "DatasetType": "Items",
            "DatasetGroupArn": GROUP_ARN,
            "SchemaArn": {"Fn::GetAtt": ["ItemsSchema", "SchemaArn"]},
        },
    )


def _diff(before: dict[str, Any], after: dict[str, Any]) -> Any:
    return diff_templates(template(before), template(after))


def test_added_removed_and_changed_resources_are_told_apart() -> None:
    # GIVEN a log group removed, a topic added and a queue's property changed
    before = {
        "Logs": resource("AWS::Logs::LogGroup", {}),
        "Queue": resource("AWS::SQS::Queue", {"DelaySeconds": 0}),
    }
    after = {
        "Topic": resource("AWS::SNS::Topic", {}),
        "Queue": resource("AWS::SQS::Queue", {"DelaySeconds": 5}),
    }
    # WHEN diffed
    result = _diff(before, after)
    # THEN each lands in its own list, the change as a property path
    (change,) = result.changed
    assert (
        [r.logical_id for r in result.added],
        [r.logical_id for r in result.removed],
        [(c.path, c.before, c.after) for c in change.changes],
        result.warnings,
    ) == (["Topic"], ["Logs"], [("Properties.DelaySeconds", "0", "5")], [])


def test_a_create_only_property_change_flags_a_stateful_replacement() -> None:
    # GIVEN the dataset group's domain changed
    result = _diff({"DatasetGroup": _group()}, {"DatasetGroup": _group(Domain="VIDEO_ON_DEMAND")})
    # WHEN diffed THEN it is a replacement, with a loud warning
    (change,) = result.changed
    assert change.replaced_because == "create-only property `Domain` changed"
    assert result.warnings == [
        "STATEFUL REPLACEMENT: `DatasetGroup` (AWS::Personalize::DatasetGroup) is replaced "
        "because create-only property `Domain` changed; the old one is deleted with its data"
    ]


def test_replacing_a_schema_replaces_the_dataset_created_from_it() -> None:
    # GIVEN a schema renamed (its name carries a hash of its content) and an unchanged dataset
    before = {"ItemsSchema": _schema("shop-items-aaaa"), "Items": _dataset()}
    after = {"ItemsSchema": _schema("shop-items-bbbb"), "Items": _dataset()}
    # WHEN diffed
    result = _diff(before, after)
    # THEN the dataset is flagged too, because its SchemaArn now points at a new schema
    replaced = {c.logical_id: c.replaced_because for c in result.changed}
    assert replaced["Items"] == "`SchemaArn` refers to `ItemsSchema`, which is replaced"
    assert sum("STATEFUL REPLACEMENT: `Items`" in w for w in result.warnings) == 1


def test_a_bucket_under_a_new_logical_id_is_a_stateful_replacement() -> None:
    # GIVEN the data bucket's logical id changed, the old one retained
    before = {"DataBucket": resource("AWS::S3::Bucket", {}, DeletionPolicy="Retain")}
    after = {"DataBucketV2": resource("AWS::S3::Bucket", {})}
    # WHEN diffed THEN the warning names both ids and the old bucket's fate
    (warning,) = _diff(before, after).warnings
    assert warning == (
        "STATEFUL REPLACEMENT: `DataBucket` (AWS::S3::Bucket) is removed and `DataBucketV2` of "
        "the same type added: a logical id change; the old one is kept in the account, "
        "orphaned (DeletionPolicy Retain)"
    )


def test_a_removed_dataset_is_flagged_as_a_stateful_removal() -> None:
    # GIVEN the items dataset removed from the stack WHEN diffed THEN its removal is flagged
    kept = {"Logs": resource("AWS::Logs::LogGroup", {})}
    (warning,) = _diff({"Items": _dataset(), **kept}, kept).warnings
    assert warning.startswith("STATEFUL REMOVAL: `Items` (AWS::Personalize::Dataset)")


def test_a_changed_minimum_rps_is_an_in_place_recommender_update() -> None:
    # GIVEN the same recommender with min RPS 1 → 2
    result = _diff({"Rec": recommender(min_rps="1")}, {"Rec": recommender(min_rps="2")})
    # WHEN rendered
    page = render_diff(result, base_label="base", head_label="head")
    # THEN it says "updated in place", and nothing is flagged
    assert (
        "- `shop-test-best-sellers`: **updated in place**: "
        "MinRecommendationRequestsPerSecond `1` → `2`"
    ) in page
    assert result.warnings == []


def test_a_renamed_recommender_is_a_replacement() -> None:
    # GIVEN the recommender's name changed under the same logical id
    result = _diff({"Rec": recommender("shop-a")}, {"Rec": recommender("shop-b")})
    page = render_diff(result, base_label="base", head_label="head")
    # WHEN rendered THEN it is a new recommender and the old one goes
    assert (
        "- `shop-b`: **replaced**, a new recommender is created and trained, then the old " in page
    )


def test_a_new_recipe_under_the_same_name_warns_that_the_deploy_will_fail() -> None:
    # GIVEN the recipe changed but the name did not (the handler adopts by name, refuses others)
    other = "arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-views"
    (warning,) = _diff({"Rec": recommender()}, {"Rec": recommender(recipe=other)}).warnings
    assert warning.startswith("RECOMMENDER UPDATE WILL FAIL: `shop-test-best-sellers`")


def test_a_recommender_moved_to_a_new_logical_id_with_its_name_is_at_risk() -> None:
    # GIVEN a construct rename: same recommender name, new logical id
    (warning,) = _diff({"RecA": recommender()}, {"RecB": recommender()}).warnings
    # WHEN diffed THEN the clean-up delete of the old id is called out
    assert warning.startswith("RECOMMENDER AT RISK: `RecA` → `RecB` keeps the name")


def _with_wait(handle_id: str, path_hash: str) -> dict[str, Any]:
    metadata = {"aws:cdk:path": f"S/Rec/Ready/Handle{path_hash}"}
    return {
        handle_id: resource("AWS::CloudFormation::WaitConditionHandle", Metadata=metadata),
        "Rec": recommender(ReadinessHandle={"Ref": handle_id}),
    }


def test_a_readiness_wait_under_a_new_hash_is_expected_not_an_addition() -> None:
    # GIVEN a new operation: a new handle id, and the recommender pointing at it
    result = _diff(_with_wait("HandleAAAA", "aaaa1111"), _with_wait("HandleBBBB", "bbbb2222"))
    # WHEN diffed THEN it is one re-created wait, and the recommender is unchanged
    assert (result.added, result.removed, result.changed, result.warnings) == ([], [], [], [])
    assert [(p.before.logical_id, p.after.logical_id) for p in result.recreated] == [
        ("HandleAAAA", "HandleBBBB")
    ]


def test_asset_hashes_and_cdk_paths_are_noise() -> None:
    # GIVEN a function whose code asset and construct path changed
    def function(digit: str, path: str) -> dict[str, Any]:
        code = {"S3Bucket": "assets", "S3Key": digit * 64 + ".zip"}
        return {
            "Fn": resource("AWS::Lambda::Function", {"Code": code}, Metadata={"aws:cdk:path": path})
        }

    result = _diff(function("a", "S/Fn/Resource"), function("b", "S/Fn/Resource2"))
    # WHEN diffed THEN nothing changed but the asset, which is noted on its own
    assert (result.changed, result.asset_only) == ([], ["Fn"])


def test_suppression_changes_are_reported_as_changes() -> None:
    # GIVEN a cdk-nag reason rewritten
    def role(reason: str) -> dict[str, Any]:
        nag = {"rules_to_suppress": [{"id": "AwsSolutions-IAM5", "reason": reason}]}
        return {"Role": resource("AWS::IAM::Role", {}, Metadata={"cdk_nag": nag})}

    (change,) = _diff(role("old"), role("new")).changed
    assert [c.path for c in change.changes] == ["Metadata.cdk_nag.rules_to_suppress[0].reason"]


def test_the_diff_page_is_deterministic() -> None:
    # GIVEN the same pair of templates, resources in different orders
    before = {"Rec": recommender(min_rps="1"), "DatasetGroup": _group()}
    after = {"DatasetGroup": _group(Domain="X"), "Rec": recommender(min_rps="3")}
    pages = [
        render_diff(_diff(b, a), base_label="base", head_label="head")
        for b, a in (
            (before, after),
            (dict(reversed(before.items())), dict(reversed(after.items()))),
        )
    ]
    # WHEN rendered twice THEN the bytes match
    assert pages[0].encode() == pages[1].encode()


def test_long_values_are_cut_down_to_where_they_differ() -> None:
    # GIVEN two long schemas that differ in one field near the end
    before = '{"fields":[' + '{"name":"F"},' * 30 + '{"name":"OLD"}]}'
    after = before.replace("OLD", "NEW")
    # WHEN excerpted THEN both sides show the difference within a short window
    old, new = excerpt_pair(before, after)
    assert ("OLD" in old, "NEW" in new, len(old) < 100, old.startswith("…")) == (
        True,
        True,
        True,
        True,
    )


def test_renamed_ids_inside_sub_strings_are_mapped_whole_not_by_prefix() -> None:
    # GIVEN a renamed handle and two Sub strings, one naming it and one a longer id
    value = {"Fn::Sub": "${Handle.Arn} ${HandleOther}"}
    # WHEN normalized with the rename THEN only the exact id is mapped
    assert normalize(value, {"Handle": "HandleNew"}) == {
        "Fn::Sub": "${HandleNew.Arn} ${HandleOther}"
    }


def test_metadata_and_training_columns_are_in_place_with_their_cost() -> None:
    # GIVEN a recommender that gains item metadata and leaves two columns out of training
    training = '{"excludedDatasetColumns":{"ITEMS":["ADULT"]}}'
    result = _diff(
        {"Rec": recommender()},
        {"Rec": recommender(EnableMetadataWithRecommendations="true", TrainingDataConfig=training)},
    )
    page = render_diff(result, base_label="base", head_label="head")
    # THEN both are in-place updates, each with what it costs
    (line,) = [line for line in page.splitlines() if line.startswith("- `shop-test-best-sellers`")]
    assert line.startswith("- `shop-test-best-sellers`: **updated in place**: ")
    assert "EnableMetadataWithRecommendations" in line
    assert "(item metadata is billed extra)" in line
    assert "(a full retraining; the current model serves until it is done)" in line
    assert result.warnings == []


def test_a_changed_filter_expression_is_a_replacement_without_a_stateful_warning() -> None:
    def _filter(expression: str, name: str) -> dict[str, Any]:
        return resource(
            "AWS::Personalize::Filter",
            {"Name": name, "DatasetGroupArn": "arn", "FilterExpression": expression},
        )

    result = _diff(
        {"Filter": _filter('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")', "f-1")},
        {"Filter": _filter('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("View")', "f-2")},
    )
    page = render_diff(result, base_label="base", head_label="head")
    assert "### `Filter` (AWS::Personalize::Filter): **replaced**:" in page
    assert result.warnings == []
