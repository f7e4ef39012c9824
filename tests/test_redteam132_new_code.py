"""Hundred-thirty-second red-team pass: this session's new code.

hook-send's inbox fsync and rename run in a child process that outlives the run when the disk holds the
fsync (131st pass). The child put its stdio on /dev/null but kept every other descriptor it inherited: a
pipe the agent passed beyond 0-2 (a hook runner that reads one to its end, as Claude Code reads stdout)
stayed open in it, and its reader waited for the disk, not for hook-send. hookd is not running, the state
directory is a faultfs mount (tests/faultfs.py) whose fsync of an inbox file is answered late.
"""

from __future__ import annotations

import json
import os
import select
import subprocess

from conftest import wait_for_entries, wait_until
from faultfs import FaultFS
from faultfs_daemon import NEEDS_FAULTFS

pytestmark = NEEDS_FAULTFS

HELD_S = 8


def test_the_fsync_child_keeps_no_inherited_pipe_open(hookd_process_factory, redis_db, client_cmd, tmp_path):
    daemon = hookd_process_factory(start=False)
    fs = FaultFS(tmp_path / "backing", daemon.state_dir)
    fs.mount()
    r, w = os.pipe()
    try:
        fs.set_rules([{"op": "fsync", "path": "/inbox/*", "delay_s": HELD_S, "count": 1}])
        payload = json.dumps({"hook_event_name": "Stop", "session_id": "held-pipe"}).encode()
        try:
            done = subprocess.run(
                [*client_cmd, "Stop"],
                input=payload,
                capture_output=True,
                timeout=HELD_S - 2,
                env={**daemon.env, "HOOKD_SEND_TIMEOUT_MS": "300"},
                pass_fds=(w,),
            )
        finally:
            os.close(w)
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
        assert fs.faults(), "the fsync was never held"
        # hook-send has exited and this process holds no writer: the pipe's end is due now, not when the
        # disk answers (HELD_S after the fsync began)
        ready, _, _ = select.select([r], [], [], HELD_S - 3)
        assert ready and os.read(r, 1) == b"", f"fd {w} stayed open in hook-send's fsync child until the disk answered"
        inbox = daemon.state_dir / "inbox"
        wait_until(lambda: list(inbox.glob("*.hookd")), timeout=HELD_S * 6, what="the child's rename")
        daemon.start()
        wait_for_entries(redis_db, 1)
        assert [f[b"session"] for _, f in redis_db.xrange("hookd:events")] == [b"held-pipe"]
    finally:
        os.close(r)
        daemon.kill()
        fs.set_rules([])
        fs.unmount()
