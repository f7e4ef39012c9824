"""The twenty-seventh pass: a hook-send's inbox copy of an event hookd has, across a restart.

At start-up hookd reads the hand-off ids of the inbox's waiting files and looks for them in the
spool's segments (published ones stay two minutes for that), so that a copy of an event spooled
just before the restart is not taken again. It read only the renamed files (`*.hookd`), not the
files a killed hook-send leaves under its temporary name (`.tmp-<id>`, taken by a sweep once a
minute old) nor the ones a sweep moved away as abandoned and did not finish (`.abandoned-<id>`):
after a restart both came through as a second event in the stream. Each is written here as the
killed client (or the cut-off sweep) leaves it, after its event reached hookd by the socket; the
temporary file's age is set back, as a minute's wait would leave it.
"""

from __future__ import annotations

import json
import os
import time

import pytest
from conftest import wait_for_entries, wait_until

pytestmark = pytest.mark.process


def _left_copy(daemon, name: str, handoff: str, payload: bytes) -> None:
    frame = b"HOOKD/1 %d sent=%d pid=1 ppid=1 id=%s hook=Stop\n" % (len(payload), time.time_ns(), handoff.encode())
    path = daemon.state_dir / "inbox" / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, frame + payload)
    os.close(fd)
    if name.startswith(".tmp-"):
        old = time.time() - 90  # past the sweep's minute, within the spool's two minutes
        os.utime(path, (old, old))


@pytest.mark.parametrize("prefix", [".tmp-", ".abandoned-"])
def test_a_left_copy_of_a_spooled_event_is_not_a_second_event_after_a_restart(hookd_process, redis_db, prefix):
    daemon = hookd_process
    payload = b'{"hook_event_name":"Stop","session_id":"left-copy"}'
    daemon.send_stop("before")
    done = daemon.send(payload, "Stop")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    entries = wait_for_entries(redis_db, 2)
    handoff = json.loads(entries[-1][b"envelope"])["client"]["handoff_id"]
    assert daemon.stop() == 0
    _left_copy(daemon, prefix + handoff, handoff, payload)
    daemon.start()
    wait_until(
        lambda: not [p for p in (daemon.state_dir / "inbox").iterdir() if p.name.startswith(".")],
        timeout=30,
        what="the left copy swept",
    )
    daemon.send_stop("after")  # its entry follows the copy's, were the copy published
    entries = wait_for_entries(redis_db, 3)
    assert [e[b"session"] for e in entries] == [b"before", b"left-copy", b"after"]
    assert "inbox_abandoned_copy_removed" in daemon.log_text()
