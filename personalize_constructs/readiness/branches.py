"""The readiness workflow's branches: one module per kind, registered here once.

Adding a kind that waits in the workflow: its contract in lambda/personalize_cr/resource_kinds.py
(with a `Readiness`), a module here with `build(workflow, context)`, and one line below.
"""

from __future__ import annotations

from personalize_constructs.readiness import (
    import_branch,
    recommender_branch,
    recommender_delete_branch,
    solution_delete_branch,
    solution_version_branch,
)
from personalize_constructs.readiness.workflow import Builder
from personalize_constructs.resource_kinds import (
    DATASET_IMPORT,
    RECOMMENDER,
    RECOMMENDER_DELETE,
    SOLUTION_DELETE,
    SOLUTION_VERSION,
    Readiness,
)

BRANCHES: tuple[tuple[Readiness, Builder], ...] = (
    (DATASET_IMPORT.readiness, import_branch.build),
    (RECOMMENDER.readiness, recommender_branch.build),
    (RECOMMENDER_DELETE, recommender_delete_branch.build),
    (SOLUTION_VERSION.readiness, solution_version_branch.build),
    (SOLUTION_DELETE, solution_delete_branch.build),
)
