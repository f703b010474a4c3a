"""A world for handler scenarios: Personalize and Step Functions simulators on one clock, the
synthesized readiness state machine, the real signal Lambda and a local WaitCondition endpoint.

Everything the custom resources do in AWS happens here through real boto3 clients whose requests
botocore validates: the handlers' on_event/is_complete, the state machine's SDK calls, and the
signal's HTTP PUT.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import handler
import import_job
import pytest
import recommender
import wait_signal
from aws_cdk.assertions import Template
from botocore import xform_name

from personalize_constructs import provider
from tests.cfn_model import CloudFormation, ProviderFramework, Response
from tests.cfn_model.stack import Loop
from tests.personalize_simulator import (
    ECOMMERCE_INTERACTIONS_SCHEMA,
    Clock,
    Durations,
    PersonalizeSimulator,
    Quotas,
)
from tests.stepfunctions_simulator import StepFunctionsSimulator, state_machine_definition

REGION, ACCOUNT = "us-east-1", "123456789012"
SIGNAL_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:shop-dev-signal"


@dataclass
class Signal:
    handle: str
    content_type: str | None
    body: dict[str, Any]


class _WaitConditionEndpoint(BaseHTTPRequestHandler):
    """CloudFormation's side of a WaitCondition handle: records what was PUT to it."""

    received: list[Signal]

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.received.append(
            Signal(
                handle=self.path,
                content_type=self.headers.get("Content-Type"),
                body=json.loads(self.rfile.read(length)),
            )
        )
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def wait_condition_endpoint() -> Iterator[tuple[str, list[Signal]]]:
    received: list[Signal] = []
    handler = type("Endpoint", (_WaitConditionEndpoint,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()


def local_endpoint_only(endpoint: str) -> wait_signal.UrlCheck:
    """The signal's URL check for tests: the local endpoint stands in for CloudFormation's."""

    def check(url: str) -> str:
        if not url.startswith(f"{endpoint}/"):
            raise AssertionError(f"the signal was sent to {url}, not to the local endpoint")
        return url

    return check


@pytest.fixture(scope="session")
def readiness_definition(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The readiness state machine exactly as `cdk synth` writes it for dev.

    `make mutation` runs these tests once per mutant of the handlers, which are not part of the
    definition: READINESS_DEFINITION_CACHE names a file that keeps it from the first run's synth
    instead of synthesizing again (~6 s) for each of them.
    """
    cache = os.environ.get("READINESS_DEFINITION_CACHE")
    if cache and Path(cache).is_file():
        name, definition = json.loads(Path(cache).read_text())
        return name, definition
    dev: Template = request.getfixturevalue("dev")
    template = dev.to_json()
    (logical_id,) = [
        k
        for k, v in template["Resources"].items()
        if v["Type"] == "AWS::StepFunctions::StateMachine" and k.startswith("Readiness")
    ]
    (signal_id,) = [
        k
        for k, v in template["Resources"].items()
        if v["Type"] == "AWS::Lambda::Function" and k.startswith("ReadinessSignal")
    ]
    name = template["Resources"][logical_id]["Properties"]["StateMachineName"]
    definition = state_machine_definition(
        template, logical_id, values={f"{signal_id}.Arn": SIGNAL_ARN}
    )
    if cache:
        Path(cache).write_text(json.dumps([name, definition]))
    return name, definition


@dataclass
class World:
    clock: Clock
    personalize: PersonalizeSimulator
    sfn: StepFunctionsSimulator
    personalize_client: Any
    sfn_client: Any
    state_machine_arn: str
    endpoint: str
    received: list[Signal]
    first_signal: int = 0
    handles: list[str] = field(default_factory=list)

    def new_handle(self) -> str:
        url = f"{self.endpoint}/handle/{uuid.uuid4().hex}"
        self.handles.append(url)
        return url

    def signals(self, handle: str) -> list[dict[str, Any]]:
        path = handle.removeprefix(self.endpoint)
        return [s.body for s in self.received[self.first_signal :] if s.handle == path]

    region: str = REGION
    account: str = ACCOUNT
    framework: ProviderFramework | None = None

    def request(self, event: dict[str, Any]) -> Response:
        """One CloudFormation request through the Provider framework model, at its real
        polling budget, with the workflows running meanwhile."""
        assert self.framework is not None
        outcome: list[Response] = []
        loop = Loop(self)
        loop.spawn(self.framework.request(event), outcome.append)
        loop.run(lambda: bool(outcome))
        return outcome[0]

    def stack(self, name: str = "PersonalizeShop-dev") -> CloudFormation:
        assert self.framework is not None
        return CloudFormation(self, self.framework, name)

    def run_workflows(self) -> None:
        self.sfn.run_all()

    def advance_to(self, when: float) -> None:
        """Move the shared clock to `when` (epoch seconds), running the workflows on the way."""
        moment = datetime.fromtimestamp(when, tz=UTC)
        if moment > self.clock.now():
            self.sfn.run_all(until=moment)
            self.clock.advance_to(moment)

    def event(
        self,
        request_type: str,
        resource_type: str,
        props: dict[str, Any],
        *,
        physical_id: str | None = None,
        old: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A CloudFormation request as the Provider framework hands it to on_event."""
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ResourceType": resource_type,
            "LogicalResourceId": "Resource",
            "RequestId": uuid.uuid4().hex,
            "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/PersonalizeShop-dev/x",
            "ResponseURL": "https://cloudformation-custom-resource-response.example/presigned",
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:framework",
            # CloudFormation hands every property over as a string.
            "ResourceProperties": {"ServiceToken": "token", **props},
        }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if old is not None:
            event["OldResourceProperties"] = {"ServiceToken": "token", **old}
        return event

    def lands_then_answers(self, operation: str, code: str) -> None:
        """The next call of `operation` (e.g. CreateSolution) takes effect in Personalize, then
        answers `code`: a 5xx after the work was done, or a race with an earlier attempt."""
        landed: list[dict[str, Any]] = []

        def takes_effect(params: dict[str, Any]) -> bool:
            if landed:
                return False
            landed.append(params)
            getattr(self.personalize_client, xform_name(operation))(**params)
            return True

        self.personalize.inject(operation, code, when=takes_effect)

    def dataset(self, group: str = "shop-dev", dataset_type: str = "Interactions") -> str:
        """An ACTIVE dataset group (created when missing) and an ACTIVE, empty dataset."""
        client = self.personalize_client
        group_arn = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/{group}"
        if self.personalize.status(group_arn) is None:
            client.create_dataset_group(name=group, domain="ECOMMERCE")
            self.personalize.settle()
        schema = client.create_schema(
            name=f"{group}-{dataset_type.lower()}",
            schema=ECOMMERCE_INTERACTIONS_SCHEMA,
            domain="ECOMMERCE",
        )["schemaArn"]
        arn = client.create_dataset(
            name=f"{group}-{dataset_type.lower()}",
            datasetGroupArn=group_arn,
            datasetType=dataset_type,
            schemaArn=schema,
        )["datasetArn"]
        self.personalize.settle()
        return str(arn)


@pytest.fixture
def world(
    readiness_definition: tuple[str, str],
    wait_condition_endpoint: tuple[str, list[Signal]],
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    clock = Clock()
    personalize = PersonalizeSimulator(
        region=REGION,
        account=ACCOUNT,
        clock=clock,
        durations=Durations(import_job=180, recommender_create=3600),
        quotas=Quotas(dataset_groups_per_region=10),
    )
    sfn = StepFunctionsSimulator(region=REGION, account=ACCOUNT, clock=clock)
    sfn.sdk_clients["personalize"] = personalize.client()
    endpoint, received = wait_condition_endpoint
    sfn.lambdas[SIGNAL_ARN] = functools.partial(
        wait_signal.handler, check_url=local_endpoint_only(endpoint)
    )
    name, definition = readiness_definition
    state_machine_arn = sfn.register_state_machine(sfn.state_machine_arn(name), definition)
    world = World(
        clock=clock,
        personalize=personalize,
        sfn=sfn,
        personalize_client=personalize.client(),
        sfn_client=sfn.client(),
        state_machine_arn=state_machine_arn,
        endpoint=endpoint,
        received=received,
        first_signal=len(received),
    )
    # What runs in Lambda, on the simulators: the real entry points, their clients attached to
    # the fakes, their clock the fakes' clock.
    monkeypatch.setattr(handler, "personalize_client", lambda: world.personalize_client)
    monkeypatch.setattr(handler, "stepfunctions_client", lambda: world.sfn_client)
    for module in (recommender, import_job):
        monkeypatch.setattr(module, "now", lambda: clock.now().timestamp())
    world.framework = ProviderFramework(
        on_event=handler.on_event,
        is_complete=handler.is_complete,
        query_interval=provider.QUERY_INTERVAL.to_seconds(),
        total_timeout=provider.TOTAL_TIMEOUT.to_seconds(),
        on_event_timeout=provider.ON_EVENT_TIMEOUT.to_seconds(),
        is_complete_timeout=provider.IS_COMPLETE_TIMEOUT.to_seconds(),
    )
    return world
