"""A Redis restarted from an older snapshot while hookd was stopped too: the loss is said at hookd's start.

h142's check knew only what landed in the running process: hookd stopped after its events landed,
Redis restarted from a snapshot older than them, hookd started again, and its new events landed over
a mark gone back, nothing said. Now the spool's last committed event (the cursor's segment keeps it)
is what an earlier run saw land, and the marks read on the first connection are held to it
(spool/around_cursor.py, publish/lost.py). A Redis with no mark at all for it (another Redis or
stream as likely as a loss) is said as a warning, not as Redis's loss. Real redis-server, real `hookd run`.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import log_records, stream_entries, wait_until
from own_redis import land, own_redis  # noqa: F401 (a fixture)

pytestmark = pytest.mark.process

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"  # allowed by the first run's settings, not by the next: the backlog is copied


@pytest.mark.parametrize("snapshot", [True, False], ids=["older_snapshot", "empty"])
def test_a_loss_while_hookd_was_stopped_is_said_at_its_start(hookd_process_factory, own_redis, snapshot):
    server = own_redis
    db = server.client()
    daemon = hookd_process_factory(redis_url=server.url, redis_timeout_s="1", breaker_backoff_max_s="1")
    land(daemon, db, "kept", 10, 10)
    if snapshot:
        db.save()
    land(daemon, db, "lost", 10, 20)
    landed = [int(e[b"seq"]) for e in stream_entries(db)]
    assert daemon.stop() == 0
    server.stop()  # --save "": the restart loads the snapshot above, or nothing
    server.start()
    daemon.start()
    land(daemon, db, "after", 5, (10 if snapshot else 0) + 5)

    records = log_records(daemon.log_text())
    lost = [r for r in records if r.get("event") == "redis_lost_events"]
    missing = [r for r in records if r.get("event") == "redis_marks_missing"]
    status = subprocess.run(
        [sys.executable, "-m", "hookd", "status"], env=daemon.env, capture_output=True, text=True, timeout=30
    )
    if snapshot:
        assert len(lost) == 1 and not missing, daemon.log_text()[-3000:]
        assert (lost[0]["landed_seq"], lost[0]["mark"]) == (landed[-1], landed[9]), (lost[0], landed)
        assert status.returncode == 0 and "Redis lost events it had taken" in status.stdout, status.stdout
    else:
        assert len(missing) == 1 and not lost, daemon.log_text()[-3000:]
        assert missing[0]["landed_seq"] == landed[-1], (missing[0], landed)
        assert status.returncode == 0 and "Redis lost events" not in status.stdout, status.stdout


def test_a_backlog_copied_unsent_is_not_taken_for_landed(hookd_process_factory, own_redis):
    """Events committed without landing (the old copies of a backlog redacted again at start) are not
    held against Redis's mark: no loss is said of what never went."""
    server = own_redis
    db = server.client()
    daemon = hookd_process_factory(
        redis_url=server.url, redis_timeout_s="1", breaker_backoff_max_s="1", redact_allow=json.dumps([AWS_KEY])
    )
    daemon.send_stop("first")
    wait_until(lambda: db.xlen("hookd:events") == 1, timeout=30, what="the first event")
    db.save()  # the restart below keeps it: nothing is lost
    server.stop()
    for i in range(5):
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"waiting-{i}", "note": f"key {AWS_KEY}"})
        done = daemon.send(body.encode(), "Stop", HOOKD_SEND_TIMEOUT_MS="5000")
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert daemon.stop() == 0
    del daemon.env["HOOKD_REDACT_ALLOW"]  # other redaction settings: the backlog is copied
    daemon.start()
    assert daemon.stop() == 0  # Redis still down: the copies wait, the old ones committed unsent
    server.start()
    daemon.start()
    wait_until(lambda: db.xlen("hookd:events") == 6, timeout=30, what="the backlog")
    names = [r.get("event") for r in log_records(daemon.log_text())]
    assert "spool_redacted_again" in names, names
    assert "redis_lost_events" not in names and "redis_marks_missing" not in names, names
