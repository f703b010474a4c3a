"""CloudFormation's request sequences, as they reach a stack's resources.

A small engine over a template of the resources that matter to the lifecycle: Personalize's
native resources (created and deleted through the Personalize simulator, as CloudFormation's own
handlers do), our custom resources (through `ProviderFramework`), wait conditions and their
handles (signalled by the readiness workflow), and stand-ins for "a failure elsewhere".

Sequences, as CloudFormation documents them:
- create: resources start once their dependencies are complete, several at once; on the first
  failure nothing new starts, resources in progress are cancelled (a custom resource's Lambda and
  waiter keep running regardless, aws-cdk#31541, and its Delete then carries CloudFormation's
  own physical id, aws-cdk#26139), and the rollback deletes everything in reverse dependency
  order;
- update: new resources are created, changed ones updated; a different physical id from an
  Update is a replacement; on success the cleanup deletes removed resources and replaced physical
  ids; on failure the rollback deletes what the update created and sends every updated resource
  an Update with its old properties (the old handle included) and its properties swapped, then
  deletes any physical id the rollback itself replaced;
- delete: every resource once nothing that depends on it remains; a failure leaves it and what
  it depends on, and the stack ends DELETE_FAILED.

Operations are generators yielding seconds to wait; the loop runs them interleaved on the shared
clock and moves the Step Functions simulator along, so workflows run while CloudFormation waits.
"""

from __future__ import annotations

import heapq
import json
import uuid
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from tests.cfn_model.provider import MAX_RESPONSE_BYTES, ProviderFramework

Template = dict[str, dict[str, Any]]
Op = Generator[float, None, "Result"]
NATIVE_POLL = 10.0
WAIT_CONDITION_POLL = 30.0


@dataclass
class Result:
    ok: bool
    physical_id: str = ""
    reason: str = ""


@dataclass
class StackEvent:
    at: float
    logical_id: str
    status: str
    reason: str = ""


@dataclass
class Outcome:
    status: str
    failures: dict[str, str] = field(default_factory=dict)


