"""`event` carries what metric attribution needs: a recommendationId or an attribution source."""

from __future__ import annotations

from day_two_env import DeployedEnv


def test_event_sends_the_recommendation_id_it_is_given(deployed: DeployedEnv) -> None:
    result = deployed.invoke(
        [
            "event",
            "--user-id",
            "U0000001",
            "--item-id",
            "SKU-000001",
            "--event-type",
            "Purchase",
            "--recommendation-id",
            "RID-0123",
        ]
    )
    assert result.exit_code == 0, result.output
    [received] = deployed.events.events_of(deployed.tracking_id)
    assert received.event["recommendationId"] == "RID-0123"
    assert "metricAttribution" not in received.event
    assert "recommendation id  RID-0123" in result.output


def test_event_sends_an_attribution_source_as_personalize_expects_it(
    deployed: DeployedEnv,
) -> None:
    result = deployed.invoke(
        ["event", "--user-id", "U1", "--item-id", "SKU-1", "--attribution-source", "newsletter"]
    )
    assert result.exit_code == 0, result.output
    [received] = deployed.events.events_of(deployed.tracking_id)
    assert received.event["metricAttribution"] == {"eventAttributionSource": "newsletter"}


def test_without_either_the_event_carries_no_attribution(deployed: DeployedEnv) -> None:
    deployed.invoke(["event", "--user-id", "U1", "--item-id", "SKU-1"])
    [received] = deployed.events.events_of(deployed.tracking_id)
    assert set(received.event) == {"eventType", "itemId", "sentAt"}
