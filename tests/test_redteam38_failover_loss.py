"""A Sentinel failover to a replica that missed the last writes: the loss is said on the new master.

hookd lets an event go once the master answers its batch (without redis_wait_replicas, before any
replica has it). The replica, cut off from the master before the last 10 events, is promoted when the
master dies: those events are gone. hookd's first connection to the new master reads the marks
(publish/lost.py) and says so, once. This held on the base (h142's check on each new connection); kept so
that it goes on holding beside the check in the script. Real redis-servers and sentinel
(tests/redis_topologies.py), real `hookd run`.
"""

from __future__ import annotations

import os
import signal

import pytest
from conftest import log_records, stream_entries, wait_until
from redis_topologies import SentinelSetup

pytestmark = pytest.mark.process

STREAM = "hookd:events"


def test_a_failover_to_a_replica_behind_is_said(hookd_process_factory, tmp_path):
    setup = SentinelSetup(tmp_path / "sentinel-setup", replicas=1)
    setup.start()
    try:
        daemon = hookd_process_factory(
            redis_url="redis://unused.invalid:1/0",
            redis_sentinel=setup.sentinels,
            redis_sentinel_master=setup.master_name,
            redis_timeout_s="1",
            breaker_backoff_max_s="1",
        )
        old, replica = setup.master, setup.replicas[0]
        for i in range(10):
            daemon.send_stop(f"kept-{i}")
        wait_until(lambda: replica.client().xlen(STREAM) == 10, timeout=30, what="the replica to have 10")
        os.kill(replica.proc.pid, signal.SIGSTOP)  # cut off: what the master sends next it never reads
        try:
            old.client().execute_command("CLIENT", "KILL", "TYPE", "replica")
            for i in range(10):
                daemon.send_stop(f"lost-{i}")
            wait_until(lambda: old.client().xlen(STREAM) == 20, timeout=30, what="the master to take 10 more")
            landed = [int(e[b"seq"]) for e in stream_entries(old.client())]
            old.kill()
        finally:
            os.kill(replica.proc.pid, signal.SIGCONT)
        wait_until(lambda: setup.current_master() is replica, timeout=60, what="the sentinel to promote the replica")
        new = replica.client()
        for i in range(5):
            daemon.send_stop(f"after-{i}")
        wait_until(lambda: new.xlen(STREAM) == 15, timeout=60, what="the new events on the new master")
        lost = [r for r in log_records(daemon.log_text()) if r.get("event") == "redis_lost_events"]
        assert len(lost) == 1, daemon.log_text()[-3000:]
        assert (lost[0]["landed_seq"], lost[0]["mark"]) == (landed[-1], landed[9]), (lost[0], landed)
    finally:
        setup.stop()
