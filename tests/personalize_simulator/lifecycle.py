"""Status strings and clock-driven status timelines.

A resource's status is never mutated by a timer: each transition appends dated phases to its
timeline, and the status is whichever phase the clock has reached. Advancing the clock past the
end of a transition therefore needs no bookkeeping, and a test can read any resource at any time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

CREATE_PENDING = "CREATE PENDING"
CREATE_IN_PROGRESS = "CREATE IN_PROGRESS"
ACTIVE = "ACTIVE"
CREATE_FAILED = "CREATE FAILED"
STOP_PENDING = "STOP PENDING"
STOP_IN_PROGRESS = "STOP IN_PROGRESS"
INACTIVE = "INACTIVE"
START_PENDING = "START PENDING"
START_IN_PROGRESS = "START IN_PROGRESS"
DELETE_PENDING = "DELETE PENDING"
DELETE_IN_PROGRESS = "DELETE IN_PROGRESS"
# Internal marker for "the delete finished": such resources are purged and never described.
GONE = "<gone>"

IN_FLIGHT_CREATE = frozenset({CREATE_PENDING, CREATE_IN_PROGRESS})


@dataclass(frozen=True)
class Durations:
    """Seconds each transition takes in simulated time.

    Every transition spends its first `pending` seconds (at most half its duration) in
    `<VERB> PENDING`, the rest in `<VERB> IN_PROGRESS`. A duration of 0 settles at once.
    """

    pending: float = 5.0
    dataset_group: float = 30.0
    dataset: float = 20.0
    dataset_update: float = 60.0
    import_job: float = 180.0
    recommender_create: float = 3600.0
    recommender_update: float = 1800.0
    recommender_stop: float = 60.0
    recommender_start: float = 120.0
    event_tracker: float = 30.0
    filter: float = 30.0
    delete: float = 60.0
    data_deletion: float = 600.0
    dataset_export: float = 300.0
    solution: float = 30.0
    solution_version: float = 3600.0
    solution_version_stop: float = 300.0
    batch_job: float = 600.0


@dataclass
class Timeline:
    phases: list[tuple[datetime, str]] = field(default_factory=list)
    failure_reason: str | None = None

    def status(self, now: datetime) -> str:
        return self._current(now)[1]

    def since(self, now: datetime) -> datetime:
        """When the current status began: the resource's lastUpdatedDateTime."""
        return self._current(now)[0]

    def _current(self, now: datetime) -> tuple[datetime, str]:
        """The last phase begun by `now` (the first phase before it has begun)."""
        current = self.phases[0]
        for phase in self.phases:
            if phase[0] <= now:
                current = phase
        return current

    def settles_at(self) -> datetime:
        return self.phases[-1][0]

    def begin(
        self,
        now: datetime,
        verb: str,
        seconds: float,
        pending: float,
        outcome: str,
    ) -> None:
        """Start `verb` now: `<verb> PENDING`, `<verb> IN_PROGRESS`, then `outcome`."""
        first = min(pending, seconds / 2)
        self.phases = [phase for phase in self.phases if phase[0] <= now]
        self.phases += [
            (now, f"{verb} PENDING"),
            (now + timedelta(seconds=first), f"{verb} IN_PROGRESS"),
            (now + timedelta(seconds=seconds), outcome),
        ]

    def fail_pending_outcome(self, now: datetime, reason: str) -> bool:
        """Turn a create's not-yet-reached ACTIVE outcome into CREATE FAILED; False otherwise."""
        end, outcome = self.phases[-1]
        # `begin` appends three phases, so phases[-3] opens the latest transition.
        is_create = self.phases[-3][1] == CREATE_PENDING
        if not is_create or end <= now or outcome != ACTIVE:
            return False
        self.phases[-1] = (end, CREATE_FAILED)
        self.failure_reason = reason
        return True


def new_timeline(
    now: datetime, seconds: float, pending: float, *, fail_reason: str | None
) -> Timeline:
    """A create transition ending ACTIVE, or CREATE FAILED when `fail_reason` is given."""
    timeline = Timeline()
    timeline.begin(now, "CREATE", seconds, pending, CREATE_FAILED if fail_reason else ACTIVE)
    timeline.failure_reason = fail_reason
    return timeline
