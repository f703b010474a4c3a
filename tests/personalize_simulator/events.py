"""An offline `personalize-events` (PutEvents) that accepts the simulator's event trackers.

A tracking id is valid while an event tracker of the `PersonalizeSimulator` that has it is ACTIVE.
Accepted events are recorded per tracking id for assertions; they do not become interactions of
the simulated dataset (nothing in the simulator trains on them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from .errors import invalid_input
from .fake_service import FakeService, Params, operation
from .personalize import PersonalizeSimulator


@dataclass(frozen=True)
class ReceivedEvent:
    """One event of a PutEvents call, as the service received it."""

    user_id: str | None
    session_id: str
    event_type: str
    item_id: str | None
    sent_at: datetime  # UTC
    event: Params  # every member of the event as sent (sentAt as epoch seconds)


class PersonalizeEventsSimulator(FakeService):
    """PutEvents for the event trackers a `PersonalizeSimulator` holds."""

    service_name = "personalize-events"

    def __init__(self, control_plane: PersonalizeSimulator) -> None:
        super().__init__(
            region=control_plane.region, account=control_plane.account, clock=control_plane.clock
        )
        self.control_plane = control_plane
        self.events: dict[str, list[ReceivedEvent]] = {}

    def events_of(self, tracking_id: str) -> list[ReceivedEvent]:
        """The events accepted for `tracking_id`, in the order they arrived."""
        return list(self.events.get(tracking_id, []))

    @operation("PutEvents")
    def _put_events(self, req: Params) -> Params:
        tracking_id = req["trackingId"]
        if tracking_id not in self._active_tracking_ids():
            # [H] PutEvents models InvalidInputException only; AWS documents no text for this.
            raise invalid_input(f"Tracking id {tracking_id} does not exist or is not active.")
        received = self.events.setdefault(tracking_id, [])
        for event in req["eventList"]:
            received.append(
                ReceivedEvent(
                    user_id=req.get("userId"),
                    session_id=req["sessionId"],
                    event_type=event["eventType"],
                    item_id=event.get("itemId"),
                    sent_at=datetime.fromtimestamp(event["sentAt"], UTC),
                    event=dict(event),
                )
            )
        return {}

    def _active_tracking_ids(self) -> set[str]:
        # Setup path: not logged in the control plane's calls, never faulted.
        ids = set()
        request: Params = {}
        while True:
            page = self.control_plane._invoke("ListEventTrackers", request)
            for summary in page["eventTrackers"]:
                if summary["status"] != "ACTIVE":
                    continue
                tracker = self.control_plane._invoke(
                    "DescribeEventTracker", {"eventTrackerArn": summary["eventTrackerArn"]}
                )["eventTracker"]
                ids.add(tracker["trackingId"])
            if "nextToken" not in page:
                return ids
            request = {"nextToken": page["nextToken"]}
