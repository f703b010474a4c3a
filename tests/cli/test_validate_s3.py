"""`validate s3://...`: the rules over an object in S3, by DuckDB here or by Athena in place."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto import mock_aws

import personalize_ops.cli as cli
from personalize_ops.cli import main
from personalize_ops.day_two.data_jobs import StorageClients
from tests.moto_clients import moto_client
from tests.personalize_simulator.athena import AthenaSimulator

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
REGION = "eu-west-1"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = moto_client("s3", REGION)
        client.create_bucket(
            Bucket="exports", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield client


def _invoke(s3: Any, args: list[str]) -> Result:
    athena = AthenaSimulator(s3, region=REGION).client()
    return CliRunner().invoke(main, args, obj=StorageClients(s3=s3, athena=athena))


def _bad_interactions(s3: Any) -> str:
    lines = (SAMPLE / "interactions.csv").read_text().splitlines()
    user, item, ts, event = lines[1].split(",")
    body = "\n".join([lines[0], f"{user},{item},{ts}000,{event}", *lines[2:]]) + "\n"
    s3.put_object(Bucket="exports", Key="day/events.csv", Body=body.encode())
    return "s3://exports/day/events.csv"


def test_duckdb_streams_the_object_and_fails_on_a_millisecond_timestamp(s3: Any) -> None:
    result = _invoke(s3, ["validate", "--type", "interactions", _bad_interactions(s3)])
    assert result.exit_code == 1
    assert "s3://exports/day/events.csv (Interactions): 60,000 rows" in result.output
    assert "TIMESTAMP looks like epoch milliseconds" in result.output


def test_athena_reports_the_same_finding_and_what_it_scanned(s3: Any, tmp_path: Path) -> None:
    uri = _bad_interactions(s3)
    args = ["validate", "--engine", "athena", "--type", "interactions", uri]
    # dev has no athenaResultsLocation in cdk.json: say what to set
    missing = _invoke(s3, args)
    assert missing.exit_code == 1
    assert "environment dev has no athenaResultsLocation" in missing.output
    # WITH it set (the CLI reads cdk.json)
    context = json.loads(cli.CDK_JSON.read_text())
    context["context"]["environments"]["dev"]["athenaResultsLocation"] = "s3://exports/athena/"
    patched = tmp_path / "cdk.json"
    patched.write_text(json.dumps(context))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli, "CDK_JSON", patched)
        result = _invoke(s3, args)
    assert result.exit_code == 1
    assert "TIMESTAMP looks like epoch milliseconds" in result.output
    assert "Athena scanned" in result.output


def test_local_files_and_s3_uris_are_not_mixed(s3: Any) -> None:
    result = _invoke(s3, ["validate", str(SAMPLE / "items.csv"), "s3://exports/items.csv"])
    assert result.exit_code == 2
    assert "s3:// URIs or local files, not both" in result.output
