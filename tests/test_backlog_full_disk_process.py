"""A full disk at a start whose redaction settings changed since the spool's backlog was spooled.

Real `hookd run` processes, a real Redis, the state directory on a real tmpfs (root, as in CI). Events
are spooled while Redis is away; the user adds a redaction rule that matches a value in them; the disk
fills; hookd starts. It could not write the redacted copies and published the backlog as it was
spooled (`spool_backlog_not_redacted`): the value reached Redis in every event. Now the backlog is
redacted again as it is published, status says so and why, and the settings are recorded once Redis
has it all and the disk has room.
"""

from __future__ import annotations

import json
import re
import signal

import pytest
from conftest import RedisServer, log_records, wait_until
from test_disk_full import STATE_MOUNT, fill, mounts, status  # noqa: F401 (mounts: the fixture)

from hookd.daemon.backlog import REDACTED_BY

# Its starts compile their own rules' scanner databases: minutes on a machine loaded past its cores.
pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(__import__("os").geteuid() != 0, reason="tmpfs needs root"),
    pytest.mark.timeout(600),
]

TICKET = "TKT-48213377"
RULES = json.dumps([{"name": "ticket", "pattern": "TKT-[0-9]{8}", "keywords": ["TKT-"]}])
EVENTS = 40
SPOOL = {"spool_reserve_bytes": "0", "spool_segment_bytes": str(64 << 10)}


def test_a_full_disk_at_a_start_with_a_new_rule_never_publishes_the_value_it_matches(
    hookd_process_factory, tmp_path, mounts
):
    redis = RedisServer(tmp_path / "redis")  # not started: the events wait in the spool
    away = hookd_process_factory(redis_url=redis.url, start=False, **SPOOL)
    mounts(away.state_dir, STATE_MOUNT)
    away.start()
    for n in range(EVENTS):
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}", "note": f"ticket {TICKET} done"})
        done = away.send(body.encode(), "Stop", HOOKD_SEND_TIMEOUT_MS="5000")
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert away.stop(signal.SIGTERM) == 0
    before = (away.state_dir / REDACTED_BY).read_text()
    filler = fill(away.state_dir)

    back = hookd_process_factory(redis_url=redis.url, start=False, redact_rules=RULES, **SPOOL)
    back.env["HOOKD_STATE_DIR"] = str(away.state_dir)
    back.state_dir = away.state_dir
    back.start(timeout=180)  # its first start with RULES compiles their scanner database

    def said(event: str) -> list[dict]:
        return [r for r in log_records(back.log_text()) if r.get("event") == event]

    assert len(said("spool_backlog_redacted_on_publish")) == 1
    _, state = status(back)
    waiting = state["spool"]["redacted_on_publish"]
    assert waiting["events"] == EVENTS and "disk full" in waiting["error"], waiting

    redis.start()
    try:
        client = redis.client()
        wait_until(lambda: client.xlen("hookd:events") >= EVENTS, timeout=60, what="the backlog in Redis")
        entries = [fields for _, fields in client.xrange("hookd:events")]
        assert [f[b"session"] for f in entries] == [f"s{n}".encode() for n in range(EVENTS)]  # each once, in order
        assert not [f for f in entries if TICKET.encode() in b"".join(f.values())]
        assert all(json.loads(f[b"envelope"])["redactions"] >= 1 for f in entries)
        # Not recorded while the disk is full, and the record of the settings before removed (forget): a
        # stop now would have the next start check the spool again.
        assert not (back.state_dir / REDACTED_BY).exists()

        filler.unlink()
        wait_until(lambda: said("spool_redacted_again"), timeout=30, what="the settings recorded")
        assert said("spool_redacted_again")[0]["secrets"] == {"ticket": EVENTS}
        assert re.fullmatch(r"[0-9a-f]{32}\n", (back.state_dir / REDACTED_BY).read_text())
        assert (back.state_dir / REDACTED_BY).read_text() != before
        _, state = status(back)
        assert state["spool"]["redacted_on_publish"] is None and state["spool"]["events"] == 0
        assert client.xlen("hookd:events") == EVENTS
        assert not said("spool_backlog_not_redacted")
        assert back.stop(signal.SIGTERM) == 0
    finally:
        redis.stop()
