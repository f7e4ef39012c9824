"""Ninety-first red-team pass: SIGTERM during a start whose calls on the state directory hang.

The state directory is a faultfs mount (tests/faultfs.py). The start reads the spool's segments before
anything is served (its recovery), on the event loop: with a read hung there, SIGTERM was acted on only
once the read returned.
"""

from __future__ import annotations

import json
import signal
import time
from datetime import datetime

import msgspec

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon  # noqa: F401
from test_redteam64_hung_spool import hung_daemon  # noqa: F401
from test_redteam80_hung_read import send
from test_spool import event

from hookd.spool import Spool


def lines(daemon, event: str, after: int) -> list[dict]:
    """The log's ``event`` lines past its first ``after`` characters (this run's)."""
    found = [json.loads(line) for line in daemon.log_text()[after:].splitlines() if line.startswith("{")]
    return [line for line in found if line["event"] == event]


def leave_event_1(daemon) -> None:
    """Event 1 in the spool of ``daemon`` (not started), for its start to read."""
    spool = Spool(str(daemon.state_dir / "spool"), segment_bytes=64 << 10, fsync="never")
    spool.append(msgspec.structs.replace(event(1), envelope=json.dumps({"payload": {"n": 1}}).encode()))
    spool.close()


pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]


def test_sigterm_during_a_hung_start_ends_it_within_the_drain_and_nothing_is_lost(hung_daemon):  # noqa: F811
    daemon, fs, redis = hung_daemon(drain_timeout_s="2")
    leave_event_1(daemon)
    fs.set_rules([{"op": "read", "path": "/spool/*.seg", "delay_s": 6, "count": 1}])
    after = len(daemon.log_text()) if daemon.log_path.exists() else 0
    daemon.start(wait=False)
    wait_until(lambda: any(f["op"] == "read" for f in fs.faults()), timeout=30, what="the start's hung read")
    sent = time.time()
    daemon.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: lines(daemon, "hookd_stopped", after), timeout=15, what="hookd_stopped")
    (stopped,) = lines(daemon, "hookd_stopped", after)
    # Said by the drain's limit after the signal (took_s counts from the stop's own start).
    assert datetime.fromisoformat(stopped["timestamp"]).timestamp() - sent <= 2 + 0.4, stopped
    (left,) = lines(daemon, "hookd_start_left_hung", after)
    assert f"mounted at {daemon.state_dir}, does not answer" in left["hint"], left
    assert daemon.proc.wait(30) == 0  # once the mount has answered the read

    redis.start()
    daemon.start()  # the same state directory: event 1 is still there, and sent once
    wait_until(lambda: arrived(redis), timeout=30, what="event 1 in Redis")
    assert send(daemon, 2) == "delivered"  # what the last run left
    wait_until(lambda: len(arrived(redis)) >= 2, timeout=30, what="event 2 in Redis")
    assert arrived(redis) == [1, 2]
