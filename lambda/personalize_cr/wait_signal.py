"""Signals a CloudFormation WaitCondition handle: the last step of the readiness workflow.

The handle is a presigned S3 URL, so this function needs no AWS permissions. The signal's
Reason is what `cdk deploy` prints when the wait condition fails.

Only an https URL on CloudFormation's WaitCondition bucket of this function's own region is
ever opened: the bucket is `cloudformation-waitcondition-<region>` (CloudFormation User Guide,
"Access CloudFormation using an interface endpoint", which names the buckets a VPC endpoint
policy must allow), reached through one of S3's virtual-hosted endpoints of the region's
partition. Anything else is refused with one line, before any request.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from handler_support import LOGGER, HandlerError, shorten

STATUSES = ("SUCCESS", "FAILURE")
# CloudFormation shows the reason in the stack events.
MAX_REASON = 1000
TIMEOUT_SECONDS = 30

# Takes the event's HandleUrl, returns the URL to open, or raises HandlerError.
UrlCheck = Callable[[str], str]

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
# The isolated partitions have their own DNS suffixes, which this app has never been run in.
_ISOLATED_REGION = re.compile(r"[a-z]{2}-iso[a-z]?-")


def handler(
    event: Mapping[str, Any], _context: Any = None, *, check_url: UrlCheck | None = None
) -> dict[str, Any]:
    """Lambda calls this with (event, context) only, so `check_url` is for tests alone: they
    signal a local endpoint instead of CloudFormation's."""
    status, unique_id, handle = _checked_event(event)
    url = (check_url or cloudformation_handle)(handle)
    body = json.dumps(
        {
            "Status": status,
            "Reason": shorten(str(event.get("Reason") or status.title()), MAX_REASON),
            "UniqueId": unique_id,
            # Results travel as custom-resource attributes instead (outputs must be strings).
            "Data": "",
        }
    ).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="PUT",
        # The handle is presigned without a content type: sending one breaks the signature.
        headers={"Content-Type": ""},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        LOGGER.info("signalled %s for %s: HTTP %s", status, unique_id, response.status)
    return {"Signalled": status}


def _checked_event(event: Any) -> tuple[str, str, str]:
    if not isinstance(event, Mapping):
        raise HandlerError(f"the signal event must be a JSON object, got {_kind(event)}")
    status = event.get("Status")
    if status not in STATUSES:
        raise HandlerError(f"Status must be {' or '.join(STATUSES)}, got {_shown(status)}")
    unique_id = event.get("UniqueId")
    if not isinstance(unique_id, str) or not unique_id.strip():
        raise HandlerError(
            f"UniqueId must be a non-empty string (the ARN of the resource waited for), "
            f"got {_shown(unique_id)}"
        )
    handle = event.get("HandleUrl")
    if not isinstance(handle, str) or not handle:
        raise HandlerError(
            f"HandleUrl must be the WaitCondition handle's presigned URL, got {_kind(handle)}"
        )
    return status, unique_id, handle


def cloudformation_handle(url: str) -> str:
    """The production check, for the region Lambda runs in (AWS_REGION is set by Lambda)."""
    return check_handle_url(url, region=os.environ.get("AWS_REGION", ""))


def check_handle_url(url: str, *, region: str) -> str:
    """The URL to open: `url` rebuilt from the parts checked, so what is opened is what was
    checked. Raises HandlerError, naming the host and what is allowed, for anything else."""
    hosts = handle_hosts(region)
    # The URL is a capability (presigned); messages name its host, never the whole URL.
    if any(c.isspace() or not c.isprintable() or c == "\\" for c in url):
        raise HandlerError(
            "HandleUrl contains whitespace, control characters or a backslash; a presigned "
            "S3 URL has none"
        )
    parts = urlsplit(url)
    host = parts.hostname or ""
    allowed = f"allowed hosts (https only): {', '.join(hosts)}"
    if parts.scheme != "https":
        raise HandlerError(
            f"HandleUrl scheme {parts.scheme or '(none)'!r} (host {host!r}) is not https; {allowed}"
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.username is not None or parts.password is not None or port is not None:
        raise HandlerError(
            f"HandleUrl for host {host!r} carries user info or a port, which a presigned "
            f"S3 URL never has; {allowed}"
        )
    if host not in hosts:
        raise HandlerError(
            f"HandleUrl host {host!r} is not CloudFormation's WaitCondition bucket in {region}; "
            f"{allowed}"
        )
    return urlunsplit(("https", host, parts.path, parts.query, ""))


def handle_hosts(region: str) -> tuple[str, ...]:
    """The hosts of CloudFormation's WaitCondition bucket in `region`: S3's regional,
    legacy dash-regional and dual-stack endpoints, and in the aws partition the global one,
    which is where CloudFormation's us-east-1 handles point."""
    if not _REGION.fullmatch(region):
        raise HandlerError(
            f"AWS_REGION {region!r} is not a region name; Lambda sets it, e.g. eu-west-1"
        )
    if _ISOLATED_REGION.match(region):
        raise HandlerError(
            f"region {region} is in an isolated partition, whose CloudFormation hosts this "
            "function does not know; it signals only in the aws, aws-cn and aws-us-gov partitions"
        )
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    bucket = f"cloudformation-waitcondition-{region}"
    hosts = [
        f"{bucket}.s3.{region}.{suffix}",
        f"{bucket}.s3-{region}.{suffix}",
        f"{bucket}.s3.dualstack.{region}.{suffix}",
    ]
    if suffix == "amazonaws.com" and not region.startswith("us-gov-"):
        hosts.append(f"{bucket}.s3.{suffix}")
    return tuple(hosts)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return "an empty string" if value == "" else f"a {type(value).__name__}"


def _shown(value: Any) -> str:
    return "nothing" if value is None else shorten(repr(value), 80)
