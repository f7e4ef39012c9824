"""Sessions older than what memory keeps, read from the stream once and then only where they grew.

Reading such a session scans the stream back from its last event, up to MAX_SESSION_SCAN entries
(ui/reader.py). The page reads its session again a second after each of its new events, and each
tab on it does: each read scanned all of it again. Here the answer of a scan is kept with the
newest entry it covered; a later read scans only the entries after that one, and adds what it
finds. Reads of one session wait for each other, so the second reuses what the first read.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import NamedTuple

from hookd.ui import reader as reader_module
from hookd.ui.events import Record
from hookd.ui.reader import StreamReader
from hookd.ui.store import id_key

# Sessions whose scans are kept, the most recently read first: at most this many, and their
# events make this many records at most together (the one read last is kept whatever its size).
# A scan that found nothing (a session id no stream entry has) counts too.
KEPT_SESSIONS = 64
KEPT_RECORDS = 40_000


class Scan(NamedTuple):
    first_ms: int  # where the read of the session begins (hookd's index), the key with its id
    covered: str  # the newest entry read: every entry up to it was looked at (back to unread)
    found: list[Record]  # its newest events, oldest first
    earlier: int  # its events older than found
    unread: str | None  # the oldest entry read when MAX_SESSION_SCAN stopped the read


class SessionScans:
    def __init__(self, reader: StreamReader) -> None:
        self.reader = reader
        self.kept: OrderedDict[str, Scan] = OrderedDict()
        self.locks: dict[str, tuple[asyncio.Lock, int]] = {}  # a session's, and the reads holding or awaiting it

    async def events(self, session: str, first_ms: int, last_ms: int) -> tuple[list[Record], int, str | None]:
        """What ``StreamReader.session_events`` answers, reading only what a kept scan lacks."""
        lock, users = self.locks.get(session, (asyncio.Lock(), 0))
        self.locks[session] = lock, users + 1
        try:
            async with lock:
                return await self._events(session, first_ms, last_ms)
        finally:
            lock, users = self.locks[session]
            if users == 1:
                del self.locks[session]
            else:
                self.locks[session] = lock, users - 1

    async def _events(self, session: str, first_ms: int, last_ms: int) -> tuple[list[Record], int, str | None]:
        top = await self.reader.newest_before(last_ms)
        if top is None:
            return [], 0, None
        kept = self.kept.pop(session, None)
        if kept is not None and (kept.first_ms != first_ms or id_key(top) < id_key(kept.covered)):
            kept = None  # another start (the index appeared), or a stream made anew: read it all
        if kept is not None and top == kept.covered:
            scan = kept
        else:
            after = kept.covered if kept is not None else None
            found, earlier, unread = await self.reader.session_events(session, first_ms, last_ms, top, after)
            if kept is None or unread is not None:  # read anew, or the entries since reached the bound
                scan = Scan(first_ms, top, found, earlier, unread)
            else:
                joined = kept.found + found
                cut = max(0, len(joined) - reader_module.MAX_SESSION_EVENTS)
                scan = Scan(first_ms, top, joined[cut:], kept.earlier + earlier + cut, kept.unread)
        self._keep(session, scan)
        return scan.found, scan.earlier, scan.unread

    def _keep(self, session: str, scan: Scan) -> None:
        self.kept[session] = scan
        self.kept.move_to_end(session, last=False)
        total = sum(len(s.found) for s in self.kept.values())
        while len(self.kept) > KEPT_SESSIONS or (len(self.kept) > 1 and total > KEPT_RECORDS):
            _, dropped = self.kept.popitem()
            total -= len(dropped.found)
