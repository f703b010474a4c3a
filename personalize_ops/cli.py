"""Command line for the shop: check and generate dataset CSVs, and operate a deployed environment.

The day-two commands (status, metrics, recommend, stop, start, event, cleanup, usage, batch) live in
`personalize_ops.day_two`; this module only parses options, prints, and turns operator errors
into one line and exit code 1.
"""

from __future__ import annotations

import difflib
import functools
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

import click
from botocore.exceptions import (
    ClientError,
    HTTPClientError,
    InvalidRegionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as NoConnectionError

from personalize_domain.config import ConfigError, EnvironmentConfig, load_app_config
from personalize_domain.data.sample import (
    DEFAULT_INTERACTIONS,
    DEFAULT_SEED,
    SampleSpec,
    megabytes,
    write_sample,
)
from personalize_domain.data.validator import validate_datasets
from personalize_domain.schemas import DatasetType, SchemaError, load_schema
from personalize_domain.use_cases import USE_CASES
from personalize_ops.day_two import (
    Action,
    Clients,
    DayTwoError,
    StackOutputs,
    change_state,
    collect_metrics,
    collect_status,
    default_clients,
    default_session,
    read_outputs,
    recommend,
    send_event,
)
from personalize_ops.day_two.batch import BatchRequest, batch_solution, check_out, run_batch
from personalize_ops.day_two.batch import check_source_option as batch_source
from personalize_ops.day_two.batch import shape_of as batch_shape
from personalize_ops.day_two.cleanup import (
    Api,
    Pacing,
    blocked_error,
    execute,
    plan_cleanup,
    render_outcome,
    render_plan,
)
from personalize_ops.day_two.data_deletion import (
    start_deletion,
    upload_users,
    users_csv,
    wait_for_deletion,
)
from personalize_ops.day_two.data_export import INGESTION_MODES, start_export, wait_for_export
from personalize_ops.day_two.data_import import (
    FULL,
    INCREMENTAL,
    stage_local_file,
    start_import,
    wait_for_import,
)
from personalize_ops.day_two.data_jobs import (
    JobOutcome,
    StorageClients,
    default_storage_clients,
    require_output,
)
from personalize_ops.day_two.errors import error_detail
from personalize_ops.day_two.event import check_event_type, render_sent
from personalize_ops.day_two.lifecycle import render_changes
from personalize_ops.day_two.metrics import render_metrics
from personalize_ops.day_two.recommend import (
    ResolvedOptions,
    check_inputs,
    items_csv,
    render_recommendations,
)
from personalize_ops.day_two.recommend_options import filter_use, plan_options
from personalize_ops.day_two.s3_validation import (
    AthenaRunner,
    athena_cost,
    validate_s3_with_athena,
    validate_s3_with_duckdb,
)
from personalize_ops.day_two.status import render_status
from personalize_ops.day_two.usage import UsageClock, collect_usage, render_usage
from personalize_ops.day_two.usage import load_prices as load_usage_prices

DEFAULT_CACHE_DIR = Path(".cache") / "data-validation"
# Anchored on this file, not the working directory: day-two commands run from anywhere.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
CDK_JSON = PROJECT_ROOT / "cdk.json"
_TYPE_BY_NAME = (("interaction", "interactions"), ("item", "items"), ("user", "users"))


class _Refused(click.ClickException):
    """An operator error outside AWS, e.g. an unwritable --out: one `error:` line, exit 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=file is None)


class _OneLineErrors(click.Group):
    """No command prints a traceback: what `_operator_message` knows is one line that says what
    to do, anything else one line that names it and --debug, all with exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            if ctx.params.get("debug"):
                raise
            message = _operator_message(error) or (
                f"unexpected {type(error).__name__}: {_one_line(str(error))} "
                "(run with --debug for the traceback)"
            )
            click.echo(f"error: {message}", err=True)
            ctx.exit(1)


@click.group(
    cls=_OneLineErrors,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--debug", is_flag=True, help="Print the traceback of an unexpected error.")
def main(debug: bool) -> None:
    """Check the CSV files that feed Amazon Personalize, and operate a deployed environment.

    validate and sample-data work offline (the same checks run at `cdk synth`). status,
    metrics, recommend, stop, start and event read the environment's stack
    PersonalizeShop-<env> and call Personalize with your AWS credentials (AWS_PROFILE or the
    default chain). cleanup needs no stack: it finds the environment's resources in
    Personalize by name.
    """


@main.command(
    epilog="""\b
Examples:
  validate data/sample/*.csv
  validate --interactions export/events.csv --use-case best-sellers
  validate data/bench/interactions.csv --no-cache --exact-counts
"""
)
@click.argument("paths", nargs=-1)
@click.option(
    "--interactions",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Interactions CSV (USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE).",
)
@click.option("--items", type=click.Path(dir_okay=False, path_type=Path), help="Items CSV.")
@click.option("--users", type=click.Path(dir_okay=False, path_type=Path), help="Users CSV.")
@click.option(
    "--use-case",
    "use_cases",
    multiple=True,
    type=click.Choice(list(USE_CASES)),
    metavar="USE_CASE",
    help=f"Recommender whose data minimums to check; repeat for several. One of "
    f"{', '.join(USE_CASES)}. Default: all five.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_CACHE_DIR,
    show_default=True,
    help="Where reports of unchanged files are kept, keyed by content digest.",
)
@click.option("--no-cache", is_flag=True, help="Validate again even if a report is cached.")
@click.option(
    "--exact-counts",
    is_flag=True,
    help="Count the users and items of an Interactions file over 1,000,000 rows exactly "
    "(about 25 % slower) instead of estimating them from a sample of the IDs. Rule verdicts "
    "are exact either way.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "athena"]),
    help="For s3:// URIs: duckdb streams the object into DuckDB here [default]; athena runs "
    "the same rules in Amazon Athena over the object in place (workgroup and results location "
    "from the environment's athenaWorkgroup and athenaResultsLocation in cdk.json).",
)
@click.option(
    "--type",
    "type_key",
    type=click.Choice([t.key for t in DatasetType]),
    help="Dataset of an s3:// URI whose name does not tell it.",
)
@click.option("--env", "env_name", default="dev", show_default=True, help="For s3:// URIs.")
@click.option("--region", help="For s3:// URIs. [default: the environment's region]")
def validate(
    paths: tuple[str, ...],
    interactions: Path | None,
    items: Path | None,
    users: Path | None,
    use_cases: tuple[str, ...],
    cache_dir: Path,
    no_cache: bool,
    exact_counts: bool,
    engine: str | None,
    type_key: str | None,
    env_name: str,
    region: str | None,
) -> None:
    """Validate dataset CSV files against schemas/ and Personalize's import rules.

    PATHS are named after their dataset (interactions*.csv, items*.csv, users*.csv); use the
    options for other names. Every error names the file, row, column, value and a fix. Exits
    with status 1 if any file has errors; warnings alone exit 0.

    A PATH may be an S3 object (s3://bucket/key.csv): it is validated where it is, without
    downloading it first, by the same rules compiled to SQL (see --engine and
    docs/data-validation.md for what SQL reports differently: no row numbers, no structure rules).
    """
    uris = [p for p in paths if p.startswith("s3://")]
    if uris:
        if len(uris) != len(paths) or interactions or items or users:
            raise click.UsageError("validate s3:// URIs or local files, not both at once.")
        _validate_s3(uris, type_key, engine, env_name, region, use_cases or tuple(USE_CASES))
        return
    if engine is not None:
        raise click.UsageError("--engine applies to s3:// URIs; local files use the validator.")
    files = {"interactions": interactions, "items": items, "users": users}
    # `--items=~/x.csv` reaches us unexpanded (the shell expands ~ only at a word's start).
    files = {kind: path.expanduser() if path else None for kind, path in files.items()}
    for path in (Path(p).expanduser() for p in paths):
        kind = _dataset_of(path)
        if files[kind] is not None:
            raise click.UsageError(f"two {kind} files given ({files[kind]} and {path}).")
        files[kind] = path
    if not any(files.values()):
        raise click.UsageError("give at least one CSV file (see --help).")
    started = time.perf_counter()
    try:
        report = validate_datasets(
            interactions=files["interactions"],
            items=files["items"],
            users=files["users"],
            use_cases=use_cases or tuple(USE_CASES),
            cache_dir=None if no_cache else cache_dir,
            exact_counts=exact_counts,
        )
    except OSError as error:
        in_cache = not no_cache and Path(error.filename or "").is_relative_to(cache_dir)
        fix = (
            "pass --cache-dir with a folder you can write to, or --no-cache"
            if in_cache
            else "check the file's path and permissions"
        )
        raise _Refused(f"{_os_problem(error)}; {fix}") from error
    # One stream, in order: stdout and stderr reach a terminal or a pipe through different
    # buffers, and the timing used to land on the report's last line.
    click.echo(report.render())
    click.echo(f"Validated in {time.perf_counter() - started:.2f} s.")
    if not report.ok:
        raise SystemExit(1)


def _dataset_of(path: Path) -> str:
    name = path.name.lower()
    matches = [kind for word, kind in _TYPE_BY_NAME if word in name]
    if len(matches) != 1:
        raise click.UsageError(
            f"cannot tell the dataset of {path} from its name; pass it with --interactions, "
            "--items or --users."
        )
    return matches[0]


@main.command(
    "sample-data",
    epilog="""\b
Examples:
  sample-data                                   # the committed sample in data/sample/
  sample-data --out data/bench --interactions-mb 250
  sample-data --out /tmp/shop --seed 7 --interactions 200000 --users 5000
""",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data") / "sample",
    show_default=True,
    help="Directory for interactions.csv, items.csv and users.csv.",
)
@click.option(
    "--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Same seed, same bytes."
)
@click.option(
    "--interactions",
    "rows",
    type=click.IntRange(min=1),
    help=f"Number of interaction rows. [default: {DEFAULT_INTERACTIONS:,}]",
)
@click.option(
    "--interactions-mb",
    type=click.FloatRange(min=0.001),
    help="Size of interactions.csv in MB instead of a row count (e.g. 250 for benchmarks).",
)
@click.option("--users", type=click.IntRange(min=1), help="Users [default: scales with size].")
@click.option("--items", type=click.IntRange(min=1), help="Items [default: scales with size].")
def sample_data(
    out: Path,
    seed: int,
    rows: int | None,
    interactions_mb: float | None,
    users: int | None,
    items: int | None,
) -> None:
    """Write a deterministic sample shop: interactions, items and users CSVs.

    Long-tailed item popularity, browsing sessions that sometimes end in a purchase, items
    bought together, three category levels, prices, descriptions and user demographics, over
    six months of 2025. Large files are written in chunks, so memory stays flat.
    """
    if rows is not None and interactions_mb is not None:
        raise click.UsageError("give --interactions or --interactions-mb, not both.")
    spec = SampleSpec(
        seed=seed,
        interactions=None if interactions_mb is not None else rows or DEFAULT_INTERACTIONS,
        interactions_bytes=megabytes(interactions_mb) if interactions_mb is not None else None,
        users=users,
        items=items,
    )
    started = time.perf_counter()
    try:
        files = write_sample(out, spec)
    except OSError as error:
        raise _Refused(
            f"cannot write {_os_problem(error)}; pass --out with a folder you can write to"
        ) from error
    elapsed = time.perf_counter() - started
    for path in (files.interactions, files.items, files.users):
        click.echo(f"{path}  {path.stat().st_size / 1e6:8.1f} MB")
    click.echo(
        f"{files.interaction_rows:,} interactions ({files.view_events:,} View, "
        f"{files.purchase_events:,} Purchase), seed {seed}, in {elapsed:.1f} s"
    )


# ---------------------------------------------------------------- day-two commands

P = ParamSpec("P")
R = TypeVar("R")


def _operator_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print an operator error as one line that says what to do, and exit 1 (no traceback)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except Exception as error:
            message = _operator_message(error)
            if message is None:
                raise
        click.echo(f"error: {message}", err=True)
        raise SystemExit(1)

    return run


def _operator_message(error: Exception) -> str | None:
    """One line that names a problem the operator can fix, and the fix; None if unexpected."""
    if isinstance(error, DayTwoError):
        return str(error)
    if isinstance(error, NoCredentialsError):
        return (
            "no AWS credentials: set AWS_PROFILE (then `aws sso login` if it uses SSO) or "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and try again"
        )
    if isinstance(error, SSOError | TokenRetrievalError):
        return (
            "your AWS SSO session is missing or expired: run `aws sso login` (with --profile "
            "$AWS_PROFILE if you use a profile), and try again"
        )
    if isinstance(error, ProfileNotFound):
        return (
            f"AWS profile {error.kwargs.get('profile')!r} is not in your AWS config: set "
            "AWS_PROFILE to one that `aws configure list-profiles` lists, or unset it"
        )
    if isinstance(error, NoRegionError):
        return "no AWS region: pass --region or set AWS_REGION"
    if isinstance(error, InvalidRegionError):
        return (
            f"{error.kwargs.get('region_name')!r} is not an AWS region name: pass --region "
            "with one such as eu-west-1 (or fix `region` in cdk.json, AWS_REGION or your "
            "profile's region)"
        )
    # Before OSError: botocore's timeouts are OSErrors too.
    if isinstance(error, NoConnectionError | HTTPClientError):
        return (
            f"no answer from AWS ({_one_line(str(error))}): check your network connection "
            "(and HTTPS_PROXY if you need a proxy) and --region, then try again"
        )
    if isinstance(error, ParamValidationError):
        return f"AWS would refuse these values ({_one_line(str(error))}); correct them"
    if isinstance(error, ClientError):
        code, detail = error_detail(error)
        return f"AWS refused {error.operation_name} ({code or '?'}): {_one_line(detail)}"
    if isinstance(error, OSError):
        return f"{_os_problem(error)}; check the path and its permissions"
    return None


def _os_problem(error: OSError) -> str:
    where = " -> ".join(str(f) for f in (error.filename, error.filename2) if f is not None)
    reason = error.strerror or _one_line(str(error))
    return f"{where}: {reason}" if where else reason


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _not_blank(example: str) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """An option callback: refuse an empty id while parsing, before any AWS call."""

    def check(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is not None and not value.strip():
            flag = param.opts[0]
            raise _Refused(f"{flag} is empty: give an id, e.g. {flag} {example}")
        return value

    return check


def _env_options(command: Callable[P, R]) -> Callable[P, R]:
    command = click.option(
        "--region",
        help="AWS region of the stack. [default: the environment's `region` in cdk.json, "
        "else AWS_REGION or your profile's region]",
    )(command)
    return click.option(
        "--env",
        "env_name",
        default="dev",
        show_default=True,
        help="Environment in cdk.json; its stack is PersonalizeShop-<env>.",
    )(command)


def _environment(env_name: str) -> EnvironmentConfig:
    try:
        config = load_app_config(json.loads(CDK_JSON.read_text())["context"])
    except (ConfigError, SchemaError) as error:
        raise DayTwoError(f"{CDK_JSON} is invalid:\n{error}") from error
    envs = {env.name: env for env in config.environments}
    if env_name not in envs:
        close = difflib.get_close_matches(env_name, list(envs), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise DayTwoError(
            f"unknown environment {env_name!r}{hint}; cdk.json has: {', '.join(sorted(envs))}"
        )
    return envs[env_name]


def _given(kind: type[R]) -> R | None:
    """What tests pass through click's context object (clients, pacing; one, or a tuple)."""
    obj = click.get_current_context().obj
    for item in obj if isinstance(obj, tuple) else (obj,):
        if isinstance(item, kind):
            return item
    return None


def _clients(env: EnvironmentConfig, region: str | None) -> Clients:
    # Tests pass ready-made clients; production builds them.
    return _given(Clients) or default_clients(region or env.region)


def _connect(env_name: str, region: str | None) -> tuple[EnvironmentConfig, Clients, StackOutputs]:
    env = _environment(env_name)
    clients = _clients(env, region)
    return env, clients, read_outputs(clients.cloudformation, env_name)


@main.command(
    short_help="Every Personalize resource of an environment, with status.",
    epilog="\b\nExamples:\n  status\n  status --env prod --region eu-west-1\n",
)
@_env_options
@_operator_errors
def status(env_name: str, region: str | None) -> None:
    """List every Personalize resource of an environment with its status.

    The dataset group, each dataset with its latest import job (mode, and failure reason if
    it failed), and each recommender (use case, minimum requests per second, exploration, and
    the status of its latest update).
    """
    _, clients, outputs = _connect(env_name, region)
    click.echo(f"{outputs.stack_name} ({clients.region})")
    click.echo(render_status(collect_status(clients.personalize, outputs.dataset_group_arn)))


@main.command(
    short_help="Offline metrics of each recommender, side by side.",
    epilog="\b\nExamples:\n  metrics\n  metrics --env prod\n",
)
@_env_options
@_operator_errors
def metrics(env_name: str, region: str | None) -> None:
    """Show each recommender's offline metrics side by side (0 to 1, higher is better).

    The console's evaluation table: coverage, mean reciprocal rank @25, NDCG and precision
    @5/10/25, from DescribeRecommender (or the stack output if describing fails).
    See docs/day-two.md for what each metric means.
    """
    _, clients, outputs = _connect(env_name, region)
    columns = collect_metrics(clients.personalize, outputs)
    if not columns:
        raise DayTwoError(f"{outputs.stack_name} has no recommenders; add some in cdk.json")
    click.echo(render_metrics(columns))


@main.command(
    "recommend",
    short_help="Ask a recommender for items, as the console's Test recommender.",
    epilog="""\b
Examples:
  recommend --use-case recommended-for-you --user-id U0000001
  recommend --use-case frequently-bought-together --item-id SKU-000001 --num-results 10
  recommend --env prod --use-case customers-who-viewed-x-also-viewed \\
            --user-id U0000001 --item-id SKU-000002
  recommend --use-case best-sellers --user-id U0000001 --filter exclude-purchased
  recommend --use-case recommended-for-you --user-id U0000001 \\
            --filter category --filter-value CATEGORY=home,garden
  recommend --use-case best-sellers --user-id U0000001 --filter exclude-purchased \\
            --promotion house-brands:20:category:CATEGORY=home
  recommend --use-case recommended-for-you --user-id U0000001 \\
            --metadata-columns PRICE,CATEGORY_L1 --num-results 10
""",
)
@_env_options
@click.option(
    "--use-case",
    required=True,
    type=click.Choice(list(USE_CASES)),
    metavar="USE_CASE",
    help=f"Recommender to ask: one of {', '.join(USE_CASES)}.",
)
@click.option(
    "--user-id",
    callback=_not_blank("U0000001"),
    help="USER_ID to recommend for (use cases that need a user).",
)
@click.option(
    "--item-id",
    callback=_not_blank("SKU-000001"),
    help="ITEM_ID to recommend from (use cases that need an item).",
)
@click.option(
    "--num-results",
    type=click.IntRange(1, 500),
    default=25,
    show_default=True,
    help="How many items (the console's test shows 25; at most 50 with --metadata-columns).",
)
@click.option(
    "--filter",
    "filter_name",
    metavar="NAME",
    help="Apply the environment's filter NAME (cdk.json environments.<env>.filters.<NAME>).",
)
@click.option(
    "--filter-value",
    "filter_values",
    multiple=True,
    metavar="KEY=VALUE",
    help="A value for the filter's $KEY; several as KEY=a,b or by repeating the option. Quoted "
    "as Personalize expects. Required for every parameter of an INCLUDE filter.",
)
@click.option(
    "--promotion",
    metavar="NAME:PERCENT:FILTER[:KEY=VALUE...]",
    help="Promote PERCENT (1-100) of the results from the items the filter FILTER keeps, "
    "named NAME in the output; the filter's values follow as :KEY=VALUE.",
)
@click.option(
    "--metadata-columns",
    metavar="COL,...",
    help="Items columns to return with each item (at most 10); the recommender needs "
    "enableMetadataWithRecommendations.",
)
@_operator_errors
def recommend_command(
    env_name: str,
    region: str | None,
    use_case: str,
    user_id: str | None,
    item_id: str | None,
    num_results: int,
    filter_name: str | None,
    filter_values: tuple[str, ...],
    promotion: str | None,
    metadata_columns: str | None,
) -> None:
    """Get recommendations from a recommender, as the console's "Test recommender" does.

    Prints rank, item id and score, plus each item's category and price when the
    environment's items dataset is a local CSV. The recommender must be ACTIVE. With --filter
    only items the filter keeps are returned; with --promotion a share of them comes from
    another filter's items, marked in a PROMOTION column; --metadata-columns adds the
    recommender's item metadata as columns. The last line is the answer's recommendationId,
    for `event --recommendation-id` (metric attribution).
    """
    # Inputs first: a wrong call should not need credentials or a deployed stack to be caught.
    check_inputs(use_case, user_id, item_id)
    env = _environment(env_name)
    options = plan_options(
        env,
        use_case_key=use_case,
        filter_name=filter_name,
        filter_values=filter_values,
        promotion=promotion,
        metadata_columns=metadata_columns,
        num_results=num_results,
    )
    env, clients, outputs = _connect(env_name, region)
    arns = {name: outputs.filter_arn(name, env_name) for name in options.filter_names}
    items_file = items_csv(env, PROJECT_ROOT)
    found = recommend(
        clients.personalize,
        clients.runtime,
        arn=outputs.recommender_arn(use_case, env_name),
        env=env_name,
        use_case_key=use_case,
        user_id=user_id,
        item_id=item_id,
        num_results=num_results,
        items_file=items_file,
        options=ResolvedOptions(options, arns),
    )
    click.echo(
        render_recommendations(
            found,
            enriched=items_file is not None,
            promoted=options.promotion is not None,
            metadata_columns=options.metadata_columns,
        )
    )


def _change_state(action: Action, env_name: str, region: str | None, keys: tuple[str, ...]) -> None:
    env, clients, outputs = _connect(env_name, region)
    changes = change_state(
        clients.personalize, outputs, action=action, use_cases=keys, env=env_name
    )
    click.echo(render_changes(changes))
    configured = {r.use_case.key: r.state.value for r in env.recommenders}
    states = ", ".join(f"{c.use_case}={configured.get(c.use_case, '?')}" for c in changes)
    click.echo(
        f"warning: the next `make deploy ENV={env_name}` that changes a recommender re-applies "
        f"its configured state (cdk.json environments.{env_name}.recommenders.<use-case>.state: "
        f"{states}).",
        err=True,
    )
    if not all(c.ok for c in changes):
        raise SystemExit(1)


_USE_CASE_OPTION = click.option(
    "--use-case",
    "use_cases",
    multiple=True,
    type=click.Choice(list(USE_CASES)),
    metavar="USE_CASE",
    help="Recommender to act on; repeat for several. Default: every deployed recommender.",
)


@main.command(
    short_help="Pause recommenders now (a stopped one is not billed).",
    epilog="\b\nExamples:\n  stop\n  stop --env prod --use-case most-viewed\n",
)
@_env_options
@_USE_CASE_OPTION
@_operator_errors
def stop(env_name: str, region: str | None, use_cases: tuple[str, ...]) -> None:
    """Pause recommenders now: a stopped (INACTIVE) recommender is not billed.

    Calls StopRecommender on each ACTIVE recommender; ones already stopping or INACTIVE are
    skipped. It stops answering requests and is not retrained until started again.
    """
    _change_state(Action.STOP, env_name, region, use_cases)


@main.command(
    short_help="Resume stopped recommenders now (billing resumes).",
    epilog="\b\nExamples:\n  start\n  start --env prod --use-case most-viewed\n",
)
@_env_options
@_USE_CASE_OPTION
@_operator_errors
def start(env_name: str, region: str | None, use_cases: tuple[str, ...]) -> None:
    """Resume stopped recommenders now: billing and weekly retraining resume.

    Calls StartRecommender on each INACTIVE recommender; ones already starting or ACTIVE are
    skipped. Starting creates no new model; it answers again once ACTIVE (a few minutes).
    """
    _change_state(Action.START, env_name, region, use_cases)


@main.command(
    short_help="Send one test interaction to the event tracker (PutEvents).",
    epilog="""\b
Examples:
  event --user-id U0000001 --item-id SKU-000001
  event --user-id U0000001 --item-id SKU-000001 --event-type Purchase --session-id S1
""",
)
@_env_options
@click.option(
    "--user-id",
    required=True,
    callback=_not_blank("U0000001"),
    help="USER_ID of the interaction.",
)
@click.option(
    "--item-id",
    required=True,
    callback=_not_blank("SKU-000001"),
    help="ITEM_ID of the interaction.",
)
@click.option(
    "--event-type",
    default="View",
    show_default=True,
    help="View or Purchase, the event types the ECOMMERCE use cases learn from.",
)
@click.option(
    "--session-id",
    callback=_not_blank("S1"),
    help="Session to add the event to. [default: a new one, printed]",
)
@click.option(
    "--recommendation-id",
    callback=_not_blank("RID-0123"),
    help="recommendationId of the GetRecommendations answer the item came from: metric "
    "attribution credits the recommender that answered.",
)
@click.option(
    "--attribution-source",
    callback=_not_blank("newsletter"),
    help="eventAttributionSource for metric attribution, when the item came from elsewhere "
    "(wins over --recommendation-id).",
)
@_operator_errors
def event(
    env_name: str,
    region: str | None,
    user_id: str,
    item_id: str,
    event_type: str,
    session_id: str | None,
    recommendation_id: str | None,
    attribution_source: str | None,
) -> None:
    """Send one interaction to the environment's event tracker, as a shop's backend would.

    Calls personalize-events PutEvents with the tracking id of the stack output
    EventTrackingId, sentAt now, and prints what it sent. The environment needs
    eventTracker=true in cdk.json. Personalize adds the event to the Interactions dataset, and
    recommended-for-you uses it in that user's next recommendations.
    """
    # Inputs first: a wrong call should not need credentials or a deployed stack to be caught.
    checked_type = check_event_type(event_type)
    env, clients, outputs = _connect(env_name, region)
    sent = send_event(
        clients.events,
        outputs,
        env,
        user_id=user_id,
        item_id=item_id,
        event_type=checked_type,
        session_id=session_id,
        sent_at=datetime.now(UTC),
        recommendation_id=recommendation_id,
        attribution_source=attribution_source,
    )
    click.echo(render_sent(sent))


@main.command(
    "check-credentials",
    short_help="Check AWS credentials and region first, as make diff/deploy/destroy do.",
    epilog="\b\nExamples:\n  check-credentials --env dev\n  check-credentials --env prod "
    "--region eu-west-1\n",
)
@_env_options
@_operator_errors
def check_credentials(env_name: str, region: str | None) -> None:
    """Say which AWS account and region the environment would be deployed to, or what to fix.

    `make diff`, `make deploy` and `make destroy` run this before the CDK CLI, so a missing
    profile, an expired SSO session or no region is one line that says what to do instead of
    CDK's "Unable to resolve AWS account". Calls STS GetCallerIdentity, which needs no permission.
    """
    env = _environment(env_name)
    session = default_session(region or env.region)
    identity = session.client("sts").get_caller_identity()
    account = identity["Account"]
    if env.account and env.account != account:
        raise DayTwoError(
            f"environment {env.name} is pinned to account {env.account} (cdk.json), but your "
            f"credentials are for {account}: set AWS_PROFILE to a profile of {env.account}"
        )
    click.echo(
        f"AWS credentials: account {account} as {identity['Arn']}, region {session.region_name}"
    )


@main.command(
    short_help="Delete every Personalize resource of an environment (the guide's Clean up).",
    epilog="""\b
Examples:
  cleanup --env dev --dry-run     # list what would be deleted, in order
  cleanup --env dev
  cleanup --env prod --region eu-west-1
""",
)
@click.option(
    "--env",
    "env_name",
    required=True,
    help="Environment in cdk.json whose Personalize resources to delete (no default: this "
    "deletes).",
)
@click.option(
    "--region",
    help="AWS region of the environment. [default: the environment's `region` in cdk.json, "
    "else AWS_REGION or your profile's region]",
)
@click.option(
    "--dry-run", is_flag=True, help="List what would be deleted, in order; change nothing."
)
@_operator_errors
def cleanup(env_name: str, region: str | None, dry_run: bool) -> None:
    """Delete every Personalize resource of an environment, as the console guide's "Clean up".

    Needs no stack (use it after a `cdk destroy` that ended DELETE_FAILED, or to remove
    everything Personalize-side): resources are found by the exact names the stack gives them
    under the environment's namePrefix, recommenders also by the stack's owner tag; anything
    else is reported and left alone. Deletes recommenders, batch solutions (stopping a version
    that still trains first), the event tracker, filters, the metric attribution, datasets
    (once their imports have ended), the dataset group and its schemas, in that order, waiting
    as long as Personalize needs (hours if a recommender is still training). Run it again to
    resume. S3 buckets are not touched.
    """
    env = _environment(env_name)
    clients = _clients(env, region)
    api = Api(clients.personalize, _given(Pacing) or Pacing(), click.echo)
    plan = plan_cleanup(api, env=env.name, name_prefix=env.name_prefix, region=clients.region)
    click.echo(render_plan(plan, dry_run=dry_run))
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    try:
        outcome = execute(api, plan)
    except KeyboardInterrupt:
        click.echo(
            f"interrupted: deletes already requested go on in Personalize; run `cleanup --env "
            f"{env.name}` again to resume",
            err=True,
        )
        raise SystemExit(130) from None
    if plan.steps:
        click.echo(render_outcome(api, outcome))
    if plan.blocked:
        raise blocked_error(plan)


# ---------------------------------------------------------------- day-two data commands

_DATASET_TYPE = click.Choice([t.key for t in DatasetType])


def _data_env_options(
    env_help: str = "Environment in cdk.json.",
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """--env and --region of the data commands: they change an environment's data, so --env has
    no default."""

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        command = click.option(
            "--region", help="AWS region. [default: the environment's `region` in cdk.json]"
        )(command)
        return click.option("--env", "env_name", required=True, help=env_help)(command)

    return decorate


def _dataset_type_option(help_text: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    return click.option("--type", "type_key", required=True, type=_DATASET_TYPE, help=help_text)


def _no_wait_option(
    help_text: str = "Start the job and return.",
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    return click.option("--no-wait", is_flag=True, help=help_text)


def _storage(clients: Clients) -> StorageClients:
    return _given(StorageClients) or default_storage_clients(clients.region)


def _data_api(clients: Clients) -> Api:
    return Api(clients.personalize, _given(Pacing) or Pacing(), click.echo)


def _finish(outcome: JobOutcome, what: str, api: Api) -> None:
    elapsed = str(timedelta(seconds=int(api.elapsed())))
    if outcome.ok:
        click.echo(f"{what} is {outcome.status} after {elapsed}.")
        return
    raise DayTwoError(f"{what} ended {outcome.status} after {elapsed}: {outcome.failure_reason}")


@main.command(
    "import",
    short_help="Import a CSV (local or s3://) into a dataset now, and wait for it.",
    epilog="""\b
Examples:
  import --env dev --type interactions export/interactions-2026-12-01.csv
  import --env prod --type items --mode FULL data/items.csv
  import --env prod --type interactions s3://shop-exports/2026-12-01/interactions.csv
""",
)
@_data_env_options("Environment in cdk.json to import into.")
@_dataset_type_option("Dataset to import into.")
@click.argument("source")
@click.option(
    "--mode",
    type=click.Choice([INCREMENTAL, FULL]),
    default=INCREMENTAL,
    show_default=True,
    help="INCREMENTAL adds and updates records; FULL replaces all bulk data of the dataset.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_CACHE_DIR,
    show_default=True,
    help="The validator's report cache (as for validate).",
)
@_no_wait_option("Start the job and return; follow it with status.")
@_operator_errors
def import_command(
    env_name: str,
    region: str | None,
    type_key: str,
    source: str,
    mode: str,
    cache_dir: Path,
    no_wait: bool,
) -> None:
    """Import SOURCE (a local CSV file or an s3:// URI) into a dataset of a deployed environment.

    A local file is validated first with the synth-time rules and the minimums of the
    environment's recommenders (errors refuse the import; nothing is uploaded), then uploaded to
    the data bucket under the key `cdk deploy` would give it. The import job is waited for until
    ACTIVE, or until it fails with Personalize's reason. The next deploy that changes the
    dataset's configured file imports that file again (see the README).
    """
    dataset_type = DatasetType(type_key.capitalize())
    env, clients, outputs = _connect(env_name, region)
    api = _data_api(clients)
    if source.startswith("s3://"):
        location = source
        click.echo(f"importing {location} as it is (validate it with `validate {source}`)")
    else:
        bucket = require_output(outputs.values, "DataBucketName", outputs.stack_name, env_name)
        staged = stage_local_file(
            _storage(clients).s3,
            bucket=bucket,
            path=Path(source),
            dataset_type=dataset_type,
            use_cases=[r.use_case.key for r in env.recommenders],
            cache_dir=cache_dir,
        )
        location = staged.location
        click.echo(f"valid: {source}: {staged.summary}")
        click.echo(
            f"{'uploaded to' if staged.uploaded else 'already in S3 (same content):'} {location}"
        )
    name, arn = start_import(
        api,
        outputs=outputs,
        env_name=env_name,
        name_prefix=env.name_prefix,
        dataset_type=dataset_type,
        location=location,
        mode=mode,
        now=datetime.now(UTC),
    )
    click.echo(f"started {mode} import job {name} into {env.name_prefix}-{dataset_type.key}")
    if no_wait:
        click.echo(f"not waiting: follow it with `personalize-shop status --env {env_name}`")
        return
    _finish(wait_for_import(api, arn, name, click.echo), f"import job {name}", api)


@main.command(
    "forget-user",
    short_help="Delete users' data from Personalize (a data deletion job), and wait.",
    epilog="""\b
Examples:
  forget-user --env prod U0000042
  forget-user --env prod U0000042 U0000043
  forget-user --env prod --file requests/2026-12.csv     # a CSV with a USER_ID column
""",
)
@_data_env_options()
@click.argument("user_ids", nargs=-1)
@click.option(
    "--file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A CSV file with a USER_ID column (header line first), up to 100 MB.",
)
@_no_wait_option()
@_operator_errors
def forget_user(
    env_name: str, region: str | None, user_ids: tuple[str, ...], file: Path | None, no_wait: bool
) -> None:
    """Delete every record of USER_IDS from the environment's datasets (CreateDataDeletionJob).

    The ids are written as a USER_ID CSV to the data bucket (deletions/<digest>/users.csv) and
    a data deletion job removes those users' interactions and user records from the dataset
    group; it may take up to a day, and is waited for. Recommenders stop using the data when
    they next retrain, on their own schedule. What it cannot remove is in the README.
    """
    body = users_csv(user_ids, file)  # inputs first: no credentials needed to refuse them
    env, clients, outputs = _connect(env_name, region)
    api = _data_api(clients)
    bucket = require_output(outputs.values, "DataBucketName", outputs.stack_name, env_name)
    location = upload_users(_storage(clients).s3, bucket, body)
    count = body.count(b"\n") - 1
    click.echo(f"{count:,} user id(s) to forget, written to {location}")
    name, arn = start_deletion(
        api, outputs=outputs, env_name=env_name, name_prefix=env.name_prefix, location=location
    )
    click.echo(f"started data deletion job {name} in dataset group {env.name_prefix}")
    if no_wait:
        click.echo(
            f"not waiting: aws personalize describe-data-deletion-job --data-deletion-job-arn {arn}"
        )
        return
    outcome = wait_for_deletion(api, arn, name, click.echo)
    _finish(outcome, f"data deletion job {name}", api)
    if "numDeleted" in outcome.details:
        click.echo(f"records deleted: {outcome.details['numDeleted']:,}")


@main.command(
    short_help="Export a dataset to S3 (a dataset export job), and wait.",
    epilog="""\b
Examples:
  export --env prod --type interactions --out s3://shop-exports/personalize/
  export --env prod --type items --ingestion bulk --out s3://shop-exports/items/ \\
         --role-arn arn:aws:iam::111122223333:role/personalize-export
""",
)
@_data_env_options()
@_dataset_type_option("Dataset to export.")
@click.option(
    "--out", required=True, help="s3://bucket/prefix/ Personalize writes the CSV files to."
)
@click.option(
    "--ingestion",
    type=click.Choice(list(INGESTION_MODES)),
    default="both",
    show_default=True,
    help="bulk: data from import jobs; incremental: data put one record or event at a time; both.",
)
@click.option(
    "--role-arn",
    help="Role Personalize assumes to write --out. [default: the stack's Personalize role, "
    "which can only read the data bucket: give a role that may write --out]",
)
@_no_wait_option()
@_operator_errors
def export(
    env_name: str,
    region: str | None,
    type_key: str,
    out: str,
    ingestion: str,
    role_arn: str | None,
    no_wait: bool,
) -> None:
    """Export a dataset's data to S3 as CSV (CreateDatasetExportJob) and wait until ACTIVE."""
    dataset_type = DatasetType(type_key.capitalize())
    env, clients, outputs = _connect(env_name, region)
    api = _data_api(clients)
    role = role_arn or require_output(
        outputs.values, "PersonalizeRoleArn", outputs.stack_name, env_name
    )
    name, arn = start_export(
        api,
        outputs=outputs,
        env_name=env_name,
        name_prefix=env.name_prefix,
        dataset_type=dataset_type,
        out=out,
        ingestion=ingestion,
        role_arn=role,
    )
    click.echo(f"started export job {name}: {dataset_type.key} ({ingestion}) to {out}")
    if no_wait:
        return
    _finish(wait_for_export(api, arn, name, click.echo), f"export job {name}", api)


@main.command(
    "batch",
    short_help="Batch recommendations for a list of users (or items) as a CSV, and wait.",
    epilog="""\b
Examples:
  batch --env dev --solution email --users campaign/users.csv --out out/
  batch --env dev --solution email --users s3://shop-exports/users.csv --out s3://shop-exports/batch/
  batch --env dev --solution email --users users.csv --out out/ --filter exclude-purchased
  batch --env dev --solution email --users users.csv --out out/ --filter category \\
        --filter-value CATEGORY=home --num-results 10
""",
)
@click.option("--env", "env_name", required=True, help="Environment in cdk.json.")
@click.option("--region", help="AWS region. [default: the environment's `region` in cdk.json]")
@click.option(
    "--solution",
    "solution_name",
    required=True,
    help="The batch solution NAME (cdk.json environments.<env>.batch.<NAME>).",
)
@click.option(
    "--users",
    help="FILE or s3:// URI of the users: a CSV with a USER_ID column, or JSON Lines "
    '{"userId": ...}. For aws-user-personalization-v2 solutions.',
)
@click.option(
    "--items",
    help="FILE or s3:// URI of the items: a CSV with an ITEM_ID column, or JSON Lines "
    '{"itemId": ...}. For aws-similar-items solutions.',
)
@click.option(
    "--out", required=True, help="DIR (created if missing) or s3://bucket/prefix/ for the CSV."
)
@click.option(
    "--filter",
    "filter_name",
    help="Apply the environment's filter NAME (cdk.json environments.<env>.filters.<NAME>).",
)
@click.option(
    "--filter-value",
    "filter_values",
    multiple=True,
    metavar="KEY=VALUE",
    help="A value for the filter's $KEY, the same on every line; several as KEY=a,b.",
)
@click.option(
    "--num-results",
    type=click.IntRange(1, 500),
    default=25,
    show_default=True,
    help="Recommendations per user (item).",
)
@_operator_errors
def batch_command(
    env_name: str,
    region: str | None,
    solution_name: str,
    users: str | None,
    items: str | None,
    out: str,
    filter_name: str | None,
    filter_values: tuple[str, ...],
    num_results: int,
) -> None:
    """Recommend for every user (or item) of a list with a batch inference job; write a CSV.

    The list is checked (ids present, Personalize's limits of 1 GB and 50 million records per
    file) and uploaded as JSON Lines under batch/<job>/input/ of the data bucket; the job runs
    with the environment's Personalize role and the solution version `make deploy` trained, and
    is waited for (minutes to hours). The CSV is `user_id,rank,item_id,score`
    (`item_id,rank,similar_item_id,score` for an aws-similar-items solution), written to
    --out as <job>.csv; lines Personalize could not answer are listed and kept in
    <job>-errors.jsonl. Cost and duration: docs/batch.md.
    """
    env = _environment(env_name)
    solution = batch_solution(env, solution_name)
    source = batch_source(solution, users, items)
    check_out(out)
    if filter_values and filter_name is None:
        raise DayTwoError("--filter-value needs --filter NAME: give the filter it sets")
    used = None
    if filter_name is not None:
        # Per user: as recommended-for-you takes filters; per item: as the related-items cases.
        use_case = (
            "recommended-for-you"
            if batch_shape(solution.recipe).field == "userId"
            else "customers-who-viewed-x-also-viewed"
        )
        used = filter_use(
            env,
            use_case,
            filter_name,
            filter_values,
            flag="--filter-value",
            ask=lambda keys: " ".join(f"--filter-value {key}=VALUE" for key in keys),
        )
    env, clients, outputs = _connect(env_name, region)
    api = _data_api(clients)
    request = BatchRequest(
        solution=solution.name,
        source=source,
        out=out,
        num_results=num_results,
        filter_name=filter_name,
        filter_arn=None if used is None else outputs.filter_arn(used.name, env_name),
        filter_values=None if used is None or not used.values else used.values,
    )
    with tempfile.TemporaryDirectory(prefix="personalize-batch-") as workdir:
        run_batch(
            api,
            _storage(clients).s3,
            env=env,
            outputs=outputs,
            request=request,
            workdir=Path(workdir),
            # Tests and the docs' example pass the time, for a job name they can predict.
            now=_given(datetime) or datetime.now(UTC),
            echo=click.echo,
        )


@_operator_errors
def _validate_s3(
    uris: list[str],
    type_key: str | None,
    engine: str | None,
    env_name: str,
    region: str | None,
    use_cases: tuple[str, ...],
) -> None:
    env = _environment(env_name)
    storage = _given(StorageClients) or default_storage_clients(region or env.region)
    failed = False
    for uri in uris:
        kind = type_key or _dataset_of(Path(uri.rsplit("/", 1)[-1]))
        schema = load_schema(DatasetType(kind.capitalize()))
        started = time.perf_counter()
        if engine == "athena":
            if env.athena_results_location is None:
                raise DayTwoError(
                    f"environment {env_name} has no athenaResultsLocation: set "
                    f"environments.{env_name}.athenaResultsLocation to an s3://bucket/prefix/ "
                    "in cdk.json for Athena's query results"
                )
            runner = AthenaRunner(
                storage.athena,
                uri=uri,
                workgroup=env.athena_workgroup,
                results=env.athena_results_location,
            )
            report = validate_s3_with_athena(storage.s3, runner, schema, use_cases)
            click.echo(report.render())
            click.echo(f"({athena_cost(runner.scanned_bytes)}, {runner.queries} queries)", err=True)
        else:
            report = validate_s3_with_duckdb(storage.s3, uri, schema, use_cases)
            click.echo(report.render())
        click.echo(f"({time.perf_counter() - started:.2f} s)", err=True)
        failed = failed or not report.ok
    if failed:
        raise SystemExit(1)


@main.command(
    short_help="Actual requests/s of each recommender against its billed minimum, and cost.",
    epilog="\b\nExamples:\n  usage --env prod\n  usage --env dev --days 30\n",
)
@_env_options
@click.option(
    "--days",
    type=click.IntRange(1, 63),
    default=7,
    show_default=True,
    help="How many days back to read (CloudWatch keeps hourly data 63 days).",
)
@click.option(
    "--prices",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=PROJECT_ROOT / "review" / "personalize-prices.json",
    show_default="review/personalize-prices.json",
    help="Price table to estimate costs with.",
)
@_operator_errors
def usage(env_name: str, region: str | None, days: int, prices: Path) -> None:
    """Per recommender: actual requests/s (average, p95, maximum of the hourly averages) from
    CloudWatch, the billed minimum, utilization, the estimated cost at the price table, and a
    suggested minimum with its cost. Hours outside the pause schedule are not counted.

    Needs cloudwatch:GetMetricData besides what `status` needs. See docs/monitoring.md.
    """
    env, clients, outputs = _connect(env_name, region)
    if not outputs.recommender_arns:
        raise DayTwoError(f"{outputs.stack_name} has no recommenders; add some in cdk.json")
    table = load_usage_prices(prices)
    clock = _given(UsageClock) or UsageClock()
    rows = collect_usage(
        personalize=clients.personalize,
        cloudwatch=clients.cloudwatch,
        outputs=outputs,
        running_hours=env.running_hours,
        prices=table,
        days=days,
        now=clock.now(),
        progress=lambda line: click.echo(line, err=True),
    )
    click.echo(f"{outputs.stack_name} ({clients.region})")
    click.echo(render_usage(rows, days=days, prices=table))


if __name__ == "__main__":
    main()
