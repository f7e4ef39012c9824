"""The spool's bound (spool_max_bytes) and what happens at it (spool_full_policy).

An append that would pass the bound first deletes the segments Redis already has. If that
is not enough: ``refuse`` refuses the append (SpoolFull; hook-send keeps the event in its
inbox until the spool drains), and ``drop_oldest`` deletes the oldest unpublished segments,
counting and logging what it dropped. The filesystem itself filling up is reserve.py's.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterator

import structlog

from hookd.policies import FullPolicy
from hookd.spool.cursor import Cursor
from hookd.spool.files import SegmentFiles
from hookd.spool.reader import SpoolReader
from hookd.spool.segments import Position
from hookd.units import format_bytes, plural

log = structlog.get_logger("hookd.spool")


class SpoolFull(Exception):
    """The spool cannot take the event (disk full or write error); the sender must keep it."""

    disk_full = False


class DiskFull(SpoolFull):
    """The filesystem is full and the reserve is used up (reason ``disk_full``)."""

    disk_full = True


class SpoolBound:
    def __init__(
        self,
        files: SegmentFiles,
        cursor: Cursor,
        reader: SpoolReader,
        max_bytes: int,
        policy: FullPolicy,
        pending_events: Callable[[], int],
    ) -> None:
        self.files = files
        self.cursor = cursor
        self.reader = reader
        self.max_bytes = max_bytes
        self.policy = policy
        self.pending_events = pending_events
        self.full_since: float | None = None
        self.dropped = 0

    def make_room_for(self, needed: int) -> None:
        """Make room for ``needed`` more bytes under the bound, or raise SpoolFull; its file calls on
        the caller's thread (a spool no write thread writes to: the start, the backlog's copies)."""
        for call in self._room_steps(needed):
            call()

    async def make_room_by(self, needed: int, run: Callable[[Callable[[], None]], Awaitable[None]]) -> None:
        """``make_room_for``, each file call (the cursor file, a segment's deletion) awaited through
        ``run`` (the spool's write thread): a disk that stopped answering there holds that thread, not
        the event loop, where the bookkeeping between the calls stays."""
        for call in self._room_steps(needed):
            await run(call)

    def _room_steps(self, needed: int) -> Iterator[Callable[[], None]]:
        if self.files.disk_bytes + needed > self.max_bytes:
            yield from self._make_room(needed)
        elif self.full_since is not None:
            log.info("spool_room_again", full_for_s=round(time.time() - self.full_since, 1))
            self.full_since = None

    def _make_room(self, needed: int) -> Iterator[Callable[[], None]]:
        """Free ``needed`` bytes under the bound: published segments first, then per policy."""
        yield functools.partial(self.cursor.write_file, self.cursor.position)
        # Chosen here, deleted by the call: what the cursor file has passed, however recent; none while
        # held: the start's late hand-off ids are still to be looked for in them (daemon/inbox_start.py),
        # and an inbox copy of an event they hold would be published a second time.
        if not self.cursor.held:
            yield from self._deletions(self.cursor.published(keep_recent=False))
        if self.policy is FullPolicy.DROP_OLDEST:
            while self.files.disk_bytes + needed > self.max_bytes:
                dropping = self._drop_oldest_segment()
                if dropping is None:
                    break
                yield from dropping
        disk_bytes = self.files.disk_bytes
        if disk_bytes + needed <= self.max_bytes:
            return
        message = (
            f"the spool is full ({format_bytes(disk_bytes)} of spool_max_bytes {format_bytes(self.max_bytes)} "
            f"used, {format_bytes(max(0, self.max_bytes - disk_bytes))} left, too little for the "
            f"{format_bytes(needed)} to write; {plural(self.pending_events(), 'event')} waiting for Redis"
            f"{'; published segments kept until the inbox hand-off ids the start waits for are read' if self.cursor.held else ''})"
        )
        if self.full_since is None:
            self.full_since = time.time()
            log.error(
                "spool_full",
                disk_bytes=disk_bytes,
                max_bytes=self.max_bytes,
                pending_events=self.pending_events(),
                policy=self.policy,
                hint="new events are refused: hook-send keeps them in its inbox until the spool "
                "drains; raise spool_max_bytes or bring Redis back",
            )
        raise SpoolFull(message)

    def _deletions(self, segments: list[int]) -> Iterator[Callable[[], None]]:
        """Delete ``segments``' files, then forget them (on the caller's thread, where sizes are read)."""
        if segments:
            yield functools.partial(self.files.unlink_each, segments)
            self.files.forget_each(segments)

    def _drop_oldest_segment(self) -> Iterator[Callable[[], None]] | None:
        """The calls that delete the oldest unpublished segment (never the one being written); None if none."""
        files, cursor = self.files, self.cursor
        candidates = sorted(s for s in files.sizes if cursor.position.segment <= s < files.write_seg)
        if not candidates:
            return None
        return self._drop(candidates[0])

    def _drop(self, seg: int) -> Iterator[Callable[[], None]]:
        files, cursor = self.files, self.cursor
        # Written at once: the segment must not be deleted while the cursor file still names it. Moved
        # in memory only then: a write that fails (DiskFullError, the append refused) drops nothing.
        after = Position(files.after(seg), 0)
        yield functools.partial(cursor.write_file, after)
        # Counted once written: Redis may have taken some of it meanwhile (the commit moved on). The
        # count may read the segment (the cursor inside it, its count not known): a call of its own, so
        # a disk that stopped answering there holds the write thread, not the event loop.
        counted: list[int] = []
        committed = cursor.committed
        if cursor.position < after:
            yield functools.partial(self._count_dropped, seg, cursor.position, counted)
        # What Redis took while the count was made lies in the counted segment (the cursor is not past it).
        lost = max(0, counted[0] - (cursor.committed - committed)) if counted and cursor.position < after else 0
        cursor.position = max(cursor.position, after)
        self.dropped += lost
        # Hand out again from the new cursor, before the file goes: what was read ahead may lie in the
        # dropped segment. A batch already on its way to Redis is skipped there if sent twice.
        self.reader.rewind(cursor.position)
        log.error(
            "spool_full_dropped",
            lost=lost,
            dropped=self.dropped,
            policy=FullPolicy.DROP_OLDEST,
            hint="the oldest events not yet in Redis were deleted to make room",
        )
        yield from self._deletions([seg])

    def _count_dropped(self, seg: int, position: Position, counted: list[int]) -> None:
        counted.append(self.files.pending_in(seg, position))
