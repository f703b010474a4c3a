"""Metric attributions in the simulator: Create, Describe, List and Delete, one per group.

A mixin of `PersonalizeSimulator` (which keeps them in `_attributions`, purges deleted ones and
settles their timelines). One metric attribution per dataset group is believed, not confirmed
(docs/monitoring.md); the simulator refuses a second one as Personalize is believed to.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import already_exists
from .fake_service import Params, operation
from .lifecycle import ACTIVE, CREATE_FAILED, Timeline


@dataclass
class MetricAttribution:
    arn: str
    name: str
    group_arn: str
    metrics: list[Params]
    output: Params
    created: datetime
    timeline: Timeline


class MetricAttributionOperations:
    """The four operations; relies on the simulator's shared machinery."""

    _attributions: dict[str, MetricAttribution]

    @operation("CreateMetricAttribution")
    def _create_metric_attribution(self, req: Params) -> Params:
        sim: Any = self
        group = sim._get(sim._groups, req["datasetGroupArn"])
        sim._require_active(
            "Dataset group", group.arn, group.timeline, "adding a metric attribution"
        )
        existing = [a.arn for a in self._attributions.values() if a.group_arn == group.arn]
        if existing:
            raise already_exists(
                f"Dataset group {group.arn} already has metric attribution {existing[0]}."
            )
        digest = hashlib.sha256(f"{group.arn}/{req['name']}".encode()).hexdigest()[:8]
        arn = sim._arn(f"metric-attribution/{req['name']}-{digest}")
        self._attributions[arn] = MetricAttribution(
            arn=arn,
            name=req["name"],
            group_arn=group.arn,
            metrics=list(req["metrics"]),
            output=dict(req["metricsOutputConfig"]),
            created=sim.clock.now(),
            timeline=sim._create_timeline(sim.durations.event_tracker, None),
        )
        return {"metricAttributionArn": arn}

    @operation("DescribeMetricAttribution")
    def _describe_metric_attribution(self, req: Params) -> Params:
        sim: Any = self
        attribution = sim._get(self._attributions, req["metricAttributionArn"])
        view = self._attribution_view(attribution)
        view.update(datasetGroupArn=attribution.group_arn, metricsOutputConfig=attribution.output)
        return {"metricAttribution": view}

    @operation("ListMetricAttributions")
    def _list_metric_attributions(self, req: Params) -> Params:
        sim: Any = self
        scope = req.get("datasetGroupArn")
        views = [
            self._attribution_view(a)
            for a in self._attributions.values()
            if scope is None or a.group_arn == scope
        ]
        return sim._page(  # type: ignore[no-any-return]
            "ListMetricAttributions", "metricAttributions", views, req, scope=scope or ""
        )

    @operation("DeleteMetricAttribution")
    def _delete_metric_attribution(self, req: Params) -> Params:
        sim: Any = self
        attribution = sim._get(self._attributions, req["metricAttributionArn"])
        sim._require_deletable(
            "Metric attribution", attribution.arn, attribution.timeline, (ACTIVE, CREATE_FAILED)
        )
        sim._begin_delete(attribution.timeline)
        return {}

    def _attribution_view(self, attribution: MetricAttribution) -> Params:
        sim: Any = self
        view: Params = sim._common_view(attribution.name, attribution.created, attribution.timeline)
        view["metricAttributionArn"] = attribution.arn
        return view
