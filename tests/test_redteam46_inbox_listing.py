"""A huge inbox directory held the event loop: each sweep listed it there, twice.

Every inbox_poll_ms (500 ms) the sweep listed the inbox (and the spare inbox) once for the waiting
files and once more for hook-send's leftover temporary files, both with os.listdir on the event
loop's thread. An inbox of 300,000 names the sweep never takes held the loop about a quarter of a
second each sweep: status said "the event loop runs late: p99 724 ms" (bench/README.md), every
connection waited behind it, and a hook-send's 250 ms deadline with it. The listings now run in a
thread. Asserted by which thread lists the directory (strace's getdents64 calls, with their
directory), not by time: a real `hookd run` under strace, and no listing of the inbox by the
process's main thread, which runs the event loop, once the sweeps have listed it a few times (the
start, which reads the inbox before it serves, is not counted).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys

import pytest
from conftest import REPO, wait_for_entries, wait_until

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace"),
]

LISTING = re.compile(rb"^(\d+) +getdents64\(\d+<([^>]*)>", re.M)


def test_the_sweeps_list_the_inbox_off_the_event_loop(hookd_process_factory, redis_db, tmp_path):
    daemon = hookd_process_factory(start=False)
    trace = tmp_path / "trace"
    daemon.log = open(daemon.log_path, "ab")
    daemon.proc = subprocess.Popen(
        ["strace", "-f", "-qq", "-y", "-e", "trace=getdents64", "-o", str(trace), sys.executable, "-m", "hookd", "run"],
        env=daemon.env,
        stdout=subprocess.DEVNULL,
        stderr=daemon.log,
        cwd=REPO,
        start_new_session=True,
    )
    try:
        wait_until(daemon._serving, timeout=60, what="hookd under strace to serve")
        from hookd.control.client import request

        control = str(daemon.socket.parent / "control.sock")
        main = request(control, "status", timeout_s=5)["pid"]  # the main thread's id is the process's
        _check(daemon, redis_db, trace, main)
    finally:  # strace and hookd both: the fixture would end strace alone, and its tracee run on detached
        os.killpg(daemon.proc.pid, signal.SIGKILL)


def _check(daemon, redis_db, trace, main: int) -> None:
    inbox = str((daemon.state_dir / "inbox").resolve()).encode()
    daemon.send_stop("swept-meanwhile")  # the daemon works on while traced
    assert [e[b"session"] for e in wait_for_entries(redis_db, 1)] == [b"swept-meanwhile"]

    started = len(trace.read_bytes())  # the start reads the inbox's hand-off ids before it serves: not a sweep

    def listings() -> list[int]:
        return [int(tid) for tid, path in LISTING.findall(trace.read_bytes()[started:]) if path == inbox]

    wait_until(lambda: len(listings()) >= 12, timeout=60, what="the sweeps to list the inbox")
    assert main not in listings(), (main, listings()[:12])
