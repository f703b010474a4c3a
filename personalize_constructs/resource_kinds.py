"""The custom-resource contracts, read from the Lambda asset that defines them.

The handlers cannot import the app, so the contract lives with them
(`lambda/personalize_cr/resource_kinds.py`, standard library only) and the app loads that very
file: construct, handler, readiness workflow and review tool read one definition.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_SOURCE = Path(__file__).resolve().parent.parent / "lambda" / "personalize_cr" / "resource_kinds.py"
_NAME = "resource_kinds"


def _load() -> ModuleType:
    # Tests put the asset folder on the path, where it is already imported under this name: one
    # module object either way, so a contract compared across the two sides is the same object.
    loaded = sys.modules.get(_NAME)
    if loaded is not None and Path(loaded.__file__ or "").resolve() == _SOURCE:
        return loaded
    spec = importlib.util.spec_from_file_location(_NAME, _SOURCE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[_NAME] = module
    spec.loader.exec_module(module)
    return module


_kinds = _load()

Readiness = _kinds.Readiness
ResourceKind = _kinds.ResourceKind
DATASET_IMPORT = _kinds.DATASET_IMPORT
RECOMMENDER = _kinds.RECOMMENDER
RECOMMENDER_DELETE = _kinds.RECOMMENDER_DELETE
RECOMMENDER_METRICS = _kinds.RECOMMENDER_METRICS
DATASET_SCHEMA = _kinds.DATASET_SCHEMA
SOLUTION = _kinds.SOLUTION
SOLUTION_VERSION = _kinds.SOLUTION_VERSION
SOLUTION_DELETE = _kinds.SOLUTION_DELETE
SOLUTION_METRICS = _kinds.SOLUTION_METRICS
KINDS = _kinds.KINDS
READINESS_BRANCHES = _kinds.READINESS_BRANCHES
READINESS_PROPERTIES = _kinds.READINESS_PROPERTIES
KIND, ARN, HANDLE_URL = _kinds.KIND, _kinds.ARN, _kinds.HANDLE_URL
CREATE, TARGET, WATCH_UPDATE, UPDATE = (
    _kinds.CREATE,
    _kinds.TARGET,
    _kinds.WATCH_UPDATE,
    _kinds.UPDATE,
)
