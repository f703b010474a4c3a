"""`cleanup`: delete an environment's Personalize resources, in order, without its stack."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
import recommender as recommender_handler
from botocore.credentials import CredentialResolver
from cleanup_env import (
    ShopEnv,
    deploy_like_the_stack,
    owner_tag,
    run_cleanup,
    start_import,
)
from click.testing import CliRunner
from day_two_env import REGION

from personalize_domain.schemas import DatasetType
from personalize_domain.stack_outputs import stack_name
from personalize_domain.use_cases import USE_CASES
from personalize_ops import cli
from personalize_ops.day_two import Clients
from personalize_ops.day_two.cleanup import OWNER_TAG, Names, Pacing
from tests.personalize_simulator import Durations, PersonalizeSimulator

DELETES = (
    "DeleteRecommender",
    "DeleteEventTracker",
    "DeleteFilter",
    "DeleteDataset",
    "DeleteDatasetGroup",
    "DeleteSchema",
)
ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "stacks" / "__snapshots__" / "test_snapshot"


def _sim(**durations: float) -> PersonalizeSimulator:
    return PersonalizeSimulator(region=REGION, durations=Durations(**durations))


def _deletes(sim: PersonalizeSimulator) -> list[str]:
    return [call.operation for call in sim.calls if call.operation in DELETES]


def _existing(sim: PersonalizeSimulator, env: ShopEnv) -> list[str]:
    return [arn for arn in env.arns() if sim.status(arn) is not None]


def test_cleanup_deletes_the_whole_environment_in_personalize_order() -> None:
    # GIVEN dev as the stack leaves it: two recommenders, a tracker, two filters, two datasets,
    # two schemas
    sim = _sim()
    dev = deploy_like_the_stack(sim)
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN everything is gone, deleted kind by kind in Personalize's order, each kind once gone
    assert result.exit_code == 0, result.output
    assert _existing(sim, dev) == []
    assert _deletes(sim) == [
        "DeleteRecommender",
        "DeleteRecommender",
        "DeleteEventTracker",
        "DeleteFilter",
        "DeleteFilter",
        "DeleteDataset",
        "DeleteDataset",
        "DeleteDatasetGroup",
        "DeleteSchema",
        "DeleteSchema",
    ]
    assert [call.error for call in sim.calls if call.operation in DELETES] == [None] * 10
    assert "[0:01:00] recommender shop-dev-best-sellers: deleted" in result.output
    assert "[0:02:00] filter shop-dev-category-33b2cedc: delete requested (was ACTIVE)" in (
        result.output
    )
    assert "[0:04:00] dataset group shop-dev: delete requested (was ACTIVE)" in result.output
    assert result.output.rstrip().endswith("Done in 0:05:30: 10 resource(s) deleted.")


def test_cleanup_says_it_does_not_touch_s3() -> None:
    # GIVEN dev deployed
    sim = _sim()
    deploy_like_the_stack(sim)
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN the output says the buckets are not touched, and why the data bucket may remain
    assert "  S3 buckets: the data bucket is retained by design where dataDisposable is" in (
        result.output
    )


def test_a_recommender_still_training_is_waited_for_then_deleted() -> None:
    # GIVEN most-viewed was created 10 minutes ago and trains for 3 hours
    sim = _sim(recommender_create=3 * 3600)
    dev = deploy_like_the_stack(sim, use_cases=("best-sellers",))
    training = sim.client().create_recommender(
        name="shop-dev-most-viewed",
        datasetGroupArn=dev.group_arn,
        recipeArn=USE_CASES["most-viewed"].recipe_arn,
        tags=[{"tagKey": OWNER_TAG, "tagValue": owner_tag("dev", "most-viewed")}],
    )["recommenderArn"]
    sim.advance(600)
    sim.calls.clear()
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN it deletes best-sellers at once, waits out the training with a line every 10 minutes,
    # then deletes most-viewed and the rest
    assert result.exit_code == 0, result.output
    assert sim.status(training) is None
    assert "[0:00:00] recommender shop-dev-best-sellers: delete requested" in result.output
    waiting = (
        "waiting for recommender shop-dev-most-viewed: CREATE IN_PROGRESS; can be deleted once "
        "ACTIVE or CREATE FAILED or INACTIVE"
    )
    assert f"[0:00:00] {waiting}" in result.output
    assert f"[1:00:00] {waiting}" in result.output
    assert "[2:50:00] recommender shop-dev-most-viewed: delete requested (was ACTIVE)" in (
        result.output
    )
    assert [c.error for c in sim.calls if c.operation == "DeleteRecommender"] == [None, None]


def test_a_running_import_is_waited_for_before_its_dataset_is_deleted() -> None:
    # GIVEN a new import into the interactions dataset that takes 30 minutes
    sim = _sim(import_job=1800)
    dev = deploy_like_the_stack(sim)
    start_import(sim, dev.datasets["shop-dev-interactions"], "shop-dev-interactions-fedcba98")
    sim.calls.clear()
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN the dataset is deleted only once the import has ended, without a refused delete
    assert result.exit_code == 0, result.output
    assert _existing(sim, dev) == []
    assert (
        "waiting for dataset shop-dev-interactions: ACTIVE; import job "
        "shop-dev-interactions-fedcba98 is CREATE IN_PROGRESS; import jobs cannot be stopped"
    ) in result.output
    assert "[0:30:00] dataset shop-dev-interactions: delete requested (was ACTIVE)" in (
        result.output
    )
    assert [c.error for c in sim.calls if c.operation == "DeleteDataset"] == [None, None]


def test_dry_run_lists_what_it_would_delete_in_order_and_changes_nothing() -> None:
    # GIVEN dev deployed
    sim = _sim()
    dev = deploy_like_the_stack(sim)
    # WHEN cleanup runs with --dry-run
    result = run_cleanup(sim, ["--env", "dev", "--dry-run"])
    # THEN it lists the ten resources in deletion order, and nothing is deleted
    assert result.exit_code == 0, result.output
    assert _deletes(sim) == []
    assert _existing(sim, dev) == dev.arns()
    rows = re.findall(r"^ +(\d+) +([a-z ]+?)  +(\S+)", result.output, flags=re.MULTILINE)
    assert [(kind, name) for _, kind, name in rows] == [
        ("recommender", "shop-dev-recommended-for-you"),
        ("recommender", "shop-dev-best-sellers"),
        ("event tracker", "shop-dev-events"),
        *(("filter", name) for name in dev.filters),
        ("dataset", "shop-dev-interactions"),
        ("dataset", "shop-dev-items"),
        ("dataset group", "shop-dev"),
        *(("schema", name) for name in dev.schemas),
    ]
    assert result.output.rstrip().endswith("Dry run: nothing was changed.")


def test_a_second_run_finds_nothing_and_says_so() -> None:
    # GIVEN dev already cleaned up
    sim = _sim()
    deploy_like_the_stack(sim)
    run_cleanup(sim, ["--env", "dev"])
    sim.calls.clear()
    # WHEN cleanup runs again
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN it deletes nothing and says there is nothing to clean up
    assert result.exit_code == 0, result.output
    assert _deletes(sim) == []
    assert result.output.startswith(
        "Nothing to clean up: Personalize has no resources of environment dev (namePrefix "
        "shop-dev) in eu-west-1."
    )


def test_an_interrupted_run_resumes_where_it_stopped() -> None:
    # GIVEN a cleanup interrupted (Ctrl-C) while its recommender deletes are under way
    sim = _sim()
    dev = deploy_like_the_stack(sim)

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    first = run_cleanup(sim, ["--env", "dev"], pacing=Pacing(sleep=interrupt))
    assert first.exit_code == 130
    assert first.stderr == (
        "interrupted: deletes already requested go on in Personalize; run `cleanup --env dev` "
        "again to resume\n"
    )
    sim.advance(10)
    # WHEN cleanup runs again
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN it waits for the recommenders already deleting, without asking again, and finishes
    assert result.exit_code == 0, result.output
    assert _existing(sim, dev) == []
    assert [c.error for c in sim.calls if c.operation == "DeleteRecommender"] == [None, None]
    assert re.search(
        r"recommender +shop-dev-best-sellers +DELETE IN_PROGRESS +its delete is under way",
        result.output,
    )


def test_an_environment_whose_prefix_extends_ours_is_untouched(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN environments `shop` (namePrefix shop) and prod (namePrefix shop-prod), both deployed
    context = json.loads((ROOT / "cdk.json").read_text())
    environments = context["context"]["environments"]
    environments["shop"] = {**environments.pop("dev"), "namePrefix": "shop"}
    # The config accepts such prefixes only in different accounts; cleanup must still match
    # exactly if both ever share one (an unpinned deploy into prod's account).
    environments["shop"]["account"] = "123456789012"
    environments["prod"]["account"] = "210987654321"
    (tmp_path / "cdk.json").write_text(json.dumps(context))
    monkeypatch.setattr(cli, "CDK_JSON", tmp_path / "cdk.json")
    sim = _sim()
    shop = deploy_like_the_stack(sim, env_name="shop", prefix="shop")
    prod = deploy_like_the_stack(
        sim, env_name="prod", prefix="shop-prod", use_cases=tuple(USE_CASES)
    )
    # WHEN cleanup runs for shop
    result = run_cleanup(sim, ["--env", "shop"])
    # THEN shop is gone and every resource of shop-prod is still there
    assert result.exit_code == 0, result.output
    assert _existing(sim, shop) == []
    assert _existing(sim, prod) == prod.arns()
    assert "shop-prod" not in result.output


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ([], f"no {OWNER_TAG} tag: not made by the stack (by hand?)"),
        (
            [{"tagKey": OWNER_TAG, "tagValue": owner_tag("prod", "most-viewed")}],
            f"its {OWNER_TAG} tag names 'PersonalizeShop-prod', not stack PersonalizeShop-dev",
        ),
    ],
    ids=["no-owner-tag", "another-stack"],
)
def test_a_recommender_not_owned_by_the_stack_is_kept_and_reported(
    tags: list[dict[str, str]], reason: str
) -> None:
    # GIVEN most-viewed in dev's group, named as the stack would, but not tagged by dev's stack
    sim = _sim()
    dev = deploy_like_the_stack(sim)
    request = {
        "name": "shop-dev-most-viewed",
        "datasetGroupArn": dev.group_arn,
        "recipeArn": USE_CASES["most-viewed"].recipe_arn,
    }
    by_hand = sim.client().create_recommender(**request, tags=tags)["recommenderArn"]  # type: ignore[arg-type]
    sim.settle()
    sim.calls.clear()
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN only the stack's recommenders are deleted; the other is reported, and the group it
    # lives in stays (with its datasets and schemas) until it is gone; exit 1 says what to do
    assert result.exit_code == 1
    assert sim.status(by_hand) == "ACTIVE"
    assert [sim.status(arn) for arn in dev.recommenders.values()] == [None, None]
    assert _deletes(sim) == ["DeleteRecommender", "DeleteRecommender"]
    assert f"  recommender shop-dev-most-viewed: {reason}" in result.output
    assert result.stderr.startswith(
        "error: dataset group shop-dev still holds 1 resource(s) not made by stack "
        "PersonalizeShop-dev (listed above)"
    )


def test_a_filter_not_named_by_the_stack_is_kept_with_the_group() -> None:
    # GIVEN a filter made by hand in dev's group
    sim = _sim()
    dev = deploy_like_the_stack(sim)
    by_hand = sim.client().create_filter(
        name="summer-sale",
        datasetGroupArn=dev.group_arn,
        filterExpression='INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("summer")',
    )["filterArn"]
    sim.settle()
    sim.calls.clear()
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN the recommenders go (they bill), the hand-made filter is reported and left, and so
    # are the group and what it holds, the stack's own filters included
    assert result.exit_code == 1
    assert _deletes(sim) == ["DeleteRecommender", "DeleteRecommender"]
    assert sim.status(by_hand) == "ACTIVE"
    assert [sim.status(arn) for arn in dev.filters.values()] == ["ACTIVE", "ACTIVE"]
    assert (
        "  filter summer-sale: its name is not one the stack gives (<namePrefix>-<name>-<hash>)"
        in result.output
    )
    assert "error: dataset group shop-dev still holds 1 resource(s)" in result.stderr


def test_a_schema_another_dataset_uses_is_kept_saying_so() -> None:
    # GIVEN a hand-made dataset group whose dataset uses dev's interactions schema
    sim = _sim()
    dev = deploy_like_the_stack(sim)
    schema_name, schema_arn = next(iter(dev.schemas.items()))
    control = sim.client()
    other = control.create_dataset_group(name="handmade", domain="ECOMMERCE")["datasetGroupArn"]
    sim.settle()
    borrowed = control.create_dataset(
        name="handmade-interactions",
        datasetGroupArn=other,
        datasetType="Interactions",
        schemaArn=schema_arn,
    )["datasetArn"]
    sim.settle()
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN the schema is kept with Personalize's reason, the rest is deleted, exit 0
    assert result.exit_code == 0, result.output
    assert _existing(sim, dev) == [schema_arn]
    assert sim.status(borrowed) == "ACTIVE"
    assert f"schema {schema_name}: kept, Personalize says it is in use" in result.output
    assert "9 resource(s) deleted; 1 schema(s) kept because another dataset uses them" in (
        result.output
    )


def test_a_delete_refused_for_half_an_hour_is_one_line() -> None:
    # GIVEN Personalize refuses every DeleteDatasetGroup as in use (something cleanup does not
    # know holds the group, e.g. a hand-made solution)
    sim = _sim()
    deploy_like_the_stack(sim)
    sim.inject("DeleteDatasetGroup", "ResourceInUseException", times=None, message="In use.")
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN it keeps asking for 30 minutes, then stops with one line that says what to do
    assert result.exit_code == 1
    assert "waiting for dataset group shop-dev: ACTIVE; Personalize says in use: In use." in (
        result.output
    )
    assert result.stderr == (
        "error: Personalize still refuses to delete dataset group shop-dev after 0:30:00 "
        "(ResourceInUseException): In use.; it probably holds resources this command does not "
        "delete (campaigns, or solutions not made by the stack): delete them in the "
        "console, then run cleanup again\n"
    )


def test_throttling_midway_is_retried() -> None:
    # GIVEN Personalize throttles two describes of a recommender and one DeleteDataset
    sim = _sim()
    dev = deploy_like_the_stack(sim)
    sim.inject("DescribeRecommender", "ThrottlingException", times=2)
    sim.inject("DeleteDataset", "ThrottlingException", times=1)
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN the throttled calls are retried with a note, and everything is deleted
    assert result.exit_code == 0, result.output
    assert _existing(sim, dev) == []
    assert "throttled on DescribeRecommender (ThrottlingException); retrying in 2 s" in (
        result.output
    )
    assert "throttled on DeleteDataset (ThrottlingException); retrying in 2 s" in result.output


def test_throttling_that_does_not_stop_is_one_line() -> None:
    # GIVEN Personalize throttles every ListDatasetGroups
    sim = _sim()
    deploy_like_the_stack(sim)
    sim.inject("ListDatasetGroups", "ThrottlingException", times=None)
    # WHEN cleanup runs
    result = run_cleanup(sim, ["--env", "dev"])
    # THEN it gives up after its retries with one line that says to run it again
    assert result.exit_code == 1
    assert result.stderr == (
        "error: Personalize kept throttling ListDatasetGroups (ThrottlingException, 9 tries): "
        "wait a few minutes and run cleanup again; it resumes where it stopped\n"
    )


def test_no_credentials_is_one_line() -> None:
    # GIVEN clients whose credential chain finds nothing
    session = botocore.session.Session()
    session.register_component("credential_provider", CredentialResolver(providers=[]))
    boto = boto3.session.Session(botocore_session=session, region_name=REGION)
    clients = Clients(REGION, boto.client("cloudformation"), boto.client("personalize"), None, None)
    # WHEN cleanup runs
    result = CliRunner().invoke(cli.main, ["cleanup", "--env", "dev"], obj=clients)
    # THEN one line says how to set credentials, exit 1, no traceback
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no AWS credentials: set AWS_PROFILE")
    assert "Traceback" not in result.output


def test_env_has_no_default_for_a_command_that_deletes() -> None:
    # WHEN cleanup runs without --env
    result = CliRunner().invoke(cli.main, ["cleanup"])
    # THEN click refuses it before any AWS call
    assert result.exit_code == 2
    assert "Missing option '--env'" in result.output


def test_names_recognise_exactly_what_the_stack_creates(
    env: str, cdk_json_context: dict[str, Any]
) -> None:
    # GIVEN the Personalize resources of the env's synthesized stack (its snapshot)
    template = json.loads((SNAPSHOTS / f"test_stack_matches_its_snapshot[{env}].json").read_text())
    resources = template["Resources"].values()
    named = {
        (r["Type"], r["Properties"]["Name"])
        for r in resources
        if r["Type"].startswith(("AWS::Personalize::", "Custom::PersonalizeRecommender"))
        and "Name" in r["Properties"]
    }
    prefix = cdk_json_context["environments"][env]["namePrefix"]
    shorter = prefix.rsplit("-", 1)[0] if "-" in prefix else prefix[:-1]
    ours, theirs = Names(prefix, stack_name(env)), Names(shorter, stack_name(shorter))
    # THEN cleanup's names for the env match every one, and a shorter prefix matches none
    for kind, name in named:
        for names, expected in ((ours, True), (theirs, False)):
            if kind == "AWS::Personalize::Filter" and names is theirs:
                continue  # ... but filters, see below
            assert _matches(names, kind, name) is expected, (kind, name, names.prefix)
    # A filter's name part is free (`shop` + `-dev-category-<hash>` reads as a filter
    # `dev-category` of `shop`); cleanup keeps them apart by listing filters only inside the
    # dataset group named exactly `<prefix>`, which a shorter prefix does not match.
    for kind, _ in named:
        if kind == "AWS::Personalize::Filter":
            assert not _matches(theirs, "AWS::Personalize::DatasetGroup", ours.dataset_group)
    in_dev = {"AWS::Personalize::MetricAttribution"} if env == "dev" else set()
    assert {kind for kind, _ in named} - in_dev == {
        "AWS::Personalize::DatasetGroup",
        "AWS::Personalize::Schema",
        "AWS::Personalize::Dataset",
        "Custom::PersonalizeRecommender",
        *(["AWS::Personalize::EventTracker", "AWS::Personalize::Filter"] if env == "dev" else []),
    }


def _matches(names: Names, kind: str, name: str) -> bool:
    if kind == "AWS::Personalize::DatasetGroup":
        return name == names.dataset_group
    if kind == "AWS::Personalize::Schema":
        return names.is_schema(name)
    if kind == "AWS::Personalize::Dataset":
        return name in {names.dataset(t.value) for t in DatasetType}
    if kind == "AWS::Personalize::EventTracker":
        return name == names.event_tracker
    if kind == "AWS::Personalize::MetricAttribution":
        return name == names.metric_attribution
    if kind == "AWS::Personalize::Filter":
        return names.is_filter(name)
    return name in names.recommenders()


def test_the_owner_tag_is_the_one_the_recommender_handler_sets() -> None:
    assert OWNER_TAG == recommender_handler.OWNER_TAG
