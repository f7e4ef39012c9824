"""Fifty-seventh pass: a hookd stopped (SIGSTOP, a frozen cgroup or VM) and let go again was judged
stalled on its first look, for a time in which nothing of it could run.

The monotonic clock goes on while the process is stopped: after SIGCONT, every progress time (the
last fsync, the last publish attempt, the last inbox sweep) read as old as the stop, and the first
judgment, before the tasks had had a turn, said "stalled" (the log's `hookd_stalled`, the systemd
watchdog withheld), then "healthy" again a moment later. Progress is now judged from when the loop
ran again (LoopLag.ran_again_at); a stall that goes on after it is still said.
"""

from __future__ import annotations

import signal
import time

import pytest
from conftest import log_records, wait_for_entries

from hookd.config import load
from hookd.control.status import gather
from hookd.liveness import LAG_PROBE_S, LoopLag, Progress, stall_reasons
from hookd.policies import FsyncPolicy

NOW = 1000.0
STALL_AFTER_S = 2
STALL_CHECK_S = 1


@pytest.mark.process
def test_a_daemon_stopped_and_continued_is_not_judged_stalled_for_the_stop(hookd_factory, redis_db):
    # The log's stall task looks every STALL_CHECK_S, not every 5 s (tests/process_site): the watch after
    # each stop outlasts two of its looks, and each stop is twice stall_after_s, as before at 3 s and 6 s.
    daemon = hookd_factory(stall_after_s=str(STALL_AFTER_S), test_stall_check_s=str(STALL_CHECK_S))
    config = load(environ=daemon.env)
    for cycle in range(3):
        daemon.proc.send_signal(signal.SIGSTOP)
        time.sleep(2 * STALL_AFTER_S)
        daemon.proc.send_signal(signal.SIGCONT)
        seen = []
        until = time.monotonic() + 2 * STALL_CHECK_S + 0.5
        while time.monotonic() < until:  # the first looks after the stop, then a check of the log's task
            code, status = gather(config)
            seen.append((code, status.get("health"), status.get("reasons")))
        assert all(health != "stalled" for _, health, _ in seen), (cycle, seen)
        stalled = [r for r in log_records(daemon.log_text()) if r.get("event") == "hookd_stalled"]
        assert stalled == [], (cycle, stalled)
    assert daemon.send(b'{"hook_event_name":"Stop","session_id":"after"}').returncode == 0
    wait_for_entries(redis_db, 1, timeout=60)


def test_a_stall_that_goes_on_after_the_loop_ran_again_is_still_one():
    progress = Progress(publish_attempt_at=NOW - 100, flush_at=NOW - 100)

    def reasons(ran_again_at):
        return stall_reasons(progress, 3, 5, FsyncPolicy.INTERVAL, 0.2, now=NOW, ran_again_at=ran_again_at)

    assert reasons(NOW - 2) == []  # nothing could move for 98 of the 100 s
    said = reasons(NOW - 6)
    assert len(said) == 2 and "has not tried to publish for 6.0s" in said[0] and "flushed to the disk 6.0s" in said[1]
    assert len(reasons(None)) == 2


def test_the_first_look_after_a_stop_ends_the_gap_now():
    lag = LoopLag()
    assert lag.ran_again_at(5, now=NOW) is None  # no tick yet: no gap known
    lag.last_tick = NOW - 0.05
    assert lag.ran_again_at(5, now=NOW) is None
    lag.last_tick = NOW - 5 - LAG_PROBE_S
    assert lag.ran_again_at(5, now=NOW) == NOW  # the probe has not ticked since the stop
    lag.last_tick = NOW
    lag.gaps.append((NOW - 1, 7.0))
    lag.gaps.append((NOW - 0.5, 2.0))  # a shorter gap than stall_after_s: progress is judged across it
    assert lag.ran_again_at(5, now=NOW) == NOW - 1
