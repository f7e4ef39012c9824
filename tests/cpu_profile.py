"""Where the suite's CPU goes, per test: opt-in with ``HOOKD_TEST_CPU=<file>`` (tests/conftest.py
imports these hooks only then).

Each test (setup, call and teardown) is charged the CPU of the test process (every thread: the
in-process daemons) and of the children it waited for, with each waited child's own CPU by kind
(``hookd run``, other ``hookd`` commands, hook-send, redis-server...): ``os.waitpid`` is routed
through ``os.wait4``, which returns the child's rusage. A child never waited for (a module's
Cluster until the module ends, the session's redis-server) is charged to the test that reaps it.
The file is emptied at the start; every process, xdist workers included, appends JSON lines to
it; the process that ends the session prints the top tests and the CPU by kind of child.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time
from collections import Counter, defaultdict

import pytest

_OUT = os.environ.get("HOOKD_TEST_CPU", "")
_kinds: dict[int, str] = {}
_children: Counter[str] = Counter()
_spawned: Counter[str] = Counter()
_COMMANDS = {
    "run",
    "config",
    "status",
    "print-hook-command",
    "redact",
    "replay",
    "hooks",
    "tail",
    "ui",
    "service",
    "completion",
}
_real_popen_init = subprocess.Popen.__init__


def _kind(args) -> str:
    argv = [str(a) for a in ([args] if isinstance(args, (str, bytes, os.PathLike)) else list(args))]
    text = " ".join(argv)
    name = os.path.basename(argv[0]) if argv else "?"
    if "hook_send" in text or "hook-send" in text:
        return "hook-send"
    if "-m hookd" in text or name == "hookd":
        command = next((a for a in argv[1:] if a in _COMMANDS), "")
        return f"hookd {command}".strip()
    return name


def _popen_init(self, args, *rest, **kwargs):
    _real_popen_init(self, args, *rest, **kwargs)
    _kinds[self.pid] = _kind(args)
    _spawned[_kinds[self.pid]] += 1


def _waitpid(pid, options):
    got, status, usage = os.wait4(pid, options)
    if got:
        _children[_kinds.pop(got, "other")] += usage.ru_utime + usage.ru_stime
    return got, status


os.waitpid = _waitpid
subprocess.Popen.__init__ = _popen_init  # type: ignore[method-assign]


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def pytest_sessionstart(session):
    """The file starts empty: the controller (or the only process) empties it before
    pytest-xdist's workers start appending to it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        open(_OUT, "w").close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    before, wall = _cpu(), time.monotonic()
    children_before, spawned_before = Counter(_children), Counter(_spawned)
    yield
    record = {
        "id": item.nodeid,
        "cpu": round(_cpu() - before, 3),
        "wall": round(time.monotonic() - wall, 3),
        "children": {k: round(v, 3) for k, v in (_children - children_before).items()},
        "spawned": dict(_spawned - spawned_before),
    }
    with open(_OUT, "a") as f:
        f.write(json.dumps(record) + "\n")


def pytest_terminal_summary(terminalreporter):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    try:
        with open(_OUT) as f:
            records = [json.loads(line) for line in f]
    except OSError:
        return
    write = terminalreporter.write_line
    write(f"\nCPU of {len(records)} tests: {sum(r['cpu'] for r in records):.1f} s (HOOKD_TEST_CPU={_OUT})")
    for r in sorted(records, key=lambda r: -r["cpu"])[:30]:
        write(f"{r['cpu']:7.2f} s cpu {r['wall']:7.2f} s wall  {r['id']}")
    by_kind: defaultdict[str, float] = defaultdict(float)
    count: Counter[str] = Counter()
    for r in records:
        for k, v in r["children"].items():
            by_kind[k] += v
        count.update(r["spawned"])
    write("children by kind (cpu, started):")
    for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1]):
        write(f"{v:8.1f} s  {count[k]:5d}  {k}")
    by_file: defaultdict[str, float] = defaultdict(float)
    for r in records:
        by_file[r["id"].split("::")[0]] += r["cpu"]
    write("by file:")
    for k, v in sorted(by_file.items(), key=lambda kv: -kv[1])[:25]:
        write(f"{v:8.1f} s  {k}")
