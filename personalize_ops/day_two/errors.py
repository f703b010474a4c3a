"""The one error type day-two commands raise: its message says what to do next."""

from __future__ import annotations

from botocore.exceptions import ClientError


class DayTwoError(Exception):
    """A problem the operator can fix; the CLI prints the message and exits with status 1."""


def error_detail(error: ClientError) -> tuple[str | None, str]:
    """The AWS error code (None if absent) and message (the exception's text if absent)."""
    detail = error.response.get("Error", {})
    return detail.get("Code"), detail.get("Message", str(error))
