"""Where the test suite's time goes under pytest-xdist: which worker ran what, when, and what ran last.

Record (a pytest plugin; each worker appends start, end, outcome and nodeid to <dir>/<worker>.tsv):
    mkdir /tmp/tl; SUITE_TIMELINE_DIR=/tmp/tl PYTHONPATH=bench make test PYTEST_ARGS="-p suite_timeline"
Read:
    python bench/suite_timeline.py /tmp/tl
"""

from __future__ import annotations

import collections
import os
import sys
import time
from pathlib import Path

import pytest

_out = None
_failed: set[str] = set()


def pytest_runtest_logreport(report):
    if report.failed:
        _failed.add(report.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _out
    worker, folder = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("SUITE_TIMELINE_DIR")
    if worker is None or not folder:
        yield
        return
    if _out is None:
        _out = open(Path(folder, f"{worker}.tsv"), "a", buffering=1)  # noqa: SIM115 (open for the run)
    start = time.time()
    yield
    outcome = "failed" if item.nodeid in _failed else "ok"
    _out.write(f"{start:.3f}\t{time.time():.3f}\t{outcome}\t{item.nodeid}\n")


def _read(folder: Path) -> dict[str, list[tuple[float, float, str]]]:
    runs = {}
    for path in sorted(folder.glob("*.tsv")):
        rows = [line.split("\t", 3) for line in path.read_text().splitlines() if line]
        runs[path.stem] = [(float(a), float(b), f"{c} {d}" if c != "ok" else d) for a, b, c, d in rows]
    return runs


def report(folder: Path) -> None:
    runs = _read(folder)
    first = min(start for rows in runs.values() for start, _, _ in rows)
    last = max(end for rows in runs.values() for _, end, _ in rows)
    print(f"tests {sum(map(len, runs.values()))}, first start to last end {last - first:.0f} s")
    for worker, rows in runs.items():
        busy = sum(end - start for start, end, _ in rows)
        ended = max(end for _, end, _ in rows) - first
        print(
            f"  {worker}: {len(rows)} tests, busy {busy:.0f} s, ended at {ended:.0f} s, idle tail {last - first - ended:.0f} s"
        )
    every = sorted((end, start, worker, nodeid) for worker, rows in runs.items() for start, end, nodeid in rows)
    for end, start, worker, nodeid in every:
        if nodeid.startswith("failed "):
            print(f"  {nodeid} ({worker}, {start - first:.0f}-{end - first:.0f} s)")
    print("the last ten to end (end s, took s, worker, test):")
    for end, start, worker, nodeid in every[-10:]:
        print(f"  {end - first:7.0f} {end - start:6.1f}  {worker}  {nodeid}")
    modules: collections.Counter[str] = collections.Counter()
    for end, start, _, nodeid in every:
        modules[nodeid.split("::", 1)[0]] += end - start
    print("the modules that took longest (s, summed over workers):")
    for module, took in modules.most_common(15):
        print(f"  {took:7.0f}  {module}")


if __name__ == "__main__":
    report(Path(sys.argv[1]))
