"""Sessions older than what memory keeps, read from the stream once and then only where they grew.

Reading such a session scans the stream back from its last event, up to MAX_SESSION_SCAN entries
(ui/reader.py). The page reads its session again a second after each of its new events, and each
tab on it does: each read scanned all of it again. Here the answer of a scan is kept with the
newest entry it covered; a later read scans only the entries after that one, and adds what it
finds. Reads of one session wait for each other, so the second reuses what the first read. A
scan that found nothing is kept apart, so the sessions read meanwhile do not push it out; a scan
keeps the ids of the events it counts but does not send, so trimming past them is not a read anew.
The reads of ids nothing else names (no index entry, no events in memory, none found yet) draw on
one budget of entries (ui/scan_budget.py): new ids without end cannot keep the reader reading.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from typing import NamedTuple

from hookd.ui import reader as reader_module
from hookd.ui.entry_ids import EntryIds
from hookd.ui.events import Record
from hookd.ui.reader import SessionScan, StreamReader
from hookd.ui.scan_budget import ScanBudget
from hookd.ui.store import id_key

# Sessions whose scans are kept, the most recently read first: at most this many, and their
# events make this many records at most together, and the ids of their events not sent this many
# (16 bytes each) (the one read last is kept whatever its size).
KEPT_SESSIONS = 64
KEPT_RECORDS = 40_000
KEPT_EARLIER_IDS = 1_000_000
# Scans that found nothing (an id no stream entry has: a typo, an old link, a hostile client's)
# are kept apart, by a digest of the id, this many: a few hundred bytes each, and the sessions
# read meanwhile no longer push them out, so an id costs one pass of the stream until it grows.
KEPT_ABSENT = 4096
# A request reads this many entries at most: a first read of an old session (or of an id no entry
# has) goes on in the reads after it, until MAX_SESSION_SCAN; the answer says it reads on.
SCAN_STEP = 50_000


class Scan(NamedTuple):
    first_ms: int  # where the read of the session begins (hookd's index), the key with its id
    covered: str  # the newest entry read: every entry up to it was looked at (back to unread)
    found: list[Record]  # its newest events, oldest first
    earlier_ids: EntryIds  # its events older than found (counted, not sent)
    unread: str | None  # the oldest entry read when a bound stopped the read
    scanned: int  # the entries read: back from covered to unread, and those since read after
    oldest: str | None  # the oldest of its events read (found or counted)
    head: str | None = None  # the newest entry the last read wanted, when it did not reach it

    @property
    def earlier(self) -> int:
        return len(self.earlier_ids)


def _joined(newer: Scan | SessionScan, older: Scan | SessionScan) -> tuple[list[Record], EntryIds]:
    """The newest MAX_SESSION_EVENTS of two reads that meet, and the ids of theirs that are older."""
    joined = older.found + newer.found
    cut = max(0, len(joined) - reader_module.MAX_SESSION_EVENTS)
    if newer.earlier_ids:  # newer.found is whole: all of older is earlier
        cut = len(older.found)
        earlier = older.earlier_ids + EntryIds.of([rec.entry_id for rec in older.found]) + newer.earlier_ids
    else:
        earlier = older.earlier_ids + EntryIds.of([rec.entry_id for rec in joined[:cut]])
    return joined[cut:], earlier


def _untrimmed(kept: Scan, first: str) -> Scan | None:
    """A kept scan without what the stream no longer holds (None: read it anew)."""
    if id_key(first) > id_key(kept.covered):
        return None  # all of it trimmed, or the stream made anew
    unread = kept.unread if kept.unread is not None and id_key(kept.unread) >= id_key(first) else None
    if kept.oldest is None or id_key(kept.oldest) >= id_key(first):
        return kept._replace(unread=unread)
    earlier = kept.earlier_ids.since(first)
    found = kept.found if earlier else [rec for rec in kept.found if id_key(rec.entry_id) >= id_key(first)]
    oldest = earlier.first() or (found[0].entry_id if found else None)
    return kept._replace(found=found, earlier_ids=earlier, unread=unread, oldest=oldest)


class SessionScans:
    def __init__(self, reader: StreamReader) -> None:
        self.reader = reader
        self.kept: OrderedDict[str, Scan] = OrderedDict()
        self.absent: OrderedDict[bytes, Scan] = OrderedDict()  # scans that found nothing, by _digest
        self.locks: dict[str, tuple[asyncio.Lock, int]] = {}  # a session's, and the reads holding or awaiting it
        self.unknown = ScanBudget()

    async def events(
        self, session: str, first_ms: int, last_ms: int, unknown: bool = False
    ) -> tuple[list[Record], int, str | None]:
        """What ``StreamReader.session_events`` answers, reading only what a kept scan lacks, and
        at most SCAN_STEP entries a request: ``reading_on`` says when a read stopped short of it.
        ``unknown``: nothing but the stream names the session; until a read finds one of its events,
        its reads draw on ``self.unknown`` (ScanBudgetSpent, before anything is read, when it is spent)."""
        lock, users = self.locks.get(session, (asyncio.Lock(), 0))
        self.locks[session] = lock, users + 1
        try:
            async with lock:
                if not unknown or session in self.kept:
                    return (await self._events(session, first_ms, last_ms, SCAN_STEP))[:3]
                taken, read = self.unknown.take(SCAN_STEP), 0
                try:
                    found, earlier, unread, read = await self._events(session, first_ms, last_ms, taken)
                    return found, earlier, unread
                finally:
                    self.unknown.give_back(taken - read)
        finally:
            lock, users = self.locks[session]
            if users == 1:
                del self.locks[session]
            else:
                self.locks[session] = lock, users - 1

    def reading_on(self, session: str) -> bool:
        """Whether the session's read stopped at a request's SCAN_STEP, short of MAX_SESSION_SCAN or
        of the entries added since: a read again reads on from where it stopped."""
        scan = self.kept.get(session) or self.absent.get(_digest(session))
        if scan is None:
            return False
        return scan.head is not None or (scan.unread is not None and scan.scanned < reader_module.MAX_SESSION_SCAN)

    def behind(self, session: str) -> tuple[str, str] | None:
        """The newest entry the session's last read covered and the newest it wanted, when the
        entries between (added since an earlier read) are not all read yet."""
        scan = self.kept.get(session) or self.absent.get(_digest(session))
        return (scan.covered, scan.head) if scan is not None and scan.head is not None else None

    async def _events(
        self, session: str, first_ms: int, last_ms: int, budget: int
    ) -> tuple[list[Record], int, str | None, int]:
        """The answer, and how many entries were read for it (the newest and the first aside)."""
        top = await self.reader.newest_before(last_ms)
        first = await self.reader.first_entry()
        kept = self.kept.pop(session, None) or self.absent.pop(_digest(session), None)
        if top is None or first is None:
            return [], 0, None, 0
        if kept is not None and (kept.first_ms != first_ms or id_key(top) < id_key(kept.covered)):
            kept = None  # another start (the index appeared), or a stream made anew: read it all
        scan = _untrimmed(kept, first) if kept is not None else None
        before = scan.scanned if scan is not None else 0
        if scan is None:
            got = await self.reader.scan_session(session, first_ms, last_ms, top, None, self._step(0, budget))
            budget -= got.scanned
            scan = Scan(first_ms, top, got.found, got.earlier_ids, got.unread, got.scanned, got.oldest)
        # Reading on back comes first: it ends (at MAX_SESSION_SCAN), where the entries added since
        # the kept scan need not. Read newest first, a writer adding a step a request kept the read
        # at the stream's head, each step read anew, never reaching the session's events.
        step = self._step(scan.scanned, budget)
        if scan.unread is not None and step > 0 and id_key(scan.unread) > (0, 0):  # read on from where it stopped
            got = await self.reader.scan_session(session, first_ms, last_ms, "(" + scan.unread, None, step)
            budget -= got.scanned
            found, earlier = _joined(scan, got)
            scan = scan._replace(
                found=found,
                earlier_ids=earlier,
                unread=got.unread,
                scanned=scan.scanned + got.scanned,
                oldest=got.oldest or scan.oldest,
            )
        if top != scan.covered and budget > 0:  # the entries since, oldest first: what a step leaves is read next
            since, reached = await self.reader.scan_after(session, scan.covered, top, budget)
            found, earlier = _joined(since, scan)
            scan = scan._replace(
                covered=reached,
                found=found,
                earlier_ids=earlier,
                scanned=scan.scanned + since.scanned,
                oldest=scan.oldest or since.oldest,
            )
        scan = scan._replace(head=top if top != scan.covered else None)
        self._keep(session, scan)
        return scan.found, scan.earlier, scan.unread, scan.scanned - before

    @staticmethod
    def _step(scanned: int, budget: int) -> int:
        return min(budget, reader_module.MAX_SESSION_SCAN - scanned)

    def _keep(self, session: str, scan: Scan) -> None:
        if scan.oldest is None:
            key = _digest(session)
            self.absent[key] = scan
            self.absent.move_to_end(key, last=False)
            while len(self.absent) > KEPT_ABSENT:
                self.absent.popitem()
            return
        self.kept[session] = scan
        self.kept.move_to_end(session, last=False)
        records = sum(len(s.found) for s in self.kept.values())
        ids = sum(s.earlier for s in self.kept.values())
        while len(self.kept) > KEPT_SESSIONS or (
            len(self.kept) > 1 and (records > KEPT_RECORDS or ids > KEPT_EARLIER_IDS)
        ):
            _, dropped = self.kept.popitem()
            records -= len(dropped.found)
            ids -= dropped.earlier


def _digest(session: str) -> bytes:
    return hashlib.blake2b(session.encode("utf-8", "surrogatepass"), digest_size=16).digest()
