"""Hundred-thirty-first red-team pass: hook-send's inbox on a filesystem that holds the fsync.

hookd is not running, so hook-send keeps its event in the inbox under the state directory, a faultfs
mount (tests/faultfs.py) whose fsync of an inbox file is answered 10 s late: a FUSE or network mount, or a
device, that stalls. Both clients waited for it in full, past HOOKD_SEND_TIMEOUT_MS: a FUSE request is not
ended by a signal that has a handler, and the deadline's rename of the whole file waited as long (the
kernel holds the file's inode lock through a FUSE fsync). Now a child process fsyncs and renames the file:
the run ends at its deadline, exit 0, nothing said, and the child keeps the event once the disk answers.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import wait_for_entries, wait_until
from faultfs import FaultFS
from faultfs_daemon import NEEDS_FAULTFS

pytestmark = NEEDS_FAULTFS

HELD_S = 6


def test_a_held_fsync_does_not_hold_the_hook_past_its_deadline(hookd_process_factory, redis_db, client_cmd, tmp_path):
    daemon = hookd_process_factory(start=False)
    fs = FaultFS(tmp_path / "backing", daemon.state_dir)
    fs.mount()
    try:
        fs.set_rules([{"op": "fsync", "path": "/inbox/*", "delay_s": HELD_S, "count": 1}])
        payload = json.dumps({"hook_event_name": "Stop", "session_id": "held-fsync"}).encode()
        try:
            done = subprocess.run(
                [*client_cmd, "Stop"],
                input=payload,
                capture_output=True,
                # well under HELD_S: a run that waits for the fsync is still running at this bound
                timeout=HELD_S - 2,
                env={**daemon.env, "HOOKD_SEND_TIMEOUT_MS": "300"},
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"hook-send waited for the held fsync, past HOOKD_SEND_TIMEOUT_MS=300 (held {HELD_S} s)")
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
        assert fs.faults(), "the fsync was never held"
        inbox = daemon.state_dir / "inbox"
        wait_until(
            lambda: list(inbox.glob("*.hookd")),
            timeout=HELD_S * 6,
            what="the child's rename, once the fsync is answered",
        )
        wait_until(lambda: not list(inbox.glob(".tmp-*")), timeout=30, what="no temporary file left")
        daemon.start()
        wait_for_entries(redis_db, 1)
        wait_until(lambda: not list(inbox.glob("*.hookd")), timeout=30, what="the inbox swept")
        assert [f[b"session"] for _, f in redis_db.xrange("hookd:events")] == [b"held-fsync"]
    finally:
        daemon.kill()
        fs.set_rules([])
        fs.unmount()
