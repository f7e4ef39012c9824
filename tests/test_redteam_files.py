"""Red team: odd files where hookd and hook-send keep theirs (a real hookd, real Redis)."""

from __future__ import annotations

import pytest
import json
import os

from conftest import wait_for_entries, wait_until


@pytest.mark.process
def test_a_fifo_in_the_inbox_is_set_aside_and_does_not_freeze_the_daemon(hookd, redis_db):
    """Anything running as the user (the agent hookd watches, too) can mkfifo in the inbox:
    opening it for reading must not block the daemon, which would stop taking events."""
    inbox = hookd.state_dir / "inbox"
    inbox.mkdir(exist_ok=True)
    fifo = inbox / "00000000000000000001-1-fifo.hookd"
    os.mkfifo(fifo, 0o600)
    wait_until(lambda: not fifo.exists(), timeout=60, what="the FIFO to be set aside")
    assert (inbox / "rejected" / fifo.name).exists()
    body = json.dumps({"hook_event_name": "Stop", "session_id": "after-fifo"}).encode()
    assert hookd.send(body).returncode == 0
    entries = wait_for_entries(redis_db, 1, timeout=60)
    assert b"after-fifo" in entries[0][b"envelope"]
    assert hookd.proc.poll() is None


def _vm_hwm_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))


@pytest.mark.process
def test_inbox_files_over_max_event_bytes_are_set_aside_without_being_read_whole(hookd_factory, redis_db):
    """The socket refuses a body over max_event_bytes; an inbox file holding one must be refused
    too, and a sparse file of gigabytes must not be read into memory (nor block the loop)."""
    daemon = hookd_factory(max_event_bytes=1 << 20)
    inbox = daemon.state_dir / "inbox"
    body = json.dumps({"hook_event_name": "Stop", "session_id": "big", "x": "a" * (2 << 20)}).encode()
    big = inbox / "00000000000000000001-1-big.hookd"
    tmp = inbox / ".tmp-big"
    tmp.write_bytes(f"HOOKD/1 {len(body)} id=big\n".encode() + body)
    os.rename(tmp, big)
    sparse = inbox / "00000000000000000002-1-sparse.hookd"
    with open(tmp, "wb") as fh:
        fh.truncate(2 << 30)
    os.rename(tmp, sparse)
    wait_until(lambda: not big.exists() and not sparse.exists(), timeout=20, what="both files to be set aside")
    assert (inbox / "rejected" / big.name).exists() and (inbox / "rejected" / sparse.name).exists()
    assert _vm_hwm_kib(daemon.proc.pid) < 512 * 1024  # it never held the 2 GiB
    small = json.dumps({"hook_event_name": "Stop", "session_id": "small"}).encode()
    assert daemon.send(small).returncode == 0
    entries = wait_for_entries(redis_db, 1, timeout=60)
    assert len(entries) == 1 and b'"small"' in entries[0][b"envelope"]
    assert "too_large" in daemon.log_text()
