"""`event`: one test interaction sent to the environment's event tracker with PutEvents."""

from __future__ import annotations

from datetime import UTC, datetime

from day_two_env import DeployedEnv

EVENT = ["event", "--user-id", "U0000001", "--item-id", "SKU-000001"]


def _printed(output: str, label: str) -> str:
    line = next(line for line in output.splitlines() if line.strip().startswith(label + "  "))
    return line.strip()[len(label) :].strip()


def test_event_sends_exactly_one_view_to_the_stack_tracking_id(deployed: DeployedEnv) -> None:
    # GIVEN dev's event tracker, whose tracking id is the stack output EventTrackingId
    before = datetime.now(UTC)
    # WHEN a test event is sent with the defaults
    result = deployed.invoke(EVENT)
    # THEN Personalize received one View of SKU-000001 by U0000001, sent now, in the printed session
    assert result.exit_code == 0, result.output
    after = datetime.now(UTC)
    [received] = deployed.events.events_of(deployed.tracking_id)
    session = _printed(result.output, "session id").split()[0]
    assert (received.user_id, received.session_id, received.event_type, received.item_id) == (
        "U0000001",
        session,
        "View",
        "SKU-000001",
    )
    assert set(received.event) == {"eventType", "itemId", "sentAt"}
    assert before.timestamp() - 1 <= received.sent_at.timestamp() <= after.timestamp() + 1
    assert len(deployed.events.calls_to("PutEvents")) == 1


def test_event_prints_what_it_sent(deployed: DeployedEnv) -> None:
    # WHEN a test event is sent
    result = deployed.invoke(EVENT)
    # THEN the output names the tracker, tracking id, user, type and item
    assert result.output.splitlines()[0] == "Sent 1 event with PutEvents:"
    assert _printed(result.output, "event tracker") == deployed.outputs["EventTrackerArn"]
    assert _printed(result.output, "tracking id") == deployed.tracking_id
    assert _printed(result.output, "user id") == "U0000001"
    assert _printed(result.output, "event type") == "View"
    assert _printed(result.output, "item id") == "SKU-000001"


def test_a_generated_session_id_is_shown_with_how_to_reuse_it(deployed: DeployedEnv) -> None:
    # WHEN no --session-id is given
    result = deployed.invoke(EVENT)
    # THEN the session line says it was generated and how to add events to it
    session = deployed.events.events_of(deployed.tracking_id)[0].session_id
    assert _printed(result.output, "session id") == (
        f"{session}  (generated; pass --session-id {session} to add to this session)"
    )


def test_event_sends_the_given_session_and_event_type(deployed: DeployedEnv) -> None:
    # WHEN a Purchase is sent in session S1
    result = deployed.invoke([*EVENT, "--event-type", "Purchase", "--session-id", "S1"])
    # THEN Personalize received a Purchase in S1, and the output does not call S1 generated
    assert result.exit_code == 0, result.output
    [received] = deployed.events.events_of(deployed.tracking_id)
    assert (received.session_id, received.event_type) == ("S1", "Purchase")
    assert _printed(result.output, "session id") == "S1"


def test_event_refuses_an_event_type_before_calling_aws(deployed: DeployedEnv) -> None:
    # WHEN an event type the ECOMMERCE use cases ignore is given
    result = deployed.invoke([*EVENT, "--event-type", "Click"])
    # THEN it says which types count and how to pass one, exit 1, and nothing was sent
    assert result.exit_code == 1
    assert result.stderr == (
        "error: event type 'Click' does not count for the ECOMMERCE use cases, which learn from "
        "View and Purchase events only (case-sensitive): use --event-type View or "
        "--event-type Purchase\n"
    )
    assert deployed.events.calls == []


def test_event_without_a_tracker_says_to_enable_it(deployed: DeployedEnv) -> None:
    # GIVEN prod, whose cdk.json entry has no eventTracker, and whose stack has no tracker outputs
    for key in ("EventTrackerArn", "EventTrackingId", "TrackingIdParameterName"):
        del deployed.outputs[key]
    # WHEN an event is sent to prod
    result = deployed.invoke([*EVENT, "--env", "prod"], stack="PersonalizeShop-prod")
    # THEN the error says how to enable the tracker, and nothing was sent
    assert result.exit_code == 1
    assert result.stderr == (
        "error: environment prod has no event tracker (PersonalizeShop-prod has no "
        "EventTrackingId output): set environments.prod.eventTracker=true in cdk.json and run "
        "`make deploy ENV=prod`\n"
    )
    assert deployed.events.calls == []


def test_event_before_the_tracker_is_deployed_says_to_deploy(deployed: DeployedEnv) -> None:
    # GIVEN dev enables the tracker in cdk.json, but its stack was deployed before that
    del deployed.outputs["EventTrackingId"]
    # WHEN an event is sent
    result = deployed.invoke(EVENT)
    # THEN the error says to deploy
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "has no EventTrackingId output): cdk.json enables one, but the stack predates it: run "
        "`make deploy ENV=dev`\n"
    )


def test_event_to_a_deleted_tracker_reports_personalize_refusal(deployed: DeployedEnv) -> None:
    # GIVEN the tracker was deleted outside the stack
    deployed.sim.client().delete_event_tracker(eventTrackerArn=deployed.outputs["EventTrackerArn"])
    deployed.sim.settle()
    # WHEN an event is sent with the stack's (now stale) tracking id
    result = deployed.invoke(EVENT)
    # THEN Personalize's refusal is shown with what to do, exit 1
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: Personalize refused the event (InvalidInputException): Tracking id "
    )
    assert result.stderr.endswith(
        "the event tracker may be gone or not ACTIVE yet: run `make deploy ENV=dev`\n"
    )
    assert deployed.events.events_of(deployed.tracking_id) == []


def test_a_throttled_event_is_one_line(deployed: DeployedEnv) -> None:
    # GIVEN PutEvents is throttled
    deployed.events.inject("PutEvents", "ThrottlingException")
    # WHEN an event is sent
    result = deployed.invoke(EVENT)
    # THEN the operation, code and message are printed, exit 1
    assert result.exit_code == 1
    assert result.stderr == "error: AWS refused PutEvents (ThrottlingException): Rate exceeded\n"
