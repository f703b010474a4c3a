"""The wait-condition signal opens only CloudFormation's WaitCondition URLs, and refuses a
malformed event with one line, before any request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import wait_signal
from handler_support import HandlerError

from tests.handlers.conftest import Signal, local_endpoint_only

# Shaped as CloudFormation hands them out: path = the URL-encoded handle ARN, SigV4 query.
PRESIGNED = (
    "/arn%3Aaws%3Acloudformation%3A{region}%3A123456789012%3Astack/PersonalizeShop-dev/"
    "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9/ReadinessGateHandle?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Date=20250101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=86399"
    "&X-Amz-Credential=AKIAEXAMPLE%2F20250101%2F{region}%2Fs3%2Faws4_request"
    "&X-Amz-Signature=0123456789abcdef"
)


_US_EAST_1 = "cloudformation-waitcondition-us-east-1.s3.amazonaws.com"


def handle(host: str, region: str, scheme: str = "https") -> str:
    return f"{scheme}://{host}{PRESIGNED.format(region=region)}"


def event(**fields: Any) -> dict[str, Any]:
    base = {
        "Status": "SUCCESS",
        "Reason": "Ready",
        "UniqueId": "arn:aws:personalize:us-east-1:123456789012:recommender/shop-dev-x",
        "HandleUrl": handle("cloudformation-waitcondition-us-east-1.s3.amazonaws.com", "us-east-1"),
    }
    return {k: v for k, v in {**base, **fields}.items() if v is not ...}


def refusal(url: str, region: str) -> str:
    with pytest.raises(HandlerError) as refused:
        wait_signal.check_handle_url(url, region=region)
    message = str(refused.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("region", "host"),
    [
        # The global endpoint: CloudFormation's handles in us-east-1.
        ("us-east-1", "cloudformation-waitcondition-us-east-1.s3.amazonaws.com"),
        # Regional endpoints, as handles in eu-west-3 and us-east-2 have them.
        ("eu-west-3", "cloudformation-waitcondition-eu-west-3.s3.eu-west-3.amazonaws.com"),
        ("us-east-2", "cloudformation-waitcondition-us-east-2.s3.us-east-2.amazonaws.com"),
        # The legacy dash-regional endpoint of the older regions.
        ("us-west-2", "cloudformation-waitcondition-us-west-2.s3-us-west-2.amazonaws.com"),
        (
            "eu-west-1",
            "cloudformation-waitcondition-eu-west-1.s3.dualstack.eu-west-1.amazonaws.com",
        ),
        ("cn-north-1", "cloudformation-waitcondition-cn-north-1.s3.cn-north-1.amazonaws.com.cn"),
        (
            "us-gov-west-1",
            "cloudformation-waitcondition-us-gov-west-1.s3.us-gov-west-1.amazonaws.com",
        ),
    ],
)
def test_a_cloudformation_handle_is_opened_unchanged(region: str, host: str) -> None:
    # GIVEN a handle on CloudFormation's WaitCondition bucket of the function's region
    url = handle(host, region)
    # WHEN checked
    # THEN the URL opened is byte for byte the one presigned (any change breaks the signature)
    assert wait_signal.check_handle_url(url, region=region) == url


@pytest.mark.parametrize(
    ("url", "region", "host"),
    [
        pytest.param(
            "https://cloudformation-waitcondition-eu-west-1.s3.eu-west-1.amazonaws.com/x",
            "us-east-1",
            "cloudformation-waitcondition-eu-west-1.s3.eu-west-1.amazonaws.com",
            id="another-regions-bucket",
        ),
        pytest.param(
            "https://attacker-bucket.s3.us-east-1.amazonaws.com/x",
            "us-east-1",
            "attacker-bucket.s3.us-east-1.amazonaws.com",
            id="another-bucket",
        ),
        pytest.param(
            "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com.evil.example/x",
            "us-east-1",
            "cloudformation-waitcondition-us-east-1.s3.amazonaws.com.evil.example",
            id="lookalike-suffix",
        ),
        pytest.param(
            "https://cloudformation-waitcondition-cn-north-1.s3.cn-north-1.amazonaws.com/x",
            "cn-north-1",
            "cloudformation-waitcondition-cn-north-1.s3.cn-north-1.amazonaws.com",
            id="aws-suffix-in-china",
        ),
        pytest.param(
            "https://cloudformation-waitcondition-us-gov-west-1.s3.amazonaws.com/x",
            "us-gov-west-1",
            "cloudformation-waitcondition-us-gov-west-1.s3.amazonaws.com",
            id="global-endpoint-outside-aws",
        ),
        pytest.param("https://169.254.169.254/latest", "us-east-1", "169.254.169.254", id="imds"),
    ],
)
def test_another_host_is_refused_naming_it_and_the_allowed_ones(
    url: str, region: str, host: str
) -> None:
    # WHEN a https URL on any other host is checked
    message = refusal(url, region)
    # THEN the one line names that host and the hosts allowed in the region
    assert f"HandleUrl host {host!r} is not CloudFormation's WaitCondition bucket in {region}" in (
        message
    )
    assert f"allowed hosts (https only): cloudformation-waitcondition-{region}.s3.{region}." in (
        message
    )


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("http://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/x", "http"),
        ("file:///etc/passwd", "file"),
        ("ftp://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/x", "ftp"),
        ("cloudformation-waitcondition-us-east-1.s3.amazonaws.com/x", ""),
    ],
)
def test_a_scheme_other_than_https_is_refused(url: str, scheme: str) -> None:
    message = refusal(url, "us-east-1")
    assert message.startswith(f"HandleUrl scheme {scheme or '(none)'!r} ")
    assert "is not https; allowed hosts (https only): " in message


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com:8443/x", _US_EAST_1),
        ("https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com:443/x", _US_EAST_1),
        ("https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com:x/x", _US_EAST_1),
        ("https://me:pw@cloudformation-waitcondition-us-east-1.s3.amazonaws.com/x", _US_EAST_1),
        # The allowed host as user info: the request would go to evil.example.
        (
            "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com@evil.example/x",
            "evil.example",
        ),
    ],
)
def test_a_port_or_user_info_is_refused(url: str, host: str) -> None:
    message = refusal(url, "us-east-1")
    assert message.startswith(
        f"HandleUrl for host {host!r} carries user info or a port, which a presigned S3 URL "
        "never has; allowed hosts (https only): "
    )


@pytest.mark.parametrize("char", [" ", "\t", "\n", "\x00", "\\"])
def test_whitespace_control_characters_and_backslashes_are_refused(char: str) -> None:
    # GIVEN characters that parsers disagree about (urlsplit drops a tab, urllib does not)
    url = f"https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com{char}.evil.example/x"
    # THEN refused outright, without echoing the URL
    message = refusal(url, "us-east-1")
    assert message.startswith("HandleUrl contains whitespace, control characters or a backslash")
    assert "evil" not in message


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("", "AWS_REGION '' is not a region name; Lambda sets it, e.g. eu-west-1"),
        ("us-east-1; x", "AWS_REGION 'us-east-1; x' is not a region name"),
        ("us-iso-east-1", "region us-iso-east-1 is in an isolated partition"),
        ("us-isob-east-1", "region us-isob-east-1 is in an isolated partition"),
    ],
)
def test_a_region_without_known_hosts_refuses_every_url(region: str, expected: str) -> None:
    url = handle("cloudformation-waitcondition-us-east-1.s3.amazonaws.com", "us-east-1")
    assert refusal(url, region).startswith(expected)


def test_the_handler_never_opens_a_refused_url(
    wait_condition_endpoint: tuple[str, list[Signal]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the function in us-east-1, and a handle on a reachable local endpoint
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    endpoint, received = wait_condition_endpoint
    before = len(received)
    # WHEN the handler runs with its production check
    with pytest.raises(HandlerError, match=r"^HandleUrl scheme 'http' \(host '127\.0\.0\.1'\)"):
        wait_signal.handler(event(HandleUrl=f"{endpoint}/handle/refused"))
    # THEN the endpoint received nothing
    assert len(received) == before


def test_the_handler_refuses_a_file_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    target = tmp_path / "target"
    target.write_text("secret")
    with pytest.raises(HandlerError, match=r"^HandleUrl scheme 'file' \(host ''\) is not https"):
        wait_signal.handler(event(HandleUrl=target.as_uri()))


def test_the_handler_without_aws_region_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(HandlerError, match=r"^AWS_REGION '' is not a region name"):
        wait_signal.handler(event())


def test_the_test_check_is_what_lets_the_local_endpoint_through(
    wait_condition_endpoint: tuple[str, list[Signal]],
) -> None:
    # GIVEN the check the handler scenarios inject (Lambda itself cannot pass one)
    endpoint, received = wait_condition_endpoint
    before = len(received)
    # WHEN the handler signals the local endpoint through it
    result = wait_signal.handler(
        event(HandleUrl=f"{endpoint}/handle/local"), None, check_url=local_endpoint_only(endpoint)
    )
    # THEN the signal arrives as CloudFormation expects it
    assert result == {"Signalled": "SUCCESS"}
    assert received[before:][0].body == {
        "Status": "SUCCESS",
        "Reason": "Ready",
        "UniqueId": "arn:aws:personalize:us-east-1:123456789012:recommender/shop-dev-x",
        "Data": "",
    }


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"Status": ...}, "Status must be SUCCESS or FAILURE, got nothing"),
        ({"Status": "success"}, "Status must be SUCCESS or FAILURE, got 'success'"),
        ({"Status": ["SUCCESS"]}, "Status must be SUCCESS or FAILURE, got ['SUCCESS']"),
        ({"UniqueId": ...}, "UniqueId must be a non-empty string (the ARN of the resource "),
        ({"UniqueId": " "}, "UniqueId must be a non-empty string"),
        ({"UniqueId": ["arn"]}, "UniqueId must be a non-empty string"),
        (
            {"HandleUrl": ...},
            "HandleUrl must be the WaitCondition handle's presigned URL, got nothing",
        ),
        (
            {"HandleUrl": ""},
            "HandleUrl must be the WaitCondition handle's presigned URL, got an empty",
        ),
        (
            {"HandleUrl": {"url": "x"}},
            "HandleUrl must be the WaitCondition handle's presigned URL, got a dict",
        ),
    ],
)
def test_a_malformed_event_is_refused_with_one_line_naming_the_field(
    fields: dict[str, Any], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with pytest.raises(HandlerError) as refused:
        wait_signal.handler(event(**fields))
    assert str(refused.value).startswith(expected)
    assert "\n" not in str(refused.value)


def test_an_event_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(HandlerError, match=r"^the signal event must be a JSON object, got a list$"):
        wait_signal.handler(["SUCCESS"])  # type: ignore[arg-type]


@pytest.mark.parametrize("length", [1000, 1001])
def test_the_reason_is_cut_to_the_thousand_characters_cloudformation_shows(
    wait_condition_endpoint: tuple[str, list[Signal]], length: int
) -> None:
    # GIVEN a failure reason of `length` characters
    endpoint, received = wait_condition_endpoint
    before = len(received)
    reason = "x" * length
    # WHEN the handler signals it
    wait_signal.handler(
        event(Status="FAILURE", Reason=reason, HandleUrl=f"{endpoint}/handle/long"),
        None,
        check_url=local_endpoint_only(endpoint),
    )
    # THEN the WaitCondition receives at most 1,000 characters: a reason that fits unchanged,
    # a longer one cut, saying so
    signalled = received[before:][0].body["Reason"]
    assert len(signalled) <= 1000
    assert (signalled == reason) is (length <= 1000)


def test_the_signal_is_put_without_a_content_type(
    wait_condition_endpoint: tuple[str, list[Signal]],
) -> None:
    # GIVEN a handle presigned without a content type, as CloudFormation's are
    endpoint, received = wait_condition_endpoint
    before = len(received)
    # WHEN the handler signals it
    wait_signal.handler(
        event(HandleUrl=f"{endpoint}/handle/plain"), None, check_url=local_endpoint_only(endpoint)
    )
    # THEN the PUT carries an empty Content-Type, not urllib's form default, which would break
    # the presigned signature
    assert received[before:][0].content_type == ""


def test_a_refusal_lists_every_host_allowed_in_the_region() -> None:
    # WHEN a handle on another host is checked in eu-west-1
    message = refusal(handle("evil.example", "eu-west-1"), "eu-west-1")
    # THEN the message ends with each of the region's WaitCondition hosts, one after the other
    bucket = "cloudformation-waitcondition-eu-west-1"
    assert message.endswith(
        f"; allowed hosts (https only): {bucket}.s3.eu-west-1.amazonaws.com, "
        f"{bucket}.s3-eu-west-1.amazonaws.com, {bucket}.s3.dualstack.eu-west-1.amazonaws.com, "
        f"{bucket}.s3.amazonaws.com"
    )
