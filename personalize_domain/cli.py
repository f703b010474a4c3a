"""Command line for the shop's dataset CSV files: validate them, or write sample data."""

from __future__ import annotations

import time
from pathlib import Path

import click

from personalize_domain.data.sample import (
    DEFAULT_INTERACTIONS,
    DEFAULT_SEED,
    SampleSpec,
    megabytes,
    write_sample,
)
from personalize_domain.data.validator import validate_datasets
from personalize_domain.use_cases import USE_CASES

DEFAULT_CACHE_DIR = Path(".cache") / "data-validation"
_TYPE_BY_NAME = (("interaction", "interactions"), ("item", "items"), ("user", "users"))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def main() -> None:
    """Check and generate the CSV files that feed Amazon Personalize.

    The same checks run at `cdk synth`; this command gives the report without a synth.
    """


@main.command(
    epilog="""\b
Examples:
  validate data/sample/*.csv
  validate --interactions export/events.csv --use-case best-sellers
  validate data/bench/interactions.csv --no-cache
"""
)
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
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
def validate(
    paths: tuple[Path, ...],
    interactions: Path | None,
    items: Path | None,
    users: Path | None,
    use_cases: tuple[str, ...],
    cache_dir: Path,
    no_cache: bool,
) -> None:
    """Validate dataset CSV files against schemas/ and Personalize's import rules.

    PATHS are named after their dataset (interactions*.csv, items*.csv, users*.csv); use the
    options for other names. Every error names the file, row, column, value and a fix. Exits
    with status 1 if any file has errors; warnings alone exit 0.
    """
    files = {"interactions": interactions, "items": items, "users": users}
    for path in paths:
        kind = _dataset_of(path)
        if files[kind] is not None:
            raise click.UsageError(f"two {kind} files given ({files[kind]} and {path}).")
        files[kind] = path
    if not any(files.values()):
        raise click.UsageError("give at least one CSV file (see --help).")
    started = time.perf_counter()
    report = validate_datasets(
        interactions=files["interactions"],
        items=files["items"],
        users=files["users"],
        use_cases=use_cases or tuple(USE_CASES),
        cache_dir=None if no_cache else cache_dir,
    )
    click.echo(report.render())
    click.echo(f"({time.perf_counter() - started:.2f} s)", err=True)
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
    files = write_sample(out, spec)
    elapsed = time.perf_counter() - started
    for path in (files.interactions, files.items, files.users):
        click.echo(f"{path}  {path.stat().st_size / 1e6:8.1f} MB")
    click.echo(
        f"{files.interaction_rows:,} interactions ({files.view_events:,} View, "
        f"{files.purchase_events:,} Purchase), seed {seed}, in {elapsed:.1f} s"
    )


if __name__ == "__main__":
    main()
