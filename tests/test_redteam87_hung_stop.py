"""Eighty-seventh red-team pass: what was left on the event loop at the stop and at start.

The state directory is a faultfs mount (tests/faultfs.py). Each case hangs one call the daemon made on
the loop, with no thread of the spool held before it, and checks that SIGTERM still ends the drain within
drain_timeout_s and says what it left, and that every acknowledged event reaches Redis once after.
"""

from __future__ import annotations

import signal

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, numbered, outcome, status  # noqa: F401
from test_redteam64_hung_spool import hung_daemon  # noqa: F401
from test_redteam80_hung_read import lines, send, stopped_leaving

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]


def stop_with_close_hung(hung_daemon, delay_s: float):  # noqa: F811
    """Event 1 in Redis, then SIGTERM: the spool's close's close(2) of a segment file is answered
    ``delay_s`` late (its FUSE flush, as a network filesystem's close that hung)."""
    daemon, fs, redis = hung_daemon(stall_after_s="2", drain_timeout_s="2")
    redis.start()
    daemon.start()
    assert send(daemon, 1) == "delivered"
    wait_until(lambda: arrived(redis) == [1], timeout=20, what="event 1 in Redis")
    fs.set_rules([{"op": "flush", "path": "/spool/*.seg", "delay_s": delay_s, "count": 1}])
    daemon.proc.send_signal(signal.SIGTERM)
    return daemon, fs, redis


def test_sigterm_when_the_spool_s_close_hangs_drains_within_its_limit_and_says_it(hung_daemon):  # noqa: F811
    daemon, fs, redis = stop_with_close_hung(hung_daemon, 600)
    stopped_leaving(daemon, redis, "spool_close_left_hung")
    assert [f["op"] for f in fs.faults()] == ["flush"], fs.faults()


def test_when_the_close_answers_again_every_event_reaches_redis_once(hung_daemon):  # noqa: F811
    daemon, fs, redis = stop_with_close_hung(hung_daemon, 4)
    wait_until(lambda: daemon.proc.poll() is not None, timeout=30, what="the first run's end")
    daemon.start()  # the same state directory, its cursor file as the stop left it
    assert send(daemon, 2) == "delivered"
    wait_until(lambda: len(arrived(redis)) >= 2 and not daemon.inbox(), timeout=30, what="event 2 in Redis")
    assert arrived(redis) == [1, 2]


def test_a_hung_inbox_listing_leaves_status_answering_stalled_naming_the_inbox(hung_daemon):  # noqa: F811
    """A sweep held by the spool's hung write stops; the stall check then lists the inbox to say whether
    an event waits there, and that listing (on the loop) met the inbox's filesystem, hung too."""
    daemon, fs, redis = hung_daemon(stall_after_s="2")
    redis.start()
    daemon.start()
    assert send(daemon, 1) == "delivered"
    fs.set_rules([{"op": "write", "path": "/spool/*.seg", "delay_s": 600, "count": -1}])
    # Kept in the inbox at once (no socket there): the sweep takes it, and waits on the spool's write.
    kept = daemon.send(numbered(2), HOOKD_SOCKET=str(daemon.state_dir / "none.sock"), HOOKD_DEBUG="1")
    assert outcome(kept) == "kept"
    wait_until(lambda: any(f["op"] == "write" for f in fs.faults()), timeout=20, what="the sweep's hung write")
    fs.set_rules(
        [
            {"op": "write", "path": "/spool/*.seg", "delay_s": 600, "count": -1},
            {"op": "readdir", "path": "/inbox*", "delay_s": 600, "count": -1},
        ]
    )
    inbox = daemon.state_dir / "inbox"

    def reasons() -> list[str]:
        code, said = status(daemon)
        assert code != 3, said  # an answer, not "cannot tell"
        return [reason for reason in said["reasons"] if "the inbox has not been swept" in reason]

    wait_until(reasons, timeout=30, what="the unswept inbox a stall in status")
    (text,) = reasons()
    assert f"cannot read {inbox} (waited" in text and "its filesystem does not answer" in text, text
    assert arrived(redis) == [1]


def test_a_cursor_write_under_way_at_sigterm_is_let_finish_and_the_spool_closed(hung_daemon):  # noqa: F811
    """SIGTERM while the cursor keeper's thread writes the cursor file (a slow write, not a hung disk: its task
    is cancelled, its thread writes on). The stop said it left the write hung (waited 0.0 s), and the spool's
    close, which makes no call while a thread holds the disk, closed nothing; the write is let finish now.

    The write is answered once the stop has begun, not after a second: a loaded machine took longer than that
    to send the signal, and the write had ended before the stop (the test passed with nothing under way)."""
    daemon, fs, redis = hung_daemon(stall_after_s="30", drain_timeout_s="3")
    redis.start()
    daemon.start()
    fs.set_rules([{"op": "write", "path": "/spool/cursor*", "delay_s": 600, "count": 1, "until_cleared": True}])
    assert send(daemon, 1) == "delivered"
    wait_until(lambda: any(f["op"] == "write" for f in fs.faults()), timeout=20, what="the cursor write under way")
    daemon.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: lines(daemon, "hookd_stopping"), timeout=15, what="the stop under way")
    fs.set_rules([])  # the write answers, within the drain
    wait_until(lambda: daemon.proc.poll() is not None, timeout=15, what="the stop")
    assert lines(daemon, "hookd_stopped"), daemon.log_text()
    assert not lines(daemon, "spool_cursor_write_left_hung"), lines(daemon, "spool_cursor_write_left_hung")
    assert not lines(daemon, "spool_close_left_hung")
    assert arrived(redis) == [1]
