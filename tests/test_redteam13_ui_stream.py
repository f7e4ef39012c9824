"""Thirteenth red-team pass: a browser that stops reading its event stream is cut off by the bytes
waiting for it, not only by the number of batches (the eleventh pass's Left: 200 batches of up to
2,000 records each, and a record of a stream entry others wrote can be a few KB of escaped JSON)."""

from __future__ import annotations

import json

from hookd.ui.events import record
from hookd.ui.store import MAX_QUEUED_BATCHES, MAX_QUEUED_BYTES, Store


def large_entry(n: int) -> tuple[str, dict]:
    """An entry whose record is as large as a record gets: every text field the UI keeps at its
    cut, in control characters (six bytes each as JSON), with long risk reasons."""
    text = "\x01" * 10_000
    envelope = {
        "event_id": f"e{n}",
        "host": text,
        "hook": "PreToolUse",
        "session_id": "s",
        "tool_name": text,
        "model": text,
        "operation": text,
        "risk": "high",
        "risk_reasons": [text * 10] * 5,
        "received_at": "2026-12-03T10:00:00.000000Z",
        "payload": {"cwd": text, "tool_use_id": text, "agent_id": text, "agent_type": text, "prompt": text},
    }
    return f"{1796292000000 + n}-0", {b"envelope": json.dumps(envelope).encode()}


def test_a_record_keeps_each_risk_reason_short():
    rec, data = record(*large_entry(0))
    assert all(len(reason) <= 200 for reason in data["why"]) and len(data["why"]) == 5
    assert len(rec.json) < 32 << 10, len(rec.json)


def test_a_stalled_browser_is_cut_off_by_the_bytes_waiting_for_it():
    records = [record(*large_entry(n)) for n in range(200)]  # an XREAD's reply, short of its 2,000
    batch_bytes = sum(len(rec.json) for rec, _ in records)
    batches = MAX_QUEUED_BYTES // batch_bytes + 2
    assert batches < MAX_QUEUED_BATCHES  # the count alone would keep it
    store = Store(history=10)
    slow, reading = store.subscribe(), store.subscribe()
    for _ in range(batches):
        store.add(records)
        while not reading.empty():
            reading.get_nowait()
    assert slow not in store.subscribers and reading in store.subscribers
    items = [slow.get_nowait() for _ in range(slow.qsize())]
    assert items[-1] is None
    assert sum(len(item[1]) for item in items[:-1]) <= MAX_QUEUED_BYTES
    assert slow.bytes == 0 and reading.bytes == 0  # what was taken is no longer counted


def test_a_browser_that_reads_takes_a_batch_larger_than_the_bound():
    """A guard (held before too): the bound is on what waits, so a browser that has read everything
    is not cut off by one large batch."""
    store = Store(history=10)
    queue = store.subscribe()
    records = [record(*large_entry(n)) for n in range(200)]
    huge = records * (MAX_QUEUED_BYTES // sum(len(rec.json) for rec, _ in records) + 1)
    store.add(huge)
    assert queue in store.subscribers and queue.get_nowait()[1].count(b'"id"') == len(huge)
