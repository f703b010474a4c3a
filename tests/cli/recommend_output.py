"""Reading `recommend`'s output: the table's rows, then the recommendationId line."""

from __future__ import annotations

ID_LABEL = "recommendation id: "


def table_lines(output: str) -> list[str]:
    """The table's item rows, without its header, rule and the recommendationId line."""
    lines = output.splitlines()[2:]
    return [line for line in lines if not line.startswith(ID_LABEL)]


def table_rows(output: str) -> list[list[str]]:
    return [line.split() for line in table_lines(output)]


def recommendation_id(output: str) -> str | None:
    """The id on the recommendationId line, None when there is no such line."""
    found = [line for line in output.splitlines() if line.startswith(ID_LABEL)]
    assert len(found) <= 1, output
    return found[0].removeprefix(ID_LABEL).split()[0] if found else None
