"""Red team, second pass: what a crash of `hookd run` could write to disk.

A core dump holds the process's memory: payloads before redaction among it. With the usual
`ulimit -c unlimited` of a developer's shell (or a service manager's LimitCORE=infinity
with systemd-coredump), a crash of hookd or of its worker wrote them to disk unredacted.
"""

from __future__ import annotations

import os
import resource

import pytest

pytestmark = pytest.mark.process


def core_limit(pid: int) -> str:
    with open(f"/proc/{pid}/limits") as fh:
        line = next(line for line in fh if line.startswith("Max core file size"))
    return line.split()[4:6]


def test_hookd_run_and_its_worker_never_dump_core(hookd_process_factory, redis_db):
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))  # what hookd is started with
        if resource.getrlimit(resource.RLIMIT_CORE)[0] == 0:
            pytest.skip("core dumps are off for this process and cannot be turned on")
        daemon = hookd_process_factory()
    finally:
        resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))
    pids = [daemon.proc.pid]
    children = f"/proc/{daemon.proc.pid}/task/{daemon.proc.pid}/children"
    if os.path.exists(children):
        with open(children) as fh:
            pids += [int(pid) for pid in fh.read().split()]
    for pid in pids:
        assert core_limit(pid) == ["0", "0"], (pid, core_limit(pid))
