"""The two kinds of failure: ASL errors an execution handles, and mistakes the test must see."""

from __future__ import annotations

# Errors that `States.ALL` and `States.TaskFailed` do not match: AWS documents that no Retry or
# Catch handles them, so they always fail the execution.
UNCATCHABLE = frozenset({"States.Runtime", "States.DataLimitExceeded"})


class StatesError(Exception):
    """An ASL error (`Error` and `Cause`), handled by Retry/Catch or failing the execution.

    A Lambda callable registered with the simulator may raise it to fail its task with exactly
    this error name, e.g. `StatesError("Lambda.ServiceException", "...")`.
    """

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause

    @property
    def catchable(self) -> bool:
        return self.error not in UNCATCHABLE


def runtime_error(cause: str) -> StatesError:
    """`States.Runtime`: bad data met at run time (a missing path, a wrong type); never caught."""
    return StatesError("States.Runtime", cause)


class SfnSimError(AssertionError):
    """The definition or the test is wrong; raised out of `run()` so it can never be caught."""


class DefinitionError(SfnSimError):
    """The definition is invalid, or uses something the simulator does not support."""


class StepLimitExceeded(SfnSimError):
    """`run()` took more steps than `max_steps`: most likely a polling loop that never ends."""
