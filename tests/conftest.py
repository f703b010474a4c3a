"""Shared fixtures: the app synthesized the way `cdk synth` does it (cdk.json context, cdk-nag)."""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# Before aws_cdk is imported: the built-in CloudFormation validation costs ~4 s per process and is
# exercised by `make synth`; cdk-nag still runs. Node 20's end-of-life banner is noise here.
os.environ.setdefault("CDK_VALIDATION", "false")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

# aws_cdk and the app are imported where a fixture needs them: importing them starts jsii's node
# process (~2 s of CPU), which xdist's controller process never needs.
if TYPE_CHECKING:
    from aws_cdk.assertions import Template

    from stacks.personalize_stack import PersonalizeShopStack

ROOT = Path(__file__).resolve().parent.parent
CDK_JSON_OPTION = "--cdk-json"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        CDK_JSON_OPTION,
        default=str(ROOT / "cdk.json"),
        help="the configuration the stack tests synthesize (default: the project's cdk.json); "
        "tests that take `env` run once per environment it declares",
    )


def configuration_context(config: pytest.Config) -> dict[str, Any]:
    context: dict[str, Any] = json.loads(Path(config.getoption(CDK_JSON_OPTION)).read_text())[
        "context"
    ]
    return context


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes `env` runs for every environment the configuration declares: adding
    one to cdk.json tests it too, and no test lists the shipped ones."""
    explicit = any(
        "env" in str(mark.args[0]).replace(" ", "").split(",")
        for mark in metafunc.definition.iter_markers("parametrize")
    )
    if "env" in metafunc.fixturenames and not explicit:
        names = list(configuration_context(metafunc.config)["environments"])
        metafunc.parametrize("env", names)


# Tests that read the session's synth of cdk.json share one xdist worker (`make test` runs
# `--dist loadgroup`), so it is synthesized once per run rather than once per worker. Tests that
# synthesize a variant of their own (the `synth` factory) spread over both workers.
# `readiness_definition` (tests/handlers) reads `dev`.
SESSION_SYNTH_FIXTURES = frozenset({"stacks", "templates", "dev", "prod", "readiness_definition"})


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Everything alive before a test (collected modules, service models, the session's synths)
    # lives to the end of the run: frozen, the garbage collector no longer walks it on every full
    # collection the test's allocations trigger (a third of the suite's CPU time otherwise).
    gc.freeze()


def pytest_sessionfinish(session: pytest.Session) -> None:
    # At exit, native modules (duckdb's bindings) check that their objects were collected.
    gc.unfreeze()


# Tests that run a whole app or pytest in a subprocess (5-15 s each) start first: xdist hands out
# work in collection order, and one of them started last keeps a worker busy while the other idles.
RUN_FIRST = ("tests/test_adding_an_environment.py", "tests/test_app.py", "tests/test_layers.py")


# Before xdist's own hook, which reads the groups from the marks.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SESSION_SYNTH_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("session-synth"))
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in RUN_FIRST)


@pytest.fixture(scope="session")
def cdk_json_context(pytestconfig: pytest.Config) -> dict[str, Any]:
    return configuration_context(pytestconfig)


SynthFn = Callable[..., "dict[str, PersonalizeShopStack]"]


@pytest.fixture(scope="session")
def synth(cdk_json_context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> SynthFn:
    """Build the app from cdk.json's context plus `overrides` (as `-c key=value` would), synth it.

    Raises whatever `cdk synth` would fail on, cdk-nag findings included.
    """
    import aws_cdk as cdk

    import app as cdk_app
    from personalize_domain.config import load_app_config

    def _synth(overrides: Mapping[str, Any] | None = None) -> dict[str, PersonalizeShopStack]:
        context = {**cdk_json_context, **(overrides or {})}
        app = cdk.App(context=context, outdir=str(tmp_path_factory.mktemp("cdk.out")))
        stacks = cdk_app.build_app(app, load_app_config(app.node.get_all_context()))
        app.synth()
        return stacks

    return _synth


@pytest.fixture(scope="session")
def stacks(synth: SynthFn) -> dict[str, PersonalizeShopStack]:
    """Every environment of cdk.json, synthesized once per test run."""
    return synth()


@pytest.fixture(scope="session")
def templates(stacks: dict[str, PersonalizeShopStack]) -> dict[str, Template]:
    from aws_cdk.assertions import Template

    return {name: Template.from_stack(stack) for name, stack in stacks.items()}


@pytest.fixture(scope="session")
def dev(templates: dict[str, Template]) -> Template:
    return templates["dev"]


@pytest.fixture(scope="session")
def prod(templates: dict[str, Template]) -> Template:
    return templates["prod"]


@pytest.fixture
def template(templates: dict[str, Template], env: str) -> Template:
    """The stack template of `env`: a test that takes it runs for every environment."""
    return templates[env]
