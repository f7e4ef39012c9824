"""A mark rewritten by hand to more digits than Python reads as an int: hookd still publishes.

h151's start-up check (publish/lost.py) reads the marks of what an earlier run saw land on the first
connection; a value of 5000 digits is a mark the script keeps (it compares marks as strings), but
``int()`` refuses more than 4300 digits (ValueError, not a Redis error). Real redis-server, real `hookd run`.
"""

from __future__ import annotations

import pytest
from conftest import RedisServer, log_records, stream_entries, wait_until

pytestmark = pytest.mark.process

STREAM = "hookd:events"
MARKS = "{hookd:events}:hwm"


def test_a_mark_of_5000_digits_read_at_start_stops_nothing(hookd_process_factory, tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    db = server.client()
    try:
        daemon = hookd_process_factory(redis_url=server.url, redis_timeout_s="1", breaker_backoff_max_s="1")
        for i in range(3):
            daemon.send_stop(f"first-{i}")
        wait_until(lambda: db.xlen(STREAM) == 3, timeout=30, what="the first events")
        assert daemon.stop() == 0
        (sender,) = db.hkeys(MARKS)
        mark = db.hget(MARKS, sender).decode()
        db.hset(MARKS, sender, mark.rjust(5000, "0"))  # the same mark, with leading zeros past int()'s limit
        daemon.start()
        for i in range(3):
            daemon.send_stop(f"after-{i}")
        wait_until(lambda: db.xlen(STREAM) == 6, timeout=30, what="the events after the restart")
        seqs = [int(e[b"seq"]) for e in stream_entries(db)]
        assert seqs == sorted(seqs), seqs
        assert daemon.request(b"") is not None
        names = [r.get("event") for r in log_records(daemon.log_text())]
        assert "unhandled_exception" not in names and "publisher_crashed" not in names, daemon.log_text()[-3000:]
    finally:
        server.stop()
