"""A team's variant of dev with `validateInS3` on an s3:// source: what it adds to the checked-in
acknowledgment list (tests/stacks/acknowledged.py). The workflow itself runs in
tests/handlers/test_s3_validation.py."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.personalize_stack import PersonalizeShopStack
from tests.handlers.test_s3_validation import VALIDATED_DEV
from tests.stacks.acknowledged import (
    ACKNOWLEDGED_WITH_S3_VALIDATION,
    WILDCARD_RESOURCE_GRANTS,
    WILDCARD_RESOURCE_GRANTS_IN_DEV,
    acknowledged,
    expected_acknowledgments,
    wildcard_grants,
)


@pytest.fixture(scope="module")
def validated_stack(synth: Any) -> PersonalizeShopStack:
    stack: PersonalizeShopStack = synth(VALIDATED_DEV)["dev"]
    return stack


def test_validation_adds_exactly_the_reviewed_acknowledgments(
    validated_stack: PersonalizeShopStack,
) -> None:
    expected = expected_acknowledgments(validated_stack) | ACKNOWLEDGED_WITH_S3_VALIDATION
    assert set(acknowledged(validated_stack)) == expected


def test_validation_grants_nothing_on_any_resource(validated_stack: PersonalizeShopStack) -> None:
    reviewed = {*WILDCARD_RESOURCE_GRANTS, *WILDCARD_RESOURCE_GRANTS_IN_DEV}
    assert wildcard_grants(validated_stack, Template.from_stack(validated_stack)) <= reviewed
