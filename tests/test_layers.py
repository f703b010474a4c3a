"""The layers' promise: what `cdk synth` imports needs no AWS SDK and no command-line toolkit,
and loads the data validator's engine (polars) only when a file must be validated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_packages_synth_imports_load_neither_boto3_nor_click_nor_polars() -> None:
    # GIVEN a fresh interpreter that imports what `cdk synth` runs (app.py and everything below)
    probe = (
        "import sys, app, stacks.personalize_stack, personalize_constructs.acknowledgments;"
        # polars is registered for lazy loading; its submodules appear once it has really loaded
        "loaded = ('boto3', 'botocore', 'click', 'polars.dataframe');"
        "print(' '.join(sorted(m for m in loaded if m in sys.modules)))"
    )
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    # WHEN it has imported them
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    # THEN neither the AWS SDK nor click was loaded (they belong to personalize_ops and lambda/),
    # nor polars (a synth whose data reports are cached never needs it: 0.3 s)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""
