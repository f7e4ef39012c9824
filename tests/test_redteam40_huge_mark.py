"""A mark rewritten by hand to more digits than Python reads as an int: hookd still publishes.

h151's start-up check (publish/lost.py) reads the marks of what an earlier run saw land on the first
connection; a value of 5000 digits is a mark the script keeps (it compares marks as strings), but
``int()`` refuses more than 4300 digits (ValueError, not a Redis error). Real redis-server, real `hookd run`.
"""

from __future__ import annotations

import pytest
from conftest import log_records, stream_entries, sender_marks
from own_redis import land, own_redis  # noqa: F401 (a fixture)

pytestmark = pytest.mark.process

STREAM = "hookd:events"
MARKS = "{hookd:events}:hwm"


def test_a_mark_of_5000_digits_read_at_start_stops_nothing(hookd_process_factory, own_redis):
    server = own_redis
    db = server.client()
    daemon = hookd_process_factory(redis_url=server.url, redis_timeout_s="1", breaker_backoff_max_s="1")
    land(daemon, db, "first", 3, 3)
    assert daemon.stop() == 0
    (sender,) = sender_marks(db)
    mark = db.hget(MARKS, sender).decode()
    db.hset(MARKS, sender, mark.rjust(5000, "0"))  # the same mark, with leading zeros past int()'s limit
    daemon.start()
    land(daemon, db, "after", 3, 6)
    seqs = [int(e[b"seq"]) for e in stream_entries(db)]
    assert seqs == sorted(seqs), seqs
    assert daemon.request(b"") is not None
    names = [r.get("event") for r in log_records(daemon.log_text())]
    assert "unhandled_exception" not in names and "publisher_crashed" not in names, daemon.log_text()[-3000:]
