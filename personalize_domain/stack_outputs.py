"""The deployed stack's name and output keys: written by the stack, read by the day-two commands.

Plain Python (no CDK, no boto3), so `app.py`, the stack, the command line and the tests share one
spelling instead of copies kept in step by tests.
"""

from __future__ import annotations

STACK_NAME_PREFIX = "PersonalizeShop"
DATASET_GROUP_ARN = "DatasetGroupArn"
# Present when the environment has an event tracker.
EVENT_TRACKER_ARN = "EventTrackerArn"
EVENT_TRACKING_ID = "EventTrackingId"
TRACKING_ID_PARAMETER_NAME = "TrackingIdParameterName"
# Monitoring (docs/monitoring.md); the metric attribution only where configured.
DASHBOARD_URL = "DashboardUrl"
ALARM_TOPIC_ARN = "AlarmTopicArn"
METRIC_ATTRIBUTION_ARN = "MetricAttributionArn"


def stack_name(env_name: str) -> str:
    return f"{STACK_NAME_PREFIX}-{env_name}"


def output_label(use_case_key: str) -> str:
    """`recommended-for-you` -> `RecommendedForYou`: the prefix of a use case's outputs."""
    return "".join(part.title() for part in use_case_key.split("-"))


def recommender_arn_output(use_case_key: str) -> str:
    return f"{output_label(use_case_key)}RecommenderArn"


def recommender_metrics_output(use_case_key: str) -> str:
    return f"{output_label(use_case_key)}RecommenderMetrics"


# Template metadata the review reads (not an output: nothing at runtime needs it).
EXPECTED_ACTIVE_USERS_METADATA = "PersonalizeShopPricing"


def filter_arn_output(filter_name: str) -> str:
    """`exclude-purchased` -> `ExcludePurchasedFilterArn`."""
    return f"{output_label(filter_name)}FilterArn"


# Batch solutions (`batch.<name>`): the trained version batch jobs use, and its metrics.
def batch_solution_version_output(name: str) -> str:
    return f"{output_label(name)}BatchSolutionVersionArn"


def batch_solution_metrics_output(name: str) -> str:
    return f"{output_label(name)}BatchSolutionMetrics"
