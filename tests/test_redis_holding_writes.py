"""A Redis that holds writes is said to hold writes, not to sit behind a slow link.

`CLIENT PAUSE ... WRITE` (as a failover does) holds the batch's script while PING still
answers. pace.py took any timeout with a PING answered for a link too slow for the batch's
bytes: the log said `redis_link_slow` with advice to lower redis_min_bytes_per_s, which does
not fit, and halved the rate. Now a one-line script is sent after the PING: the pause holds it
too, so the reason is `holding_writes` (`redis_holding_writes` in the log, the status row
"answering, holding writes"), and the event lands once the pause ends. Real redis-server,
real `hookd run`.
"""

from __future__ import annotations

import json

import pytest
from conftest import log_records, wait_for_entries, wait_until
from test_disk_full import status

pytestmark = pytest.mark.process

PAUSE_MS = 8000


def test_a_write_pause_is_reported_as_redis_holding_writes_not_a_slow_link(hookd_process_factory, redis_db):
    daemon = hookd_process_factory(redis_timeout_s="1")
    daemon.send_stop("before")
    wait_for_entries(redis_db, 1)
    redis_db.execute_command("CLIENT", "PAUSE", PAUSE_MS, "WRITE")
    try:
        daemon.send_stop("paused")
        wait_until(
            lambda: any(r.get("event") == "redis_holding_writes" for r in log_records(daemon.log_text())),
            timeout=PAUSE_MS / 1000,
            what="redis_holding_writes logged",
        )
        code, said = status(daemon)
        assert said["redis"]["state"] == "holding_writes", said["redis"]
        assert "holds writes" in said["redis"]["last_error"], said["redis"]
        # What was said while the pause lasted (a probe let go by the UNPAUSE below is judged by
        # how long it was held: tests/test_publish_pace.py).
        records = log_records(daemon.log_text())
    finally:
        redis_db.execute_command("CLIENT", "UNPAUSE")
    entries = wait_for_entries(redis_db, 2)
    assert [json.loads(e[b"envelope"])["session_id"] for e in entries] == ["before", "paused"]
    assert not [r for r in records if r.get("event") == "redis_link_slow"], records
    assert not [r for r in records if "redis_min_bytes_per_s" in json.dumps(r)], records
    wait_until(lambda: status(daemon)[1]["redis"]["state"] == "up", what="redis up again")
