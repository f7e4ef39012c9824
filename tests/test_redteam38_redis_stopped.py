"""A redis-server stopped (SIGSTOP) with events arriving: status says so from progress, nothing is lost.

A stopped Redis keeps its sockets: connects succeed (the kernel's backlog), nothing answers, and no
error comes back. What hookd can tell is that its batches get no answer: `hookd status` must go
degraded from that, the events stay spooled, and on SIGCONT all of them land once, in order.
Real redis-server (its own, so that it may be stopped), real `hookd run`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import RedisServer, stream_entries, wait_until

pytestmark = pytest.mark.process

STOPPED_S = 8.0  # several redis_timeout_s: a stop the breaker and status must see


def _status(daemon) -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, text=True, timeout=30
    )
    return result.returncode, json.loads(result.stdout)


def test_a_stopped_redis_is_said_and_loses_nothing(hookd_process_factory, tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    db = server.client()
    try:
        daemon = hookd_process_factory(redis_url=server.url, redis_timeout_s="1", breaker_backoff_max_s="1")
        for i in range(5):
            daemon.send_stop(f"before-{i}")
        wait_until(lambda: db.xlen("hookd:events") == 5, timeout=30, what="the first 5 events")
        os.kill(server.proc.pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        degraded = None
        try:
            sent = 0
            while time.monotonic() - stopped_at < STOPPED_S:
                daemon.send_stop(f"during-{sent}")  # exit 0, silent: handed over to hookd, not to Redis
                sent += 1
                code, status = _status(daemon)
                if code != 0 and degraded is None:
                    degraded = (code, status)
                time.sleep(0.25)
            assert degraded is not None, "status stayed healthy while Redis answered nothing"
            code, status = degraded
            assert code == 1 and status["spool"]["events"] > 0, status
        finally:
            os.kill(server.proc.pid, signal.SIGCONT)
        wait_until(lambda: db.xlen("hookd:events") == 5 + sent, timeout=60, what="every event after SIGCONT")
        seqs = [int(e[b"seq"]) for e in stream_entries(db)]
        assert len(seqs) == 5 + sent and seqs == sorted(set(seqs)), seqs  # every one, once each, in order
        wait_until(lambda: _status(daemon)[0] == 0, timeout=30, what="status healthy again")
    finally:
        server.stop()
