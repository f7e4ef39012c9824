"""Sixty-sixth red-team pass: the inbox's files on a filesystem that stops answering.

The state directory, and the inbox in it, is a faultfs mount (tests/faultfs.py) whose reads of inbox
files are answered late once the rule is set: a disk, or a network mount, that hung. The start read
the waiting files' hand-off ids on the event loop before it served anything, and a sweep read each
file it had listed on the loop: either froze the whole daemon (no socket served, no status, no log
line) for as long as the mount hung.
"""

from __future__ import annotations

import json
import os
import time

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, numbered, outcome, status  # noqa: F401
from faultfs_daemon import faulty_daemon  # noqa: F401
from test_redteam5_inbox import frame, put
from test_redteam64_hung_spool import hung_daemon, stalled_lines  # noqa: F401

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]


def hang(delay_s: float, count: int = -1) -> list[dict]:
    return [{"op": "read", "path": "/inbox/*.hookd", "delay_s": delay_s, "count": count}]


def send(daemon, n: int) -> str:
    return outcome(daemon.send(numbered(n), HOOKD_SEND_TIMEOUT_MS="2000", HOOKD_DEBUG="1"))


def left_in_inbox(daemon, *numbers: int) -> None:
    """Events ``numbers`` in the inbox as hook-send leaves them when hookd is away."""
    inbox = daemon.state_dir / "inbox"
    inbox.mkdir(mode=0o700, exist_ok=True)
    for n in numbers:
        put(str(inbox), time.time_ns(), f"h66-{n}", frame(numbered(n), f"h66-{n}", time.time_ns()))


def names_the_inbox(daemon, reason: str) -> bool:
    return str(daemon.state_dir / "inbox") in reason and f"mounted at {daemon.state_dir}" in reason


def test_a_start_whose_inbox_does_not_answer_serves_and_says_the_stall(hung_daemon):  # noqa: F811
    """Before: the start sat in the read of the first file's hand-off id; the socket was never served."""
    daemon, fs, redis = hung_daemon(stall_after_s="2", inbox_poll_ms="200")
    redis.start()
    left_in_inbox(daemon, 1)
    fs.set_rules(hang(600))
    daemon.start()
    assert any(f["op"] == "read" for f in fs.faults())
    assert send(daemon, 2) == "delivered"
    wait_until(lambda: arrived(redis) == [2], timeout=20, what="event 2 in Redis")
    wait_until(lambda: stalled_lines(daemon), timeout=20, what="hookd_stalled in the log")
    assert any(names_the_inbox(daemon, why) for why in stalled_lines(daemon)[0]["reasons"]), stalled_lines(daemon)
    code, doc = status(daemon)
    assert code != 0 and any(names_the_inbox(daemon, why) for why in doc["stalled"]), doc.get("stalled")


def test_a_sweep_whose_file_does_not_answer_leaves_the_daemon_serving_and_stalled(hung_daemon):  # noqa: F811
    """Before: the sweep's read of the file it listed held the event loop: hook-send's next event went
    to the inbox at its deadline, no status answered, nothing was logged."""
    daemon, fs, redis = hung_daemon(stall_after_s="2", inbox_poll_ms="200")
    redis.start()
    daemon.start()
    assert send(daemon, 1) == "delivered"
    fs.set_rules(hang(600))
    left_in_inbox(daemon, 2)
    wait_until(lambda: any(f["op"] == "read" for f in fs.faults()), timeout=60, what="the hung read")
    assert send(daemon, 3) == "delivered"
    wait_until(lambda: sorted(arrived(redis)) == [1, 3], timeout=20, what="events 1 and 3 in Redis")
    wait_until(lambda: stalled_lines(daemon), timeout=20, what="hookd_stalled in the log")
    (said,) = stalled_lines(daemon)
    assert any(names_the_inbox(daemon, why) for why in said["reasons"]), said
    code, doc = status(daemon)
    assert code != 0 and doc["stalled"], doc


@pytest.mark.parametrize("at_start", [True, False], ids=["at-start", "running"])
def test_inbox_events_reach_redis_once_when_the_mount_answers_again(hung_daemon, at_start):  # noqa: F811
    daemon, fs, redis = hung_daemon(stall_after_s="2", inbox_poll_ms="200")
    redis.start()
    if at_start:
        left_in_inbox(daemon, 1, 2)
        fs.set_rules(hang(8, count=2))
        daemon.start()
    else:
        daemon.start()
        assert send(daemon, 1) == "delivered"
        fs.set_rules(hang(8, count=2))
        left_in_inbox(daemon, 2)
    assert send(daemon, 3) == "delivered"
    wait_until(lambda: sorted(arrived(redis)) == [1, 2, 3], timeout=60, what="every event in Redis")
    wait_until(lambda: not list((daemon.state_dir / "inbox").glob("*.hookd")), timeout=20, what="the inbox emptied")
    time.sleep(1)  # a sweep more: nothing taken twice
    assert sorted(arrived(redis)) == [1, 2, 3]
    lines = [json.loads(line) for line in daemon.log_text().splitlines() if line.startswith("{")]
    assert not [line for line in lines if line.get("level") == "error" and line["event"] == "inbox_sweep_failed"]
    rejected = daemon.state_dir / "inbox" / "rejected"
    assert not rejected.exists() or os.listdir(rejected) == []  # none read half and refused
