"""dev's batch solution `email` as the stack declares it: our own solution resource with auto
training off, one version awaited by the readiness workflow, its outputs, and the one S3 write
batch jobs need."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from personalize_domain.batch_config import BatchRecipe


def _one(template: Template, resource_type: str) -> dict[str, Any]:
    (found,) = template.find_resources(resource_type).values()
    return found


def test_the_solution_is_ours_and_never_trains_unasked(dev: Template) -> None:
    # GIVEN dev's batch.email (autoTraining off) / THEN a Custom::PersonalizeSolution, not
    # AWS::Personalize::Solution (which cannot turn automatic training off), says "off"
    dev.resource_count_is("AWS::Personalize::Solution", 0)
    properties = _one(dev, "Custom::PersonalizeSolution")["Properties"]
    assert properties["AutoTraining"] == "off"
    assert properties["RecipeArn"] == BatchRecipe.USER_PERSONALIZATION_V2.arn
    assert properties["Name"].startswith("shop-dev-email-")


def test_the_version_waits_for_the_imports_and_is_awaited_by_a_wait_condition(
    dev: Template,
) -> None:
    # GIVEN the version / THEN it depends on the imports' wait conditions, and its own wait
    # condition (the readiness workflow signals it) gates the metrics
    resources = dev.to_json()["Resources"]
    (solution_id,) = dev.find_resources("Custom::PersonalizeSolution")
    depends = resources[solution_id].get("DependsOn", [])
    assert sorted(d.split("ImportReadyCondition")[0] for d in depends) == [
        "Interactions",
        "Items",
        "Users",
    ]
    assert {resources[d]["Type"] for d in depends} == {"AWS::CloudFormation::WaitCondition"}
    (version_id,) = dev.find_resources("Custom::PersonalizeSolutionVersion")
    conditions = [
        lid
        for lid, r in resources.items()
        if r["Type"] == "AWS::CloudFormation::WaitCondition"
        and version_id in r.get("DependsOn", [])
    ]
    assert len(conditions) == 1
    (metrics_id,) = dev.find_resources("Custom::PersonalizeSolutionMetrics")
    assert conditions[0] in resources[metrics_id]["DependsOn"]


def test_the_trained_version_and_its_metrics_are_outputs(dev: Template) -> None:
    outputs = dev.to_json()["Outputs"]
    (version_id,) = dev.find_resources("Custom::PersonalizeSolutionVersion")
    assert outputs["EmailBatchSolutionVersionArn"]["Value"] == {"Ref": version_id}
    assert "EmailBatchSolutionMetrics" in outputs


def test_personalize_may_write_the_bucket_only_under_batch_output_prefixes(dev: Template) -> None:
    # GIVEN the data bucket policy / THEN Personalize's one write is PutObject under
    # batch/*/output/, with the same confused-deputy conditions as its read
    (policy,) = dev.find_resources(
        "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": "DataBucket"}}}
    ).values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (write,) = [s for s in statements if s.get("Sid") == "PersonalizeBatchOutput"]
    assert write["Action"] == "s3:PutObject"
    assert write["Resource"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": ["DataBucket", "Arn"]}, "/batch/*/output/*"]]
    }
    assert set(write["Condition"]) == {"StringEquals", "ArnLike"}


def test_an_environment_without_batch_solutions_has_none_of_it(prod: Template) -> None:
    for resource_type in (
        "Custom::PersonalizeSolution",
        "Custom::PersonalizeSolutionVersion",
        "Custom::PersonalizeSolutionMetrics",
    ):
        prod.resource_count_is(resource_type, 0)
    (policy,) = prod.find_resources(
        "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": "DataBucket"}}}
    ).values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert not [s for s in statements if s.get("Sid") == "PersonalizeBatchOutput"]
