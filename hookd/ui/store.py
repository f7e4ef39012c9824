"""What `hookd ui` keeps in memory: the latest events, a summary per session, and its browsers.

Memory is bounded: at most ``history`` records (each a few hundred bytes of JSON
and a few fields), at most ``MAX_SESSIONS`` session summaries. Older events are
read from Redis when a browser pages back (XREVRANGE) or opens an older session.
"""

from __future__ import annotations

import asyncio
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Iterable

from hookd.ui.events import Record

MAX_SESSIONS = 5000
# A browser whose connection has this many batches, or this many bytes, waiting is cut off; it
# reconnects and catches up from the history (EventSource does this by itself). A batch is up to
# 2,000 records of up to a few KB each (as escaped JSON), so a count alone would let a stalled tab hold
# gigabytes during a flood of large events.
MAX_QUEUED_BATCHES = 200
MAX_QUEUED_BYTES = 16 << 20
WAITING_NOTIFICATIONS = ("permission_prompt", "elicitation_dialog")
# What a browser's queue receives: the last entry's id and the new records as one JSON array;
# None ends its stream.
Batch = tuple[str, bytes]


@dataclass
class SessionSummary:
    session: str
    host: str = ""
    cwd: str = ""
    model: str = ""
    first_ms: int = 0
    last_ms: int = 0
    last_hook: str = ""
    waiting: bool = False
    events: int = 0
    tool_calls: int = 0
    failures: int = 0
    tokens: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str:
        if self.waiting:
            return "waiting"
        return {"Stop": "stopped", "SessionEnd": "ended", "StopFailure": "failed"}.get(self.last_hook, "running")

    def add(self, rec: Record, data: dict[str, Any]) -> None:
        self.events += 1
        if rec.ms >= self.last_ms:
            self.last_ms, self.last_hook = rec.ms, rec.hook
            if rec.hook == "PermissionRequest" or (
                rec.hook == "Notification" and data.get("ntype") in WAITING_NOTIFICATIONS
            ):
                self.waiting = True
            elif rec.hook not in ("Notification", "PermissionDenied"):
                self.waiting = False
        if not self.first_ms or rec.ms < self.first_ms:
            self.first_ms = rec.ms
        self.host = rec.host or self.host
        self.cwd = data.get("cwd") or self.cwd
        self.model = data.get("model") or self.model
        if rec.hook in ("PostToolUse", "PostToolUseFailure"):
            self.tool_calls += 1
            self.failures += rec.hook == "PostToolUseFailure"
        if data.get("tok"):
            self.tokens = data["tok"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "s": self.session,
            "host": self.host,
            "cwd": self.cwd,
            "model": self.model,
            "first": self.first_ms,
            "last": self.last_ms,
            "state": self.state,
            "events": self.events,
            "calls": self.tool_calls,
            "failures": self.failures,
            "tok": self.tokens or None,
        }


class BatchQueue(asyncio.Queue[Batch | None]):
    """A browser's queue of batches, counting the bytes it holds (through the hooks asyncio's own
    PriorityQueue and LifoQueue override)."""

    def __init__(self) -> None:
        super().__init__()
        self.bytes = 0

    def _put(self, item: Batch | None) -> None:
        self.bytes += len(item[1]) if item is not None else 0
        super()._put(item)

    def _get(self) -> Batch | None:
        item: Batch | None = super()._get()
        self.bytes -= len(item[1]) if item is not None else 0
        return item


class Store:
    def __init__(self, history: int) -> None:
        self.records: deque[Record] = deque(maxlen=history)
        self.sessions: OrderedDict[str, SessionSummary] = OrderedDict()
        self.subscribers: set[BatchQueue] = set()
        self.by_host: Counter[str] = Counter()
        self.read = 0
        self.evicted = 0
        self.whole_stream = False  # the first load reached the stream's first entry

    @property
    def oldest_id(self) -> str | None:
        return self.records[0].entry_id if self.records else None

    @property
    def newest_id(self) -> str | None:
        return self.records[-1].entry_id if self.records else None

    def add(self, records: list[tuple[Record, dict[str, Any]]], live: bool = True) -> None:
        """Records in stream order (oldest first); live ones also go to every browser."""
        for rec, data in records:
            if len(self.records) == self.records.maxlen:
                self.evicted += 1
                # Hosts are counted over the kept records: others write the stream, and a host
                # name per entry would otherwise grow this (and every /api/status) without end.
                if self.records:
                    gone = self.records[0].host
                    self.by_host[gone] -= 1
                    if self.by_host[gone] <= 0:
                        del self.by_host[gone]
            self.records.append(rec)
            self.by_host[rec.host] += 1
            self.read += 1
            if rec.session:
                summary = self.sessions.get(rec.session)
                if summary is None:
                    summary = self.sessions[rec.session] = SessionSummary(rec.session)
                    if len(self.sessions) > MAX_SESSIONS:
                        self.sessions.popitem(last=False)
                summary.add(rec, data)
                self.sessions.move_to_end(rec.session)
        if live and records:
            batch = b"[" + b",".join(rec.json for rec, _ in records) + b"]"
            for queue in list(self.subscribers):
                # A browser that has taken everything takes the next batch, however large.
                waiting = queue.qsize()
                if waiting >= MAX_QUEUED_BATCHES or (waiting and queue.bytes + len(batch) > MAX_QUEUED_BYTES):
                    self.subscribers.discard(queue)
                    queue.put_nowait(None)  # tells the browser's stream to end; it reconnects
                else:
                    queue.put_nowait((records[-1][0].entry_id, batch))

    def subscribe(self) -> BatchQueue:
        queue = BatchQueue()
        self.subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: BatchQueue) -> None:
        self.subscribers.discard(queue)

    def end_streams(self) -> None:
        """End every browser's stream (hookd ui is stopping): a stream runs until told, and held
        the stop until uvicorn cancelled it, with a traceback in the log."""
        for queue in self.subscribers:
            queue.put_nowait(None)
        self.subscribers.clear()

    def after(self, entry_id: str, limit: int = 5000) -> list[Record]:
        """The kept records newer than entry_id (a browser catching up after a reconnect)."""
        key = _id_key(entry_id)
        found: list[Record] = []
        for rec in reversed(self.records):
            if _id_key(rec.entry_id) <= key:
                break
            found.append(rec)
            if len(found) >= limit:
                break
        found.reverse()
        return found

    def before(self, entry_id: str | None, limit: int) -> list[Record]:
        """Up to limit kept records older than entry_id (or the newest), newest first."""
        key = _id_key(entry_id) if entry_id else None
        found = []
        for rec in reversed(self.records):
            if key is not None and _id_key(rec.entry_id) >= key:
                continue
            found.append(rec)
            if len(found) >= limit:
                break
        return found

    def of_session(self, session: str) -> list[Record]:
        return [rec for rec in self.records if rec.session == session]

    def covers(self, first_ms: int | None) -> bool:
        """Whether every event of a session that started at first_ms (None: not known) is kept,
        so that opening it needs no read of the stream."""
        if self.whole_stream and self.evicted == 0:
            return True
        return bool(first_ms and self.records and self.records[0].ms < first_ms)


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    try:
        return int(ms), int(seq or 0)
    except ValueError:
        return 0, 0


def join(records: Iterable[Record]) -> bytes:
    return b"[" + b",".join(rec.json for rec in records) + b"]"
