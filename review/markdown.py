"""Small Markdown builders: code spans and tables that survive `*`, `|` and backticks in values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

EMPTY = "—"


def code(text: str) -> str:
    """A code span, so `s3:List*` is not read as emphasis; `|` escaped for table cells."""
    if not text:
        return EMPTY
    fence = "``" if "`" in text else "`"
    padding = " " if fence == "``" else ""
    escaped = text.replace("|", "\\|")
    return f"{fence}{padding}{escaped}{padding}{fence}"


def codes(items: Iterable[str]) -> str:
    rendered = [code(item) for item in items]
    return ", ".join(rendered) if rendered else EMPTY


def cell(text: str) -> str:
    """Plain text in a table cell: one line, pipes escaped."""
    return text.replace("|", "\\|").replace("\n", " ") if text else EMPTY


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---" for _ in headers) + " |",
    ]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def truncate(text: str, limit: int = 160) -> str:
    """Long values (schemas, state machine definitions) cut to a readable head plus their size."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} chars)"
