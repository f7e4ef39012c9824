"""Events Redis took and lost since are said: a restart from an older snapshot, or from nothing.

hookd lets an event go once Redis has answered its batch. A Redis restarted without persistence, or
from a snapshot older than its last writes, no longer holds the events it took after that; before,
the batches after the restart went through and nothing but `redis_down` and `redis_up` was said. Now the
marks of the senders whose batches landed are read on each connection that connected since, and a mark
found below what landed is logged (`redis_lost_events`) and shown on status's redis row, in red
(publish/lost.py); the exit code stays healthy: the loss is Redis's, and hookd's events move. Real redis-server (its own, restarted), real `hookd run`.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import log_records, wait_until
from own_redis import land, own_redis  # noqa: F401 (a fixture)
from hookd.publish.acl import publisher_rule
from test_redis_acl import PASSWORD, acl_users, rule_without  # noqa: F401 (acl_users: a fixture)

pytestmark = pytest.mark.process


@pytest.mark.parametrize("snapshot", [True, False], ids=["older_snapshot", "empty"])
def test_events_a_restarted_redis_lost_are_said(hookd_process_factory, own_redis, snapshot):
    server = own_redis
    db = server.client()
    daemon = hookd_process_factory(redis_url=server.url, redis_timeout_s="1", breaker_backoff_max_s="1")
    land(daemon, db, "kept", 10, 10)
    if snapshot:
        db.save()  # the snapshot the restart loads: the next 10 are taken after it
    land(daemon, db, "lost", 10, 20)
    server.stop()  # started with --save "": nothing is written at the stop
    server.start()
    before = db.xlen("hookd:events")
    assert before == (10 if snapshot else 0)
    land(daemon, db, "after", 5, before + 5)

    lost = [r for r in log_records(daemon.log_text()) if r.get("event") == "redis_lost_events"]
    assert len(lost) == 1, daemon.log_text()[-3000:]
    if snapshot:
        assert 0 < lost[0]["mark"] < lost[0]["landed_seq"], lost[0]
    else:
        assert lost[0]["mark"] is None, lost[0]
    status = subprocess.run(
        [sys.executable, "-m", "hookd", "status"], env=daemon.env, capture_output=True, text=True, timeout=30
    )
    # Redis's loss, said in red on the redis row; hookd's own events move, so the exit code stays healthy.
    assert status.returncode == 0 and "Redis lost events it had taken" in status.stdout, status.stdout


def test_marks_that_cannot_be_read_are_said_once(hookd_process_factory, redis_server, redis_db, acl_users):
    """An ACL user without HMGET (a rule older than the check): publishing goes on, and the check that
    cannot run is said once, not on every connection."""
    user = acl_users("hookd-nohmget", rule_without(publisher_rule(), "+hmget"))
    daemon = hookd_process_factory(
        redis_url=f"redis://{user}:{PASSWORD}@127.0.0.1:{redis_server.port}/0", redis_timeout_s="1"
    )
    for round_ in range(3):
        daemon.send_stop(f"round-{round_}")
        wait_until(lambda: redis_db.xlen("hookd:events") == round_ + 1, timeout=30, what="the event")
        redis_db.execute_command("CLIENT", "KILL", "USER", user)  # the next batch goes on a new connection
    daemon.send_stop("last")
    wait_until(lambda: redis_db.xlen("hookd:events") == 4, timeout=30, what="the last event")
    names = [r.get("event") for r in log_records(daemon.log_text())]
    assert names.count("redis_marks_unread") == 1, names
    assert "redis_lost_events" not in names, names
