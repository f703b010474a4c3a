"""Per-module figures of the last `make mutation` run, read from mutmut's .mutmut-cache.

Log mutants are the ones mutmut_config.py skips (LOGGER calls); the score is the share of the
other mutants that the tests kill (a timeout counts as killed: the tests noticed), of those run
so far ("not run yet": an interrupted run, resumed by `make mutation MUTATION_KEEP=1`). After a
sampled run (MUTATION_SAMPLE), the mutants outside the sample are "not drawn", and the total row
gives the score's 95 % interval (Wilson) as an estimate for all of them.
"""

from __future__ import annotations

import math
import sqlite3
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mutmut_config import in_sample, sample_fraction  # noqa: E402

COLUMNS = (
    "mutants",
    "log",
    "not drawn",
    "killed",
    "timeout",
    "survived",
    "not run yet",
    "score",
)


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95 % score interval of a proportion (Wilson), which stays inside [0, 1] near 100 %."""
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return centre - half, centre + half


def main(cache: Path) -> int:
    rows = sqlite3.connect(cache).execute(
        'SELECT s.filename, l.line_number, m."index", m.status FROM mutant m '
        "JOIN line l ON m.line = l.id JOIN sourcefile s ON l.sourcefile = s.id"
    )
    fraction = sample_fraction()
    counts: dict[str, Counter[str]] = {}
    for filename, line_number, index, status in rows:
        drawn = fraction is None or in_sample(filename, line_number, index, fraction)
        key = status if drawn or status != "skipped" else "not_drawn"
        counts.setdefault(Path(filename).name, Counter())[key] += 1
    counts["total"] = sum(counts.values(), Counter())
    print("| module | " + " | ".join(COLUMNS) + " |")
    print("| --- |" + " ---: |" * len(COLUMNS))
    for module, c in counts.items():
        killed = c["ok_killed"] + c["ok_suspicious"]
        scored = killed + c["bad_timeout"] + c["bad_survived"]
        score = f"{100 * (killed + c['bad_timeout']) / scored:.1f} %" if scored else "-"
        if module == "total" and fraction is not None and scored:
            low, high = wilson(killed + c["bad_timeout"], scored)
            score += f" (95 %: {100 * low:.0f}-{100 * high:.0f} %)"
        values = (
            *(sum(c.values()), c["skipped"], c["not_drawn"], killed, c["bad_timeout"]),
            *(c["bad_survived"], c["untested"], score),
        )
        print(f"| {module} | " + " | ".join(str(v) for v in values) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".mutmut-cache")))
