"""Simulated time: it moves only when a test moves it, so status transitions are reproducible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2025, 1, 1, tzinfo=UTC)


class Clock:
    """A manual clock shared by every resource of one simulator."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            # Responses carry epoch timestamps; a naive start would silently shift by the TZ offset.
            raise ValueError("Clock start must be timezone-aware, e.g. datetime(..., tzinfo=UTC).")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move time forward by `seconds` and return the new time."""
        if seconds < 0:
            raise ValueError(f"Time only moves forward; got advance({seconds}).")
        self._now += timedelta(seconds=seconds)
        return self._now

    def advance_to(self, when: datetime) -> datetime:
        """Move time forward to `when` (no-op if it is already past)."""
        if when > self._now:
            self._now = when
        return self._now

    def sleep(self, seconds: float) -> None:
        """Drop-in for `time.sleep`: polling loops under test advance simulated time instantly."""
        self.advance(seconds)
