"""Per-module figures of the last `make mutation` run, read from mutmut's .mutmut-cache.

Log mutants are the ones mutmut_config.py skips (LOGGER calls); the score is the share of the
other mutants that the tests kill (a timeout counts as killed: the tests noticed), of those run
so far ("not run yet": an interrupted run, resumed by `make mutation MUTATION_KEEP=1`).
"""

from __future__ import annotations

import sqlite3
import sys
from collections import Counter
from pathlib import Path

COLUMNS = ("mutants", "log", "killed", "timeout", "survived", "not run yet", "score")


def main(cache: Path) -> int:
    rows = sqlite3.connect(cache).execute(
        "SELECT s.filename, m.status FROM mutant m JOIN line l ON m.line = l.id "
        "JOIN sourcefile s ON l.sourcefile = s.id"
    )
    counts: dict[str, Counter[str]] = {}
    for filename, status in rows:
        counts.setdefault(Path(filename).name, Counter())[status] += 1
    counts["total"] = sum(counts.values(), Counter())
    print("| module | " + " | ".join(COLUMNS) + " |")
    print("| --- |" + " ---: |" * len(COLUMNS))
    for module, c in counts.items():
        killed = c["ok_killed"] + c["ok_suspicious"]
        scored = killed + c["bad_timeout"] + c["bad_survived"]
        score = f"{100 * (killed + c['bad_timeout']) / scored:.1f} %" if scored else "-"
        values = (
            *(sum(c.values()), c["skipped"], killed, c["bad_timeout"], c["bad_survived"]),
            *(c["untested"], score),
        )
        print(f"| {module} | " + " | ".join(str(v) for v in values) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".mutmut-cache")))
