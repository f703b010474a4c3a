"""Run `personalize-shop batch` against the simulators and print what it prints, for docs/batch.md.

    .venv/bin/python scripts/batch_example.py

Nothing reaches AWS: Personalize is the simulator with dev's batch solution `email` trained
(tests/cli/batch_env.py), S3 is moto's, and the simulator runs the batch job (its output is
generated: items SKU-000001.. with made-up scores). The clock is the simulator's, so a job takes
its simulated 10 minutes instantly; a real one takes minutes to hours (docs/batch.md).
tests/cli/test_batch_doc.py keeps the doc's transcript equal to this script's output.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "cli")]

from batch_env import BatchEnv, batch_env  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from personalize_ops.cli import main  # noqa: E402
from personalize_ops.day_two.cleanup import Pacing  # noqa: E402
from personalize_ops.day_two.data_jobs import StorageClients  # noqa: E402

PROMPT = "$ .venv/bin/personalize-shop"
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
USERS = (
    "USER_ID,EMAIL\nU0000001,ana@example.com\nU0000002,ben@example.com\nU0000003,eva@example.com\n"
)
BAD = "USER_ID,EMAIL\nU0000001,ana@example.com\n,ben@example.com\nU0000003,eva@example.com\n"


def _run(env: BatchEnv, args: list[str]) -> str:
    sim = env.deployed.sim
    pacing = Pacing(sleep=sim.clock.sleep, clock=lambda: sim.clock.now().timestamp())
    obj = (env.deployed.clients(), StorageClients(s3=env.s3), pacing, NOW)
    with mock.patch("personalize_ops.day_two.batch.new_token", return_value="7f3a"):
        result = CliRunner().invoke(main, args, obj=obj)
    return f"{PROMPT} {' '.join(args)}\n{result.output}"


def transcript() -> str:
    """A run with one line Personalize answered with an error, the CSV's head, a refused list."""
    runner = CliRunner()
    with runner.isolated_filesystem(), batch_env() as env:
        Path("campaign.csv").write_text(USERS)
        Path("broken.csv").write_text(BAD)
        env.deployed.sim.fail_batch_record("U0000002", "Invalid filter values for this user.")
        args = ["batch", "--env", "dev", "--solution", "email", "--users", "campaign.csv"]
        text = _run(env, [*args, "--out", "out/", "--num-results", "3"])
        (written,) = Path("out").glob("*.csv")
        text += f"$ head -4 {written.as_posix()}\n"
        text += "".join(line + "\n" for line in written.read_text().splitlines()[:4])
        broken = ["batch", "--env", "dev", "--solution", "email", "--users", "broken.csv"]
        text += _run(env, [*broken, "--out", "out/"])
    return text


if __name__ == "__main__":
    print(transcript(), end="")
