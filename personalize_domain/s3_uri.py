"""`s3://` dataset sources: S3's bucket naming rules, and keys that are safe in an IAM policy.

A source already in S3 becomes an import's `dataLocation` and a resource of the Personalize role's
policy, so a bad one must fail where it is typed, not at deploy time or as a cdk-nag finding that
names the role instead of the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

S3_SCHEME = "s3://"
# Personalize's DataSource.dataLocation is at most 256 characters.
MAX_URI_LENGTH = 256

# Amazon S3 user guide, "General purpose bucket naming rules".
_BUCKET_CHARS_RE = re.compile(r"^[a-z0-9.-]+$")
_BUCKET_EDGE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_IP_ADDRESS_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# In an IAM policy's Resource, `*` and `?` are wildcards and `${...}` is a policy variable: such a
# key would grant more (or other) objects than the one named.
IAM_SPECIAL_IN_KEY = ("*", "?", "${")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    # An object key, or a folder (a prefix ending in '/': Personalize imports every file in it).
    key: str

    @property
    def is_folder(self) -> bool:
        return self.key.endswith("/")


def is_s3_uri(source: str) -> bool:
    return source.startswith(S3_SCHEME)


def split_s3_uri(uri: str) -> S3Location:
    """The bucket and key of a URI that `s3_uri_problems` accepted."""
    bucket, _, key = uri[len(S3_SCHEME) :].partition("/")
    return S3Location(bucket=bucket, key=key)


def s3_uri_problems(uri: str) -> list[str]:
    """Every reason `uri` is not a usable dataset location; empty when it is."""
    location = split_s3_uri(uri)
    problems = bucket_name_problems(location.bucket)
    if not location.key:
        problems.append("name an object (s3://<bucket>/<key>.csv) or a folder ending in '/'")
    special = [s for s in IAM_SPECIAL_IN_KEY if s in location.key]
    if special:
        problems.append(
            f"the key {location.key!r} contains {' and '.join(repr(s) for s in special)}, which "
            "an IAM policy reads as a wildcard or variable; rename the object or folder"
        )
    if len(uri) > MAX_URI_LENGTH:
        problems.append(f"the URI has {len(uri)} characters; Personalize takes {MAX_URI_LENGTH}")
    return problems


def bucket_name_problems(name: str) -> list[str]:
    """The general purpose bucket naming rules `name` breaks, each as a short phrase."""
    subject = f"bucket {name!r}"
    problems = []
    if not 3 <= len(name) <= 63:
        problems.append(f"{subject} has {len(name)} characters; a bucket name has 3 to 63")
    if not _BUCKET_CHARS_RE.match(name):
        problems.append(f"{subject} may contain only lowercase letters, digits, '.' and '-'")
    if name and not (name[0] in _BUCKET_EDGE and name[-1] in _BUCKET_EDGE):
        problems.append(f"{subject} must begin and end with a letter or digit")
    if ".." in name:
        problems.append(f"{subject} must not contain two adjacent periods")
    if _IP_ADDRESS_RE.match(name):
        problems.append(f"{subject} must not be formatted as an IP address")
    problems.extend(
        f"{subject} must not start with {prefix!r} (reserved by S3)"
        for prefix in RESERVED_BUCKET_PREFIXES
        if name.startswith(prefix)
    )
    problems.extend(
        f"{subject} must not end with {suffix!r} (reserved by S3 for access points and other "
        "bucket types; name the bucket itself)"
        for suffix in RESERVED_BUCKET_SUFFIXES
        if name.endswith(suffix)
    )
    return problems
