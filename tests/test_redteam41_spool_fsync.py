"""Forty-first red-team pass: the spool on a filesystem whose fsync fails (tests/faultfs.py).

A real ``hookd run`` with its state directory on the fault-injecting FUSE mount, Redis down while the
fault fires, events sent through the real hook-send. After a failed fsync Linux may drop the pages it
could not write (they read back as zeros: faultfs's "drop"), and a second fsync of the same file then
succeeds: a writer that retries and believes it has lost them. Every event hookd acknowledged or
hook-send kept must reach Redis once the fault clears, exactly once and in order, and the failure
must be said (log, status).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, outcome  # noqa: F401 (a fixture)

pytestmark = NEEDS_FAULTFS


def body(n: int) -> bytes:
    return json.dumps({"hook_event_name": "PostToolUse", "session_id": "fsync", "n": n}).encode()


def status(daemon) -> dict:
    result = subprocess.run(
        [os.sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    return json.loads(result.stdout)


def send(daemon, n: int) -> str:
    return outcome(daemon.send(body(n), HOOKD_DEBUG="1", HOOKD_SEND_TIMEOUT_MS="5000"))


@pytest.mark.parametrize("policy", ["batch", "interval"])
def test_a_failed_spool_fsync_whose_pages_are_dropped_loses_no_handed_over_event(faulty_daemon, policy):
    daemon, fs, redis = faulty_daemon(spool_fsync=policy)
    daemon.start()
    sent = {n: send(daemon, n) for n in range(5)}
    assert set(sent.values()) == {"delivered"}, sent
    # The next fsync of a segment fails once, and what it had to write is gone; the one after succeeds.
    fs.set_rules([{"op": "fsync", "path": "/spool/*", "count": 1, "drop": True}])
    for n in range(5, 10):
        sent[n] = send(daemon, n)
    wait_until(lambda: fs.faults(), what="the fsync fault to fire")
    assert fs.faults()[0]["dropped"] > 0, fs.faults()
    if policy == "batch":
        # Acknowledged only once on the disk: the event whose flush failed is not acknowledged.
        assert "kept" in sent.values(), sent
    for n in range(10, 13):
        sent[n] = send(daemon, n)
    assert "lost" not in sent.values(), sent
    wait_until(lambda: '"spool_flush_failed"' in daemon.log_text(), what="spool_flush_failed in the log")
    assert status(daemon)["spool"]["flush_error"] == os.strerror(5)
    redis.start()
    handed_over = [n for n, o in sent.items() if o in ("delivered", "kept")]
    wait_until(lambda: len(arrived(redis)) >= len(handed_over), timeout=30, what="every handed-over event in Redis")
    wait_until(lambda: not daemon.inbox(), timeout=30, what="the inbox emptied")
    assert arrived(redis) == handed_over, sent
    assert '"spool_damage_skipped"' not in daemon.log_text()  # the zeroed records were never read back
    daemon.stop()


def test_inbox_files_taken_while_a_failed_fsync_drops_their_pages_arrive_once(faulty_daemon):
    daemon, fs, redis = faulty_daemon(spool_fsync="interval")
    sent = {n: send(daemon, n) for n in range(4)}  # hookd not running yet: all kept in the inbox
    assert set(sent.values()) == {"kept"}, sent
    assert len(daemon.inbox()) == 4
    fs.set_rules([{"op": "fsync", "path": "/spool/*.seg", "count": 1, "drop": True}])
    daemon.start()
    wait_until(lambda: fs.faults(), what="the fsync fault to fire")
    wait_until(lambda: '"spool_flush_failed"' in daemon.log_text(), what="spool_flush_failed in the log")
    assert len(daemon.inbox()) == 4  # kept while the spool's copies are unsure
    redis.start()
    wait_until(lambda: len(arrived(redis)) >= 4, timeout=60, what="the inbox's events in Redis")
    wait_until(lambda: not daemon.inbox(), timeout=30, what="the inbox emptied")
    assert arrived(redis) == [0, 1, 2, 3]
    assert '"spool_damage_skipped"' not in daemon.log_text()
    daemon.stop()


@pytest.mark.parametrize("policy", ["batch", "interval"])
def test_every_spool_fsync_failing_for_a_while_loses_nothing_handed_over(faulty_daemon, policy):
    daemon, fs, redis = faulty_daemon(spool_fsync=policy)
    daemon.start()
    fs.set_rules([{"op": "fsync", "path": "/spool/*", "count": -1, "drop": True}])
    sent = {}
    for n in range(8):
        sent[n] = send(daemon, n)
        if n in (3, 7):  # a failed flush before and after the middle: the second fails on events after the first
            wait_until(lambda: len(fs.faults()) >= (n + 1) // 4, what="the fsync fault to fire")
    assert "lost" not in sent.values(), sent
    if policy == "batch":
        assert set(sent.values()) == {"kept"}, sent  # nothing is on the disk for sure: nothing acknowledged
    fs.set_rules([])
    redis.start()
    wait_until(lambda: len(arrived(redis)) >= 8, timeout=60, what="every handed-over event in Redis")
    wait_until(lambda: not daemon.inbox(), timeout=30, what="the inbox emptied")
    assert arrived(redis) == list(range(8))
    wait_until(lambda: status(daemon)["spool"]["flush_error"] is None, what="the failure settled")
    daemon.stop()
