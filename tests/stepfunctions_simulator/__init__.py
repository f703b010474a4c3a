"""An offline Step Functions that runs real ASL definitions on the shared clock; see README.md."""

from .cfn import state_machine_definition
from .errors import DefinitionError, SfnSimError, StatesError, StepLimitExceeded
from .interpreter import ABORTED, FAILED, RUNNING, SUCCEEDED, TIMED_OUT, StateRecord
from .lambdas import LambdaContext, LambdaHandler
from .stepfunctions import StepFunctionsSimulator

__all__ = [
    "ABORTED",
    "FAILED",
    "RUNNING",
    "SUCCEEDED",
    "TIMED_OUT",
    "DefinitionError",
    "LambdaContext",
    "LambdaHandler",
    "SfnSimError",
    "StateRecord",
    "StatesError",
    "StepFunctionsSimulator",
    "StepLimitExceeded",
    "state_machine_definition",
]
