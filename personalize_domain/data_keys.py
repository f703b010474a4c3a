"""Where a dataset file lives in the data bucket: one key scheme for `cdk deploy` and the CLI.

Plain Python (no CDK), so `personalize-shop import` uploads to exactly the key a deploy of the
same file would use, and a file shipped both ways is stored once.
"""

from __future__ import annotations

DATA_PREFIX = "datasets"


def data_key(dataset_type_key: str, digest: str, file_name: str) -> str:
    """`datasets/<type>/<first 16 hex of the sha256>/<file name>`: a new content is a new key."""
    return f"{DATA_PREFIX}/{dataset_type_key}/{digest[:16]}/{file_name}"
