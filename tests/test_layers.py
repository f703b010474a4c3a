"""The layers' promise: what `cdk synth` imports needs no AWS SDK and no command-line toolkit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_packages_synth_imports_load_neither_boto3_nor_click() -> None:
    # GIVEN a fresh interpreter that imports what `cdk synth` runs (app.py and everything below)
    probe = (
        "import sys, app, stacks.personalize_stack, personalize_constructs.acknowledgments;"
        "print(' '.join(sorted(m for m in ('boto3', 'botocore', 'click') if m in sys.modules)))"
    )
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    # WHEN it has imported them
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    # THEN neither the AWS SDK nor click was loaded (they belong to personalize_ops and lambda/)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""
