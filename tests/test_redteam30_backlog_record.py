"""Thirtieth red-team pass: the record of the backlog's redaction settings left naming another run's.

Real `hookd run` processes, a real Redis, the state directory on a real tmpfs (root, as in CI). A start
that cannot record its settings as those of the spool's waiting events (the disk is full: the backlog is
redacted again as it is published, or the record's write fails) served events with the record still
naming the settings of the run before. A later start with those settings took the events this run
spooled for its own and published them as they were: a value its rules match reached Redis.
"""

from __future__ import annotations

import json
import signal

import pytest
from conftest import RedisServer, log_records, wait_until
from test_disk_full import STATE_MOUNT, fill, mounts  # noqa: F401 (mounts: the fixture)

# Its starts compile their own rules' scanner databases: minutes on a machine loaded past its cores.
pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(__import__("os").geteuid() != 0, reason="tmpfs needs root"),
    pytest.mark.timeout(600),
]

TICKET = "TKT-48213377"
ALPHA = "ALPHA-77310042"
TICKETS = json.dumps([{"name": "ticket", "pattern": "TKT-[0-9]{8}", "keywords": ["TKT-"]}])
ALPHAS = json.dumps([{"name": "alpha", "pattern": "ALPHA-[0-9]{8}", "keywords": ["ALPHA-"]}])
SPOOL = {"spool_reserve_bytes": "0", "spool_segment_bytes": str(64 << 10)}
FIRST, THEN = 20, 10


class Runs:
    """hookd runs one after the other on one state directory (a tmpfs), Redis away until asked."""

    def __init__(self, factory, tmp_path, mounts) -> None:
        self.factory = factory
        self.redis = RedisServer(tmp_path / "redis")
        self.state_dir = None
        self.mounts = mounts

    def start(self, **settings: str):
        daemon = self.factory(redis_url=self.redis.url, start=False, **SPOOL, **settings)
        if self.state_dir is None:
            self.mounts(daemon.state_dir, STATE_MOUNT)
            self.state_dir = daemon.state_dir
        daemon.env["HOOKD_STATE_DIR"] = str(self.state_dir)
        daemon.state_dir = self.state_dir
        # Its own rules: the scanner's databases are compiled at start (tests seed only the default's).
        return daemon.start(timeout=180)


def send(daemon, first: int, count: int, note: str) -> None:
    for n in range(first, first + count):
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}", "note": note})
        done = daemon.send(body.encode(), "Stop", HOOKD_SEND_TIMEOUT_MS="5000")
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


def said(daemon, event: str) -> list[dict]:
    return [r for r in log_records(daemon.log_text()) if r.get("event") == event]


def published_by_the_first_settings(runs: Runs, value: str) -> None:
    """A start with the first run's settings again publishes every event once, in order, none with
    ``value`` (which those settings redact)."""
    again = runs.start(redact_rules=ALPHAS)
    runs.redis.start()
    try:
        client = runs.redis.client()
        wait_until(lambda: client.xlen("hookd:events") >= FIRST + THEN, timeout=60, what="the spool in Redis")
        entries = [fields for _, fields in client.xrange("hookd:events")]
        assert [f[b"session"] for f in entries] == [f"s{n}".encode() for n in range(FIRST + THEN)]
        leaked = [f[b"session"] for f in entries if value.encode() in b"".join(f.values())]
        assert not leaked, f"{value} published as spooled under other settings in {leaked}"
        assert again.stop(signal.SIGTERM) == 0
    finally:
        runs.redis.stop()


def test_events_spooled_while_the_backlog_is_redacted_on_publish_are_redacted_by_a_later_start(
    hookd_process_factory, tmp_path, mounts
):
    runs = Runs(hookd_process_factory, tmp_path, mounts)
    first = runs.start(redact_rules=ALPHAS)
    send(first, 0, FIRST, f"ticket {TICKET}")  # the alpha rule leaves the ticket
    assert first.stop(signal.SIGTERM) == 0
    filler = fill(runs.state_dir)

    # The ticket rule finds the backlog's tickets; the disk takes no copies: redacted on publishing.
    second = runs.start(redact_rules=TICKETS)
    assert len(said(second, "spool_backlog_redacted_on_publish")) == 1
    filler.unlink()
    send(second, FIRST, THEN, f"code {ALPHA}")  # spooled by the ticket rule's settings: the alpha value kept
    assert second.stop(signal.SIGTERM) == 0  # Redis never came: the backlog was not published

    published_by_the_first_settings(runs, ALPHA)


def test_events_spooled_with_redaction_off_on_a_full_disk_are_redacted_by_a_later_start(
    hookd_process_factory, tmp_path, mounts
):
    runs = Runs(hookd_process_factory, tmp_path, mounts)
    first = runs.start(redact_rules=ALPHAS)
    send(first, 0, FIRST, "nothing secret")
    assert first.stop(signal.SIGTERM) == 0
    filler = fill(runs.state_dir)

    # redact = false cannot write its record ("off") on the full disk.
    second = runs.start(redact="false")
    assert said(second, "spool_redaction_record_failed")
    filler.unlink()
    send(second, FIRST, THEN, f"code {ALPHA}")  # spooled as it came
    assert second.stop(signal.SIGTERM) == 0

    published_by_the_first_settings(runs, ALPHA)
