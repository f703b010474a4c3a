"""The test runner of `make mutation`: pytest, with any failure as exit code 1.

mutmut 2.x counts a mutant as killed only when the runner exits with 1; pytest exits with 2
when a mutant breaks the import of a handler module (a collection error), which would count
as survived.
"""

from __future__ import annotations

import sys

import pytest

if __name__ == "__main__":
    sys.exit(0 if pytest.main(sys.argv[1:]) == 0 else 1)
