"""`cleanup` removes the environment's batch solutions: training stopped first, before the group."""

from __future__ import annotations

from cleanup_env import deploy_like_the_stack, owner_tag, run_cleanup
from day_two_env import REGION

from personalize_domain.batch_config import BatchRecipe, BatchSolutionConfig
from personalize_ops.day_two.cleanup import OWNER_TAG
from tests.personalize_simulator import PersonalizeSimulator

EMAIL = BatchSolutionConfig("email", BatchRecipe.USER_PERSONALIZATION_V2)


def _solution(
    sim: PersonalizeSimulator,
    group_arn: str,
    *,
    name: str = EMAIL.solution_name("shop-dev"),
    tagged: bool = True,
    trained: bool = True,
) -> tuple[str, str]:
    """A solution as the custom resource makes it (owner tag), and one version: (ARNs)."""
    # The solution custom resource's tag: `<stack id>/<its logical id>`, like a recommender's.
    owner = owner_tag("dev", "recommended-for-you").rsplit("/", 1)[0] + "/EmailBatchSolution1A2B"
    client = sim.client()
    solution: str = client.create_solution(
        name=name,
        datasetGroupArn=group_arn,
        recipeArn=EMAIL.recipe.arn,
        performAutoTraining=False,
        **({"tags": [{"tagKey": OWNER_TAG, "tagValue": owner}]} if tagged else {}),
    )["solutionArn"]
    sim.settle()
    version: str = client.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    if trained:
        sim.settle()
    else:
        sim.advance(600)  # ten minutes into an hour of training
    sim.calls.clear()
    return solution, version


def _deletes(sim: PersonalizeSimulator) -> list[str]:
    return [c.operation for c in sim.calls if c.operation.startswith(("Delete", "Stop"))]


def test_cleanup_deletes_the_solution_after_the_recommenders_before_the_tracker() -> None:
    # GIVEN dev as the stack leaves it, with its trained batch solution
    sim = PersonalizeSimulator(region=REGION)
    dev = deploy_like_the_stack(sim)
    solution, _ = _solution(sim, dev.group_arn)
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN the solution (and with it its versions) goes in its place, and so does the group
    assert result.exit_code == 0, result.output
    deletes = _deletes(sim)
    position = deletes.index("DeleteSolution")
    assert deletes[:position] == ["DeleteRecommender", "DeleteRecommender"]
    assert deletes[position + 1] == "DeleteEventTracker"
    assert sim.status(solution) is None
    assert sim.status(dev.group_arn) is None


def test_a_version_still_training_is_stopped_before_its_solution_is_deleted() -> None:
    # GIVEN dev's batch solution ten minutes into a training
    sim = PersonalizeSimulator(region=REGION)
    dev = deploy_like_the_stack(sim)
    solution, version = _solution(sim, dev.group_arn, trained=False)
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN it stops the training (billing ends with the stop), waits for it, then deletes
    assert result.exit_code == 0, result.output
    stops = [c.params for c in sim.calls if c.operation == "StopSolutionVersionCreation"]
    assert stops == [{"solutionVersionArn": version}]
    deletes = _deletes(sim)
    assert deletes.index("StopSolutionVersionCreation") < deletes.index("DeleteSolution")
    assert f"training of {version.rsplit('/', 1)[-1]} stopped" in result.output
    assert sim.status(solution) is None
    assert sim.status(dev.group_arn) is None


def test_a_dry_run_says_training_would_be_stopped_and_stops_nothing() -> None:
    sim = PersonalizeSimulator(region=REGION)
    dev = deploy_like_the_stack(sim)
    _solution(sim, dev.group_arn, trained=False)
    result = run_cleanup(sim, ["--env", "dev", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "cleanup stops its training first" in result.output
    assert _deletes(sim) == []


def test_a_solution_without_the_owner_tag_is_left_alone_and_keeps_the_group() -> None:
    # GIVEN a solution with a stack-like name that the stack did not make (no owner tag)
    sim = PersonalizeSimulator(region=REGION)
    dev = deploy_like_the_stack(sim)
    solution, _ = _solution(sim, dev.group_arn, tagged=False)
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN it stays, and so does the group; cleanup says why and exits 1
    assert result.exit_code == 1
    assert f"solution {EMAIL.solution_name('shop-dev')}: no {OWNER_TAG} tag" in result.output
    assert sim.status(solution) == "ACTIVE"
    assert sim.status(dev.group_arn) == "ACTIVE"


def test_a_solution_named_otherwise_is_left_alone() -> None:
    sim = PersonalizeSimulator(region=REGION)
    dev = deploy_like_the_stack(sim)
    solution, _ = _solution(sim, dev.group_arn, name="marketing-experiment")
    result = run_cleanup(sim, ["--env", "dev"])
    assert result.exit_code == 1
    assert "solution marketing-experiment: its name is not one the stack gives" in result.output
    assert sim.status(solution) == "ACTIVE"
