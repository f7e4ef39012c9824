"""Sixty-fifth red-team pass: the spool's disk stops answering, its append off the event loop.

As the sixty-fourth pass (test_redteam64_hung_spool.py): the state directory a faultfs mount whose
next write and fsync of a segment are answered late once the rule is set. The append's write is made
in the spool's write thread (hookd/spool/write_thread.py), so the loop runs on: status answers and
says the stall, the metrics answer, SIGTERM is served within drain_timeout_s.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import free_port, wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, numbered, outcome  # noqa: F401
from test_redteam64_hung_spool import hang, hung_daemon, stalled_lines  # noqa: F401

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]


def send(daemon, n: int) -> str:
    return outcome(daemon.send(numbered(n), HOOKD_SEND_TIMEOUT_MS="1000", HOOKD_DEBUG="1"))


def hung_after_one(hung_daemon, delay_s: float, rules=hang, **settings: str):  # noqa: F811
    """A daemon that has delivered event 1, its spool's writes and fsyncs (``rules``) then answered
    ``delay_s`` late."""
    daemon, fs, redis = hung_daemon(stall_after_s="2", **settings)
    redis.start()
    daemon.start()
    assert send(daemon, 1) == "delivered"
    wait_until(lambda: arrived(redis) == [1], timeout=20, what="event 1 in Redis")
    fs.set_rules(rules(delay_s))
    return daemon, fs, redis


def hang_writes(delay_s: float) -> list[dict]:
    """The segments' writes alone: a flush of event 1 still under way is not held too."""
    return [rule for rule in hang(delay_s) if rule["op"] == "write"]


def lines(daemon, event: str) -> list[dict]:
    found = [json.loads(line) for line in daemon.log_text().splitlines() if line.startswith("{")]
    return [line for line in found if line["event"] == event]


def test_a_hung_spool_write_leaves_status_and_metrics_answering_and_says_stalled_once(hung_daemon):  # noqa: F811
    port = free_port()
    daemon, fs, redis = hung_after_one(hung_daemon, 600, hang_writes, metrics_addr=f"127.0.0.1:{port}")
    assert send(daemon, 2) == "kept"  # not acknowledged: its write hangs
    wait_until(lambda: any(f["op"] == "write" for f in fs.faults()), timeout=60, what="the hung write")
    wait_until(lambda: stalled_lines(daemon), timeout=20, what="hookd_stalled in the log")

    status = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    assert status.returncode == 1, (status.returncode, status.stdout, status.stderr)  # stalled, not "cannot tell"
    said = json.loads(status.stdout)
    assert said["health"] == "stalled", said
    (text,) = [reason for reason in said["reasons"] if "spool's write" in reason]
    assert f"{daemon.state_dir / 'spool'}: its filesystem, mounted at {daemon.state_dir}" in text, text
    assert "1 event not written" in text, text
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as metrics:
        assert metrics.status == 200
    time.sleep(6)  # another round of the stalls task: the stall is said once
    (stalled,) = stalled_lines(daemon)
    assert any("spool's write has waited" in reason for reason in stalled["reasons"]), stalled
    assert [p.name for p in daemon.inbox()], "event 2 was never acknowledged: hook-send kept it"


def test_sigterm_during_a_hung_spool_write_drains_within_its_limit_and_says_what_was_not_written(
    hung_daemon,  # noqa: F811
):
    daemon, fs, redis = hung_after_one(hung_daemon, 600, drain_timeout_s="2")
    assert send(daemon, 2) == "kept"
    wait_until(lambda: any(f["op"] == "write" for f in fs.faults()), timeout=60, what="the hung write")
    kept = daemon.inbox()
    assert len(kept) == 1
    daemon.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: lines(daemon, "hookd_stopped"), timeout=15, what="hookd_stopped")
    (stopped,) = lines(daemon, "hookd_stopped")
    assert stopped["took_s"] <= 2 + 0.4, stopped  # the deadline, and closing what start-up opened
    (left,) = lines(daemon, "spool_write_left_hung")
    assert left["not_written"] >= 1 and left["mount"] == str(daemon.state_dir), left
    assert daemon.inbox() == kept  # the unwritten event is the sender's, in the inbox
    assert arrived(redis) == [1]


def test_when_the_spool_answers_again_every_event_reaches_redis_once_in_order(hung_daemon):  # noqa: F811
    daemon, fs, redis = hung_after_one(hung_daemon, 6)
    outcomes = [send(daemon, n) for n in (2, 3, 4)]
    assert outcomes[0] == "kept", outcomes
    wait_until(lambda: len(arrived(redis)) >= 4 and not daemon.inbox(), timeout=60, what="every event in Redis")
    time.sleep(2)  # the inbox's copies, were any taken twice, would follow
    assert arrived(redis) == [1, 2, 3, 4]
    assert lines(daemon, "handoff_duplicate_dropped")  # the inbox's copy of event 2, once its first was written
