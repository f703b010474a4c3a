"""Synth's line for an s3:// source validated at deploy (validateInS3)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from personalize_domain.config import load_app_config
from personalize_domain.data_sources import resolve_datasets

ROOT = Path(__file__).resolve().parents[2]
CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
OBJECT = "s3://shop-exports/personalize/interactions.csv"


def test_synth_says_the_object_is_validated_at_deploy_instead_of_how_to_fetch_it(
    tmp_path: Path,
) -> None:
    # GIVEN dev's interactions in S3, validated at deploy
    context = copy.deepcopy(CONTEXT)
    dev = context["environments"]["dev"]
    dev["datasets"] = {"interactions": {"source": OBJECT, "validateInS3": True}}
    dev["filters"].pop("category")  # it names an Items field
    dev["athenaResultsLocation"] = "s3://shop-athena/validation/"
    env = next(e for e in load_app_config(context).environments if e.name == "dev")
    # WHEN resolved
    lines: list[str] = []
    resolve_datasets(env, root=ROOT, cache_dir=tmp_path, log=lines.append)
    # THEN synth says where it is validated
    assert lines == [
        f"[dev] environments.dev.datasets.interactions.source = {OBJECT}: validated at deploy "
        "by Athena, before its import (validateInS3)"
    ]
