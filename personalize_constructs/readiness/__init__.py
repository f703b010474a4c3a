"""Waiting for Personalize past CloudFormation's one-hour custom-resource cap.

See docs/readiness.md.
"""

from personalize_constructs.readiness.operation import ReadyCustomResource
from personalize_constructs.readiness.workflow import (
    MAX_WAIT,
    NO_REASON,
    POLL_INTERVAL,
    ReadinessGate,
    ReadinessWorkflow,
)

__all__ = [
    "MAX_WAIT",
    "NO_REASON",
    "POLL_INTERVAL",
    "ReadinessGate",
    "ReadinessWorkflow",
    "ReadyCustomResource",
]
