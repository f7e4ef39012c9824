"""One pass of the backlog's redaction at start (daemon/backlog.py): each waiting original's redacted
copy appended, synced, then the original let go, batch by batch.

A write that fails (ENOSPC, EDQUOT, EIO, EROFS: the copies, their fsync, the record) is met by what
it would otherwise cost. Before the first original is let go the originals are whole: the pass stops
and the backlog is redacted again as it is published (backlog_publish.py), so nothing of it reaches
Redis as it was spooled and no disk is needed. Once originals are let go the pass cannot stop: the
copies made are after the originals left, and publishing those first would make the publish script's
high-water mark skip the earlier events as repeats. So the start waits, trying again each RETRY_S
and saying it once in the log, until the disk takes the rest; a stop meanwhile leaves the record
(backlog_record.py) for the next start to go on from.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import NamedTuple

import structlog

from hookd.daemon.backlog_publish import RedactOnPublish
from hookd.daemon.backlog_record import BacklogRecord
from hookd.envelope.again import event_again
from hookd.redact.redactor import Redactor
from hookd.spool import Batch, Spool, SpoolFull
from hookd.spool.event import Event
from hookd.spool.segments import Position

log = structlog.get_logger("hookd.daemon")

BATCH_EVENTS = 256
BATCH_BYTES = 8 << 20
WHAT = "redacting the spool's waiting events again"
WAITING = "waiting for room for the redacted copies of the spool's waiting events"
# How often a pass that must go on tries the disk again.
RETRY_S = 1.0

# Told how far a long start has gone (what, done, of how many): startup.StartProgress, which keeps a
# service manager from killing a start that outlasts its TimeoutStartSec while it makes progress.
Progress = Callable[[str, int, int], None]


def batch_bytes(spool: Spool) -> int:
    """A batch's bytes at most: within a segment, so that the copies past spool_max_bytes (append_copies)
    are a segment at most before the originals' segments go."""
    return min(BATCH_BYTES, spool.segment_bytes)


def each_again(redactor: Redactor, events: Sequence[Event]) -> tuple[list[Event], Counter[str]]:
    found: Counter[str] = Counter()
    copies = []
    for event in events:
        copy, more = event_again(redactor, event)
        copies.append(copy)
        found.update(more)
    return copies, found


class Probe(NamedTuple):
    """What the read-only pass learnt: the waiting events before the batch with the first it would
    change (their copies are the events themselves: event_again changes nothing in them), and that
    batch's copies, kept (one batch, within BATCH_BYTES) so that none of it is redacted twice."""

    unchanged: int
    event_ids: list[str]
    copies: list[Event]
    found: Counter[str]


class Copier:
    """``waiting``: the originals, read by count from the committed position, ``until`` where they end
    (their copies follow them); ``redactor`` None copies them as they are (a pass left half done, under
    redact = false)."""

    def __init__(
        self,
        spool: Spool,
        redactor: Redactor | None,
        record: BacklogRecord,
        progress: Progress,
        waiting: int,
        until: Position,
        probe: Probe | None = None,
    ) -> None:
        self.spool = spool
        self.redactor = redactor
        self.record = record
        self.progress = progress
        self.waiting = waiting
        self.probe = probe
        self.until = until  # the end of the originals (a pass left half done: its own)
        self.done = 0
        self.waited_since: float | None = None

    async def copy_all(self) -> RedactOnPublish | None:
        """Copy every original; or, if the first batch cannot be written, what redacts them on publishing."""
        spool, found = self.spool, Counter[str]()
        while self.done < self.waiting:
            # The same batches as the probe's: read from the same place with the same bounds.
            batch = spool.read_batch(min(BATCH_EVENTS, self.waiting - self.done), batch_bytes(spool))
            if not batch.events:
                break
            copies, more = await self._copies(batch)
            error = await self._write(copies)
            if error is not None:
                spool.rewind()
                return self._on_publish(error)
            spool.commit(batch)
            try:
                await asyncio.to_thread(spool.let_go_committed)  # room for the next batch's copies
            except OSError:
                # The cursor file cannot be written (a full disk): the segments Redis need not see go
                # all the same, as on any full disk (cursor_keeper); a stop resumes from the record.
                # Should they not go either (a read-only filesystem), the next batch's copies wait.
                with contextlib.suppress(OSError):
                    spool.delete_committed()
            self.done += len(batch.events)
            found.update(more)
            self.progress(WHAT, self.done, self.waiting)
        spool.rewind()
        try:
            await asyncio.to_thread(spool.save_cursor)
        except OSError:
            pass  # the cursor moved: keep_cursor writes it and says why it cannot
        log.warning(
            "spool_redacted_again",
            events=self.done,
            secrets=dict(found),
            hint="the redaction settings changed since these events were spooled; they were redacted "
            "again with this run's before any is published",
        )
        return None

    async def _copies(self, batch: Batch) -> tuple[list[Event], Counter[str]]:
        probe, done = self.probe, self.done
        if self.redactor is None or (probe is not None and done + len(batch.events) <= probe.unchanged):
            return list(batch.events), Counter()
        if probe is not None and done == probe.unchanged and [e.event_id for e in batch.events] == probe.event_ids:
            return probe.copies, probe.found
        return await asyncio.to_thread(each_again, self.redactor, batch.events)

    async def _write(self, copies: list[Event]) -> Exception | None:
        """Append and sync the copies, the record written before the first original goes; waits for
        room once originals are gone. The error, if the pass must stop instead."""
        appended = False
        while True:
            try:
                if not appended:
                    self.spool.append_copies(copies)
                    appended = True
                await asyncio.to_thread(self.spool.sync)  # the copies on the disk before the originals go
                if self.record.copying_until != self.until:
                    await asyncio.to_thread(self.record.copying, self.until)
            except (SpoolFull, OSError) as exc:
                if self.record.copying_until != self.until:
                    return exc  # no original let go: they are whole, and redacted on publishing
                self._waiting(exc)
                await asyncio.sleep(RETRY_S)
                continue
            if self.waited_since is not None:
                log.info("spool_backlog_room_again", waited_s=round(time.monotonic() - self.waited_since, 1))
                self.waited_since = None
            return None

    def _waiting(self, exc: Exception) -> None:
        self.progress(WAITING, self.done, self.waiting)
        if self.waited_since is not None:
            return
        self.waited_since = time.monotonic()
        log.error(
            "spool_backlog_waits_for_room",
            events=self.waiting - self.done,
            error=str(exc),
            directory=self.spool.directory,
            hint="the redacted copies of events spooled under other redaction settings cannot be written, "
            "and some of the originals are already let go: hookd neither publishes nor serves until they "
            f"are, trying again every {RETRY_S:g} s; free space on the filesystem of state_dir",
        )

    def _on_publish(self, exc: Exception) -> RedactOnPublish:
        assert self.redactor is not None  # a pass left half done never stops here: its record is written
        log.error(
            "spool_backlog_redacted_on_publish",
            events=self.waiting,
            error=str(exc),
            directory=self.spool.directory,
            hint="the redacted copies of events spooled under other redaction settings cannot be written; "
            "they are redacted again as they are published instead, none as it was spooled; free space "
            "on the filesystem of state_dir",
        )
        return RedactOnPublish(self.spool, self.redactor, self.record, self.waiting, str(exc))
