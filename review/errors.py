"""The one error the CLI reports as a message (naming the file) instead of a traceback, and the
JSON reader that raises it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class ReviewError(Exception):
    """A missing or malformed input, or a failed base synth; the message says which and where."""


def read_json(path: Path, what: str, **json_options: Any) -> Any:
    """Parse a JSON file; a missing, unreadable or malformed one is a ReviewError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReviewError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise ReviewError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    try:
        return json.loads(text, **json_options)
    except json.JSONDecodeError as exc:
        raise ReviewError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
