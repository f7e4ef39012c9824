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

import os
import socket
import time

import pytest
from conftest import wait_for_entries, wait_until
from handoff_helpers import frame_head, published_handoff, write_inbox_file

pytestmark = pytest.mark.process


def _left_copy(daemon, name: str, handoff: str, payload: bytes) -> None:
    path = daemon.state_dir / "inbox" / name
    write_inbox_file(path, frame_head(handoff, payload) + payload)
    if name.startswith(".tmp-"):
        old = time.time() - 90  # past the sweep's minute, within the spool's two minutes
        os.utime(path, (old, old))


@pytest.mark.parametrize("prefix", [".tmp-", ".abandoned-"])
def test_a_left_copy_of_a_spooled_event_is_not_a_second_event_after_a_restart(hookd_process, redis_db, prefix):
    daemon = hookd_process
    payload = b'{"hook_event_name":"Stop","session_id":"left-copy"}'
    handoff = published_handoff(daemon, redis_db, payload)
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


def test_an_inbox_copy_written_after_a_crash_and_restart_is_not_a_second_event(hookd_process, redis_db):
    """hookd spools a socket frame and is killed before its OK: the sender writes its inbox copy when
    it sees the connection end, which may be after the new hookd has started (a hook-send slowed by
    a large write, a loaded machine). Start-up read only the ids of the files present then, so the
    copy's id was not known when a later sweep took it: a second event. The frame here is a real
    hand-off's, written by hand as the sender's copy, once the restarted hookd serves."""
    daemon = hookd_process
    payload = b'{"hook_event_name":"Stop","session_id":"late-copy"}'
    handoff = "late-copy-handoff-0001"
    frame = frame_head(handoff, payload) + payload
    daemon.send_stop("before")
    with socket.socket(socket.AF_UNIX) as conn:
        conn.connect(str(daemon.socket))
        conn.sendall(frame)
        wait_for_entries(redis_db, 2)  # spooled and published; its OK never read
        daemon.proc.kill()
        daemon.proc.wait()
        daemon.log.close()
    daemon.start()
    inbox = daemon.state_dir / "inbox"
    tmp = inbox / f".tmp-{handoff}"
    write_inbox_file(tmp, frame)
    os.rename(tmp, inbox / f"{time.time_ns()}-{handoff}.hookd")
    wait_until(lambda: not daemon.inbox(), timeout=30, what="the inbox copy swept")
    daemon.send_stop("after")  # its entry follows the copy's, were the copy published
    entries = wait_for_entries(redis_db, 3)
    assert [e[b"session"] for e in entries] == [b"before", b"late-copy", b"after"]
    assert "handoff_duplicate_dropped" in daemon.log_text()


def test_recent_handoffs_are_those_received_in_the_span_across_segments(tmp_path):
    """What start-up remembers (spool/inspect.py, recent_handoffs): the ids of events received since
    the span began, in whichever segment, and none of the older ones, nor events without an id."""
    from hookd.spool import Spool
    from hookd.spool.event import Event
    from hookd.spool.inspect import recent_handoffs
    from hookd.spool.segments import list_segments

    spool = Spool(str(tmp_path / "spool"), segment_bytes=64 * 1024, fsync="never")
    now = time.time_ns()

    def event(n: int, age_s: float, handoff: str) -> Event:
        at = now - int(age_s * 1e9)
        return Event(n, "h", f"ev-{n}", "Stop", "s", "", b"x" * 20_000, handoff, at)

    for n in range(11):  # one at a time: several segments, one holding old and new events
        spool.append_many([event(n, 600, f"old-{n}")])
    for n in range(12):
        spool.append_many([event(100 + n, 10, f"new-{n}" if n % 3 else "")])
    spool.close()
    assert len(list_segments(str(tmp_path / "spool"))) >= 4
    found = recent_handoffs(str(tmp_path / "spool"), now - int(180e9))
    assert found == {f"new-{n}": f"ev-{100 + n}" for n in range(12) if n % 3}
