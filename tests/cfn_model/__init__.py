"""A model of what calls our custom-resource handlers: the CDK Provider framework and
CloudFormation's create, update, rollback and delete sequences. See README.md."""

from tests.cfn_model.provider import (
    CREATE_FAILED_MARKER,
    MAX_RESPONSE_BYTES,
    ProviderFramework,
    Response,
)
from tests.cfn_model.stack import CloudFormation, Outcome, StackEvent

__all__ = [
    "CREATE_FAILED_MARKER",
    "MAX_RESPONSE_BYTES",
    "CloudFormation",
    "Outcome",
    "ProviderFramework",
    "Response",
    "StackEvent",
]
