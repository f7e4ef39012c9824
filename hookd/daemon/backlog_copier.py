"""One pass of the backlog's redaction at start (daemon/backlog.py): each waiting original's redacted
copy appended and synced, batch by batch, then every original let go at once.

The copies carry their originals' seqs and follow them in the spool. Letting originals go batch by
batch put the copies of those let go behind the originals not yet copied whenever the pass stopped
between two batches (a kill, a full disk): published in that order, the publish script's high-water
mark skipped the earlier events as repeats. So nothing is committed until every copy is on the disk:
a stop at any point leaves originals, then copies, in seq order (the next start copies both again;
redacting a redacted envelope gives the same bytes). A write that fails (ENOSPC, EDQUOT, EIO, EROFS:
a copy or its fsync) leaves the originals whole: the backlog is redacted again as it is published
(backlog_publish.py), so nothing of it reaches Redis as it was spooled and no more disk is needed.
The cost: the spool holds the backlog twice while the copies are made.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

import structlog

from hookd.daemon.backlog_publish import RedactOnPublish, each_again
from hookd.daemon.backlog_record import BacklogRecord
from hookd.redact.redactor import Redactor
from hookd.spool import Batch, Spool, SpoolFull
from hookd.spool.event import Event

log = structlog.get_logger("hookd.daemon")

BATCH_EVENTS = 256
BATCH_BYTES = 8 << 20
WHAT = "redacting the spool's waiting events again"

# Told how far a long start has gone (what, done, of how many): start_progress.StartProgress, which keeps a
# service manager from killing a start that outlasts its TimeoutStartSec while it makes progress.
Progress = Callable[[str, int, int], None]


def batch_bytes(spool: Spool) -> int:
    """A batch's bytes at most: within a segment, so that the copies past spool_max_bytes (append_copies)
    are a segment at most before the originals' segments go."""
    return min(BATCH_BYTES, spool.segment_bytes)


class Probe(NamedTuple):
    """What the read-only pass learnt: the waiting events before the batch with the first it would
    change (their copies are the events themselves: event_again changes nothing in them), and that
    batch's copies, kept (one batch, within BATCH_BYTES) so that none of it is redacted twice."""

    unchanged: int
    event_ids: list[str]
    copies: list[Event]
    found: Counter[str]


class Copier:
    """``waiting``: the originals, read by count from the committed position (their copies follow them)."""

    def __init__(
        self,
        spool: Spool,
        redactor: Redactor,
        record: BacklogRecord,
        progress: Progress,
        waiting: int,
        probe: Probe | None = None,
    ) -> None:
        self.spool = spool
        self.redactor = redactor
        self.record = record
        self.progress = progress
        self.waiting = waiting
        self.probe = probe
        self.done = 0

    async def copy_all(self) -> RedactOnPublish | None:
        """Copy every original, then let them all go; or, if a copy cannot be written, what redacts them
        on publishing."""
        spool, found, end = self.spool, Counter[str](), None
        while self.done < self.waiting:
            # The same batches as the probe's: read from the same place with the same bounds.
            batch = await spool.read_waiting(min(BATCH_EVENTS, self.waiting - self.done), batch_bytes(spool))
            if not batch.events:
                if spool.read_failure.error is not None:  # read no further: no original let go
                    spool.rewind()
                    return not_read_through(spool, self.redactor, self.record, self.waiting)
                break
            copies, more = await self._copies(batch)
            try:
                spool.append_copies(copies)
                await asyncio.to_thread(spool.sync)  # the copies on the disk before any original goes
            except (SpoolFull, OSError) as exc:
                spool.rewind()
                return self._on_publish(exc)
            end = batch.end
            self.done += len(batch.events)
            found.update(more)
            self.progress(WHAT, self.done, self.waiting)
        if end is None:
            spool.rewind()
        else:
            spool.commit_copied(end, self.done)
            spool.rewind()  # the reader from the committed position: the copies next
            try:
                await asyncio.to_thread(spool.let_go_committed)
            except OSError:
                # The cursor file cannot be written (a full disk): the segments Redis need not see go
                # all the same, as on any full disk (cursor_keeper); keep_cursor writes it later.
                with contextlib.suppress(OSError):
                    await spool.delete_committed()
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
        if probe is not None and done + len(batch.events) <= probe.unchanged:
            return list(batch.events), Counter()
        if probe is not None and done == probe.unchanged and [e.event_id for e in batch.events] == probe.event_ids:
            return probe.copies, probe.found
        return await asyncio.to_thread(each_again, self.redactor, batch.events)

    def _on_publish(self, exc: Exception) -> RedactOnPublish:
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


def not_read_through(spool: Spool, redactor: Redactor, record: BacklogRecord, waiting: int) -> RedactOnPublish:
    """The backlog's pass stopped by a read that failed (its error said by the spool, read again by the
    publisher): taken for done, the events past it would reach Redis as the settings of then redacted them."""
    log.error(
        "spool_backlog_redacted_on_publish",
        events=waiting,
        error=spool.read_failure.error,
        directory=spool.directory,
        hint="the spool's events spooled under other redaction settings could not be read through to redact "
        "them again; they are redacted again as they are published instead, none as it was spooled",
    )
    return RedactOnPublish(spool, redactor, record, waiting, spool.read_failure.error or "")
