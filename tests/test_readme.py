"""The README's context table documents exactly the keys the configuration accepts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from personalize_domain import batch_config
from personalize_domain import config as cfg

ROOT = Path(__file__).resolve().parent.parent


def _documented_keys() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- context-table: start -->")[1].split("<!-- context-table: end -->")[0]
    return re.findall(r"^\| `([^`]+)` \|", table, flags=re.MULTILINE)


def test_readme_context_table_lists_every_accepted_key_once() -> None:
    accepted = [
        *cfg._ENV_FIELDS,
        *(f"datasets.<type>.{leaf}" for leaf in cfg._DATASET_FIELDS),
        *(f"recommenders.<use-case>.{leaf}" for leaf in cfg._RECOMMENDER_FIELDS),
        *(f"{block}.{leaf}" for block, fields in cfg.ENV_BLOCKS.items() for leaf in fields),
        *(f"filters.<name>.{leaf}" for leaf in cfg._FILTER_FIELDS),
        *(f"batch.<name>.{leaf}" for leaf in batch_config.FIELDS),
    ]
    assert _documented_keys() == accepted


def test_readme_opens_with_the_two_setup_commands() -> None:
    first_lines = (ROOT / "README.md").read_text().splitlines()[:6]
    assert "make synth" in "\n".join(first_lines)
    assert "make test" in "\n".join(first_lines)


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_every_link_of_the_readme_and_docs_stays_inside_the_repository() -> None:
    # GIVEN every relative Markdown link of the README and docs/
    for page in _markdown_files():
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if re.match(r"^[a-z]+:", target):
                continue  # https: and mailto: links go outside on purpose
            # THEN each names a file or folder of the repository
            resolved = (page.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), f"{page.name}: {target} leaves the repository"
            assert resolved.exists(), f"{page.name}: {target} does not exist"


def test_no_project_file_points_outside_the_repository() -> None:
    # GIVEN every tracked text file / THEN none refers to the workplace's shared folder
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    shared = "../" + "shared"
    for name in tracked:
        path = ROOT / name
        if path.suffix in {".md", ".py", ".json", ".txt", ".toml", ".ini"} and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert shared not in text, name
            assert "/work/" + "shared" not in text, name
