"""An inbox copy of a published event is still known after the start redacted the spool again.

At start-up hookd reads the hand-off ids of the inbox's waiting files and of the events spooled in
the last three minutes from the spool's segments, published ones too (they stay two minutes for
that), so that a copy a cut-off sender left in the inbox is not published a second time. The
backlog's re-redaction (daemon/backlog.py) ran first, and when its copies took the spool past
spool_max_bytes it deleted the published segments with the rest: the copy of an event published
just before the stop came through as a second event. Now the ids are read before the backlog is
touched, and remembered after it. Real `hookd run` processes on one state directory, a real Redis.
"""

from __future__ import annotations

import json
import os
import signal

import pytest
from conftest import free_port, log_records, stream_entries, wait_for_entries, wait_until

from client.hook_send import make_header

pytestmark = pytest.mark.process

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"
SPOOL = {"spool_max_bytes": str(1 << 20), "spool_segment_bytes": str(64 << 10), "spool_reserve_bytes": "0"}
HANDOFF = "0123456789abcdef"
WAITING = 300  # some 2 KiB each: their copies take the spool past its 1 MiB


def on(factory, state_dir, **settings: str):
    daemon = factory(start=False, **settings)
    daemon.env["HOOKD_STATE_DIR"], daemon.state_dir = str(state_dir), state_dir
    return daemon


def test_the_inbox_copy_of_an_event_published_before_a_redacted_backlog_is_dropped(hookd_process_factory, redis_db):
    payload = json.dumps({"hook_event_name": "Stop", "session_id": "published"}).encode()
    frame = b"".join((make_header(payload, hook="Stop", handoff_id=HANDOFF)[0], payload))
    first = hookd_process_factory(redact="false", **SPOOL)
    state_dir = first.state_dir
    assert first.request(frame).startswith(b"OK")
    wait_for_entries(redis_db, 1)
    assert first.stop(signal.SIGTERM) == 0
    away = on(hookd_process_factory, state_dir, redis_url=f"redis://127.0.0.1:{free_port()}/0", redact="false", **SPOOL)
    away.start()
    for n in range(WAITING):
        note = f"key {AWS_KEY} " + "x" * 1800
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"w{n}", "note": note}).encode()
        assert away.request(make_header(body, hook="Stop")[0] + body).startswith(b"OK")
    assert away.stop(signal.SIGTERM) == 0
    # What the sender whose OK the first stop cut off leaves in the inbox.
    fd = os.open(state_dir / "inbox" / f"{HANDOFF}.hookd", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, frame)
    os.close(fd)

    back = on(hookd_process_factory, state_dir, **SPOOL).start()
    wait_until(lambda: redis_db.xlen("hookd:events") >= 1 + WAITING, what="the backlog in the stream")
    wait_until(lambda: not list((state_dir / "inbox").glob("*.hookd")), what="the inbox taken")
    records = log_records(back.log_text())
    assert [r for r in records if r.get("event") == "spool_redacted_again"], records  # the backlog was copied
    assert [r for r in records if r.get("event") == "handoff_duplicate_dropped"], records
    sessions = [fields[b"session"] for fields in stream_entries(redis_db)]
    assert sessions == [b"published", *(f"w{n}".encode() for n in range(WAITING))]
