"""Send one test interaction to an environment's event tracker (personalize-events PutEvents)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import ClientError

from personalize_domain.config import EnvironmentConfig
from personalize_domain.stack_outputs import EVENT_TRACKER_ARN, EVENT_TRACKING_ID
from personalize_domain.use_cases import EventType
from personalize_ops.day_two.clients import PersonalizeEventsClient
from personalize_ops.day_two.errors import DayTwoError, error_detail
from personalize_ops.day_two.stack import StackOutputs


@dataclass(frozen=True)
class SentEvent:
    tracker_arn: str | None
    tracking_id: str
    user_id: str
    session_id: str
    session_generated: bool
    event_type: EventType
    item_id: str
    sent_at: datetime
    # For metric attribution: the recommendation the item came from, or another source.
    recommendation_id: str | None = None
    attribution_source: str | None = None


def check_event_type(event_type: str) -> EventType:
    """Refuse, before any AWS call, an event type no ECOMMERCE recommender learns from."""
    try:
        return EventType(event_type)
    except ValueError:
        allowed = " or ".join(f"--event-type {t.value}" for t in EventType)
        raise DayTwoError(
            f"event type {event_type!r} does not count for the ECOMMERCE use cases, which learn "
            f"from View and Purchase events only (case-sensitive): use {allowed}"
        ) from None


def tracking_id(outputs: StackOutputs, env: EnvironmentConfig) -> str:
    """The tracking id the stack published, or what to do to get one."""
    found = outputs.values.get(EVENT_TRACKING_ID)
    if found:
        return found
    deploy = f"`make deploy ENV={env.name}`"
    if env.event_tracker:
        hint = f"cdk.json enables one, but the stack predates it: run {deploy}"
    else:
        hint = f"set environments.{env.name}.eventTracker=true in cdk.json and run {deploy}"
    raise DayTwoError(
        f"environment {env.name} has no event tracker ({outputs.stack_name} has no "
        f"{EVENT_TRACKING_ID} output): {hint}"
    )


def send_event(
    events: PersonalizeEventsClient,
    outputs: StackOutputs,
    env: EnvironmentConfig,
    *,
    user_id: str,
    item_id: str,
    event_type: EventType,
    session_id: str | None,
    sent_at: datetime,
    recommendation_id: str | None = None,
    attribution_source: str | None = None,
) -> SentEvent:
    """Send one event with PutEvents; a new session id is generated unless one is given."""
    sent = SentEvent(
        tracker_arn=outputs.values.get(EVENT_TRACKER_ARN),
        tracking_id=tracking_id(outputs, env),
        user_id=user_id,
        session_id=session_id or str(uuid.uuid4()),
        session_generated=not session_id,
        event_type=event_type,
        item_id=item_id,
        sent_at=sent_at,
        recommendation_id=recommendation_id,
        attribution_source=attribution_source,
    )
    entry: dict[str, object] = {
        "eventType": sent.event_type.value,
        "itemId": sent.item_id,
        "sentAt": sent_at,
    }
    if recommendation_id:
        entry["recommendationId"] = recommendation_id
    if attribution_source:
        entry["metricAttribution"] = {"eventAttributionSource": attribution_source}
    try:
        events.put_events(
            trackingId=sent.tracking_id,
            userId=sent.user_id,
            sessionId=sent.session_id,
            eventList=[entry],
        )
    except ClientError as error:
        code, message = error_detail(error)
        if code != "InvalidInputException":
            raise
        raise DayTwoError(
            f"Personalize refused the event (InvalidInputException): {message}; if the "
            "tracking id is the problem, the event "
            f"tracker may be gone or not ACTIVE yet: run `make deploy ENV={env.name}`"
        ) from error
    return sent


def render_sent(sent: SentEvent) -> str:
    session = sent.session_id
    if sent.session_generated:
        session += f"  (generated; pass --session-id {sent.session_id} to add to this session)"
    rows = [
        ("event tracker", sent.tracker_arn or "?"),
        ("tracking id", sent.tracking_id),
        ("user id", sent.user_id),
        ("session id", session),
        ("event type", sent.event_type.value),
        ("item id", sent.item_id),
        ("sent at", sent.sent_at.isoformat(timespec="seconds")),
    ]
    if sent.recommendation_id:
        rows.append(("recommendation id", sent.recommendation_id))
    if sent.attribution_source:
        rows.append(("attribution source", sent.attribution_source))
    width = max(len(label) for label, _ in rows)
    return "\n".join(
        ["Sent 1 event with PutEvents:"]
        + [f"  {label.ljust(width)}  {value}" for label, value in rows]
    )
