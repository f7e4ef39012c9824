"""The drain at a stop sends while the link to Redis is `slow` (h119's Left).

Between a real `hookd run` and a real redis-server sits tests/slow_link_proxy.py (RATE bytes a
second each way). The first send of a large event's batch stalls in the proxy (nothing of it
lands) and times out while Redis answers a PING: Redis is `slow`, and the breaker (one failure
opens it, for two minutes) holds the next send. At SIGTERM, the link carrying again at RATE, the
drain must still send the batch, though the link takes longer than the pace allows a batch (its
rate assumed is far above RATE), within drain_timeout_s, rather than leave it for the next start.
"""

from __future__ import annotations

import json

import pytest

from conftest import log_records, wait_until
from hookd import config as hookd_config
from hookd.control import status
from slow_link_proxy import RATE, SlowLinkProxy

pytestmark = pytest.mark.process


def redis_state(config) -> str | None:
    return status.gather(config)[1].get("redis", {}).get("state")


def test_the_drain_sends_a_waiting_batch_over_a_slow_link(hookd_factory, redis_server, redis_db):
    proxy = SlowLinkProxy(("127.0.0.1", redis_server.port))
    proxy.stall_after = 1_000_000
    size = 2_000_000  # 2 s on the link
    try:
        daemon = hookd_factory(
            redis_url=f"redis://127.0.0.1:{proxy.port}/0",
            redis_timeout_s="1",
            redis_min_bytes_per_s=str(64 * RATE),  # a batch of it is given about 1 s
            breaker_failures="1",
            breaker_backoff_min_s="120",
            breaker_backoff_max_s="120",
            drain_timeout_s="30",
            work_budget_ms="30000",
        )
        words = " ".join(f"line {i} of a long build log" for i in range(size // 28))
        body = json.dumps({"hook_event_name": "PostToolUse", "session_id": "big", "tool_response": words})
        done = daemon.send(body.encode(), HOOKD_SEND_TIMEOUT_MS="20000")
        assert done.returncode == 0 and done.stdout == b"", done.stderr
        config = hookd_config.load(environ=daemon.env)
        wait_until(lambda: redis_state(config) == "slow", timeout=30, what="status to say the link is slow")
        assert redis_db.xlen("hookd:events") == 0
        proxy.stall_after = None
        assert daemon.stop(timeout=60) == 0
        stopped = [r for r in log_records(daemon.log_text()) if r.get("event") == "hookd_stopped"]
        assert stopped and stopped[0]["published"] == 1 and stopped[0]["spooled"] == 0, stopped
        entries = redis_db.xrange("hookd:events")
        assert [json.loads(f[b"envelope"])["session_id"] for _, f in entries] == ["big"]
    finally:
        proxy.close()