class Loop:
    """Runs operations interleaved in clock order; the workflows run between their steps."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self._heap: list[tuple[float, int, Op, Callable[[Result], None]]] = []
        self._seq = 0

    def now(self) -> float:
        return float(self.world.clock.now().timestamp())

    def spawn(self, op: Op, done: Callable[[Result], None]) -> None:
        self._push(self.now(), op, done)

    def _push(self, due: float, op: Op, done: Callable[[Result], None]) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, op, done))

    def cancel(self, op: Op) -> None:
        self._heap = [entry for entry in self._heap if entry[2] is not op]
        heapq.heapify(self._heap)

    def run(self, finished: Callable[[], bool]) -> None:
        while self._heap and not finished():
            due, _, op, done = heapq.heappop(self._heap)
            self.world.advance_to(due)
            try:
                delay = next(op)
            except StopIteration as stop:
                done(stop.value)
                continue
            self._push(self.now() + delay, op, done)


class CloudFormation:
    """One stack: `deploy(template)` creates or updates it, `delete()` deletes it."""

    def __init__(self, world: Any, provider: ProviderFramework, name: str = "PersonalizeShop-dev"):
        self.world = world
        self.provider = provider
        self.name = name
        self.stack_id = (
            f"arn:aws:cloudformation:{world.region}:{world.account}:stack/{name}/{uuid.uuid4()}"
        )
        self.template: Template = {}
        self.physical: dict[str, str] = {}
        self.applied: dict[str, dict[str, Any]] = {}
        self.status = "NONE"
        self.events: list[StackEvent] = []
        self.loop = Loop(world)
        self.responses = provider.responses

    # ------------------------------------------------------------ public sequences

    def deploy(self, template: Template) -> Outcome:
        if self.status in ("NONE", "ROLLBACK_COMPLETE", "DELETE_COMPLETE"):
            return self._create(template)
        return self._update(template)

    def delete(self) -> Outcome:
        failures = self._delete_phase(
            {lid: (self.physical[lid], self.applied.get(lid, {})) for lid in self.physical},
            self.template,
        )
        self.status = "DELETE_FAILED" if failures else "DELETE_COMPLETE"
        if not failures:
            self.template, self.physical, self.applied = {}, {}, {}
        return Outcome(self.status, failures)

    def settle(self, hours: float = 24) -> None:
        """Let whatever still runs in the background (cancelled waiters, workflows) finish."""
        end = self.loop.now() + hours * 3600
        self.loop.run(lambda: self.loop.now() >= end)
        self.world.advance_to(end)

    # ------------------------------------------------------------ create and update

    def _create(self, template: Template) -> Outcome:
        self.template, self.physical, self.applied = template, {}, {}
        failures, started = self._forward(template, {}, {})
        if not failures:
            self.status = "CREATE_COMPLETE"
            return Outcome(self.status)
        rollback = self._delete_phase(
            {
                lid: (self.physical.get(lid, ""), self.applied.get(lid, {}))
                for lid in started
                if lid in self.physical or template[lid]["Type"].startswith("Custom::")
            },
            template,
        )
        self.status = "ROLLBACK_FAILED" if rollback else "ROLLBACK_COMPLETE"
        return Outcome(self.status, {**failures, **_during_rollback(rollback)})

    def _update(self, template: Template) -> Outcome:
        old_template, old_physical = self.template, dict(self.physical)
        old_applied = {k: dict(v) for k, v in self.applied.items()}
        self.template = template
        failures, started = self._forward(template, old_template, old_physical)
        if not failures:
            removed = {
                lid: (old_physical[lid], old_applied[lid])
                for lid in old_template
                if lid not in template and lid in old_physical
            }
            replaced = {
                f"{lid}#old": (old_physical[lid], old_applied[lid])
                for lid in started
                if lid in old_physical and old_physical[lid] != self.physical.get(lid)
            }
            cleanup = self._delete_phase({**removed, **replaced}, {**old_template, **template})
            for lid in removed:
                self.physical.pop(lid, None)
                self.applied.pop(lid, None)
            self.status = "UPDATE_COMPLETE"
            return Outcome(self.status, cleanup)
        # Rollback: delete what the update created, send the old properties to what it updated.
        created = {
            lid: (self.physical[lid], self.applied.get(lid, {}))
            for lid in started
            if lid not in old_template and lid in self.physical
        }
        failed_rollback = self._delete_phase(created, template)
        updated = [lid for lid in started if lid in old_template]
        replaced_by_rollback: dict[str, tuple[str, dict[str, Any]]] = {}
        for lid in reversed(self._order(template, updated)):
            new_physical, new_props = self.physical[lid], self.applied[lid]
            result = self._run_one(
                lid,
                self._update_op(
                    lid,
                    template[lid],
                    old_applied[lid],
                    new_props,
                    new_physical,
                    rollback=True,
                ),
            )
            if not result.ok:
                failed_rollback[lid] = result.reason
                continue
            self.physical[lid], self.applied[lid] = result.physical_id, old_applied[lid]
            if result.physical_id != new_physical:
                replaced_by_rollback[f"{lid}#new"] = (new_physical, new_props)
        self.template = old_template
        for lid in list(self.physical):
            if lid not in old_template:
                self.physical.pop(lid)
                self.applied.pop(lid, None)
        failed_rollback.update(self._delete_phase(replaced_by_rollback, template))
        self.status = "UPDATE_ROLLBACK_FAILED" if failed_rollback else "UPDATE_ROLLBACK_COMPLETE"
        return Outcome(self.status, {**failures, **_during_rollback(failed_rollback)})

    def _forward(
        self, template: Template, old_template: Template, old_physical: dict[str, str]
    ) -> tuple[dict[str, str], list[str]]:
        """Create and update in dependency order; stop and cancel at the first failure."""
        done: set[str] = set()
        running: dict[str, Op] = {}
        started: list[str] = []
        failures: dict[str, str] = {}

        def pending() -> list[str]:
            return [
                lid
                for lid in template
                if lid not in done and lid not in running and lid not in failures
            ]

        def start_ready() -> None:
            if failures:
                return
            for lid in pending():
                if not _dependencies(template[lid]) <= done:
                    continue
                props = self._resolve(template[lid].get("Properties", {}))
                if lid in old_template and old_template[lid]["Type"] == template[lid]["Type"]:
                    if props == self.applied.get(lid):
                        done.add(lid)
                        continue
                    op = self._update_op(
                        lid, template[lid], props, self.applied[lid], old_physical[lid]
                    )
                else:
                    op = self._create_op(lid, template[lid], props)
                started.append(lid)
                running[lid] = op
                self._event(lid, "IN_PROGRESS")
                self.loop.spawn(op, finisher(lid, props))

        def finisher(lid: str, props: dict[str, Any]) -> Callable[[Result], None]:
            def finish(result: Result) -> None:
                if running.pop(lid, None) is None:
                    return  # cancelled earlier; its late answer is ignored
                if result.physical_id:
                    self.physical[lid] = result.physical_id
                if result.ok:
                    self.applied[lid] = props
                    done.add(lid)
                    self._event(lid, "COMPLETE")
                    start_ready()
                    return
                self.applied.setdefault(lid, props)
                failures[lid] = result.reason
                self._event(lid, "FAILED", result.reason)
                self._cancel(running, template)

            return finish

        start_ready()
        self.loop.run(lambda: not running)
        return failures, started

    def _cancel(self, running: dict[str, Op], template: Template) -> None:
        for lid, op in list(running.items()):
            running.pop(lid)
            self._event(lid, "FAILED", "Resource creation cancelled")
            if template[lid]["Type"].startswith("Custom::"):
                # The framework's Lambda and waiter go on (aws-cdk#31541); CloudFormation
                # records its own physical id, which its Delete will carry (aws-cdk#26139).
                self.physical.setdefault(lid, f"{self.name}-{lid}-{uuid.uuid4().hex[:12].upper()}")
                self.loop.spawn(_drain(op), lambda _result: None)
            self.loop.cancel(op)
            self.applied.setdefault(lid, self._resolve(template[lid].get("Properties", {})))

    # ------------------------------------------------------------ delete

    def _delete_phase(
        self, targets: dict[str, tuple[str, dict[str, Any]]], template: Template
    ) -> dict[str, str]:
        """Delete every target once nothing that depends on it is left."""
        remaining = dict(targets)
        running: set[str] = set()
        failures: dict[str, str] = {}

        def dependents(lid: str) -> set[str]:
            base = lid.split("#", 1)[0]
            return {
                other
                for other in remaining
                if other != lid and base in _dependencies(template.get(other.split("#", 1)[0], {}))
            }

        def start_ready() -> None:
            for lid in list(remaining):
                if lid in running or lid in failures:
                    continue
                if dependents(lid):
                    # Still to be deleted first, or could not be: then this one stays too.
                    continue
                physical_id, props = remaining[lid]
                running.add(lid)
                self._event(lid, "DELETE_IN_PROGRESS")
                base = lid.split("#", 1)[0]
                op = self._delete_op(base, template.get(base, {}), props, physical_id)
                self.loop.spawn(op, finisher(lid))

        def finisher(lid: str) -> Callable[[Result], None]:
            def finish(result: Result) -> None:
                running.discard(lid)
                if result.ok:
                    remaining.pop(lid)
                    base = lid.split("#", 1)[0]
                    if "#" not in lid:
                        self.physical.pop(base, None)
                    self._event(lid, "DELETE_COMPLETE")
                else:
                    failures[lid] = result.reason
                    self._event(lid, "DELETE_FAILED", result.reason)
                start_ready()

            return finish

        start_ready()
        self.loop.run(lambda: not running)
        return failures

    # ------------------------------------------------------------ one resource

    def _run_one(self, lid: str, op: Op) -> Result:
        outcome: list[Result] = []
        self._event(lid, "UPDATE_IN_PROGRESS")
        self.loop.spawn(op, outcome.append)
        self.loop.run(lambda: bool(outcome))
        self._event(lid, "UPDATE_COMPLETE" if outcome[0].ok else "UPDATE_FAILED", outcome[0].reason)
        return outcome[0]

    def _create_op(self, lid: str, resource: dict[str, Any], props: dict[str, Any]) -> Op:
        kind = resource["Type"]
        if kind.startswith("Custom::"):
            return self._custom(lid, kind, "Create", props)
        return self._native(kind, "create", props, "")

    def _update_op(
        self,
        lid: str,
        resource: dict[str, Any],
        props: dict[str, Any],
        old: dict[str, Any],
        physical_id: str,
        *,
        rollback: bool = False,
    ) -> Op:
        kind = resource["Type"]
        if kind.startswith("Custom::"):
            return self._custom(lid, kind, "Update", props, old=old, physical_id=physical_id)
        return self._native(kind, "update", props, physical_id)

    def _delete_op(
        self, lid: str, resource: dict[str, Any], props: dict[str, Any], physical_id: str
    ) -> Op:
        kind = resource.get("Type", "")
        if kind.startswith("Custom::"):
            return self._custom(lid, kind, "Delete", props, physical_id=physical_id)
        return self._native(kind, "delete", props, physical_id)

    def _custom(
        self,
        lid: str,
        kind: str,
        request: str,
        props: dict[str, Any],
        *,
        old: dict[str, Any] | None = None,
        physical_id: str | None = None,
    ) -> Op:
        event: dict[str, Any] = {
            "RequestType": request,
            "ServiceToken": props.get("ServiceToken", "token"),
            "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
            "StackId": self.stack_id,
            "RequestId": str(uuid.uuid4()),
            "LogicalResourceId": lid,
            "ResourceType": kind,
            # CloudFormation hands every property over as a string.
            "ResourceProperties": _strings(props),
        }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if old is not None:
            event["OldResourceProperties"] = _strings(old)
        response = yield from self.provider.request(event)
        if len(response.body) > MAX_RESPONSE_BYTES:
            return Result(False, physical_id or "", "Response object is too long.")
        return Result(response.ok, response.physical_id, "" if response.ok else response.reason)

    def _native(self, kind: str, action: str, props: dict[str, Any], physical_id: str) -> Op:
        native = NATIVES.get(kind)
        if native is None:
            return (yield from _instant(kind, action, props, physical_id, self.world))
        return (yield from native(self.world, action, props, physical_id))

    # ------------------------------------------------------------ helpers

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Ref"}:
                return self.physical[value["Ref"]]
            return {k: self._resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        return value

    def _order(self, template: Template, lids: Iterable[str]) -> list[str]:
        order: list[str] = []
        seen: set[str] = set()

        def visit(lid: str) -> None:
            if lid in seen or lid not in template:
                return
            seen.add(lid)
            for dep in sorted(_dependencies(template[lid])):
                visit(dep)
            order.append(lid)

        for lid in template:
            visit(lid)
        wanted = set(lids)
        return [lid for lid in order if lid in wanted]

    def _event(self, lid: str, status: str, reason: str = "") -> None:
        self.events.append(StackEvent(self.loop.now(), lid, status, reason))


def _during_rollback(failures: dict[str, str]) -> dict[str, str]:
    return {f"{lid} (rollback)": reason for lid, reason in failures.items()}


def _drain(op: Op) -> Op:
    return (yield from op)


def _strings(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, (str, dict, list)) else json.dumps(v) for k, v in props.items()}


def _dependencies(resource: dict[str, Any]) -> set[str]:
    found = set(resource.get("DependsOn", []))

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if set(value) == {"Ref"}:
                found.add(value["Ref"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(resource.get("Properties", {}))
    return found


# ---------------------------------------------------------------- native resources


def _instant(kind: str, action: str, props: dict[str, Any], physical_id: str, world: Any) -> Op:
    """Resources whose lifecycle does not matter here, and stand-ins for failures elsewhere."""
    if kind == "AWS::CloudFormation::WaitConditionHandle":
        if action == "create":
            return Result(True, world.new_handle())
        return Result(True, physical_id)
    if kind == "AWS::CloudFormation::WaitCondition":
        if action != "create":
            return Result(True, physical_id)
        return (yield from _wait_condition(world, props))
    if kind == "Test::Failure":
        if action in props.get("FailOn", ["create"]):
            yield float(props.get("AfterSeconds", 0))
            return Result(False, physical_id or "failure", props.get("Reason", "failed elsewhere"))
        return Result(True, physical_id or f"stand-in-{uuid.uuid4().hex[:8]}")
    return Result(True, physical_id or f"{kind}-{uuid.uuid4().hex[:8]}")


def _wait_condition(world: Any, props: dict[str, Any]) -> Op:
    handle, timeout = props["Handle"], float(props["Timeout"])
    started = world.clock.now().timestamp()
    while True:
        signals = world.signals(handle)
        failed = [s for s in signals if s["Status"] == "FAILURE"]
        if failed:
            return Result(
                False,
                handle,
                f"WaitCondition received failed message: '{failed[0]['Reason']}' for uniqueId: "
                f"{failed[0]['UniqueId']}",
            )
        if any(s["Status"] == "SUCCESS" for s in signals):
            return Result(True, handle)
        if world.clock.now().timestamp() - started >= timeout:
            return Result(
                False, handle, "WaitCondition timed out. Received 0 conditions when expecting 1"
            )
        yield WAIT_CONDITION_POLL


def _personalize_native(
    create: Callable[[Any, dict[str, Any]], str],
    describe: Callable[[Any, str], dict[str, Any]],
    delete: Callable[[Any, str], None],
    *,
    existing: Callable[[Any, dict[str, Any]], str | None] | None = None,
) -> Callable[[Any, str, dict[str, Any], str], Op]:
    """CloudFormation's own handler for a Personalize resource: call, then poll until settled.

    With `existing` (which finds the resource that already has these properties), every
    property is create-only: an update is a replacement, created first under a new physical id
    (the old one is deleted in the clean-up), or, when the resource with these properties still
    exists (a rollback to it), that resource.
    """

    def op(world: Any, action: str, props: dict[str, Any], physical_id: str) -> Op:
        client = world.personalize_client
        if existing is not None and action == "update":
            found = existing(client, props)
            if found is not None:
                return Result(True, found)
            action = "create"
        try:
            if action == "create":
                arn = create(client, props)
                while (status := describe(client, arn).get("status")) != "ACTIVE":
                    if status == "CREATE FAILED":
                        return Result(False, arn, f"{arn} CREATE FAILED")
                    yield NATIVE_POLL
                return Result(True, arn)
            if action == "update":
                return Result(False, physical_id, "update of this resource is not modelled")
            delete(client, physical_id)
            while True:
                describe(client, physical_id)
                yield NATIVE_POLL
        except ClientError as exc:
            error = exc.response["Error"]
            if action == "delete" and error["Code"] == "ResourceNotFoundException":
                return Result(True, physical_id)
            return Result(False, physical_id, f"{error['Code']}: {error['Message']}")

    return op


NATIVES: dict[str, Callable[[Any, str, dict[str, Any], str], Op]] = {
    "AWS::Personalize::DatasetGroup": _personalize_native(
        lambda c, p: c.create_dataset_group(name=p["Name"], domain=p["Domain"])["datasetGroupArn"],
        lambda c, arn: c.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"],
        lambda c, arn: c.delete_dataset_group(datasetGroupArn=arn),
    ),
    "AWS::Personalize::Schema": _personalize_native(
        lambda c, p: c.create_schema(name=p["Name"], schema=p["Schema"], domain=p["Domain"])[
            "schemaArn"
        ],
        lambda c, arn: {"status": "ACTIVE", **c.describe_schema(schemaArn=arn)["schema"]},
        lambda c, arn: c.delete_schema(schemaArn=arn),
    ),
    "AWS::Personalize::Dataset": _personalize_native(
        lambda c, p: c.create_dataset(
            name=p["Name"],
            datasetType=p["DatasetType"],
            datasetGroupArn=p["DatasetGroupArn"],
            schemaArn=p["SchemaArn"],
        )["datasetArn"],
        lambda c, arn: c.describe_dataset(datasetArn=arn)["dataset"],
        lambda c, arn: c.delete_dataset(datasetArn=arn),
    ),
    # Name, DatasetGroupArn and FilterExpression are create-only (cfn-lint's schema).
    "AWS::Personalize::Filter": _personalize_native(
        lambda c, p: c.create_filter(
            name=p["Name"],
            datasetGroupArn=p["DatasetGroupArn"],
            filterExpression=p["FilterExpression"],
        )["filterArn"],
        lambda c, arn: c.describe_filter(filterArn=arn)["filter"],
        lambda c, arn: c.delete_filter(filterArn=arn),
        existing=lambda c, p: _existing_filter(c, p),
    ),
}


def _existing_filter(client: Any, props: dict[str, Any]) -> str | None:
    arn = props["DatasetGroupArn"].replace(":dataset-group/", ":filter/").rsplit("/", 1)[0]
    arn = f"{arn}/{props['Name']}"
    try:
        found = client.describe_filter(filterArn=arn)["filter"]
    except ClientError:
        return None
    same = found["filterExpression"] == props["FilterExpression"]
    return arn if same and found["datasetGroupArn"] == props["DatasetGroupArn"] else None
