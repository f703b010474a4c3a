"""`python -m review`: files written per stack, exit codes, and errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.cli import EXIT_ERROR, EXIT_STATEFUL_REPLACEMENT, main
from tests.review.builders import recommender, resource, write_prices, write_template


def _assembly(directory: Path, **resources: dict[str, object]) -> Path:
    write_template(directory, "Shop-dev", resources or {"Rec": recommender()})
    return directory


def test_summary_writes_one_page_per_stack(tmp_path: Path) -> None:
    # GIVEN an assembly with one stack
    templates = _assembly(tmp_path / "cdk.out")
    # WHEN summarized
    code = main(
        [
            "summary",
            "--templates",
            str(templates),
            "--out",
            str(tmp_path / "out"),
            "--prices",
            str(write_prices(tmp_path)),
        ]
    )
    # THEN the page is named after the stack
    assert (code, sorted(p.name for p in (tmp_path / "out").iterdir())) == (0, ["Shop-dev.md"])


def test_a_missing_templates_directory_fails_with_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN no cdk.out WHEN summarized THEN the exit code is 1 and stderr names the directory
    missing = tmp_path / "cdk.out"
    code = main(["summary", "--templates", str(missing), "--out", str(tmp_path / "out")])
    assert (code, capsys.readouterr().err) == (
        EXIT_ERROR,
        f"review: {missing}: templates directory not found (run `make synth` first?)\n",
    )


def test_diff_writes_a_page_per_stack_and_can_fail_ci_on_a_replacement(tmp_path: Path) -> None:
    # GIVEN the dataset group's domain changed between base and head
    group = "AWS::Personalize::DatasetGroup"
    base = _assembly(tmp_path / "base", DatasetGroup=resource(group, {"Domain": "ECOMMERCE"}))
    head = _assembly(tmp_path / "head", DatasetGroup=resource(group, {"Domain": "VIDEO_ON_DEMAND"}))
    args = ["diff", "--base-templates", str(base), "--templates", str(head)]
    args += ["--out", str(tmp_path / "out"), "--prices", str(write_prices(tmp_path))]
    # WHEN diffed with and without the CI switch
    codes = (main(args), main([*args, "--fail-on-stateful-replacement"]))
    # THEN the page carries the warning, and only the switch turns it into a failing exit code
    page = (tmp_path / "out" / "Shop-dev.diff.md").read_text(encoding="utf-8")
    assert "> ⚠️ **WARNING** STATEFUL REPLACEMENT: `DatasetGroup`" in page
    assert codes == (0, EXIT_STATEFUL_REPLACEMENT)


def test_diff_reports_a_stack_that_only_the_head_has(tmp_path: Path) -> None:
    # GIVEN a new environment's stack in the head only
    base = _assembly(tmp_path / "base")
    head = _assembly(tmp_path / "head")
    write_template(head, "Shop-prod", {"Rec": recommender()})
    args = ["diff", "--base-templates", str(base), "--templates", str(head)]
    # WHEN diffed
    main([*args, "--out", str(tmp_path / "out"), "--prices", str(write_prices(tmp_path))])
    # THEN its page says it is new, and lists what it adds and what it will cost
    page = (tmp_path / "out" / "Shop-prod.diff.md").read_text(encoding="utf-8")
    assert "**New stack:** `Shop-prod` exists only in the head" in page
    assert "**1 added, 0 removed, 0 changed" in page
    assert "- `shop-test-best-sellers`: **new**, min RPS 1, state running" in page
    assert "| `Rec` | `Custom::PersonalizeRecommender` |" in page
    # 0.25/h (the test table's tier, 1 RPS within its included requests) x 730 h
    assert "pause schedules applied: **USD 0.00 → 182.50**" in page


def test_one_stack_is_reviewed_alone_without_the_others_reading_as_removed(
    tmp_path: Path,
) -> None:
    # GIVEN a base with two stacks and a head synthesized for one (make review ENV=prod)
    base = _assembly(tmp_path / "base")
    write_template(base, "Shop-prod", {"Rec": recommender()})
    head = tmp_path / "head"
    write_template(head, "Shop-prod", {"Rec": recommender(min_rps="2")})
    args = ["diff", "--base-templates", str(base), "--templates", str(head), "--stack", "Shop-prod"]
    # WHEN diffed for that stack
    main([*args, "--out", str(tmp_path / "out"), "--prices", str(write_prices(tmp_path))])
    # THEN only its page is written: Shop-dev is not reported as removed
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["Shop-prod.diff.md"]
