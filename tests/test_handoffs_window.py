"""Hand-off ids are remembered for the whole window at a busy team's rates, in bounded memory.

The ids were capped at 10,000: above ~55 events a second the oldest were forgotten before their
three minutes, so an inbox copy of one of them (a hook-send that timed out after hookd spooled its
event) was published a second time. Now the window holds MOST ids kept compactly; past that (a
flood) the oldest generation is forgotten, and the log says so.
"""

from __future__ import annotations

import json
import os
import socket
import time

import pytest
from conftest import log_records, wait_for_entries, wait_until

from hookd import handoffs
from hookd.handoffs import RecentHandoffs

EVENTS = 10_500  # more than the old cap of 10,000


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _handoff(n: int) -> str:
    return f"{n:016x}"


def _event(n: int) -> str:
    h = f"{0x0190_0000_0000_7000_8000_0000_0000_0000 + n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def test_every_id_of_the_window_is_kept_at_hundreds_of_events_a_second():
    clock = Clock()
    recent = RecentHandoffs(clock=clock)
    rate = 1000  # events a second, for the whole window
    for n in range(int(recent.keep_s * rate)):
        clock.now = 1000.0 + n / rate
        recent.add(_handoff(n), _event(n))
    assert recent.forgotten_early == 0
    assert [recent.get(_handoff(n)) for n in (0, 1, 12_345, 179_999)] == [
        _event(0),
        _event(1),
        _event(12_345),
        _event(179_999),
    ]
    assert recent.get(_handoff(180_000)) is None
    clock.now = 1000.0 + recent.keep_s + recent.keep_s / handoffs.SPANS + 1  # past the first ids' window
    recent.trim()
    assert recent.get(_handoff(0)) is None and recent.get(_handoff(179_999)) == _event(179_999)


def test_ids_of_any_shape_are_found_and_a_later_hand_off_wins():
    clock = Clock()
    recent = RecentHandoffs(clock=clock)
    recent.add("late-copy-handoff-0001", "not-a-uuid")
    recent.add(_handoff(7), "also-not-a-uuid")  # a packable hand-off id with another event id
    recent.add(_handoff(8), _event(8))
    clock.now += recent.keep_s / handoffs.SPANS  # into the next generation
    recent.add(_handoff(8), _event(9))
    assert recent.get("late-copy-handoff-0001") == "not-a-uuid"
    assert recent.get(_handoff(7)) == "also-not-a-uuid"
    assert recent.get(_handoff(8)) == _event(9)
    assert recent.get("unknown") is None and recent.get(_handoff(9)) is None
    clock.now += recent.keep_s + 1
    recent.trim()
    assert len(recent) == 0 and recent.get("late-copy-handoff-0001") is None and recent.get(_handoff(8)) is None


def test_a_flood_forgets_the_oldest_ids_within_the_cap_and_says_so():
    clock = Clock()
    recent = RecentHandoffs(most=1200, clock=clock)
    for n in range(5000):  # all within a second: a flood
        recent.add(_handoff(n), _event(n))
    assert len(recent) <= 1200
    assert recent.forgotten_early == 5000 - len(recent)
    assert recent.get(_handoff(4999)) == _event(4999) and recent.get(_handoff(0)) is None
    other = RecentHandoffs(most=1200, clock=clock)
    for n in range(500):  # ids of another shape weigh more: fewer are kept
        other.add(f"id-{n}", f"event-{n}")
    assert len(other) < 500 and other.get("id-499") == "event-499" and other.get("id-0") is None


@pytest.mark.process
def test_an_inbox_copy_of_an_early_event_among_10500_is_published_once(hookd_process, redis_db):
    """A real hookd takes 10,500 hand-offs by its socket; then the inbox copy of the first one
    arrives (its hook-send timed out waiting for OK, within the window). It is dropped as a repeat."""
    daemon = hookd_process
    run = os.urandom(4).hex()
    handoffs = [f"{run}{n:08x}" for n in range(EVENTS)]
    frames = []
    for n, handoff in enumerate(handoffs):
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}"}).encode()
        head = b"HOOKD/1 %d sent=%d pid=1 ppid=1 id=%s hook=Stop\n" % (len(body), time.time_ns(), handoff.encode())
        frames.append(head + body)
    first = frames[0]
    with socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(60)
        conn.connect(str(daemon.socket))
        reader = conn.makefile("rb")
        for start in range(0, EVENTS, 500):
            conn.sendall(b"".join(frames[start : start + 500]))
            replies = [reader.readline() for _ in frames[start : start + 500]]
            assert all(r.startswith(b"OK ") for r in replies), replies[:3]
    wait_for_entries(redis_db, EVENTS, timeout=120)
    inbox = daemon.state_dir / "inbox"
    tmp = inbox / f".tmp-{handoffs[0]}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, first)
    os.close(fd)
    os.rename(tmp, inbox / f"{time.time_ns():020d}-1-{handoffs[0]}.hookd")
    wait_until(lambda: not daemon.inbox(), timeout=30, what="the inbox copy swept")
    daemon.send_stop("after")  # its entry follows the copy's, were the copy published
    entries = wait_for_entries(redis_db, EVENTS + 1, timeout=60)
    assert entries[-1][b"session"] == b"after"
    assert [e[b"session"] for e in entries].count(b"s0") == 1
    assert len(entries) == EVENTS + 1
    assert any(r.get("event") == "handoff_duplicate_dropped" for r in log_records(daemon.log_text()))
