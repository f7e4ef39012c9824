"""Red team: odd files where hookd and hook-send keep theirs (a real hookd, real Redis)."""

from __future__ import annotations

import json
import os

from conftest import wait_for_entries, wait_until


def test_a_fifo_in_the_inbox_is_set_aside_and_does_not_freeze_the_daemon(hookd, redis_db):
    """Anything running as the user (the agent hookd watches, too) can mkfifo in the inbox:
    opening it for reading must not block the daemon, which would stop taking events."""
    inbox = hookd.state_dir / "inbox"
    inbox.mkdir(exist_ok=True)
    fifo = inbox / "00000000000000000001-1-fifo.hookd"
    os.mkfifo(fifo, 0o600)
    wait_until(lambda: not fifo.exists(), timeout=10, what="the FIFO to be set aside")
    assert (inbox / "rejected" / fifo.name).exists()
    body = json.dumps({"hook_event_name": "Stop", "session_id": "after-fifo"}).encode()
    assert hookd.send(body).returncode == 0
    entries = wait_for_entries(redis_db, 1, timeout=10)
    assert b"after-fifo" in entries[0][b"envelope"]
    assert hookd.proc.poll() is None
