"""tests/conftest.py's schedule as `make test` runs it, under pytest-xdist's workers: the tests that share a
module-scoped fixture go to one worker together, and START_FIRST's modules are sent before the rest.

The run is a real `pytest -n 3 --dist loadgroup` of a small module written here, with tests/conftest.py loaded as
a plugin (what a conftest is to pytest), so that it starts no hookd and builds no scanner."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

TESTS = Path(__file__).resolve().parent

SHARING = textwrap.dedent(
    """
    import os
    import time

    import pytest


    @pytest.fixture(scope="module")
    def shared():
        return os.getpid()


    @pytest.mark.parametrize("n", range(6))
    def test_shares(shared, n):
        time.sleep(0.2)  # long enough that an idle worker would be sent one, were they scattered


    @pytest.mark.parametrize("n", range(6))
    def test_alone(n):
        time.sleep(0.2)
    """
)


def _run(tmp_path: Path) -> str:
    (tmp_path / "test_sharing.py").write_text(SHARING)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "3", "--dist", "loadgroup", "--no-loadscope-reorder", "-v"]
        + ["-p", "conftest", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "t"), "test_sharing.py"],
        cwd=tmp_path,
        # A run of its own: the outer worker's PYTEST_XDIST_WORKER would make its controller take itself for a worker.
        env={name: value for name, value in os.environ.items() if not name.startswith(("PYTEST_", "HOOKD_TEST_"))}
        | {"PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_the_tests_that_share_a_module_fixture_run_on_one_worker(tmp_path):
    """Before, they went to three workers, each setting the fixture up (a Cluster, a sanitizer build, sentinels):
    the hook read xdist's dist option, which a worker sees as "no", and marked nothing; and pytest-xdist 3.8's own
    grouping (an "@group" suffix on item._nodeid) no longer shows under pytest 9.2 (conftest's ModuleGroups)."""
    ran = re.findall(r"\[(gw\d+)\].* PASSED test_sharing\.py::(test_\w+)\[", _run(tmp_path))
    assert len(ran) == 12, ran
    assert len({worker for worker, name in ran if name == "test_shares"}) == 1, ran
    assert len({worker for worker, name in ran if name == "test_alone"}) > 1, ran
