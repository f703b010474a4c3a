"""`--help` of each day-two command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from personalize_ops.cli import main

HELP_SAYS = {
    "status": "List every Personalize resource of an environment with its status.",
    "metrics": "Show each recommender's offline metrics side by side",
    "recommend": "Get recommendations from a recommender",
    "stop": "a stopped (INACTIVE) recommender is not billed.",
    "start": "billing and weekly retraining resume.",
    "event": "Send one interaction to the environment's event tracker",
}


@pytest.mark.parametrize("command", list(HELP_SAYS))
def test_help_describes_the_command_its_env_and_an_example(command: str) -> None:
    # WHEN --help is asked
    result = CliRunner().invoke(main, [command, "--help"], terminal_width=100)
    # THEN it says what the command does, the --env default, --region, and an example
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert HELP_SAYS[command] in text
    assert (
        "--env TEXT Environment in cdk.json; its stack is PersonalizeShop-<env>. [default: dev]"
        in text
    )
    assert "--region TEXT" in text
    assert f"Examples: {command}" in text
