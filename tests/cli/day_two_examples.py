"""Print the day-two commands' real output against the simulators, for docs/day-two.md.

Run from the repository root: `.venv/bin/python tests/cli/day_two_examples.py` (add `cleanup`
for the cleanup transcript, `filters` for filters and promotions). Nothing reaches
AWS: the environment is `deploy_dev()` from day_two_env.py (simulated Personalize and runtime, a
stubbed DescribeStacks).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from cleanup_env import deploy_like_the_stack, run_cleanup  # noqa: E402
from day_two_env import REGION, DeployedEnv, deploy_dev  # noqa: E402

from tests.personalize_simulator import PersonalizeSimulator  # noqa: E402

PROMPT = "$ .venv/bin/python -m personalize_ops.cli"


def show(env: DeployedEnv, args: list[str], **invoke: Any) -> None:
    result = env.invoke(args, **invoke)
    print(f"{PROMPT} {' '.join(args)}")
    print(result.output, end="")
    print(f"(exit {result.exit_code})\n")


def main() -> None:
    env = deploy_dev()
    show(env, ["status"])
    show(env, ["metrics"])
    show(
        env,
        [
            "recommend",
            "--use-case",
            "recommended-for-you",
            "--user-id",
            "U0000001",
            "--num-results",
            "5",
        ],
    )
    show(env, ["recommend", "--use-case", "best-sellers"])
    show(env, ["recommend", "--use-case", "frequently-bought-together", "--item-id", "SKU-000001"])
    show(env, ["stop"])
    env.sim.settle()  # stopping takes about a minute
    show(env, ["recommend", "--use-case", "best-sellers", "--user-id", "U0000001"])
    show(env, ["start", "--use-case", "best-sellers"])
    show(env, ["event", "--user-id", "U0000001", "--item-id", "SKU-000001"])
    show(
        env,
        [
            "event",
            "--user-id",
            "U0000001",
            "--item-id",
            "SKU-000001",
            "--event-type",
            "Purchase",
            "--session-id",
            "checkout-42",
        ],
    )
    show(
        env, ["event", "--user-id", "U0000001", "--item-id", "SKU-000001", "--event-type", "Click"]
    )
    show(env, ["status", "--env", "prod"], stack_deployed=False, stack="PersonalizeShop-prod")
    for key in ("EventTrackerArn", "EventTrackingId", "TrackingIdParameterName"):
        del env.outputs[key]  # as a prod stack without eventTracker would publish
    show(
        env,
        ["event", "--env", "prod", "--user-id", "U0000001", "--item-id", "SKU-000001"],
        stack="PersonalizeShop-prod",
    )


def cleanup_examples() -> None:
    """`cleanup` needs resources named and tagged exactly as the stack makes them."""
    sim = PersonalizeSimulator(region=REGION)
    deploy_like_the_stack(sim)
    for args in (["--env", "dev", "--dry-run"], ["--env", "dev"], ["--env", "dev"]):
        result = run_cleanup(sim, args)
        print(f"{PROMPT} cleanup {' '.join(args)}")
        print(result.output, end="")
        print(f"(exit {result.exit_code})\n")


def filter_examples() -> None:
    """dev with its filters, the runtime answering from the sample data."""
    env = deploy_dev(shop_data=True)
    best_sellers = ["recommend", "--use-case", "best-sellers", "--user-id", "U0000007"]
    show(env, [*best_sellers, "--num-results", "5"])
    show(env, [*best_sellers, "--num-results", "5", "--filter", "exclude-purchased"])
    rfy = ["recommend", "--use-case", "recommended-for-you", "--user-id", "U0000001"]
    show(
        env, [*rfy, "--num-results", "5", "--filter", "category", "--filter-value", "CATEGORY=toys"]
    )
    show(env, [*rfy, "--filter", "category"])
    show(
        env,
        [
            *best_sellers,
            "--num-results",
            "8",
            "--filter",
            "exclude-purchased",
            "--promotion",
            "toy-picks:25:category:CATEGORY=toys",
        ],
    )
    show(env, [*rfy, "--promotion", "toy-picks:150:category:CATEGORY=toys"])
    show(env, [*rfy, "--metadata-columns", "PRICE,CATEGORY_L2"])


if __name__ == "__main__":
    if sys.argv[1:] == ["cleanup"]:
        cleanup_examples()
    elif sys.argv[1:] == ["filters"]:
        filter_examples()
    else:
        main()
