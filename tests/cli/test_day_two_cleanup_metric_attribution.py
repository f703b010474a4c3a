"""`cleanup` removes the environment's metric attribution, before the dataset group."""

from __future__ import annotations

from cleanup_env import deploy_like_the_stack, run_cleanup
from day_two_env import REGION

from tests.personalize_simulator import PersonalizeSimulator

METRICS = [
    {"eventType": "Purchase", "expression": "SUM(Items.PRICE)", "metricName": "shop-dev-revenue"},
    {"eventType": "View", "expression": "SAMPLECOUNT()", "metricName": "shop-dev-clicks"},
]


def _attribution(sim: PersonalizeSimulator, group_arn: str, name: str) -> str:
    arn: str = sim.client().create_metric_attribution(
        name=name,
        datasetGroupArn=group_arn,
        metrics=METRICS,
        metricsOutputConfig={"roleArn": f"arn:aws:iam::{sim.account}:role/attribution"},
    )["metricAttributionArn"]
    sim.settle()
    sim.calls.clear()
    return arn


def test_cleanup_deletes_the_metric_attribution_after_the_tracker_before_the_group() -> None:
    # GIVEN dev as the stack leaves it, with its metric attribution
    sim = PersonalizeSimulator(region=REGION)
    dev = deploy_like_the_stack(sim)
    _attribution(sim, dev.group_arn, "shop-dev-impact")
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN it is listed, deleted in its place in the order, and gone
    assert result.exit_code == 0, result.output
    assert "metric attribution  shop-dev-impact" in result.output
    deletes = [c.operation for c in sim.calls if c.operation.startswith("Delete")]
    position = deletes.index("DeleteMetricAttribution")
    # after the tracker and the filters, before the datasets
    assert deletes[position - 1] in ("DeleteEventTracker", "DeleteFilter")
    assert deletes.index("DeleteEventTracker") < position
    assert deletes[position + 1] == "DeleteDataset"
    assert not sim.client().list_metric_attributions()["metricAttributions"]
    assert sim.status(dev.group_arn) is None


def test_a_metric_attribution_not_named_by_the_stack_is_left_alone_and_keeps_the_group() -> None:
    # GIVEN someone attached their own metric attribution to dev's dataset group
    sim = PersonalizeSimulator(region=REGION)
    dev = deploy_like_the_stack(sim)
    arn = _attribution(sim, dev.group_arn, "marketing-experiment")
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN it stays, and so does the group; cleanup says so and exits 1
    assert result.exit_code == 1
    assert "marketing-experiment" in result.output
    described = sim.client().describe_metric_attribution(metricAttributionArn=arn)
    assert described["metricAttribution"]["status"] == "ACTIVE"
    assert sim.status(dev.group_arn) == "ACTIVE"
