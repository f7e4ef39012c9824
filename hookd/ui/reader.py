"""The one reader of the stream: the latest events at start, then XREAD BLOCK for every browser.

However many browsers are open, Redis sees one blocking read; each reply is one
batch that the store fans out. History beyond what is kept in memory is read
with XREVRANGE (paging back) and XRANGE (a session's events), on demand.

The live reads have a client of their own (``live``) that requests cannot take: when the two
shared one pool, a burst of requests against a slow Redis held every connection, and once the
live read failed (a timeout, a dropped connection) it found none free again: the page stopped
updating until the requests' reads timed out, for as long as requests kept coming.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple, cast

import redis.asyncio as aioredis
import redis.exceptions
import structlog

from hookd.publish.connection import POOL_CONNECTIONS, Entry
from hookd.publish.failures import describe_read_failure
from hookd.publish.replies import READER_REPLY_BYTES, ReplyTooLarge
from hookd.publish.settings import RedisSettings
from hookd.publish.stream_replies import (
    awaited,
    oversized,
    read_entries,
    read_past,
    streams_entries,
)
from hookd.ui.entry_ids import EntryIds
from hookd.ui.events import Record, decoded
from hookd.ui.passed_over import PassedOver
from hookd.ui.store import Store, id_key as _key
from hookd.ui.unreadable import Unreadable

log = structlog.get_logger("hookd.ui")

BLOCK_MS = 1000
READ_COUNT = 2000
_GREATEST = (1 << 64) - 1, (1 << 64) - 1  # the greatest stream entry id (id_key's form)
PAGE = 1000
# Opening an old session reads the stream back from its last event to its first; this many entries
# at most (its events are picked by the entry's session field before decoding), and the page is
# told where the read stopped.
MAX_SESSION_SCAN = 500_000
# A session's page is sent its newest this many events, and told how many came before them: one of
# 100,000 events was sent whole (tens of MB, to every page showing it, again as its events arrive).
MAX_SESSION_EVENTS = 20_000
# The live reads are one at a time. Each connection may hold a READER_REPLY_BYTES reply, so the two
# clients make as many as one pool did; a request beyond REQUEST_CONNECTIONS gets a 503
# (ui/failures.py) rather than waiting.
LIVE_CONNECTIONS = 1
REQUEST_CONNECTIONS = POOL_CONNECTIONS - LIVE_CONNECTIONS
Client = aioredis.Redis | aioredis.RedisCluster


class SessionScan(NamedTuple):
    found: list[Record]  # the session's newest events read, oldest first
    earlier: int  # its events read that are older than found (counted, not kept)
    unread: str | None  # the oldest entry read when the budget stopped the read, else None
    scanned: int  # the entries read
    oldest: str | None  # the oldest of the session's events read (found or counted)
    earlier_ids: EntryIds  # the ids of the events counted in earlier, oldest first


class StreamReader:
    def __init__(self, redis_settings: RedisSettings, stream: str, store: Store, live: Client, client: Client) -> None:
        self.redis_settings = redis_settings
        self.store = store
        self.live = live  # the start and XREAD: never waits behind a request
        self.client = client  # the requests' reads
        self.stream = stream
        self.position = "0-0"
        self.error: str | None = None
        self.started = asyncio.Event()
        self.unreadable = Unreadable()
        self.passed_over = PassedOver()

    async def bootstrap(self) -> None:
        """Fill the store with the newest events (up to its size), oldest first."""
        want = self.store.records.maxlen or 0
        pages: list[list[tuple[Record, dict[str, Any]]]] = []
        upper, got, newest_read = "+", 0, None
        while got < want:
            entries = await self._older(self.live, upper, min(PAGE, want - got))
            if not entries:
                break
            pages.append(decoded(entries, self.unreadable))
            newest_read = newest_read or entries[0][0].decode()
            got += len(entries)
            last = entries[-1][0].decode()
            upper = "(" + last
            if len(entries) < PAGE:
                break
        self.store.whole_stream = got < want
        if pages:
            newest_first = [item for page in pages for item in page]
            # Sent to the pages already connected too: one that read its first page from Redis before this
            # read was otherwise never sent what was written between the two.
            self.store.add(newest_first[::-1], live=True)
            # The newest entry read, readable or not: from the newest record, the live read read again
            # (and counted again) the entries after it the UI cannot read.
            self.position = newest_read or "0-0"
            await self.passed_over.check(self.live, self.stream, self.position, force=True)
        elif want:
            # The read found the stream empty: every entry since is new. A second read for its newest
            # was a race: an entry written between the two was neither kept nor read live.
            self.position = "0-0"
        else:  # nothing kept: the live reads start at the stream's end
            newest = await self._older(self.live, "+", 1)
            self.position = newest[0][0].decode() if newest else "0-0"

    async def run(self) -> None:
        while True:
            try:
                if not self.started.is_set():
                    await self.bootstrap()
                    self.started.set()
                entries = await self._bounded(self._newer, self.position, READ_COUNT, streams=True)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis, or a bug: the reader must go on either way
                if isinstance(exc, (redis.exceptions.RedisError, OSError)):
                    message = describe_read_failure(self.redis_settings, self.stream, exc)
                else:
                    log.exception("ui_read_failed")
                    message = f"hookd ui could not read the stream ({type(exc).__name__})"
                if message != self.error:
                    log.warning(
                        "ui_redis_failed",
                        error=message,
                        hint="retrying every second; when nothing answers there, start Redis where redis_url "
                        "points, or correct redis_url (`hookd config` shows it)",
                    )
                self.error = message
                self.passed_over.forget()
                await asyncio.sleep(1)
                continue
            if self.error:
                log.info("ui_redis_back")
                self.error = None
            if entries:
                self.position = entries[-1][0].decode()
                self.passed_over.read += len(entries)
                self.store.add(decoded(entries, self.unreadable), live=True)
            if len(entries) < READ_COUNT:  # read up to the stream's end
                await self.passed_over.check(self.live, self.stream, self.position)

    async def _newer(self, position: str, count: int) -> list[Entry]:
        block = BLOCK_MS if count > 1 else None  # an entry at a time only after a reply too large
        reply = await awaited("XREAD", self.live.xread({self.stream: position}, count=count, block=block))
        return streams_entries("XREAD", reply)

    async def _older(self, client: Client, upper: str, count: int) -> list[Entry]:
        read = lambda start, n: read_entries("XREVRANGE", client.xrevrange(self.stream, start, "-", count=n))  # noqa: E731
        return await self._bounded(read, upper, count, streams=False)

    async def _bounded(
        self, read: Callable[[str, int], Awaitable[Any]], start: str, count: int, streams: bool
    ) -> list[Entry]:
        """``read(start, count)``'s entries. Others write the stream, and an entry can be as
        large as Redis allows: a reply past READER_REPLY_BYTES is read again an entry at a time,
        and an entry that alone is larger stands as an entry without fields (shown as none)
        (publish/stream_replies.py, oversized)."""
        entries: list[Entry] = []
        asked = count
        while len(entries) < count:
            try:
                got = cast(list[Entry], await read(start, asked))
            except ReplyTooLarge as exc:
                entry_id = oversized(exc, asked, streams)
                if entry_id is None:
                    asked = 1
                    continue
                log.warning("ui_entry_too_large", entry_id=entry_id, limit_mib=READER_REPLY_BYTES >> 20)
                got = [(entry_id.encode(), {})]
            entries += got
            if asked > 1 or not got:  # a whole reply, or the stream's end
                break
            start = read_past(entries[-1][0].decode(), streams)
        return entries

    async def page_before(self, entry_id: str | None, limit: int) -> list[tuple[Record, dict[str, Any]]]:
        """Events older than entry_id (or the newest), newest first, read from Redis."""
        if entry_id and _key(entry_id) == (0, 0):
            return []  # nothing is older, and Redis refuses the range
        upper = "(" + entry_id if entry_id else "+"
        return decoded(await self._older(self.client, upper, limit))

    async def entries_after(
        self, after: str, before: str | None, limit: int
    ) -> tuple[list[Record], str | None, str | None]:
        """A page of the events after ``after`` and before ``before`` (or the newest), oldest first,
        read with the requests' client (a page filling a gap it was not sent never holds up the
        live read); the id to read on from (None: the range is read to its end); and the stream's
        first entry when it is past ``after``: the events between were trimmed from the stream."""
        upper = "(" + before if before else "+"
        read = lambda start, n: read_entries("XRANGE", self.client.xrange(self.stream, start, upper, count=n))  # noqa: E731
        # Redis refuses a range from past its greatest id or to before its least: none there.
        nothing = _key(after) == _GREATEST or (before is not None and _key(before) == (0, 0))
        entries = [] if nothing else await self._bounded(read, "(" + after, limit, streams=False)
        first_id = await self.first_entry()
        trimmed = first_id if first_id and _key(first_id) > _key(after) else None
        following = entries[-1][0].decode() if len(entries) >= limit else None
        return [rec for rec, _ in decoded(entries)], following, trimmed

    async def session_events(
        self, session: str, first_ms: int, last_ms: int, top: str | None = None, after: str | None = None
    ) -> tuple[list[Record], int, str | None]:
        """A session's newest events (at most MAX_SESSION_EVENTS), oldest first, read back from its
        last event (or ``top``) towards its first (or to ``after``, exclusive); how many of its
        events before them are not sent; and, when MAX_SESSION_SCAN entries were read before its
        first was reached, the oldest entry read (the session's events before it were not looked
        for), else None."""
        found, earlier, unread, _, _, _ = await self.scan_session(
            session, first_ms, last_ms, top, after, MAX_SESSION_SCAN
        )
        return found, earlier, unread

    async def scan_session(
        self, session: str, first_ms: int, last_ms: int, top: str | None, after: str | None, budget: int
    ) -> SessionScan:
        """``session_events`` reading ``budget`` entries at most (from ``top``, which may be
        exclusive), with how many it read and the oldest of the session's events it saw."""
        lower = "(" + after if after else f"{max(0, first_ms - 1000)}-0" if first_ms else "-"
        upper = top or (f"{last_ms + 1000}-0" if last_ms else "+")
        wanted = session.encode()
        found: list[Record] = []
        earlier_ids = EntryIds()  # newest first until the read ends
        scanned = 0
        oldest: str | None = None
        while True:
            read = lambda start, n: read_entries("XREVRANGE", self.client.xrevrange(self.stream, start, lower, count=n))  # noqa: E731
            asked = min(PAGE, budget - scanned)
            entries = await self._bounded(read, upper, asked, streams=False)
            scanned += len(entries)
            mine = [(i, f) for i, f in entries if f.get(b"session") == wanted]
            oldest = mine[-1][0].decode() if mine else oldest
            room = MAX_SESSION_EVENTS - len(found)
            found.extend(rec for rec, _ in decoded(mine[:room]))  # past the newest, counted only
            for entry_id, _ in mine[room:]:
                earlier_ids.append(entry_id.decode())
            if len(entries) < asked or scanned >= budget:
                earlier_ids.reverse()
                unread = entries[-1][0].decode() if len(entries) == asked else None
                return SessionScan(found[::-1], len(earlier_ids), unread, scanned, oldest, earlier_ids)
            upper = "(" + entries[-1][0].decode()

    async def scan_after(self, session: str, after: str, top: str, budget: int) -> tuple[SessionScan, str]:
        """The session's events after ``after`` up to ``top``, read oldest first, ``budget`` entries
        at most (``unread`` is None: what is left is newer), and the newest entry read (``top``
        when the read reached it): a kept scan catches up with the entries added since it, each
        read once, however fast a writer adds them."""
        wanted = session.encode()
        found: list[Record] = []
        earlier_ids = EntryIds()
        scanned, reached, oldest = 0, after, None
        while scanned < budget:
            read = lambda start, n: read_entries("XRANGE", self.client.xrange(self.stream, start, top, count=n))  # noqa: E731
            asked = min(PAGE, budget - scanned)
            entries = await self._bounded(read, "(" + reached, asked, streams=False)
            scanned += len(entries)
            mine = [(i, f) for i, f in entries if f.get(b"session") == wanted]
            oldest = oldest or (mine[0][0].decode() if mine else None)
            found.extend(rec for rec, _ in decoded(mine))
            for rec in found[: max(0, len(found) - MAX_SESSION_EVENTS)]:  # older than the newest: counted only
                earlier_ids.append(rec.entry_id)
            del found[: max(0, len(found) - MAX_SESSION_EVENTS)]
            if len(entries) < asked:
                return SessionScan(found, len(earlier_ids), None, scanned, oldest, earlier_ids), top
            reached = entries[-1][0].decode()
        return SessionScan(found, len(earlier_ids), None, scanned, oldest, earlier_ids), reached

    async def first_entry(self) -> str | None:
        """The stream's oldest entry (None: it is empty): what is older was trimmed (MAXLEN)."""
        read = lambda start, n: read_entries("XRANGE", self.client.xrange(self.stream, start, "+", count=n))  # noqa: E731
        first = await self._bounded(read, "-", 1, streams=False)
        return first[0][0].decode() if first else None

    async def newest_before(self, last_ms: int) -> str | None:
        """The newest entry a read of a session that was last seen at last_ms starts from (None: none)."""
        got = await self._older(self.client, f"{last_ms + 1000}-0" if last_ms else "+", 1)
        return got[0][0].decode() if got else None

    async def envelope(self, entry_id: str) -> bytes | None:
        """One entry's envelope (None when the stream has no such entry). An entry too large for a
        reply is a ReplyTooLarge."""
        got = await read_entries("XRANGE", self.client.xrange(self.stream, entry_id, entry_id, count=1))
        return got[0][1].get(b"envelope", b"null") if got else None
