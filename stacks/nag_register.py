"""Every cdk-nag acknowledgment of the app, in one place, each scoped to one finding and reasoned.

Acknowledgments go on the smallest construct that raises the finding. `ACKNOWLEDGED` is the
reviewable register: a test checks that the ids applied are exactly these, so a new suppression is
always a visible diff in a pull request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Validations

if TYPE_CHECKING:
    from stacks.personalize_stack import PersonalizeShopStack

ACKNOWLEDGED = {
    "AwsSolutions-IAM5[Resource::<DataBucket.Arn>/*]": (
        "Personalize must read every import file in the data bucket (s3:GetObject on its "
        "objects); the role can do nothing else and only Personalize in this account can assume it."
    ),
}


def acknowledge(stack: PersonalizeShopStack) -> None:
    _ack(stack.personalize_role.role, "AwsSolutions-IAM5[Resource::<DataBucket.Arn>/*]")


def _ack(scope: object, finding: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=finding, reason=ACKNOWLEDGED[finding]))  # type: ignore[arg-type]
