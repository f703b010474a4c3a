"""The provider's entry points: dispatch on resource type, and no presigned URL in the logs."""

from __future__ import annotations

import dataset_schema
import handler
import import_job
import metrics
import pytest
import recommender
import solution
import solution_metrics
import solution_version
from handler_support import HandlerError


def test_each_custom_resource_type_has_its_module() -> None:
    assert {
        "Custom::PersonalizeDatasetImport": import_job,
        "Custom::PersonalizeRecommender": recommender,
        "Custom::PersonalizeRecommenderMetrics": metrics,
        "Custom::PersonalizeDatasetSchema": dataset_schema,
        "Custom::PersonalizeSolution": solution,
        "Custom::PersonalizeSolutionVersion": solution_version,
        "Custom::PersonalizeSolutionMetrics": solution_metrics,
    } == handler._MODULES


def test_an_unknown_resource_type_fails_with_its_name() -> None:
    with pytest.raises(HandlerError, match="unsupported resource type 'Custom::Other'"):
        handler.on_event({"RequestType": "Create", "ResourceType": "Custom::Other"})


def test_presigned_urls_never_reach_the_logs() -> None:
    # GIVEN an Update carrying the response URL and two WaitCondition handles
    event = {
        "RequestType": "Update",
        "ResponseURL": "https://presigned/response",
        "ResourceProperties": {"ReadinessHandle": "https://presigned/new", "Name": "x"},
        "OldResourceProperties": {"ReadinessHandle": "https://presigned/old", "Name": "x"},
    }
    # WHEN it is prepared for logging / THEN nothing presigned is left, the rest is kept
    assert "presigned" not in repr(handler._loggable(event))
    assert handler._loggable(event)["ResourceProperties"] == {"Name": "x"}
