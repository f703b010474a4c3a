"""An offline, stateful Amazon Personalize (its runtime and events too) for tests; see README.md."""

from .clock import Clock
from .errors import InvalidSimulatedResponse, ServiceError, UnimplementedOperation
from .events import PersonalizeEventsSimulator, ReceivedEvent
from .fake_service import Call, FakeService, Fault, operation
from .lifecycle import Durations
from .personalize import (
    DEFAULT_DATASET_GROUP_FAILURE,
    DEFAULT_DATASET_UPDATE_FAILURE,
    DEFAULT_IMPORT_FAILURE,
    DEFAULT_RECOMMENDER_FAILURE,
    DEFAULT_UPDATE_FAILURE,
    ECOMMERCE_INTERACTIONS_SCHEMA,
    RECOMMENDED_FOR_YOU,
    PersonalizeSimulator,
    Quotas,
    ReadyDatasetGroup,
)
from .runtime import PersonalizeRuntimeSimulator

__all__ = [
    "DEFAULT_DATASET_GROUP_FAILURE",
    "DEFAULT_DATASET_UPDATE_FAILURE",
    "DEFAULT_IMPORT_FAILURE",
    "DEFAULT_RECOMMENDER_FAILURE",
    "DEFAULT_UPDATE_FAILURE",
    "ECOMMERCE_INTERACTIONS_SCHEMA",
    "RECOMMENDED_FOR_YOU",
    "Call",
    "Clock",
    "Durations",
    "FakeService",
    "Fault",
    "InvalidSimulatedResponse",
    "PersonalizeEventsSimulator",
    "PersonalizeRuntimeSimulator",
    "PersonalizeSimulator",
    "Quotas",
    "ReadyDatasetGroup",
    "ReceivedEvent",
    "ServiceError",
    "UnimplementedOperation",
    "operation",
]
