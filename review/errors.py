"""The one error the CLI reports as a message (naming the file) instead of a traceback."""

from __future__ import annotations


class ReviewError(Exception):
    """A missing or malformed input, or a failed base synth; the message says which and where."""
