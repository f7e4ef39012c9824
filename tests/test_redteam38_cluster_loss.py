"""In a Cluster, a loss on the master of the stream's slot is said as on a single Redis.

The owner of the slot flushed (FLUSHALL on that node, hookd's connection open), then killed and started
again with no dataset (it rejoins with its slots, empty; hookd's next connection is a new one): each is
said once (`redis_lost_events`), and the events after it land once. Real three-master Cluster
(tests/redis_topologies.py), real `hookd run`.
"""

from __future__ import annotations

import pytest
from conftest import log_records, wait_until

pytestmark = pytest.mark.process

STREAM = "hookd:events"


def test_losses_on_the_stream_slots_master_are_said(hookd_process_factory, empty_cluster):
    cluster, client = empty_cluster
    daemon = hookd_process_factory(
        redis_url=cluster.url, redis_cluster="true", redis_timeout_s="1", breaker_backoff_max_s="1"
    )
    owner = cluster.owner(STREAM)

    def lost() -> list[dict]:
        return [r for r in log_records(daemon.log_text()) if r.get("event") == "redis_lost_events"]

    for i in range(5):
        daemon.send_stop(f"first-{i}")
    wait_until(lambda: client.xlen(STREAM) == 5, timeout=30, what="the first events")
    owner.client().flushall()  # on the open connection
    for i in range(5):
        daemon.send_stop(f"second-{i}")
    wait_until(lambda: client.xlen(STREAM) == 5, timeout=30, what="the events after the flush")
    wait_until(lambda: len(lost()) == 1, timeout=30, what="the flush said")
    owner.stop()
    owner.start()  # --save "": back with its slots and no dataset
    wait_until(cluster.healthy, timeout=60, what="the cluster healthy again")
    for i in range(5):
        daemon.send_stop(f"third-{i}")
    wait_until(lambda: client.xlen(STREAM) == 5, timeout=60, what="the events after the restart")
    wait_until(lambda: len(lost()) == 2, timeout=30, what="the restart said")
    assert [r["mark"] for r in lost()] == [None, None], lost()
