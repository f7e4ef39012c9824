"""Behind a slow link, once a batch has crossed, the batches after it are given time for that link.

pace.py halves the rate a send is given time for after each timeout while Redis answers a PING, and
put it back at redis_min_bytes_per_s as soon as any send went through: the one-event trial after a
failure crossed, status said `up` (healthy, with the backlog waiting), and the stream's next batch,
the backlog's whole width, was given the time of a fast link, timed out, and the link was `slow`
again; the backlog crossed one event a cycle (or by a batch landing after hookd had given up on it).
Now a send that crosses a link judged slow sets the rate to the one it showed. Real redis-server
behind a rate-limited TCP proxy (tests/slow_link_proxy.py), real `hookd run`.
"""

from __future__ import annotations

import time

import pytest
from conftest import log_records

from slow_link_proxy import SlowLinkProxy

pytestmark = pytest.mark.process

RATE = 2000  # bytes a second each way
EVENTS = 40


def test_after_a_batch_crosses_a_slow_link_the_backlog_is_not_sent_at_a_fast_links_pace(
    hookd_process_factory, redis_server, redis_db
):
    proxy = SlowLinkProxy(("127.0.0.1", redis_server.port), rate=RATE, per_connection=True, burst=64)
    try:
        daemon = hookd_process_factory(
            redis_url=f"redis://127.0.0.1:{proxy.port}/0", redis_timeout_s="1", breaker_backoff_max_s="1"
        )
        for i in range(EVENTS):
            daemon.send_stop(f"crawl-{i}")
        deadline = time.monotonic() + 150
        while redis_db.xlen("hookd:events") < EVENTS and time.monotonic() < deadline:
            time.sleep(0.5)
        assert redis_db.xlen("hookd:events") == EVENTS, f"{proxy.upstream_bytes} bytes sent towards Redis"
        names = [record.get("event") for record in log_records(daemon.log_text())]
        assert "redis_link_slow" in names, names  # the link was judged slow first
        first_up = names.index("redis_up", names.index("redis_link_slow"))
        # Once a send had crossed, no batch of the backlog outlasted the time it was given.
        said = [
            (r.get("event"), r.get("error"))
            for r in log_records(daemon.log_text())
            if r.get("event", "").startswith("redis_")
        ]
        assert "redis_link_slow" not in names[first_up:], "\n".join(map(str, said[-3:]))
    finally:
        proxy.close()
