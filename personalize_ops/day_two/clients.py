"""The boto3 clients a day-two command needs, built once per command."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from personalize_ops.day_two.errors import DayTwoError

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient as PersonalizeClient
else:
    PersonalizeClient = Any

# Only the Personalize control plane has type stubs in requirements-dev.txt; CloudFormation,
# personalize-runtime and personalize-events clients are used through a call or two, typed as Any.
CloudFormationClient = Any
PersonalizeRuntimeClient = Any
PersonalizeEventsClient = Any
CloudWatchClient = Any


@dataclass(frozen=True)
class Clients:
    region: str
    cloudformation: CloudFormationClient
    personalize: PersonalizeClient
    runtime: PersonalizeRuntimeClient
    events: PersonalizeEventsClient
    # Only `usage` reads CloudWatch; None where a caller (a test) does not need it.
    cloudwatch: CloudWatchClient = None


def default_session(region: str | None) -> boto3.session.Session:
    """The default credential chain (AWS_PROFILE, env vars, SSO, instance role), in `region`,
    else AWS_REGION, else what botocore finds (AWS_DEFAULT_REGION, the profile's region)."""
    # botocore reads AWS_DEFAULT_REGION only; the AWS CLI v2, the CDK CLI and every other AWS
    # SDK read AWS_REGION first, so an operator who set it expects it to count here too.
    session = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION") or None)
    if session.region_name is None:
        raise DayTwoError(
            "no AWS region: pass --region, set `region` for the environment in cdk.json, "
            "or set AWS_REGION"
        )
    return session


def default_clients(region: str | None) -> Clients:
    """Clients from the default credential chain, in the region `default_session` picks."""
    session = default_session(region)
    return Clients(
        region=session.region_name,
        cloudformation=session.client("cloudformation"),
        personalize=session.client("personalize"),
        runtime=session.client("personalize-runtime"),
        events=session.client("personalize-events"),
        cloudwatch=session.client("cloudwatch"),
    )
