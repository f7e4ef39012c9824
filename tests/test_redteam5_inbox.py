"""Fifth red-team pass: an inbox entry the sweep cannot finish with.

A frame hookd refuses is moved to ``rejected/`` beside it. When that move
failed (``rejected`` a file, a link, a directory open to others; or the entry
could not be moved there), the error escaped the sweep: the frames before it,
already spooled, were not deleted and were taken again on every sweep (dropped
as duplicates for a minute, then published again), the frames after it never
were, and the refusal was counted again every half second. Now the sweep goes
on past it, says once why it stays, counts it once, and moves it when it can.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from conftest import log_records, stream_entries, wait_until

pytestmark = pytest.mark.process


def frame(body: bytes, handoff_id: str, sent_ns: int) -> bytes:
    head = b"HOOKD/1 %d sent=%d pid=1 ppid=1 id=%s hook=Stop\n" % (len(body), sent_ns, handoff_id.encode())
    return head + body


def put(inbox: str, sent_ns: int, handoff_id: str, data: bytes) -> str:
    """Leave a frame in ``inbox`` as hook-send does: written under a temporary name, then renamed, so
    a sweep of a running daemon never reads it half-written (a frame read empty is refused as bad_header)."""
    name = "%020d-1-%s.hookd" % (sent_ns, handoff_id)
    path = os.path.join(inbox, name)
    temporary = os.path.join(inbox, ".tmp-" + name)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.rename(temporary, path)
    return path


def counters(daemon) -> dict:
    from hookd.control.client import request

    control = daemon.env.get("HOOKD_CONTROL_SOCKET") or str(daemon.socket.parent / "control.sock")
    return request(control, "status", timeout_s=10)["counters"]


@pytest.mark.parametrize("blocker", ["file", "link", "open-dir"])
def test_a_refused_inbox_file_that_cannot_be_set_aside_stops_nothing(hookd_process_factory, redis_db, blocker):
    daemon = hookd_process_factory(inbox_poll_ms="100")
    inbox = str(daemon.state_dir / "inbox")
    rejected = os.path.join(inbox, "rejected")
    if blocker == "file":
        open(rejected, "w").close()
    elif blocker == "link":
        os.symlink(str(daemon.base), rejected)
    else:
        os.mkdir(rejected, 0o700)
        os.chmod(rejected, 0o777)
    now = time.time_ns()
    first = put(inbox, now, "a" * 16, frame(b'{"n": 1}', "a" * 16, now))
    bad = put(inbox, now + 1, "b" * 16, frame(b"not json", "b" * 16, now + 1))
    last = put(inbox, now + 2, "c" * 16, frame(b'{"n": 3}', "c" * 16, now + 2))

    wait_until(lambda: len(stream_entries(redis_db)) >= 2, timeout=60, what="both good frames in the stream")
    time.sleep(1.5)  # a dozen more sweeps
    assert daemon.proc.poll() is None
    assert not os.path.exists(first) and not os.path.exists(last)
    assert os.path.exists(bad), "the refused frame is kept (it could not be set aside)"
    assert len(stream_entries(redis_db)) == 2
    assert counters(daemon)["rejected"] == {"not_json": 1}, "one refusal, counted once"
    records = log_records(daemon.log_text())
    names = [r["event"] for r in records]
    assert "handoff_duplicate_dropped" not in names, "a frame already spooled was taken again"
    assert "task_failed" not in names
    stuck = [r for r in records if r["event"] == "inbox_file_not_set_aside"]
    assert len(stuck) == 1, stuck
    assert bad in json.dumps(stuck[0])

    # Once rejected/ is put right, the frame goes there, without being counted again.
    if blocker == "open-dir":
        os.chmod(rejected, 0o700)
    else:
        os.unlink(rejected)
    wait_until(lambda: not os.path.exists(bad), timeout=60, what="the refused frame set aside")
    assert os.listdir(rejected) == [os.path.basename(bad)]
    assert counters(daemon)["rejected"] == {"not_json": 1}
