"""mutmut 2.x hooks for `make mutation` (docs/mutation-testing.md); mutmut imports this module
from the working directory.

Each mutant runs only the tests that execute its line, taken from a coverage run with one
context per test (`make mutation` records it first). A line no test executes while it runs
(module constants, `def` lines: they run at import) gets the whole runner that `make mutation`
passes with --runner. A mutant of a LOGGER call is skipped: log wording is not behaviour.

MUTATION_SAMPLE=<fraction> (`make mutation MUTATION_SAMPLE=0.1`) runs a fixed, uniform sample
of the mutants instead of all of them, for a machine that cannot spend hours: a mutant is in
the sample when a hash of its file, line number and index falls under the fraction, so the same
mutants are drawn on every run and `scripts/mutation_report.py` can tell them apart.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shlex
from functools import cache
from pathlib import Path
from typing import Any

from coverage import CoverageData

ROOT = Path(__file__).resolve().parent
COVERAGE_FILE = ROOT / "build" / "mutation" / "coverage"


@cache
def _tests_by_line() -> dict[tuple[str, int], frozenset[str]]:
    data = CoverageData(basename=str(COVERAGE_FILE))
    data.read()
    found: dict[tuple[str, int], set[str]] = {}
    for filename in data.measured_files():
        for line, contexts in data.contexts_by_lineno(filename).items():
            tests = {_node_id(c) for c in contexts if c}
            if tests:
                found.setdefault((os.path.realpath(filename), line), set()).update(tests)
    return {key: frozenset(tests) for key, tests in found.items()}


def _node_id(context: str) -> str:
    # coverage's `test_function` context is <module>.<test> (every parameter of the test), the
    # module named as pytest imported it: `test_x` for a test folder that is not a package.
    module, _, function = context.rpartition(".")
    path = ROOT / f"{module.replace('.', '/')}.py"
    if not path.is_file():
        (path,) = (ROOT / "tests").rglob(f"{module.rpartition('.')[2]}.py")
    return f"{path.relative_to(ROOT)}::{function}"


@cache
def _log_lines(filename: str) -> frozenset[int]:
    """Lines (1-based) of every LOGGER.<level>(...) call, arguments included."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(Path(filename).read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "LOGGER"
        ):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return frozenset(lines)


def in_sample(filename: str, line_number: int, index: int, fraction: float) -> bool:
    """Whether a mutant is drawn when `fraction` of them run (line_number is 0-based, as mutmut
    stores it)."""
    key = f"{Path(filename).name}:{line_number}:{index}".encode()
    draw = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64
    return draw < fraction


def sample_fraction() -> float | None:
    value = os.environ.get("MUTATION_SAMPLE")
    return float(value) if value else None


def pre_mutation(context: Any) -> None:
    line = context.current_line_index + 1
    if line in _log_lines(context.filename):
        context.skip = True
        return
    fraction = sample_fraction()
    mutant = context.mutation_id
    if fraction is not None and not in_sample(
        context.filename, mutant.line_number, mutant.index, fraction
    ):
        context.skip = True
        return
    tests = _tests_by_line().get((os.path.realpath(context.filename), line))
    if tests:
        runner = [a for a in shlex.split(context.config.test_command) if not a.startswith("tests/")]
        context.config.test_command = shlex.join([*runner, *sorted(tests)])
