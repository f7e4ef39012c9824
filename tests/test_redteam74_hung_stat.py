"""Seventy-fourth red-team pass: a state directory whose stat does not answer.

The state directory is a faultfs mount (tests/faultfs.py) whose next lookup of the spool directory
(a getattr, once the kernel's cache of it has passed) is answered late once the rule is set. hookd
looks at its directories every second and for each status (dirwatch.py): an lstat of each and a stat
of each directory above it. Made on the event loop, that look froze the daemon: no status, no event
served, and SIGTERM not served either.
"""

from __future__ import annotations

import json
import signal

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, numbered, outcome, status  # noqa: F401
from test_redteam64_hung_spool import hung_daemon, stalled_lines  # noqa: F401

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]


def hang_stat(delay_s: float) -> list[dict]:
    return [{"op": "getattr", "path": "/spool", "delay_s": delay_s, "count": 1}]


def send(daemon, n: int) -> str:
    return outcome(daemon.send(numbered(n), HOOKD_SEND_TIMEOUT_MS="1000", HOOKD_DEBUG="1"))


def lines(daemon, event: str) -> list[dict]:
    found = [json.loads(line) for line in daemon.log_text().splitlines() if line.startswith("{")]
    return [line for line in found if line["event"] == event]


def cursor_saved(fs) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in (fs.backing / "spool" / "cursor").read_text().split())
    except FileNotFoundError:
        return (0, 0)


def stat_hung(hung_daemon, delay_s: float, **settings: str):  # noqa: F811
    """A daemon that has delivered event 1, whose next lookup of its spool directory then waits ``delay_s``."""
    daemon, fs, redis = hung_daemon(stall_after_s="2", **settings)
    redis.start()
    daemon.start()
    assert send(daemon, 1) == "delivered"
    wait_until(lambda: arrived(redis) == [1], timeout=20, what="event 1 in Redis")
    # The cursor file written past event 1 first: its rename checks the spool's permissions, a getattr the
    # rule would hang too (that case is the cursor test's below).
    wait_until(lambda: cursor_saved(fs) > (0, 0), timeout=20, what="the cursor file past event 1")
    fs.set_rules(hang_stat(delay_s))
    wait_until(lambda: any(f["op"] == "getattr" for f in fs.faults()), timeout=60, what="the hung stat")
    return daemon, fs, redis


def test_a_hung_stat_of_the_spool_leaves_status_answering_stalled_naming_the_mount(hung_daemon):  # noqa: F811
    daemon, fs, redis = stat_hung(hung_daemon, 600)
    wait_until(lambda: stalled_lines(daemon), timeout=20, what="hookd_stalled in the log")
    code, said = status(daemon)
    assert (code, said["health"]) == (1, "stalled"), said  # not 3, "cannot tell"
    spool = daemon.state_dir / "spool"
    found = [reason for reason in said["reasons"] if f"the check of {spool} has waited" in reason]
    assert len(found) == 1, said["reasons"]
    text = found[0]
    assert f"its filesystem, mounted at {daemon.state_dir}, does not answer" in text, text
    assert "cannot be looked at" in said["directories"][str(spool)], said["directories"]
    (stalled,) = stalled_lines(daemon)
    assert any(reason.startswith(f"the check of {spool}") for reason in stalled["reasons"]), stalled
    assert send(daemon, 2) == "delivered"  # the loop serves on
    wait_until(lambda: arrived(redis) == [1, 2], timeout=20, what="event 2 in Redis")


def test_sigterm_during_a_hung_stat_drains_within_its_limit(hung_daemon):  # noqa: F811
    daemon, fs, redis = stat_hung(hung_daemon, 600, drain_timeout_s="2")
    daemon.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: lines(daemon, "hookd_stopped"), timeout=15, what="hookd_stopped")
    (stopped,) = lines(daemon, "hookd_stopped")
    assert stopped["took_s"] <= 2 + 0.4, stopped
    assert arrived(redis) == [1]


def test_when_the_stat_answers_again_every_event_reaches_redis_once(hung_daemon):  # noqa: F811
    daemon, fs, redis = stat_hung(hung_daemon, 6)
    outcomes = [send(daemon, n) for n in (2, 3, 4)]
    wait_until(lambda: len(arrived(redis)) >= 4 and not daemon.inbox(), timeout=60, what="every event in Redis")
    wait_until(
        lambda: not lines(daemon, "hookd_stalled") or lines(daemon, "hookd_stall_over"),
        timeout=20,
        what="the stall over",
    )
    assert sorted(arrived(redis)) == [1, 2, 3, 4], (arrived(redis), outcomes)
    assert len(arrived(redis)) == 4


def test_sigterm_while_the_cursor_file_write_hangs_drains_within_its_limit_and_says_it(hung_daemon):  # noqa: F811
    daemon, fs, redis = hung_daemon(stall_after_s="2", drain_timeout_s="2")
    redis.start()
    daemon.start()
    assert send(daemon, 1) == "delivered"
    wait_until(lambda: arrived(redis) == [1], timeout=20, what="event 1 in Redis")
    fs.set_rules([{"op": "write", "path": "/spool/cursor*", "delay_s": 600, "count": 1}])
    assert send(daemon, 2) == "delivered"  # in Redis, the cursor moves: the cursor keeper writes it, and hangs
    wait_until(lambda: any(f["op"] == "write" for f in fs.faults()), timeout=20, what="the hung cursor write")
    wait_until(lambda: stalled_lines(daemon), timeout=20, what="hookd_stalled in the log")
    (stalled,) = stalled_lines(daemon)
    said = [reason for reason in stalled["reasons"] if "cursor file has waited" in reason]
    assert len(said) == 1 and f"mounted at {daemon.state_dir}, does not answer" in said[0], stalled
    daemon.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: lines(daemon, "hookd_stopped"), timeout=15, what="hookd_stopped")
    (stopped,) = lines(daemon, "hookd_stopped")
    assert stopped["took_s"] <= 2 + 0.4, stopped
    (left,) = lines(daemon, "spool_cursor_write_left_hung")
    assert left["mount"] == str(daemon.state_dir), left
    assert arrived(redis) == [1, 2]


def test_a_hung_read_of_the_oldest_waiting_event_leaves_status_answering(hung_daemon):  # noqa: F811
    daemon, fs, redis = hung_daemon(stall_after_s="2")
    daemon.start()  # Redis down: the event waits in the spool
    assert send(daemon, 1) == "delivered"
    fs.set_rules([{"op": "read", "path": "/spool/*.seg", "delay_s": 600, "count": 1}])
    code, said = status(daemon)  # reads the oldest waiting event's time from its segment
    assert any(f["op"] == "read" for f in fs.faults()), fs.faults()
    assert code != 3, said  # an answer, not "cannot tell"

    def said_stalled() -> list[str]:
        code, said = status(daemon)
        assert code != 3, said
        return [reason for reason in said["reasons"] if "read of the oldest waiting event" in reason]

    wait_until(said_stalled, timeout=20, what="the hung read a stall in status")
    assert f"mounted at {daemon.state_dir}, does not answer" in said_stalled()[0]
