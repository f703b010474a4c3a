"""The contract of each custom-resource kind, defined once.

For each kind: its CloudFormation type, its property names (in the order the construct writes
them), which of them make a new physical resource, the defaults the review tool assumes, and,
for kinds awaited by the readiness workflow, the workflow's `Kind` value and the input fields
the handler may send.

This file lives in the Lambda asset because the handlers cannot import the app; the app loads
this very file (`personalize_constructs/resource_kinds.py`), so both sides read one definition.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Readiness workflow input fields. The workflow reads them as `$.<field>`.
KIND = "Kind"
ARN = "Arn"
HANDLE_URL = "HandleUrl"
CREATE = "Create"
TARGET = "Target"
WATCH_UPDATE = "WatchUpdate"
UPDATE = "Update"
# An import's Athena query, run before the import job is created (`datasets.<type>.validateInS3`).
VALIDATE = "Validate"


@dataclass(frozen=True)
class Readiness:
    """One branch of the readiness workflow: its `Kind` value and the input it accepts."""

    kind: str
    inputs: tuple[str, ...]
    signals: bool = True

    def input(self, **fields: Any) -> dict[str, Any]:
        """The workflow input for this branch; a field outside the contract is a bug."""
        unknown = set(fields) - set(self.inputs)
        if unknown:
            raise ValueError(f"{self.kind}: fields {sorted(unknown)} are not in its contract")
        return {KIND: self.kind, **fields}


@dataclass(frozen=True)
class ResourceKind:
    resource_type: str
    properties: tuple[str, ...]
    # A change of these makes the handler return a new physical id (a replacement).
    replacing: tuple[str, ...] = ()
    # Changes of these the handler applies to the running resource (no new resource).
    in_place: tuple[str, ...] = ()
    # What an absent or empty property means, as the review tool shows it.
    defaults: Mapping[str, str] = field(default_factory=dict)
    # Written only when set (absent means the default), so adding one to the contract leaves
    # the resources that do not use it unchanged.
    optional: tuple[str, ...] = ()
    readiness: Readiness | None = None


READINESS_PROPERTIES = ("ReadinessHandle", "ReadinessStateMachineArn")
IMPORT_READINESS = Readiness(kind="import", inputs=(ARN, HANDLE_URL, CREATE, VALIDATE))
RECOMMENDER_READINESS = Readiness(
    kind="recommender", inputs=(ARN, HANDLE_URL, TARGET, WATCH_UPDATE, UPDATE)
)

DATASET_IMPORT = ResourceKind(
    resource_type="Custom::PersonalizeDatasetImport",
    properties=(
        "DatasetArn",
        "DataLocation",
        "RoleArn",
        "ImportMode",
        "Validation",
        *READINESS_PROPERTIES,
    ),
    # A new import mode alone is not a new import: it applies to the next data change.
    replacing=("DatasetArn", "DataLocation"),
    # Validation: {QueryString, WorkGroup, OutputLocation}, the Athena query the workflow runs
    # before it creates the job; like the mode, a new one applies to the next data change.
    defaults={"ImportMode": "FULL", "Validation": ""},
    optional=("Validation",),
    readiness=IMPORT_READINESS,
)

RECOMMENDER = ResourceKind(
    resource_type="Custom::PersonalizeRecommender",
    properties=(
        "Name",
        "DatasetGroupArn",
        "RecipeArn",
        "MinRecommendationRequestsPerSecond",
        "ExplorationWeight",
        "ExplorationItemAgeCutOff",
        "EnableMetadataWithRecommendations",
        "TrainingDataConfig",
        "State",
        *READINESS_PROPERTIES,
    ),
    replacing=("Name", "DatasetGroupArn", "RecipeArn"),
    in_place=(
        "MinRecommendationRequestsPerSecond",
        "ExplorationWeight",
        "ExplorationItemAgeCutOff",
        "EnableMetadataWithRecommendations",
        "TrainingDataConfig",
    ),
    defaults={
        "MinRecommendationRequestsPerSecond": "1",
        "ExplorationWeight": "",
        "ExplorationItemAgeCutOff": "",
        # "true" or absent; TrainingDataConfig is the API's trainingDataConfig as JSON.
        "EnableMetadataWithRecommendations": "false",
        "TrainingDataConfig": "",
        "State": "running",
    },
    optional=("EnableMetadataWithRecommendations", "TrainingDataConfig"),
    readiness=RECOMMENDER_READINESS,
)

# A recommender whose Delete outlasted the Provider's budget: deleted once training ends.
RECOMMENDER_DELETE = Readiness(kind="recommender-delete", inputs=(ARN,), signals=False)

RECOMMENDER_METRICS = ResourceKind(
    resource_type="Custom::PersonalizeRecommenderMetrics",
    properties=("RecommenderArn", "Operation"),
)

DATASET_SCHEMA = ResourceKind(
    resource_type="Custom::PersonalizeDatasetSchema",
    properties=("DatasetArn", "SchemaName", "Schema", "Domain"),
    replacing=("SchemaName",),
)

# A custom solution for batch recommendations. Our own kind, not AWS::Personalize::Solution:
# that resource has no PerformAutoTraining property, and CreateSolution defaults it to true (a new,
# billed version every 7 days). Recipe, event weights and dataset group change the model: a new
# solution, whose name carries a hash of them. Auto training is applied in place (UpdateSolution).
SOLUTION = ResourceKind(
    resource_type="Custom::PersonalizeSolution",
    properties=(
        "Name",
        "DatasetGroupArn",
        "RecipeArn",
        "EventsConfig",
        "AutoTraining",
        # A Delete that outlasts the Provider's budget hands the solution to the workflow.
        "ReadinessStateMachineArn",
    ),
    replacing=("Name", "DatasetGroupArn", "RecipeArn", "EventsConfig"),
    in_place=("AutoTraining",),
    defaults={"EventsConfig": "", "AutoTraining": "off"},
)

SOLUTION_VERSION_READINESS = Readiness(kind="solution-version", inputs=(ARN, HANDLE_URL))
# A trained model of a solution, awaited by the readiness workflow (training takes hours). New data
# (`DataVersion`: the import jobs it is trained on) or a new solution is a new version.
SOLUTION_VERSION = ResourceKind(
    resource_type="Custom::PersonalizeSolutionVersion",
    properties=("SolutionArn", "DataVersion", "TrainingMode", *READINESS_PROPERTIES),
    replacing=("SolutionArn", "DataVersion", "TrainingMode"),
    defaults={"TrainingMode": "FULL"},
    readiness=SOLUTION_VERSION_READINESS,
)

# A solution whose Delete outlasted the Provider's budget (a version still stopping): the
# workflow stops what trains and deletes the solution once Personalize allows it.
SOLUTION_DELETE = Readiness(kind="solution-delete", inputs=(ARN,), signals=False)

SOLUTION_METRICS = ResourceKind(
    resource_type="Custom::PersonalizeSolutionMetrics",
    properties=("SolutionVersionArn",),
)

KINDS = (
    DATASET_IMPORT,
    RECOMMENDER,
    RECOMMENDER_METRICS,
    DATASET_SCHEMA,
    SOLUTION,
    SOLUTION_VERSION,
    SOLUTION_METRICS,
)
READINESS_BRANCHES = tuple(
    [k.readiness for k in KINDS if k.readiness is not None] + [RECOMMENDER_DELETE, SOLUTION_DELETE]
)
