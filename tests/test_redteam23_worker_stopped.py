"""Red team, twenty-third pass: the worker process for large events stopped (SIGSTOP).

Events over 64 KiB are prepared in a worker process within `work_budget_ms`; past it the payload is
withheld and the worker replaced. But the budget started only once the event was written to the
worker's pipe, and that write blocked: a body larger than the pipe holds (every body sent there is)
waited for a worker that no longer read. Stopped by SIGSTOP (or a frozen cgroup), the worker held
that event, every large event after it and the inbox sweep behind them, for as long as it stayed
stopped: hook-send kept each one in the inbox, `hookd status` said stalled, and nothing moved. Now
the budget covers the hand-over: the event is withheld, the worker replaced, and the next large
event goes through.
"""

from __future__ import annotations

import json
import os
import signal

import pytest

from conftest import log_records, stream_entries, wait_until

pytestmark = pytest.mark.process


def frame(session: str) -> bytes:
    body = json.dumps({"hook_event_name": "PostToolUse", "session_id": session, "tool_response": "x" * 200_000})
    return b"HOOKD/1 %d\n%s" % (len(body), body.encode())


def envelopes(redis_db) -> list[dict]:
    return [json.loads(entry[b"envelope"]) for entry in stream_entries(redis_db)]


def test_a_stopped_worker_holds_no_event_past_the_budget(hookd_process_factory, redis_db):
    daemon = hookd_process_factory(work_budget_ms="500")
    assert daemon.request(frame("starts-the-worker")).startswith(b"OK ")
    (started,) = [r for r in log_records(daemon.log_text()) if r.get("event") == "worker_started"]
    worker = started["pid"]
    os.kill(worker, signal.SIGSTOP)
    try:
        # Before: no answer at all (the daemon waited on the stopped worker's pipe).
        assert daemon.request(frame("sent-to-the-stopped-worker"), timeout=15).startswith(b"OK ")
        assert daemon.request(frame("sent-after-it"), timeout=15).startswith(b"OK ")
    finally:
        try:
            os.kill(worker, signal.SIGKILL)
        except ProcessLookupError:
            pass
    seen = wait_until(lambda: len(found := envelopes(redis_db)) == 3 and found, timeout=60, what="3 events")
    # The withheld event's payload is its marker: no session_id is lifted from it.
    assert [e["session_id"] for e in seen] == ["starts-the-worker", None, "sent-after-it"]
    held = seen[1]["payload"]["hookd_withheld"]
    assert held["reason"] == "over_budget", held
    assert seen[2]["payload"]["tool_response"] == "x" * 200_000
    assert len([r for r in log_records(daemon.log_text()) if r.get("event") == "worker_started"]) == 2
