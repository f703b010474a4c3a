"""boto3 clients for moto's mocks, all made by one session.

A new boto3 session loads each service model again: S3's costs about 0.2 s a client, and the
moto-backed tests make about a hundred. One session, made after moto registered its stub with
botocore (imported here first), keeps every model loaded for the run. Clients still work only
inside `mock_aws()`: outside it moto's stub passes requests on, and there are no real
credentials.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
import moto  # noqa: F401  (registers moto's stub in botocore before the session exists)


@cache
def _session() -> boto3.session.Session:
    # One boto3 session only: each one registers its S3 customizations on its botocore session,
    # and a second set on the same botocore session fails S3 client creation.
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")


def moto_client(service_name: str, region: str) -> Any:
    """A boto3 client for `service_name` in `region`, answered by moto inside `mock_aws()`."""
    return _session().client(service_name, region_name=region)  # type: ignore[call-overload]
