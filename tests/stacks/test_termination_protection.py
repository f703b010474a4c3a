"""Termination protection: on where data is kept, so `cdk destroy` cannot remove it by mistake."""

from __future__ import annotations

import aws_cdk as cdk

from stacks.personalize_stack import PersonalizeShopStack
from tests.conftest import SynthFn


def _protected(stack: PersonalizeShopStack) -> bool:
    """What the cloud assembly tells the CLI, which sets it on the CloudFormation stack."""
    artifact = cdk.Stage.of(stack).synth().get_stack_artifact(stack.artifact_id)  # type: ignore[union-attr]
    return bool(artifact.termination_protection)


def test_kept_environment_is_protected_against_deletion(
    stacks: dict[str, PersonalizeShopStack],
) -> None:
    # GIVEN prod (dataDisposable: false, no terminationProtection key) / WHEN synthesized
    # THEN its stack is termination-protected
    assert _protected(stacks["prod"])


def test_disposable_environment_is_not_protected(stacks: dict[str, PersonalizeShopStack]) -> None:
    assert not _protected(stacks["dev"])


def test_protection_can_be_turned_off_for_one_run(synth: SynthFn) -> None:
    # GIVEN `-c prod.terminationProtection=false` (to destroy prod on purpose)
    stacks = synth({"env": "prod", "prod.terminationProtection": "false"})
    # THEN the synthesized stack is not protected
    assert not _protected(stacks["prod"])
