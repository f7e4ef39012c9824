"""A link to Redis slower than 1 KiB/s still carries the events; status names the slow link meanwhile.

pace.py halved the rate a batch is given time for after each timeout, down to 1 KiB/s and no
lower, and a batch's time left out the publish script that a new connection loads first (9 KB):
behind a link of 600 bytes a second, every send of even one small event timed out before the script
had crossed, for ever, while `hookd status` said the link was slow. Now the script's bytes are in
the time given, and the halving goes on to MIN_BYTES_PER_S (64 bytes a second). Real redis-server
behind a rate-limited TCP proxy (tests/slow_link_proxy.py), real `hookd run`.
"""

from __future__ import annotations

import json
import time

import pytest
from conftest import stream_entries

from hookd import config as hookd_config
from hookd.control import status
from slow_link_proxy import SlowLinkProxy

pytestmark = pytest.mark.process

RATE = 600  # bytes a second each way


def test_a_link_under_1_kib_a_second_carries_an_event_and_status_says_slow_meanwhile(
    hookd_process_factory, redis_server, redis_db
):
    proxy = SlowLinkProxy(("127.0.0.1", redis_server.port), rate=RATE, per_connection=True, burst=64)
    try:
        daemon = hookd_process_factory(
            redis_url=f"redis://127.0.0.1:{proxy.port}/0",
            redis_timeout_s="1",
            redis_min_bytes_per_s="1024",  # the lowest the setting allowed
            breaker_backoff_max_s="1",
        )
        daemon.send_stop("crawling")
        config = hookd_config.load(environ=daemon.env)
        states = []
        deadline = time.monotonic() + 90
        while redis_db.xlen("hookd:events") < 1 and time.monotonic() < deadline:
            code, document = status.gather(config)
            states.append((code, (document.get("redis") or {}).get("state")))
            time.sleep(1)
        sessions = [json.loads(e[b"envelope"])["session_id"] for e in stream_entries(redis_db)]
        assert sessions == ["crawling"], f"{proxy.upstream_bytes} bytes sent towards Redis; states {states[-5:]}"
        # While it crawled, status never called the daemon healthy with the event waiting.
        # Once status knew how Redis was doing, it never called the daemon healthy with the event
        # waiting, nor Redis down: it said the link was slow.
        assert all(code != 0 for code, state in states if state not in ("up", "unknown")), states
        assert "slow" in {state for _, state in states} and "down" not in {state for _, state in states}, states
    finally:
        proxy.close()
