"""The suite's own set-up: tests that read the session's synth really share one worker."""

from __future__ import annotations

import pytest


@pytest.mark.xdist_group("session-synth")
def test_loadgroup_groups_by_the_xdist_group_mark(request: pytest.FixtureRequest) -> None:
    # GIVEN a run with `--dist loadgroup` (make test), where xdist groups a test by a suffix it
    # writes into the node id
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run with --dist loadgroup")
    # THEN this grouped test carries it: a pytest/xdist pair that stopped doing so (pytest 9.2
    # with xdist 3.8: pytest-xdist issue 1386) would run the session synth on every worker
    assert request.node.nodeid.endswith("@session-synth"), (
        "--dist loadgroup ignored the xdist_group mark: install the pytest that "
        "requirements-dev.txt pins"
    )
