"""Loading templates: clear errors that name the file when something is missing or malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.errors import ReviewError
from review.template import load_template, load_templates
from tests.review.builders import resource, write_template


def test_templates_load_by_stack_name_without_cdk_metadata(tmp_path: Path) -> None:
    # GIVEN a cloud assembly with one stack and CDK's metadata resource
    write_template(
        tmp_path,
        "Shop-dev",
        {"Bucket": resource("AWS::S3::Bucket"), "CDKMetadata": resource("AWS::CDK::Metadata")},
    )
    # WHEN loaded THEN the stack is keyed by name and the metadata resource is dropped
    templates = load_templates(tmp_path)
    assert {stack: sorted(t.resources) for stack, t in templates.items()} == {
        "Shop-dev": ["Bucket"]
    }


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    # GIVEN no cdk.out WHEN loaded THEN the error names it
    with pytest.raises(ReviewError, match=r"cdk\.out: templates directory not found"):
        load_templates(tmp_path / "cdk.out")


def test_a_directory_without_templates_is_named(tmp_path: Path) -> None:
    # GIVEN an empty directory WHEN loaded THEN the error says what was looked for
    with pytest.raises(ReviewError, match=r"no \*\.template\.json files"):
        load_templates(tmp_path)


def test_invalid_json_is_named_with_its_line(tmp_path: Path) -> None:
    # GIVEN a truncated template
    path = tmp_path / "Shop-dev.template.json"
    path.write_text('{"Resources": {\n', encoding="utf-8")
    # WHEN loaded THEN the file and line are named
    with pytest.raises(ReviewError, match=r"Shop-dev\.template\.json: not valid JSON \(line 2"):
        load_template(path)


def test_a_json_file_that_is_no_template_is_named(tmp_path: Path) -> None:
    # GIVEN JSON without Resources WHEN loaded THEN the file is named
    path = tmp_path / "Shop-dev.template.json"
    path.write_text('{"Outputs": {}}', encoding="utf-8")
    with pytest.raises(ReviewError, match=r"Shop-dev\.template\.json: no 'Resources' object"):
        load_template(path)


def test_a_resource_without_a_type_is_named(tmp_path: Path) -> None:
    # GIVEN a resource without a Type WHEN loaded THEN the resource is named
    path = tmp_path / "Shop-dev.template.json"
    path.write_text('{"Resources": {"Bucket": {"Properties": {}}}}', encoding="utf-8")
    with pytest.raises(ReviewError, match=r"resource 'Bucket' has no 'Type' string"):
        load_template(path)
