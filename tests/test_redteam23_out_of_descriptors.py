"""Red team, twenty-third pass: hookd out of file descriptors, said as a fault of the inbox.

With hookd at its open-files limit (here `prlimit --nofile=48`, and 80 connections held open to its
socket), the inbox sweep cannot open the inbox: `inbox_unreadable` said `Too many open files` and
told the user to "make it a directory of yours you can read (chmod 700)", the fix for a directory
hookd may not read, which changes nothing here. Now it names the limit and how to raise it. Once
the connections close, the sweep opens the inbox again (`inbox_readable`) and events go through.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys

import pytest

from conftest import REPO, log_records, wait_until

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(shutil.which("prlimit") is None, reason="needs prlimit(1)"),
]


def said(daemon, name: str) -> list[dict]:
    return [r for r in log_records(daemon.log_text()) if r.get("event") == name]


def test_the_inbox_unreadable_for_want_of_descriptors_names_the_limit(hookd_process_factory, redis_db):
    daemon = hookd_process_factory(start=False, inbox_poll_ms="100")
    daemon.log = open(daemon.log_path, "ab")
    daemon.proc = subprocess.Popen(
        ["prlimit", "--nofile=48:48", sys.executable, "-m", "hookd", "run"],
        env=daemon.env,
        stdout=subprocess.DEVNULL,
        stderr=daemon.log,
        cwd=REPO,
    )
    wait_until(daemon._serving, timeout=30, what="hookd to serve its socket")
    held = []
    try:
        for _ in range(80):
            held.append(socket.socket(socket.AF_UNIX))
            held[-1].connect(str(daemon.socket))
        (line,) = wait_until(lambda: said(daemon, "inbox_unreadable"), timeout=15, what="inbox_unreadable")
        assert line["error"] == "Too many open files", line
        # Before: "make it a directory of yours you can read (chmod 700)".
        assert "chmod" not in line["hint"] and "ulimit -n" in line["hint"], line
    finally:
        for sock in held:
            sock.close()
    wait_until(lambda: said(daemon, "inbox_readable"), timeout=15, what="inbox_readable")
    body = json.dumps({"hook_event_name": "Stop", "session_id": "after"}).encode()
    sent = daemon.send(body, HOOKD_DEBUG="1")
    assert sent.returncode == 0 and b"event delivered" in sent.stderr, sent.stderr
