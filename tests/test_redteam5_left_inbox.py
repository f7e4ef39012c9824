"""Fifth red-team pass, left over: an inbox file whose read fails.

A read error (EIO from a failing disk, and the like) on one inbox file escaped the sweep
(``inbox_sweep_failed`` every half second): the files after it in the sweep's order were
never taken while the bad one stayed first, and `hookd status` said nothing of it. Now it
is left where it is, logged once, named by `hookd status` (degraded), tried again on every
sweep, and the files after it are taken.

The EIO here is a real one, from the kernel: as root, the test bind-mounts hookd's own
``/proc/<pid>/mem`` over an inbox file. That file is a regular file of hookd's user, mode
0600, so it passes every check, and reading it at offset 0 (page 0 is never mapped) fails
with EIO. A FUSE file system, the usual way to make EIO, is not available here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from conftest import log_records, stream_entries, wait_until
from test_redteam5_inbox import frame, put

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(os.geteuid() != 0, reason="bind-mounting /proc/<pid>/mem over an inbox file needs root"),
]


def status(daemon) -> dict:
    from hookd.control.client import request

    control = daemon.env.get("HOOKD_CONTROL_SOCKET") or str(daemon.socket.parent / "control.sock")
    return request(control, "status", timeout_s=10)


def test_an_unreadable_inbox_file_is_said_shown_skipped_and_retried(hookd_process_factory, redis_db):
    daemon = hookd_process_factory(inbox_poll_ms="100")
    inbox = str(daemon.state_dir / "inbox")
    now = time.time_ns()
    # First in the sweep's order; what it holds under the mount is read once the mount is gone.
    bad = put(inbox, now, "a" * 16, frame(b'{"n": 0}', "a" * 16, now))
    subprocess.run(["mount", "--bind", f"/proc/{daemon.proc.pid}/mem", bad], check=True)
    try:
        later = [put(inbox, now + i, c * 16, frame(b'{"n": %d}' % i, c * 16, now + i)) for i, c in ((1, "b"), (2, "c"))]
        wait_until(lambda: len(stream_entries(redis_db)) >= 2, timeout=60, what="the files after it in the stream")
        time.sleep(1.0)  # ten more sweeps
        assert not any(os.path.exists(p) for p in later)
        assert os.path.exists(bad)
        records = log_records(daemon.log_text())
        names = [r["event"] for r in records]
        assert "inbox_sweep_failed" not in names
        said = [r for r in records if r["event"] == "inbox_file_unreadable"]
        assert len(said) == 1 and said[0]["file"] == bad, said
        shown = status(daemon)
        assert shown["inbox"]["unreadable"] == {bad: said[0]["error"]}
        from hookd.control.verdict import verdict

        code, reasons = verdict(shown)
        assert code == 1 and any(bad in r and "cannot be read" in r for r in reasons), reasons
        result = subprocess.run(
            [sys.executable, "-m", "hookd", "status"], capture_output=True, text=True, env=daemon.env, timeout=30
        )
        assert result.returncode == 1 and "cannot be read" in result.stdout, result
    finally:
        subprocess.run(["umount", bad], check=True)
    # Readable again (the disk put right): taken on a later sweep, and status is clear of it.
    wait_until(lambda: len(stream_entries(redis_db)) >= 3, timeout=60, what="the file, once readable")
    wait_until(lambda: not os.path.exists(bad), timeout=60, what="the file deleted once spooled")
    wait_until(lambda: not status(daemon)["inbox"]["unreadable"], timeout=60, what="status clear of it")
    assert "rejected" not in status(daemon)["counters"] or not status(daemon)["counters"]["rejected"]
