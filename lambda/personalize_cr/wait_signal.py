"""Signals a CloudFormation WaitCondition handle: the last step of the readiness workflow.

The handle is a presigned S3 URL, so this function needs no AWS permissions. The signal's
Reason is what `cdk deploy` prints when the wait condition fails.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from typing import Any

from cr_common import LOGGER, shorten

STATUSES = ("SUCCESS", "FAILURE")
# CloudFormation shows the reason in the stack events.
MAX_REASON = 1000
TIMEOUT_SECONDS = 30


def handler(event: Mapping[str, Any], _context: Any = None) -> dict[str, Any]:
    status = event["Status"]
    if status not in STATUSES:
        raise ValueError(f"Status must be one of {STATUSES}, got {status!r}")
    body = json.dumps(
        {
            "Status": status,
            "Reason": shorten(str(event.get("Reason") or status.title()), MAX_REASON),
            "UniqueId": str(event["UniqueId"]),
            # Results travel as custom-resource attributes instead (outputs must be strings).
            "Data": "",
        }
    ).encode()
    # The URL is CloudFormation's presigned handle (https, S3), never user input.
    request = urllib.request.Request(
        event["HandleUrl"],
        data=body,
        method="PUT",
        # The handle is presigned without a content type: sending one breaks the signature.
        headers={"Content-Type": ""},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        LOGGER.info("signalled %s for %s: HTTP %s", status, event["UniqueId"], response.status)
    return {"Signalled": status}
