"""The one error type day-two commands raise: its message says what to do next."""

from __future__ import annotations


class DayTwoError(Exception):
    """A problem the operator can fix; the CLI prints the message and exits with status 1."""
