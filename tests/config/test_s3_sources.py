"""`s3://` dataset sources: refused at parse time, naming the key, by S3's and IAM's rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from personalize_domain.config import ConfigError, load_app_config
from personalize_domain.s3_uri import bucket_name_problems, s3_uri_problems

ROOT = Path(__file__).resolve().parents[2]
CDK_JSON_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
SOURCE_KEY = "dev.datasets.items.source"


def _problems(**overrides: Any) -> list[str]:
    with pytest.raises(ConfigError) as excinfo:
        load_app_config({**copy.deepcopy(CDK_JSON_CONTEXT), **overrides})
    return excinfo.value.problems


@pytest.mark.parametrize(
    ("bucket", "broken"),
    [
        ("ab", "has 2 characters; a bucket name has 3 to 63"),
        ("a" * 64, "has 64 characters; a bucket name has 3 to 63"),
        ("shop-Exports", "may contain only lowercase letters, digits, '.' and '-'"),
        ("shop_exports", "may contain only lowercase letters, digits, '.' and '-'"),
        ("-bad-", "must begin and end with a letter or digit"),
        ("shop.", "must begin and end with a letter or digit"),
        ("a..b", "must not contain two adjacent periods"),
        ("192.168.5.4", "must not be formatted as an IP address"),
        ("xn--shop", "must not start with 'xn--'"),
        ("sthree-shop", "must not start with 'sthree-'"),
        ("sthree-configurator-x", "must not start with 'sthree-'"),
        ("amzn-s3-demo-shop", "must not start with 'amzn-s3-demo-'"),
        ("shop-s3alias", "must not end with '-s3alias'"),
        ("shop--ol-s3", "must not end with '--ol-s3'"),
        ("shop.mrap", "must not end with '.mrap'"),
        ("shop--usw2-az1--x-s3", "must not end with '--x-s3'"),
        ("shop--table-s3", "must not end with '--table-s3'"),
    ],
)
def test_each_bucket_naming_rule_is_enforced(bucket: str, broken: str) -> None:
    (problem,) = bucket_name_problems(bucket)
    assert problem.startswith(f"bucket {bucket!r} {broken}")


@pytest.mark.parametrize(
    "bucket", ["shop-exports", "abc", "a" * 63, "my.shop.exports", "1shop2", "shop-an", "10.0.0.x"]
)
def test_valid_bucket_names_pass(bucket: str) -> None:
    assert bucket_name_problems(bucket) == []


def test_a_bad_bucket_from_c_is_refused_naming_the_key_and_the_rule() -> None:
    # GIVEN a bucket that starts and ends with '-' (today it passes)
    problems = _problems(**{SOURCE_KEY: "s3://-bad-/x.csv"})
    # THEN one line names the -c key, the rule broken and what is allowed
    assert problems == [
        "-c dev.datasets.items.source=s3://-bad-/x.csv: invalid; bucket '-bad-' must begin and "
        "end with a letter or digit; allowed: s3://<bucket>/<key>.csv, or "
        "s3://<bucket>/<folder>/ for every CSV file in that folder, the bucket named by S3's "
        "bucket naming rules"
    ]


def test_adjacent_periods_in_cdk_json_are_refused_naming_the_context_key() -> None:
    # GIVEN cdk.json names a bucket with '..' (today it passes)
    context = copy.deepcopy(CDK_JSON_CONTEXT)
    context["environments"]["prod"]["datasets"]["users"]["source"] = "s3://a..b/x.csv"
    with pytest.raises(ConfigError) as excinfo:
        load_app_config(context)
    (problem,) = excinfo.value.problems
    assert problem.startswith(
        "context key 'environments.prod.datasets.users.source' = 's3://a..b/x.csv': invalid; "
        "bucket 'a..b' must not contain two adjacent periods; allowed: "
    )


@pytest.mark.parametrize("key", ["exports/*.csv", "exports/items?.csv", "${aws:username}/x.csv"])
def test_a_key_an_iam_policy_would_read_as_a_pattern_is_refused_naming_the_key(key: str) -> None:
    # GIVEN a key with an IAM wildcard or variable (today only cdk-nag fails, naming the role)
    (problem,) = _problems(**{SOURCE_KEY: f"s3://shop-exports/{key}"})
    # THEN the -c key is named, with the fix
    assert problem.startswith(f"-c {SOURCE_KEY}=s3://shop-exports/{key}: invalid; the key ")
    assert "an IAM policy reads as a wildcard or variable; rename the object or folder" in problem


def test_every_problem_of_one_uri_is_reported_at_once() -> None:
    problems = s3_uri_problems("s3://-a..b-/x*.csv")
    assert len(problems) == 3


def test_a_bucket_without_a_key_is_refused() -> None:
    assert s3_uri_problems("s3://shop-exports/") == [
        "name an object (s3://<bucket>/<key>.csv) or a folder ending in '/'"
    ]


def test_a_uri_longer_than_personalize_takes_is_refused() -> None:
    uri = f"s3://shop-exports/{'k' * 240}.csv"
    assert s3_uri_problems(uri) == [f"the URI has {len(uri)} characters; Personalize takes 256"]


@pytest.mark.parametrize(
    "uri", ["s3://shop-exports/personalize/items.csv", "s3://shop-exports/personalize/items/"]
)
def test_an_object_or_a_folder_is_accepted(uri: str) -> None:
    assert s3_uri_problems(uri) == []
