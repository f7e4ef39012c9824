"""Fifty-eighth red-team pass: a Cluster failover asked of the stream slot's replica, under load.

Real three-master Cluster with a replica each (tests/redis_topologies.py), real `hookd run`. CLUSTER FAILOVER
(the default, coordinated: the master holds its clients until the replica has every write) loses nothing;
FORCE and TAKEOVER promote the replica without waiting for it, so what the old master took and had not passed
on is lost with it, and said (redis_lost_events). Either way no event lands twice and none is out of order.
"""

from __future__ import annotations

import json
import threading

import pytest
from redis_topologies import Cluster, assert_lost_at_most_one_window
from test_faults import FramedSender, assert_each_sender_exactly_once_in_order, finish, log_records, running

from conftest import wait_until
from secure_redis import hookd_cli

pytestmark = pytest.mark.process

STREAM = "hookd:events"


@pytest.mark.parametrize("how", ["", "TAKEOVER"], ids=["coordinated", "takeover"])
def test_a_cluster_failover_of_the_stream_slot_under_load(hookd_factory, tmp_path, how):
    cluster = Cluster(tmp_path / "cluster", masters=3, replicas=1)
    cluster.start()
    try:
        client = cluster.client()
        daemon = hookd_factory(
            redis_url=cluster.url, redis_cluster="true", redis_timeout_s="1", breaker_backoff_max_s="1"
        )
        stop = threading.Event()
        senders = [FramedSender(daemon, f"raw{i}", chunk=10, rate=300, stop=stop) for i in range(2)]
        with running(*senders):
            wait_until(lambda: client.xlen(STREAM) >= 300, timeout=30, what="events before the failover")
            old = cluster.owner(STREAM)
            replica = next(
                n
                for n in cluster.live()
                if n is not old and n.client().info("replication").get("master_port") == old.port
            )
            replica.client().execute_command("CLUSTER", "FAILOVER", *([how] if how else []))
            wait_until(
                lambda: cluster.healthy() and cluster.owner(STREAM) is replica,
                timeout=30,
                what="the replica to take the slot",
            )
            before = client.xlen(STREAM)
            wait_until(lambda: client.xlen(STREAM) >= before + 300, timeout=30, what="events after the failover")
            stop.set()
        entries = finish(daemon, client)
        expected = {s.sender: s.handed for s in senders}
        said = [r for r in log_records(daemon) if r.get("event") == "redis_lost_events"]
        if how:
            lost = assert_lost_at_most_one_window(entries, expected)
            print("lost with the old master:", {sender: len(numbers) for sender, numbers in lost.items()})
            assert len(said) == (1 if any(lost.values()) else 0), said
        else:  # the old master held its clients until the replica had all it took
            assert_each_sender_exactly_once_in_order(entries, expected)
            assert said == []
        assert [r for r in log_records(daemon) if r.get("event") == "redis_down"] == []
        status = json.loads(hookd_cli(daemon.env, "status", "--json").stdout)
        # Redis up and no reason about it (the shared machine's load may add one of the event loop's).
        assert status["redis"]["state"] == "up" and not [r for r in status["reasons"] if "redis" in r.lower()], status
        assert bool(status["redis"]["lost"]) == bool(said), status
        assert daemon.stop() == 0
        client.close()
    finally:
        cluster.stop()
