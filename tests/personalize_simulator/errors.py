"""Errors the simulated service returns, and the errors that mean the simulator itself is wrong."""

from __future__ import annotations

# Codes any AWS JSON API can return without modelling them; the client raises a plain ClientError.
UNMODELED_ERROR_STATUS: dict[str, int] = {
    "ThrottlingException": 400,
    "AccessDeniedException": 400,
    "ExpiredTokenException": 400,
    "ValidationException": 400,
    "InternalFailure": 500,
    "ServiceUnavailableException": 503,
}

DEFAULT_FAULT_MESSAGES: dict[str, str] = {
    "ThrottlingException": "Rate exceeded",
    "AccessDeniedException": "User is not authorized to perform this action.",
    "InternalFailure": "An internal error occurred.",
    "ServiceUnavailableException": "Service is unavailable. Try again later.",
}


class ServiceError(Exception):
    """An error response of the simulated service; the client turns it into its exception class."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def not_found(arn: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Resource Arn {arn} does not exist.")


def already_exists(message: str) -> ServiceError:
    return ServiceError("ResourceAlreadyExistsException", message)


def in_use(message: str) -> ServiceError:
    return ServiceError("ResourceInUseException", message)


def invalid_input(message: str) -> ServiceError:
    return ServiceError("InvalidInputException", message)


def limit_exceeded(message: str) -> ServiceError:
    return ServiceError("LimitExceededException", message)


class UnimplementedOperation(AssertionError):
    """The code under test called an operation the simulator does not model."""


class InvalidSimulatedResponse(AssertionError):
    """The simulator produced a response or error that the real service could not return."""
