"""Day-two operations on a deployed environment: status, metrics, test and pause recommenders,
send a test event.

Each function takes the boto3 clients it needs as arguments (`Clients`, built by
`default_clients` in production), so the CLI stays thin and tests drive the same code against
the offline simulators.
"""

from personalize_domain.stack_outputs import STACK_NAME_PREFIX, stack_name
from personalize_ops.day_two.clients import Clients, default_clients, default_session
from personalize_ops.day_two.errors import DayTwoError
from personalize_ops.day_two.event import SentEvent, send_event
from personalize_ops.day_two.lifecycle import Action, StateChange, change_state
from personalize_ops.day_two.metrics import METRICS, RecommenderMetrics, collect_metrics
from personalize_ops.day_two.recommend import Recommendation, Recommendations, recommend
from personalize_ops.day_two.stack import StackOutputs, read_outputs
from personalize_ops.day_two.status import ResourceStatus, collect_status

__all__ = [
    "METRICS",
    "STACK_NAME_PREFIX",
    "Action",
    "Clients",
    "DayTwoError",
    "Recommendation",
    "Recommendations",
    "RecommenderMetrics",
    "ResourceStatus",
    "SentEvent",
    "StackOutputs",
    "StateChange",
    "change_state",
    "collect_metrics",
    "collect_status",
    "default_clients",
    "default_session",
    "read_outputs",
    "recommend",
    "send_event",
    "stack_name",
]
