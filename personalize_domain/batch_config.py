"""`batch.<name>`: a custom solution beside the recommenders, for batch recommendations.

Recommenders cannot run batch inference; a custom solution in the same dataset group can. Each
entry becomes a solution named `<namePrefix>-<name>-<hash>` (the hash of what defines the model),
trained once per deploy of new data, and never otherwise unless `autoTraining` asks for it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from personalize_domain.batch_schedule import BatchSchedule, InvalidSchedule, parse_schedule
from personalize_domain.use_cases import EventType

RECIPE_PREFIX = "arn:aws:personalize:::recipe/"
BATCH_KEY = "batch"
# Short enough that `<prefix>-<name>-<hash8>` and its versions' names fit Personalize's 63.
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
AUTO_TRAINING_RE = re.compile(r"^rate\(([1-9]|[12][0-9]|30) days?\)$")


class BatchRecipe(StrEnum):
    """The recipes batch inference runs for a shop; Trending-Now and Next-Best-Action cannot."""

    USER_PERSONALIZATION_V2 = "aws-user-personalization-v2"
    SIMILAR_ITEMS = "aws-similar-items"

    @property
    def arn(self) -> str:
        return RECIPE_PREFIX + self.value

    @property
    def takes_event_weights(self) -> bool:
        return self is BatchRecipe.USER_PERSONALIZATION_V2

    @property
    def input_field(self) -> str:
        """The id each JSON Lines input record carries."""
        return "userId" if self is BatchRecipe.USER_PERSONALIZATION_V2 else "itemId"


@dataclass(frozen=True)
class BatchSolutionConfig:
    name: str
    recipe: BatchRecipe
    # (event type, weight), sorted: Personalize's eventsConfig.eventParametersList.
    event_weights: tuple[tuple[str, float], ...] = ()
    # None: off (the default); else "rate(N days)".
    auto_training: str | None = None
    # None: no scheduled batch job (the default); see personalize_domain/batch_schedule.py.
    schedule: BatchSchedule | None = None

    @property
    def events_config(self) -> str:
        """The EventsConfig property: JSON, or empty when no weights are set."""
        if not self.event_weights:
            return ""
        return json.dumps(
            {
                "eventParametersList": [
                    {"eventType": event, "weight": weight} for event, weight in self.event_weights
                ]
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    def solution_name(self, name_prefix: str) -> str:
        """The model's definition is in the name: a new recipe or weights is a new solution."""
        digest = hashlib.sha256(f"{self.recipe.arn}|{self.events_config}".encode()).hexdigest()
        return f"{name_prefix}-{self.name}-{digest[:8]}"


class InvalidBatch(ValueError):
    """A leaf value is invalid; the message says what is allowed."""


def _parse_recipe(value: Any) -> BatchRecipe:
    try:
        return BatchRecipe(str(value).strip())
    except ValueError:
        allowed = ", ".join(r.value for r in BatchRecipe)
        raise InvalidBatch(
            f"allowed: {allowed} (Trending-Now and Next-Best-Action cannot run batch inference; "
            "the ECOMMERCE recommenders cannot either)"
        ) from None


def _parse_auto_training(value: Any) -> str | None:
    text = str(value).strip()
    if text == "off":
        return None
    if not AUTO_TRAINING_RE.match(text):
        raise InvalidBatch("allowed: off, or rate(N days) with N from 1 to 30")
    return text


def _parse_event_weights(value: Any) -> tuple[tuple[str, float], ...]:
    allowed_events = ", ".join(e.value for e in EventType)
    if not isinstance(value, Mapping) or not value:
        raise InvalidBatch('allowed: an object of event type to weight, e.g. {"Purchase": 1}')
    weights = []
    for event, weight in value.items():
        if event not in {e.value for e in EventType}:
            raise InvalidBatch(f"unknown event type {event!r}; allowed: {allowed_events}")
        try:
            number = float(weight) if not isinstance(weight, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or not 0.0 <= number <= 1.0:
            raise InvalidBatch(f"weight of {event} must be a number from 0 to 1")
        weights.append((str(event), number))
    return tuple(sorted(weights))


def _parse_schedule(value: Any) -> BatchSchedule:
    try:
        return parse_schedule(value)
    except InvalidSchedule as exc:
        raise InvalidBatch(str(exc)) from None


FIELDS: dict[str, Callable[[Any], Any]] = {
    "recipe": _parse_recipe,
    "eventWeights": _parse_event_weights,
    "autoTraining": _parse_auto_training,
    "schedule": _parse_schedule,
}


def has_schedule(raw: Any) -> bool:
    """Whether any `batch.<name>` sets a schedule (the environment's `timezone` then applies)."""
    return isinstance(raw, Mapping) and any(
        isinstance(body, Mapping) and "schedule" in body for body in raw.values()
    )


def build_batch(
    where: str, raw: Any, report: Callable[[str, Any, str], None], *, timezone: str | None = None
) -> tuple[BatchSolutionConfig, ...]:
    """Parse `<where>.batch`; `report(key, value, message)` records one problem.

    `timezone` is the environment's (`<where>.timezone`): schedules are read in it, UTC if unset.
    """
    key = f"{where}.{BATCH_KEY}"
    if not isinstance(raw, Mapping):
        report(key, raw, "must be an object of batch solutions keyed by name")
        return ()
    solutions = []
    for name, body in raw.items():
        entry = f"{key}.{name}"
        if not isinstance(name, str) or not NAME_RE.match(name):
            report(entry, name, "invalid name; allowed: 1-20 of a-z, 0-9 and '-', a letter first")
            continue
        if not isinstance(body, Mapping):
            report(entry, body, f"must be an object with {', '.join(FIELDS)}")
            continue
        values: dict[str, Any] = {}
        ok = True
        for leaf, value in body.items():
            if leaf not in FIELDS:
                report(
                    f"{entry}.{leaf}", value, f"not a known setting; allowed: {', '.join(FIELDS)}"
                )
                ok = False
                continue
            try:
                values[leaf] = FIELDS[leaf](value)
            except InvalidBatch as exc:
                report(f"{entry}.{leaf}", value, f"invalid; {exc}")
                ok = False
        if "recipe" not in body:
            report(
                f"{entry}.recipe", None, "is required: " + ", ".join(r.value for r in BatchRecipe)
            )
            ok = False
        recipe = values.get("recipe")
        if recipe is not None and "eventWeights" in values and not recipe.takes_event_weights:
            report(
                f"{entry}.eventWeights",
                body.get("eventWeights"),
                f"{recipe.value} takes no event weights; only "
                f"{BatchRecipe.USER_PERSONALIZATION_V2.value} does. Remove it.",
            )
            ok = False
        schedule = values.get("schedule")
        if schedule is not None and timezone:
            schedule = dataclasses.replace(schedule, timezone=timezone)
        if ok:
            solutions.append(
                BatchSolutionConfig(
                    name=name,
                    recipe=values["recipe"],
                    event_weights=values.get("eventWeights", ()),
                    auto_training=values.get("autoTraining"),
                    schedule=schedule,
                )
            )
    return tuple(solutions)
