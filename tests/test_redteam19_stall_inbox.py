"""Never-stall pass (nineteenth): the inbox made unreadable (chmod 000) under a running `hookd run`.

Status said so (degraded, naming the directory and chmod 700), but the sweep passed over a
directory it could not open without a word: the log, where an operator looks first, said
nothing while hook-send's events waited there. Now `inbox_unreadable` names the directory and
the error once, and `inbox_readable` says when it opens again; its events are then taken, once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import REPO, log_records, wait_for_entries, wait_until

pytestmark = pytest.mark.process


def start_without_override(daemon) -> None:
    """Root reads a 0000 directory all the same: as root, hookd runs without the capabilities
    that override file modes, as an ordinary user does."""
    prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.getuid() == 0 else []
    daemon.log = open(daemon.log_path, "ab")
    daemon.proc = subprocess.Popen(
        [*prefix, sys.executable, "-m", "hookd", "run"],
        env=daemon.env,
        stdout=subprocess.DEVNULL,
        stderr=daemon.log,
        cwd=REPO,
    )
    wait_until(daemon._serving, timeout=30, what="hookd to serve its socket")


def events(daemon, name: str) -> list[dict]:
    return [r for r in log_records(daemon.log_text()) if r.get("event") == name]


def test_an_unreadable_inbox_is_said_in_the_log_and_its_events_are_taken_once_it_opens(hookd_process_factory, redis_db):
    daemon = hookd_process_factory(start=False, inbox_poll_ms="100")
    start_without_override(daemon)
    inbox = daemon.state_dir / "inbox"
    body = json.dumps({"hook_event_name": "Stop", "session_id": "kept-in-the-inbox"}).encode()
    daemon.proc.send_signal(signal.SIGSTOP)  # no sweep takes it before the chmod
    try:
        # hookd out of reach for this one: hook-send keeps it in the inbox
        done = daemon.send(body, HOOKD_SOCKET=str(daemon.base / "nowhere.sock"))
        assert done.returncode == 0 and done.stdout == b""
        assert len(daemon.inbox()) == 1
        os.chmod(inbox, 0)
    finally:
        daemon.proc.send_signal(signal.SIGCONT)
    try:
        (said,) = wait_until(lambda: events(daemon, "inbox_unreadable"), timeout=60, what="inbox_unreadable")
        assert said["directory"] == str(inbox) and said["error"] == "Permission denied", said
        assert "chmod 700" in said["hint"]
        assert redis_db.xlen("hookd:events") == 0
    finally:
        os.chmod(inbox, 0o700)
    wait_until(lambda: events(daemon, "inbox_readable"), timeout=60, what="inbox_readable")
    (entry,) = wait_for_entries(redis_db, 1)
    assert json.loads(entry[b"envelope"])["session_id"] == "kept-in-the-inbox"
    assert len(events(daemon, "inbox_unreadable")) == 1  # once, not on every sweep
    wait_until(lambda: daemon.inbox() == [], timeout=60, what="the taken file removed from the inbox")
