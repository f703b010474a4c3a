"""Adding an environment breaks nothing: a new one, on s3:// sources, passes the stack tests.

The stack tests take their environments from the configuration (`--cdk-json`, default the
project's cdk.json). Here a copy of cdk.json declares `staging`, whose data is all in S3 (no
local file exists for it), and every stack test that runs per environment runs on it. A
per-environment test reads its own environment only, so the copy declares staging alone: the
second pytest process synthesizes one stack instead of three, and a per-environment test that
quietly needed a shipped environment fails here.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

STAGING: dict[str, Any] = {
    "namePrefix": "shop-staging",
    "dataDisposable": True,
    "runningHours": "07:00-19:00",
    "timezone": "Europe/Madrid",
    "datasets": {
        "interactions": {"source": "s3://shop-exports-staging/personalize/interactions.csv"},
        "items": {"source": "s3://shop-exports-staging/personalize/items/"},
        "users": {"source": "s3://shop-exports-staging/personalize/users.csv"},
    },
    "recommenders": {
        "recommended-for-you": {"minRecommendationRequestsPerSecond": 1},
        "best-sellers": {"minRecommendationRequestsPerSecond": 1},
        "frequently-bought-together": {"minRecommendationRequestsPerSecond": 1},
    },
}


def with_staging(cdk_json: dict[str, Any]) -> dict[str, Any]:
    """A copy of the configuration with the staging environment added."""
    copied = copy.deepcopy(cdk_json)
    copied["context"]["environments"]["staging"] = copy.deepcopy(STAGING)
    return copied


def staging_only(cdk_json: dict[str, Any]) -> dict[str, Any]:
    """A copy of the configuration (feature flags and all) declaring the staging environment."""
    copied = copy.deepcopy(cdk_json)
    copied["context"]["environments"] = {"staging": copy.deepcopy(STAGING)}
    return copied


def test_the_stack_tests_pass_on_a_new_environment_on_s3_sources(tmp_path: Path) -> None:
    # GIVEN a copy of cdk.json declaring staging
    configuration = tmp_path / "cdk.json"
    configuration.write_text(json.dumps(staging_only(json.loads((ROOT / "cdk.json").read_text()))))
    report = tmp_path / "report.xml"
    # WHEN every stack test that runs per environment runs on it (one process: synth is paid once)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/stacks",
            "-q",
            "-p",
            "no:cacheprovider",
            # Snapshots are per shipped environment: a new one records its own with
            # --snapshot-update (README, "Adding an environment").
            "-k",
            "staging and not snapshot",
            "--cdk-json",
            str(configuration),
            f"--junitxml={report}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN they pass, and there are such tests
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    cases = ET.parse(report).getroot().iter("testcase")
    ran = sorted({case.get("classname", "").rsplit(".", 1)[-1] for case in cases})
    assert len(ran) >= 5, ran
