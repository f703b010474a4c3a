"""docs/batch.md shows `batch` exactly as it prints against the simulators."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _transcript() -> str:
    spec = importlib.util.spec_from_file_location(
        "batch_example", ROOT / "scripts" / "batch_example.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.transcript()
    return text


def test_the_documented_batch_output_is_what_the_command_prints() -> None:
    doc = (ROOT / "docs" / "batch.md").read_text()
    block = doc.split("<!-- batch-example: start -->\n")[1].split("<!-- batch-example: end -->")[0]
    assert block == f"```console\n{_transcript()}```\n", (
        "regenerate the block with .venv/bin/python scripts/batch_example.py"
    )
