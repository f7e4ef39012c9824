"""A backlog of two senders copied for new redaction settings and never sent is not taken for landed.

h151's check across restarts (publish/lost.py) holds the spool's last committed event against Redis's
mark, unless the event after it is a copy (a backlog redacted again at start commits its originals
unsent). It told a copy by its sender and seq: a backlog of two senders (the host setting changed while
Redis was down) has its last original of the second sender and its first copy of the first, so the second
sender's last seq was taken for landed and its missing mark said as `redis_marks_missing` at the next
start: false, nothing of it had gone. A copy keeps its original's time of receipt too, which tells it
across senders. Real redis-server, real `hookd run`.
"""

from __future__ import annotations

import json

import pytest
from conftest import log_records, wait_until
from own_redis import own_redis  # noqa: F401 (a fixture)

pytestmark = pytest.mark.process

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"  # allowed by the first runs' settings, not by the last: the backlog is copied


def _send_secret(daemon, session: str) -> None:
    body = json.dumps({"hook_event_name": "Stop", "session_id": session, "note": f"key {AWS_KEY}"})
    done = daemon.send(body.encode(), "Stop", HOOKD_SEND_TIMEOUT_MS="5000")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


def test_a_two_sender_backlog_copied_unsent_says_nothing(hookd_process_factory, own_redis):
    server = own_redis
    db = server.client()
    daemon = hookd_process_factory(
        redis_url=server.url,
        redis_timeout_s="1",
        breaker_backoff_max_s="1",
        redact_allow=json.dumps([AWS_KEY]),
        host="alpha",
    )
    daemon.send_stop("first")
    wait_until(lambda: db.xlen("hookd:events") == 1, timeout=30, what="the first event")
    db.save()  # the restarts below keep it: nothing is lost
    server.stop()
    for i in range(3):
        _send_secret(daemon, f"alpha-{i}")
    assert daemon.stop() == 0
    daemon.env["HOOKD_HOST"] = "beta"  # the host setting changed while Redis was down
    daemon.start()
    for i in range(3):
        _send_secret(daemon, f"beta-{i}")
    assert daemon.stop() == 0
    del daemon.env["HOOKD_REDACT_ALLOW"]  # other redaction settings: the backlog is copied
    daemon.start()
    assert daemon.stop() == 0  # Redis still down: the copies wait, the originals committed unsent
    server.start()
    daemon.start()
    wait_until(lambda: db.xlen("hookd:events") == 7, timeout=30, what="the backlog")
    hosts = [e[b"host"] for _, e in db.xrange("hookd:events")]
    assert hosts == [b"alpha"] * 4 + [b"beta"] * 3, hosts
    names = [r.get("event") for r in log_records(daemon.log_text())]
    assert "spool_redacted_again" in names, names
    assert "redis_lost_events" not in names and "redis_marks_missing" not in names, names
