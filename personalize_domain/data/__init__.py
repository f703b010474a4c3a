"""Dataset CSV files: validation against the schemas and Personalize's rules, and sample data.

Imports no CDK; `validate_dataset` is what synth calls, `file_digest` names content-addressed keys.
"""

from personalize_domain.data.cache import VALIDATOR_VERSION
from personalize_domain.data.digest import file_digest
from personalize_domain.data.report import (
    DatasetsReport,
    DatasetStats,
    Finding,
    Issue,
    Severity,
    ValidationFailed,
    ValidationReport,
)
from personalize_domain.data.validator import validate_dataset, validate_datasets, validate_file

__all__ = [
    "VALIDATOR_VERSION",
    "DatasetStats",
    "DatasetsReport",
    "Finding",
    "Issue",
    "Severity",
    "ValidationFailed",
    "ValidationReport",
    "file_digest",
    "validate_dataset",
    "validate_datasets",
    "validate_file",
]
