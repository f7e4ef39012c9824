"""A cursor file naming a negative offset: hookd still starts, and nothing is lost.

The brief's "the cursor at odd offsets": read_cursor took "1 -5" as offset -5 (min() with the
segment's size keeps it), and counting the records before it pread at a negative offset: EINVAL,
hookd's start failed, and again on each start. A cursor file is hookd's own (written by rename), so
this takes a damaged disk or a hand; the events in the spool must still go. Real redis-server,
real `hookd run`.
"""

from __future__ import annotations

import pytest
from conftest import log_records, stream_entries
from own_redis import land, own_redis  # noqa: F401 (a fixture)

pytestmark = pytest.mark.process

STREAM = "hookd:events"


@pytest.mark.parametrize("offset", ["-5", "-999999999"])
def test_a_negative_cursor_offset_starts_and_loses_nothing(hookd_process_factory, own_redis, offset):
    server = own_redis
    db = server.client()
    daemon = hookd_process_factory(redis_url=server.url, redis_timeout_s="1", breaker_backoff_max_s="1")
    land(daemon, db, "first", 3, 3)
    assert daemon.stop() == 0
    cursor = daemon.state_dir / "spool" / "cursor"
    segment = cursor.read_text().split()[0]
    cursor.write_text(f"{segment} {offset}\n")
    daemon.start()
    land(daemon, db, "after", 3, 6)
    seqs = [int(e[b"seq"]) for e in stream_entries(db)]
    assert seqs == sorted(set(seqs)), seqs  # each once, in order: the events before went again, skipped
    names = [r.get("event") for r in log_records(daemon.log_text())]
    assert "spool_cursor_unreadable" in names, names
