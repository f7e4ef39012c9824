"""hookd ui's memory and records, without a browser: what a stream entry becomes, what is kept,
and when a session can be shown from memory."""

from __future__ import annotations

import json

import pytest

from hookd.ui.events import SUMMARY_CHARS, record
from hookd.ui.store import MAX_QUEUED_BATCHES, Store
from hookd.ui.unreadable import NotAnEnvelope


def entry(n: int, hook: str = "PreToolUse", session: str = "s", **payload) -> tuple[str, dict]:
    envelope = {
        "event_id": f"e{n}",
        "host": "h",
        "hook": hook,
        "session_id": session,
        "tool_name": "Bash",
        "received_at": f"2026-12-03T10:00:{n:02d}.000000Z",
        "risk": "high",
        "risk_reasons": ["rm -rf"],
        "duration_ms": None,
        "model": "m",
        "usage": None,
        "payload": {"cwd": "/p", **payload},
    }
    return f"{1796292000000 + n * 1000}-0", {b"envelope": json.dumps(envelope).encode(), b"session": session.encode()}


def test_a_record_holds_the_fields_a_summary_and_no_more_of_the_payload():
    entry_id, fields = entry(
        1, tool_input={"command": "x" * 1000, "secret": "not kept"}, tool_response={"stdout": "not kept either"}
    )
    rec, data = record(entry_id, fields)
    assert rec.session == "s" and rec.hook == "PreToolUse" and rec.risk == "high"
    assert data["sum"] == "x" * SUMMARY_CHARS and data["cwd"] == "/p" and data["why"] == ["rm -rf"]
    assert b"not kept" not in rec.json
    assert rec.ms == 1796292001000


def test_unreadable_entries_are_left_out_and_odd_types_are_tolerated():
    with pytest.raises(NotAnEnvelope, match="^its envelope is not JSON$"):
        record("1-0", {b"envelope": b"not json"})
    with pytest.raises(NotAnEnvelope, match="^it is larger than the UI reads$"):
        record("1-0", {})  # what the reader gives for an entry too large for a reply
    rec, data = record(
        "5-0",
        {
            b"envelope": json.dumps(
                {"hook": 3, "session_id": ["x"], "payload": {"prompt": {"a": 1}}, "usage": None}
            ).encode()
        },
    )
    assert rec.hook == "unknown" and rec.session == "" and data["sum"] == "" and rec.ms == 5


def test_the_store_is_bounded_and_knows_when_it_holds_a_whole_session():
    store = Store(history=5)
    store.whole_stream = True
    store.add([record(*entry(n, session="a" if n < 3 else "b")) for n in range(4)], live=False)
    assert store.covers(None)  # everything since the stream's start, nothing evicted
    store.add([record(*entry(n, session="b")) for n in range(4, 8)], live=False)
    assert len(store.records) == 5 and store.evicted == 3
    assert not store.covers(None)  # session a's first events are gone
    assert store.covers(1796292004000) and not store.covers(1796292000000)
    assert [r.entry_id for r in store.after("1796292005000-0")] == ["1796292006000-0", "1796292007000-0"]
    assert store.sessions["a"].events == 3 and store.sessions["b"].events == 5


def test_a_browser_that_falls_behind_is_cut_off_not_buffered_forever():
    store = Store(history=10)
    slow = store.subscribe()
    for n in range(MAX_QUEUED_BATCHES + 5):
        store.add([record(*entry(n % 60))])
    assert slow not in store.subscribers
    items = [slow.get_nowait() for _ in range(slow.qsize())]
    assert items[-1] is None and len(items) == MAX_QUEUED_BATCHES + 1


@pytest.mark.parametrize(
    "waiting", ["permission_prompt", "elicitation_dialog", "elicitation_url_dialog", "agent_needs_input"]
)
def test_session_state_follows_its_last_event(waiting):
    store = Store(history=10)
    for n, (hook, extra) in enumerate([("UserPromptSubmit", {}), ("Notification", {"notification_type": waiting})]):
        store.add([record(*entry(n, hook, **extra))])
    assert store.sessions["s"].state == "waiting"
    store.add([record(*entry(3, "Stop"))])
    assert store.sessions["s"].state == "stopped"
    store.add([record(*entry(4, "StopFailure"))])
    assert store.sessions["s"].state == "failed"
