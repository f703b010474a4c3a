"""`python -m review summary|diff`: Markdown for pull-request review of the synthesized stacks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from review.base_synth import ROOT, base_templates, resolve_ref
from review.diff import diff_templates
from review.diff_report import Costs, render_diff
from review.errors import ReviewError
from review.pricing import (
    DEFAULT_PRICES,
    PriceTable,
    RecommenderCost,
    active_users,
    load_prices,
    stack_costs,
)
from review.summary import render_summary
from review.template import Template, empty_template, load_templates

DEFAULT_TEMPLATES = ROOT / "cdk.out"
EXIT_ERROR = 1
EXIT_STATEFUL_REPLACEMENT = 3


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.command(args)
    except ReviewError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m review", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    summary = commands.add_parser("summary", help="one Markdown summary per stack")
    _common(summary)
    summary.set_defaults(command=_summary)

    diff = commands.add_parser("diff", help="what changes against a base, per stack")
    base = diff.add_mutually_exclusive_group(required=True)
    base.add_argument("--base-templates", type=Path, help="directory with the base templates")
    base.add_argument("--base", metavar="GIT_REF", help="synthesize this git ref as the base")
    _common(diff)
    diff.add_argument(
        "--fail-on-stateful-replacement",
        action="store_true",
        help=f"exit {EXIT_STATEFUL_REPLACEMENT} when a warning is raised (for CI)",
    )
    diff.set_defaults(command=_diff)
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--templates",
        type=Path,
        default=DEFAULT_TEMPLATES,
        help="directory with <stack>.template.json files (default: cdk.out)",
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write Markdown to")
    parser.add_argument(
        "--prices",
        type=Path,
        default=DEFAULT_PRICES,
        help="price table (default: review/personalize-prices.json)",
    )
    parser.add_argument(
        "--stack",
        help="only this stack (`make review ENV=x` synthesizes x alone; the other stacks are not "
        "missing from the head, just not synthesized)",
    )
    parser.add_argument(
        "--users",
        type=int,
        help="active users to price every stack's recommenders for (default: each "
        "environment's expectedActiveUsers, else the price table's assumed_active_users)",
    )


def _prices(args: argparse.Namespace) -> PriceTable:
    if args.users is not None and args.users < 0:
        raise ReviewError(f"--users must be >= 0, got {args.users}")
    return load_prices(args.prices)


def _only(args: argparse.Namespace, templates: dict[str, Template]) -> dict[str, Template]:
    if args.stack is None:
        return templates
    return {name: t for name, t in templates.items() if name == args.stack}


def _summary(args: argparse.Namespace) -> int:
    templates = _only(args, load_templates(args.templates))
    if args.stack is not None and not templates:
        raise ReviewError(f"{args.templates}: no template of stack {args.stack}")
    prices = _prices(args)
    for stack, template in templates.items():
        users, users_from = active_users(template, prices, args.users)
        text = render_summary(template, prices, active_users=users, users_from=users_from)
        _write(args.out / f"{stack}.md", text)
    return 0


def _diff(args: argparse.Namespace) -> int:
    head = _only(args, load_templates(args.templates))
    if args.stack is not None and not head:
        raise ReviewError(f"{args.templates}: no template of stack {args.stack}")
    prices = _prices(args)
    with _base_directory(args) as (base_dir, base_label):
        base = _only(args, load_templates(base_dir))
    head_label = f"`{args.templates}`"
    warned = False
    for stack in sorted(set(base) | set(head)):
        text, warnings = _stack_diff(
            stack, base, head, (base_label, head_label), prices, args.users
        )
        _write(args.out / f"{stack}.diff.md", text)
        for warning in warnings:
            print(f"{stack}: WARNING {warning}")
        warned = warned or bool(warnings)
    if warned and args.fail_on_stateful_replacement:
        return EXIT_STATEFUL_REPLACEMENT
    return 0


@contextmanager
def _base_directory(args: argparse.Namespace) -> Iterator[tuple[Path, str]]:
    """The base templates' directory and how the report names it."""
    if args.base_templates is not None:
        yield args.base_templates, f"`{args.base_templates}`"
        return
    commit = resolve_ref(args.base)
    with base_templates(args.base) as directory:
        yield directory, f"git ref `{args.base}` (`{commit[:12]}`)"


def _stack_diff(
    stack: str,
    base: dict[str, Template],
    head: dict[str, Template],
    labels: tuple[str, str],
    prices: PriceTable,
    users: int | None,
) -> tuple[str, list[str]]:
    # A stack new in the head is diffed against nothing, so its page lists what it adds and
    # its cost; a stack gone from the head, against nothing the other way.
    before = base.get(stack) or empty_template(stack, head[stack].source)
    after = head.get(stack) or empty_template(stack, before.source)
    result = diff_templates(before, after)
    costs = Costs(
        before=_priced(before, prices, users) if stack in base else None,
        after=_priced(after, prices, users) if stack in head else None,
        prices=prices,
    )
    only_in = "head" if stack not in base else "base" if stack not in head else None
    text = render_diff(
        result, base_label=labels[0], head_label=labels[1], costs=costs, only_in=only_in
    )
    return text, result.warnings


def _priced(
    template: Template, prices: PriceTable, users: int | None
) -> tuple[list[RecommenderCost], int]:
    count, _ = active_users(template, prices, users)
    return stack_costs(template, prices, count), count


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Bytes, not text mode: the same input gives the same file on every platform.
        path.write_bytes(text.encode("utf-8"))
    except OSError as exc:
        raise ReviewError(f"{path}: cannot write ({exc.strerror})") from None
    print(f"wrote {path}")
