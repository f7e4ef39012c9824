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

import structlog

from hookd.peers import Throttle
from hookd.publish.session_state import state_after
from hookd.ui.events import Record

log = structlog.get_logger("hookd.ui")

MAX_SESSIONS = 5000
# A browser whose connection has this many batches, or this many bytes, waiting is cut off; it
# reconnects and catches up from the history (EventSource does this by itself). A batch is up to
# 2,000 records of up to a few KB each (as escaped JSON), so a count alone would let a stalled tab hold
# gigabytes during a flood of large events.
MAX_QUEUED_BATCHES = 200
MAX_QUEUED_BYTES = 16 << 20
# Records a reconnecting browser is sent from memory; what came before them is said as a gap.
CATCH_UP = 5000
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
    moved_to: str = ""  # the state its last event that gave one gave (session_state.py)
    events: int = 0
    tool_calls: int = 0
    failures: int = 0
    tokens: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str:
        return self.moved_to or "running"

    def add(self, rec: Record, data: dict[str, Any]) -> None:
        self.events += 1
        if rec.ms >= self.last_ms:
            self.last_ms = rec.ms
            self.moved_to = state_after(rec.hook, data.get("ntype")) or self.moved_to
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
        self.cut_off = 0  # browsers' streams ended for falling behind (/api/status)
        self._cut_lines = Throttle(10.0)

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
                    self._said_cut_off(waiting, queue.bytes)
                else:
                    queue.put_nowait((records[-1][0].entry_id, batch))

    def _said_cut_off(self, batches: int, queued: int) -> None:
        self.cut_off += 1
        lines = self._cut_lines.ready("cut")
        if lines is not None:
            log.warning(
                "ui_browser_cut_off",
                batches=batches,
                bytes=queued,
                browsers=lines,
                total=self.cut_off,
                hint="a browser read its event stream too slowly (a busy or stalled tab); it reconnects and its "
                "page says how many events it was not sent",
            )

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

    def after(self, entry_id: str, limit: int = CATCH_UP) -> list[Record]:
        """The kept records newer than entry_id (a browser catching up after a reconnect)."""
        return self.catch_up(entry_id, limit)[0]

    def catch_up(self, entry_id: str, limit: int = CATCH_UP) -> tuple[list[Record], dict[str, Any] | None]:
        """The newest ``limit`` kept records after entry_id, and what a browser whose last record
        is entry_id does not get of those before them (None: nothing): how many, the times of the
        first and last, and whether more went before what is kept (``more``: their number is not
        known here)."""
        key = id_key(entry_id)
        found: list[Record] = []
        newer, reached, oldest_missed, newest_missed = 0, False, None, None
        for rec in reversed(self.records):
            if id_key(rec.entry_id) <= key:
                reached = True
                break
            newer += 1
            if len(found) < limit:
                found.append(rec)
            else:
                oldest_missed = rec
                newest_missed = newest_missed or rec
        found.reverse()
        more = not reached and bool(self.records) and self.evicted > 0
        if newest_missed is None and not more:
            return found, None
        gap = {
            "missed": newer - len(found),
            "more": more,
            "from": oldest_missed.ms if oldest_missed else (found[0].ms if found else 0),
            "to": newest_missed.ms if newest_missed else (found[0].ms if found else 0),
        }
        if more:  # they began after the browser's last record
            gap["from"] = key[0]
        return found, gap

    def before(self, entry_id: str | None, limit: int) -> list[Record]:
        """Up to limit kept records older than entry_id (or the newest), newest first."""
        key = id_key(entry_id) if entry_id else None
        found = []
        for rec in reversed(self.records):
            if key is not None and id_key(rec.entry_id) >= key:
                continue
            found.append(rec)
            if len(found) >= limit:
                break
        return found

    def of_session(self, session: str) -> list[Record]:
        return [rec for rec in self.records if rec.session == session]

    @property
    def holds_all(self) -> bool:
        """Whether every entry of the stream since the UI started reading it is kept."""
        return self.whole_stream and self.evicted == 0

    def covers(self, first_ms: int | None) -> bool:
        """Whether every event of a session that started at first_ms (None: not known) is kept,
        so that opening it needs no read of the stream."""
        if self.holds_all:
            return True
        return bool(first_ms and self.records and self.records[0].ms < first_ms)


def id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    try:
        return int(ms), int(seq or 0)
    except ValueError:
        return 0, 0


def join(records: Iterable[Record]) -> bytes:
    return b"[" + b",".join(rec.json for rec in records) + b"]"
