"""Eightieth red-team pass: the publisher's read of a segment on a state directory that hung.

The state directory is a faultfs mount (tests/faultfs.py). Events spooled while Redis was away, the
daemon started again (so that they are read back from their segment, not memory), Redis still away:
each trial rewinds and reads the oldest waiting event from its segment. The next read of a segment
file is then answered late. Made on the event loop (the reader's read-ahead, records._Ahead.fill),
that read froze the daemon: no status, no event served, SIGTERM not served.
"""

from __future__ import annotations

import json
import signal

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, numbered, outcome, status  # noqa: F401
from test_redteam64_hung_spool import hung_daemon, stalled_lines  # noqa: F401

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]


def send(daemon, n: int) -> str:
    return outcome(daemon.send(numbered(n), HOOKD_SEND_TIMEOUT_MS="1000", HOOKD_DEBUG="1"))


def lines(daemon, event: str) -> list[dict]:
    found = [json.loads(line) for line in daemon.log_text().splitlines() if line.startswith("{")]
    return [line for line in found if line["event"] == event]


def stopped_leaving(daemon, redis, left_hung: str) -> None:
    """After a SIGTERM with drain_timeout_s=2: the stop ended within it (no overrun), said ``left_hung``
    naming the spool's directory and its mount, and Redis holds event 1 alone."""
    wait_until(
        lambda: lines(daemon, "hookd_stopped") or lines(daemon, "hookd_stop_overran"), timeout=15, what="the stop"
    )
    assert not lines(daemon, "hookd_stop_overran")
    (stopped,) = lines(daemon, "hookd_stopped")
    assert stopped["took_s"] <= 2 + 0.4, stopped
    (left,) = lines(daemon, left_hung)
    assert (left["mount"], left["directory"]) == (str(daemon.state_dir), str(daemon.state_dir / "spool")), left
    assert arrived(redis) == [1]


def read_hung(hung_daemon, delay_s: float, **settings: str):  # noqa: F811
    """A daemon started again with event 1 waiting in its spool and Redis away, whose next read of a
    segment file then waits ``delay_s``."""
    daemon, fs, redis = hung_daemon(stall_after_s="2", **settings)
    daemon.start()  # Redis away: event 1 waits in the spool
    assert send(daemon, 1) == "delivered"
    assert daemon.stop() == 0
    daemon.start()  # memory empty: each trial reads event 1 back from its segment
    fs.set_rules([{"op": "read", "path": "/spool/*.seg", "delay_s": delay_s, "count": 1}])
    wait_until(lambda: any(f["op"] == "read" for f in fs.faults()), timeout=30, what="the hung read")
    return daemon, fs, redis


def said_read_hung(daemon, segment: str) -> None:
    """Status answers, stalled, with one reason naming the spool's read of ``segment`` (a path or its
    start) and the mount that does not answer."""
    wait_until(lambda: stalled_lines(daemon), timeout=20, what="hookd_stalled in the log")

    def reasons() -> list[str]:
        code, said = status(daemon)
        assert code != 3, said  # an answer, not "cannot tell"
        assert (code, said["health"]) == (1, "stalled"), said
        return [reason for reason in said["reasons"] if f"the spool's read of {segment}" in reason]

    wait_until(reasons, timeout=20, what="the hung read a stall in status")
    (text,) = reasons()
    assert f"its filesystem, mounted at {daemon.state_dir}, does not answer" in text, text


def test_a_hung_read_ahead_leaves_status_answering_stalled_naming_the_mount(hung_daemon):  # noqa: F811
    daemon, fs, redis = read_hung(hung_daemon, 600)
    said_read_hung(daemon, f"{daemon.state_dir / 'spool'}/")
    assert send(daemon, 2) == "delivered"  # the loop serves on


def test_sigterm_during_a_hung_read_ahead_drains_within_its_limit_and_says_it(hung_daemon):  # noqa: F811
    daemon, fs, redis = read_hung(hung_daemon, 600, drain_timeout_s="2")
    daemon.proc.send_signal(signal.SIGTERM)
    # The first run's stop is in the log too.
    wait_until(lambda: len(lines(daemon, "hookd_stopped")) == 2, timeout=15, what="hookd_stopped")
    stopped = lines(daemon, "hookd_stopped")[-1]
    assert stopped["took_s"] <= 2 + 0.4, stopped
    (left,) = lines(daemon, "spool_read_left_hung")
    assert left["mount"] == str(daemon.state_dir), left
    assert left["segment"].startswith(str(daemon.state_dir / "spool") + "/"), left


def test_when_the_read_answers_again_every_event_reaches_redis_once(hung_daemon):  # noqa: F811
    daemon, fs, redis = read_hung(hung_daemon, 6)
    outcomes = [send(daemon, n) for n in (2, 3)]
    redis.start()
    wait_until(lambda: len(arrived(redis)) >= 3 and not daemon.inbox(), timeout=60, what="every event in Redis")
    assert arrived(redis) == [1, 2, 3], (arrived(redis), outcomes)


def test_sigterm_when_the_stop_s_flush_hangs_drains_within_its_limit_and_says_it(hung_daemon):  # noqa: F811
    """The stop flushes the spool (its fsync, in the flush thread): held by the mount, it is left at the
    deadline, and the spool not closed; nothing in the log said so.

    The interval is made longer than the test: its flush took event 1's write to the disk before the
    rule was set once (a loaded machine took over 200 ms to get there), and the stop had nothing to
    flush. The stop's flush is then the first after the write, the one the rule holds."""
    daemon, fs, redis = hung_daemon(stall_after_s="2", drain_timeout_s="2", spool_fsync_interval_ms="600000")
    redis.start()
    daemon.start()
    assert send(daemon, 1) == "delivered"
    wait_until(lambda: arrived(redis) == [1], timeout=20, what="event 1 in Redis")
    fs.set_rules([{"op": "fsync", "path": "/spool/*.seg", "delay_s": 600, "count": 1}])
    daemon.proc.send_signal(signal.SIGTERM)
    stopped_leaving(daemon, redis, "spool_flush_left_hung")
    assert any(f["op"] == "fsync" for f in fs.faults()), fs.faults()
