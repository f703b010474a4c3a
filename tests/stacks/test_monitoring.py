"""Dashboard, alarm topic and alarms: what the template says, and when each alarm fires.

Each alarm's metric, statistic, period and missing-data treatment are asserted on the
synthesized template; its condition is then evaluated on synthetic series, breaching and not, by
tests/stacks/alarm_evaluator.py (a model of CloudWatch's alarm evaluation).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from personalize_constructs.monitoring import running_utc_hours
from personalize_domain.config import RunningHours
from tests.stacks.alarm_evaluator import ALARM, INSUFFICIENT_DATA, OK, evaluate
from tests.stacks.template_values import resolve

HOUR = timedelta(hours=1)
FIVE_MINUTES = timedelta(minutes=5)
# A Tuesday in winter (Madrid is UTC+1) and one in summer (UTC+2).
WINTER_TUESDAY = datetime(2027, 1, 12, tzinfo=UTC)
SUMMER_TUESDAY = datetime(2027, 7, 13, tzinfo=UTC)


def _alarms(template: Template) -> dict[str, dict[str, Any]]:
    return {
        props["Properties"]["AlarmName"]: props["Properties"]
        for props in template.find_resources("AWS::CloudWatch::Alarm").values()
    }


def _metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """(metric name, statistic, period, dimension names) of every metric the alarm reads."""
    if "Metrics" not in alarm:
        return [
            {
                "MetricName": alarm["MetricName"],
                "Namespace": alarm["Namespace"],
                "Stat": alarm["Statistic"],
                "Period": alarm["Period"],
                "Dimensions": [d["Name"] for d in alarm["Dimensions"]],
            }
        ]
    return [
        {
            "MetricName": q["MetricStat"]["Metric"]["MetricName"],
            "Namespace": q["MetricStat"]["Metric"]["Namespace"],
            "Stat": q["MetricStat"]["Stat"],
            "Period": q["MetricStat"]["Period"],
            "Dimensions": [d["Name"] for d in q["MetricStat"]["Metric"]["Dimensions"]],
        }
        for q in alarm["Metrics"]
        if "MetricStat" in q
    ]


def _hours(start: datetime, count: int) -> list[datetime]:
    return [start + i * HOUR for i in range(count)]


# ------------------------------------------------------------------ which alarms exist


def test_dev_has_all_five_alarm_kinds(dev: Template) -> None:
    # recommended-for-you runs at 2 requests/s (as in prod): it alone has a utilization alarm
    assert sorted(_alarms(dev)) == [
        "shop-dev-best-sellers-idle",
        "shop-dev-best-sellers-server-errors",
        "shop-dev-put-events-errors",
        "shop-dev-readiness-failed",
        "shop-dev-recommended-for-you-idle",
        "shop-dev-recommended-for-you-low-utilization",
        "shop-dev-recommended-for-you-server-errors",
    ]


def test_prod_has_a_utilization_alarm_only_for_the_recommender_above_the_minimum_of_1(
    prod: Template,
) -> None:
    names = _alarms(prod)
    assert [n for n in names if n.endswith("low-utilization")] == [
        "shop-prod-recommended-for-you-low-utilization"
    ]
    assert "shop-prod-put-events-errors" not in names  # no event tracker in prod
    assert len([n for n in names if n.endswith("-idle")]) == 5


def test_every_alarm_notifies_the_alarm_topic(dev: Template) -> None:
    (topic_id,) = dev.find_resources("AWS::SNS::Topic")
    for alarm in _alarms(dev).values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm.get("ActionsEnabled", True) is True


# ------------------------------------------------------------------ metric, statistic, period


def test_readiness_alarm_reads_failed_and_timed_out_executions(dev: Template) -> None:
    alarm = _alarms(dev)["shop-dev-readiness-failed"]
    assert _metric_stats(alarm) == [
        {
            "MetricName": name,
            "Namespace": "AWS/States",
            "Stat": "Sum",
            "Period": 300,
            "Dimensions": ["StateMachineArn"],
        }
        for name in ("ExecutionsFailed", "ExecutionsTimedOut")
    ]
    assert alarm["TreatMissingData"] == "notBreaching"
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (1, 1)


@pytest.mark.parametrize("kind", ["idle", "low-utilization"])
def test_idle_and_utilization_alarms_read_hourly_request_sums(prod: Template, kind: str) -> None:
    alarm = _alarms(prod)[f"shop-prod-recommended-for-you-{kind}"]
    assert _metric_stats(alarm) == [
        {
            "MetricName": "GetRecommendations",
            "Namespace": "AWS/Personalize",
            "Stat": "Sum",
            "Period": 3600,
            "Dimensions": ["RecommenderArn"],
        }
    ]
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == 6
    assert alarm["ComparisonOperator"] == "LessThanThreshold"


def test_server_errors_alarm_reads_5xx_sums_of_five_minutes(dev: Template) -> None:
    alarm = _alarms(dev)["shop-dev-best-sellers-server-errors"]
    assert _metric_stats(alarm) == [
        {
            "MetricName": "GetRecommendations5xxErrors",
            "Namespace": "AWS/Personalize",
            "Stat": "Sum",
            "Period": 300,
            "Dimensions": ["RecommenderArn"],
        }
    ]
    assert resolve(alarm["Dimensions"][0]["Value"]) == "<BestSellersRecommender014043F1>"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"], alarm["Threshold"]) == (3, 2, 5)


def test_put_events_alarm_reads_4xx_and_5xx_of_the_tracker(dev: Template) -> None:
    alarm = _alarms(dev)["shop-dev-put-events-errors"]
    assert [m["MetricName"] for m in _metric_stats(alarm)] == [
        "PutEvents4xxErrors",
        "PutEvents5xxErrors",
    ]
    assert {(m["Stat"], m["Period"], tuple(m["Dimensions"])) for m in _metric_stats(alarm)} == {
        ("Sum", 300, ("EventTrackerArn",))
    }
    assert alarm["TreatMissingData"] == "notBreaching"


def test_thresholds_and_hours_come_from_context(synth: Any) -> None:
    stacks = synth(
        {
            "env": "prod",
            "prod.alerts.idleHours": "3",
            "prod.alerts.lowUtilizationHours": "4",
            "prod.alerts.lowUtilizationPercent": "30",
            "prod.alerts.recommendation5xxPer5Minutes": "9",
            "prod.alerts.email": "ops@example.com",
        }
    )
    template = Template.from_stack(stacks["prod"])
    alarms = _alarms(template)
    assert alarms["shop-prod-most-viewed-idle"]["EvaluationPeriods"] == 3
    utilization = alarms["shop-prod-recommended-for-you-low-utilization"]
    assert (utilization["EvaluationPeriods"], utilization["Threshold"]) == (4, 30)
    assert alarms["shop-prod-most-viewed-server-errors"]["Threshold"] == 9
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


def test_without_an_email_there_is_no_subscription(dev: Template) -> None:
    dev.resource_count_is("AWS::SNS::Subscription", 0)


# ------------------------------------------------------------------ the alarm topic


def test_alarm_topic_is_encrypted_with_a_rotated_key_cloudwatch_may_use(dev: Template) -> None:
    (key_id,) = dev.find_resources("AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}})
    dev.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}
    )
    key_policy = dev.find_resources("AWS::KMS::Key")[key_id]["Properties"]["KeyPolicy"]
    (statement,) = [s for s in key_policy["Statement"] if s.get("Sid") == "CloudWatchAlarmsPublish"]
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert resolve(statement["Condition"]["ArnLike"]["aws:SourceArn"]).endswith(":alarm:shop-dev-*")


def test_alarm_topic_refuses_plain_http_and_lets_only_this_environments_alarms_publish(
    dev: Template,
) -> None:
    dev.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ),
                        Match.object_like(
                            {
                                "Sid": "CloudWatchAlarmsPublish",
                                "Action": "sns:Publish",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            }
                        ),
                    ]
                )
            }
        },
    )


# ------------------------------------------------------------------ dashboard


def test_dashboard_is_named_after_the_environment_and_its_url_an_output(dev: Template) -> None:
    dev.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": "shop-dev"})
    url = resolve(dev.to_json()["Outputs"]["DashboardUrl"]["Value"])
    assert url.endswith("#dashboards:name=shop-dev")


def test_dashboard_shows_what_the_issue_lists(dev: Template) -> None:
    (dashboard,) = dev.find_resources("AWS::CloudWatch::Dashboard").values()
    body = resolve(dashboard["Properties"]["DashboardBody"])
    for needle in (
        "GetRecommendationsLatency",
        "GetRecommendations4xxErrors",
        "GetRecommendations5xxErrors",
        "FILL(requests, 0) / PERIOD(requests)",  # actual RPS, against...
        "billed minimum requests/s",  # ...the billed minimum annotation
        "PutEventsRequests",
        "ExecutionsFailed",
        'MetricName=\\"shop-dev-revenue\\"',  # attributed metrics, searched by name
        'MetricName=\\"shop-dev-clicks\\"',
    ):
        assert needle in body, needle


# ------------------------------------------------------------------ alarm conditions


def test_readiness_alarm_fires_on_one_failed_or_timed_out_execution(dev: Template) -> None:
    alarm = _alarms(dev)["shop-dev-readiness-failed"]
    times = [WINTER_TUESDAY]
    assert evaluate(alarm, {"ExecutionsFailed": [1]}, times) == ALARM
    assert evaluate(alarm, {"ExecutionsTimedOut": [1]}, times) == ALARM
    assert evaluate(alarm, {"ExecutionsFailed": [0]}, times) == OK
    assert evaluate(alarm, {}, times) == OK  # no execution at all


def test_idle_alarm_fires_after_n_running_hours_without_requests(prod: Template) -> None:
    alarm = _alarms(prod)["shop-prod-most-viewed-idle"]
    times = _hours(WINTER_TUESDAY, 6)
    assert evaluate(alarm, {}, times) == ALARM  # no datapoint: no request
    assert evaluate(alarm, {"GetRecommendations": [0.0] * 6}, times) == ALARM
    assert evaluate(alarm, {"GetRecommendations": [None] * 5 + [1.0]}, times) == OK
    assert evaluate(alarm, {"GetRecommendations": [5.0, *[None] * 5]}, times) == OK  # only 5 h idle


def test_idle_alarm_of_a_paused_environment_counts_only_running_hours(dev: Template) -> None:
    alarm = _alarms(dev)["shop-dev-best-sellers-idle"]
    # 09:00-15:00 Madrid on a winter Tuesday = 08:00-14:00 UTC: running, and idle
    assert evaluate(alarm, {}, _hours(WINTER_TUESDAY + 8 * HOUR, 6)) == ALARM
    # the same hours in summer are 07:00-13:00 UTC; 07:00 UTC is the first hour, not counted yet
    assert evaluate(alarm, {}, _hours(SUMMER_TUESDAY + 7 * HOUR, 6)) == OK
    assert evaluate(alarm, {}, _hours(SUMMER_TUESDAY + 8 * HOUR, 6)) == ALARM
    # a night (stopped by the schedule), the hours just after the start, and a weekend: quiet
    assert evaluate(alarm, {}, _hours(WINTER_TUESDAY + 20 * HOUR, 6)) == OK
    assert evaluate(alarm, {}, _hours(WINTER_TUESDAY + 3 * HOUR, 8)) == OK
    saturday = WINTER_TUESDAY + timedelta(days=4)
    assert evaluate(alarm, {}, _hours(saturday + 8 * HOUR, 6)) == OK


def test_utilization_alarm_fires_below_the_share_of_the_billed_minimum(prod: Template) -> None:
    alarm = _alarms(prod)["shop-prod-recommended-for-you-low-utilization"]
    billed = 2 * 3600  # minimum 2 requests/s, per hour
    times = _hours(WINTER_TUESDAY, 6)
    under = billed * 0.4
    assert evaluate(alarm, {"GetRecommendations": [under] * 6}, times) == ALARM
    assert evaluate(alarm, {"GetRecommendations": [under] * 5 + [billed * 0.6]}, times) == OK
    assert evaluate(alarm, {"GetRecommendations": [billed * 0.5] * 6}, times) == OK  # at 50 %
    assert evaluate(alarm, {}, times) == ALARM  # no traffic at all is the least utilization


def test_utilization_alarm_of_a_paused_environment_counts_only_running_hours(
    dev: Template,
) -> None:
    alarm = _alarms(dev)["shop-dev-recommended-for-you-low-utilization"]
    under = {"GetRecommendations": [2 * 3600 * 0.1] * 6}  # 10 % of the billed minimum
    # GIVEN 09:00-15:00 Madrid on a winter Tuesday (running) THEN the waste is reported
    assert evaluate(alarm, under, _hours(WINTER_TUESDAY + 8 * HOUR, 6)) == ALARM
    # GIVEN the same traffic at night (stopped by the schedule) THEN nothing is billed: quiet
    assert evaluate(alarm, under, _hours(WINTER_TUESDAY + 20 * HOUR, 6)) == OK


def test_server_errors_alarm_needs_two_of_three_periods(dev: Template) -> None:
    alarm = _alarms(dev)["shop-dev-recommended-for-you-server-errors"]
    times = [WINTER_TUESDAY + i * FIVE_MINUTES for i in range(3)]
    assert evaluate(alarm, {"GetRecommendations5xxErrors": [5, None, 7]}, times) == ALARM
    assert evaluate(alarm, {"GetRecommendations5xxErrors": [5, None, None]}, times) == OK
    assert evaluate(alarm, {"GetRecommendations5xxErrors": [4, 4, 4]}, times) == OK
    assert evaluate(alarm, {}, times) == OK  # no traffic, no errors


def test_put_events_alarm_adds_client_and_server_errors(dev: Template) -> None:
    alarm = _alarms(dev)["shop-dev-put-events-errors"]
    times = [WINTER_TUESDAY + i * FIVE_MINUTES for i in range(3)]
    split = {"PutEvents4xxErrors": [3, 0, 2], "PutEvents5xxErrors": [2, None, 3]}
    assert evaluate(alarm, split, times) == ALARM
    assert evaluate(alarm, {"PutEvents4xxErrors": [3, 0, 2]}, times) == OK
    assert evaluate(alarm, {}, times) == OK


def test_evaluator_models_missing_and_ignore(dev: Template) -> None:
    # The evaluator itself, on a variant of a real alarm: a missing-only range.
    alarm = dict(_alarms(dev)["shop-dev-best-sellers-server-errors"])
    times = [WINTER_TUESDAY + i * FIVE_MINUTES for i in range(3)]
    assert evaluate({**alarm, "TreatMissingData": "missing"}, {}, times) == INSUFFICIENT_DATA
    assert evaluate({**alarm, "TreatMissingData": "ignore"}, {}, times, previous=ALARM) == ALARM
    assert evaluate({**alarm, "TreatMissingData": "breaching"}, {}, times) == ALARM


# ------------------------------------------------------------------ the running window


def test_running_window_keeps_hours_running_under_both_offsets_after_the_first() -> None:
    hours = running_utc_hours(RunningHours("08:00", "20:00", "MON-FRI", "Europe/Madrid"))
    # local 09:00-20:00 is UTC 08-18 in winter and 07-17 in summer: 08-17 in both
    assert hours == {**{d: set(range(8, 18)) for d in range(1, 6)}, 6: set(), 7: set()}


def test_running_window_across_midnight_moves_to_the_next_utc_day() -> None:
    hours = running_utc_hours(RunningHours("22:00", "02:00", "FRI", "UTC"))
    assert hours == {5: {23}, 6: {0, 1}, 1: set(), 2: set(), 3: set(), 4: set(), 7: set()}
