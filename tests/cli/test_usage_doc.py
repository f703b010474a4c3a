"""docs/monitoring.md shows `usage` exactly as it prints against the fakes."""

from __future__ import annotations

from pathlib import Path

from usage_example import transcript

ROOT = Path(__file__).resolve().parents[2]


def test_the_documented_usage_output_is_what_the_command_prints() -> None:
    doc = (ROOT / "docs" / "monitoring.md").read_text()
    block = doc.split("<!-- usage-example: start -->\n")[1].split("<!-- usage-example: end -->")[0]
    assert block == f"```console\n{transcript()}```\n", (
        "regenerate the block with .venv/bin/python tests/cli/usage_example.py"
    )
