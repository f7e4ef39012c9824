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
from contextlib import contextmanager

import pytest
from conftest import log_records, wait_for_entries, wait_until
from own_redis import own_redis  # noqa: F401 (a fixture)
from test_disk_full import status

from hookd.publish.acl import publisher_rule

pytestmark = pytest.mark.process

PAUSE_MS = 8000


@contextmanager
def writes_held(daemon, db):
    """Event "before" landed, then writes paused (CLIENT PAUSE ... WRITE) and event "paused" sent: the body
    runs once the daemon has logged redis_holding_writes; the pause ends with it."""
    daemon.send_stop("before")
    wait_for_entries(db, 1)
    db.execute_command("CLIENT", "PAUSE", PAUSE_MS, "WRITE")
    try:
        daemon.send_stop("paused")
        wait_until(
            lambda: any(r.get("event") == "redis_holding_writes" for r in log_records(daemon.log_text())),
            timeout=PAUSE_MS / 1000,
            what="redis_holding_writes logged",
        )
        yield
    finally:
        db.execute_command("CLIENT", "UNPAUSE")


def test_a_write_pause_is_reported_as_redis_holding_writes_not_a_slow_link(hookd_process_factory, redis_db):
    daemon = hookd_process_factory(redis_timeout_s="1")
    with writes_held(daemon, redis_db):
        code, said = status(daemon)
        assert said["redis"]["state"] == "holding_writes", said["redis"]
        assert "holds writes" in said["redis"]["last_error"], said["redis"]
        # What was said while the pause lasted (a probe let go by the UNPAUSE below is judged by
        # how long it was held: tests/test_publish_pace.py).
        records = log_records(daemon.log_text())
    entries = wait_for_entries(redis_db, 2)
    assert [json.loads(e[b"envelope"])["session_id"] for e in entries] == ["before", "paused"]
    assert not [r for r in records if r.get("event") == "redis_link_slow"], records
    assert not [r for r in records if "redis_min_bytes_per_s" in json.dumps(r)], records
    wait_until(lambda: status(daemon)[1]["redis"]["state"] == "up", what="redis up again")


def test_a_write_pause_is_told_under_the_documented_acl_rule(hookd_process_factory, own_redis):
    """The one-line script was an EVAL, which the documented rule (EVALSHA and SCRIPT LOAD) refuses: a
    pause was said as a link that may be slow, and each batch that timed out left an ACL LOG entry."""
    db = own_redis.client()
    db.execute_command("ACL", "SETUSER", "hookd-pub", "reset", "on", ">pw-holding", *publisher_rule().split())
    url = own_redis.url.replace("redis://", "redis://hookd-pub@", 1)
    daemon = hookd_process_factory(redis_url=url, redis_password="pw-holding", redis_timeout_s="1")
    with writes_held(daemon, db):
        pass  # told as holding writes: all this test asks of the pause itself
    wait_for_entries(db, 2)
    assert db.execute_command("ACL", "LOG") == []
