"""A custom resource whose every operation is awaited by the readiness workflow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import CustomResource, Duration
from constructs import Construct, IDependable

from personalize_constructs.provider import SERVICE_TIMEOUT
from personalize_constructs.readiness.workflow import ReadinessGate, ReadinessWorkflow
from personalize_constructs.resource_kinds import READINESS_PROPERTIES, ResourceKind


class ReadyCustomResource(Construct):
    """The custom resource of one `kind`, its `ReadinessGate` and the wiring between them.

    `properties` are the kind's contract properties but the readiness pair (and its optional
    ones when unset), in contract order;
    the handle and the workflow are added here. `operation_key` names the operation: a new key is
    a new handle and condition, so CloudFormation waits again. `ready` is what later resources
    depend on.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kind: ResourceKind,
        service_token: str,
        workflow: ReadinessWorkflow,
        properties: Mapping[str, object],
        operation_key: str,
        max_wait: Duration,
        after: Sequence[IDependable] = (),
    ) -> None:
        expected = tuple(
            p
            for p in kind.properties
            if p not in READINESS_PROPERTIES and (p not in kind.optional or p in properties)
        )
        if tuple(properties) != expected or kind.readiness is None:
            raise ValueError(
                f"{construct_id}: {kind.resource_type} takes {expected}, got {tuple(properties)}"
            )
        super().__init__(scope, construct_id)
        self.gate = ReadinessGate(self, "Ready", operation_key=operation_key, timeout=max_wait)
        handle, machine = READINESS_PROPERTIES
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=service_token,
            resource_type=kind.resource_type,
            properties={
                **properties,
                handle: self.gate.handle_url,
                machine: workflow.state_machine.state_machine_arn,
            },
            service_timeout=SERVICE_TIMEOUT,
        )
        if after:
            self.resource.node.add_dependency(*after)
        self.gate.condition.node.add_dependency(self.resource)
        self.ready = self.gate.condition
