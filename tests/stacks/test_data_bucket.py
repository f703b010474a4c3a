"""Each environment's buckets follow its `dataDisposable` (the buckets themselves are tested
alone in tests/constructs/test_data_bucket_construct.py)."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from stacks.personalize_stack import PersonalizeShopStack

BUCKETS = ("DataBucket", "AccessLogBucket")


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_buckets_are_deleted_or_kept_as_the_environment_says(
    stacks: dict[str, PersonalizeShopStack], templates: dict[str, Template], env: str
) -> None:
    # GIVEN the environment's dataDisposable / THEN its pinned buckets are deleted and emptied on
    # destroy, or retained with their objects
    disposable = stacks[env].config.data_disposable
    resources = templates[env].to_json()["Resources"]
    policy = "Delete" if disposable else "Retain"
    assert {resources[b]["DeletionPolicy"] for b in BUCKETS} == {policy}
    emptied = {
        r["Properties"]["BucketName"]["Ref"]
        for r in resources.values()
        if r["Type"] == "Custom::S3AutoDeleteObjects"
    }
    assert emptied == (set(BUCKETS) if disposable else set())


def test_shipped_environments_cover_both_cases(stacks: dict[str, PersonalizeShopStack]) -> None:
    assert {s.config.data_disposable for s in stacks.values()} == {True, False}
