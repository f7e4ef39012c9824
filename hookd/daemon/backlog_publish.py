"""The spool's backlog redacted again as it is published, when its redacted copies could not be written.

daemon/backlog.py writes a redacted copy of each waiting event before it lets the original go. A
filesystem that is full (or failing: EIO, EROFS) before the first copy is written would leave the
backlog as its own settings redacted it, and publishing it so sent Redis what the running settings
no longer allow (a value a new `redact_patterns` entry matches, a rule turned back on). So the
backlog is redacted again in memory instead, each batch on its way to Redis (Publisher.redacted),
in a worker thread; nothing is written for it, so no disk is needed. The events keep their seq and
event id, so a batch sent twice is still kept once by the publish script's high-water mark.

Every event waiting at that moment is redacted this way (events spooled later were
redacted by this run's settings; redacting a redacted envelope again gives the same bytes). The
settings are recorded as those of the spool's waiting events only once Redis has all of it: a stop
before then leaves the next start to redact what is left again.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING, Any

import structlog

from hookd.envelope.again import event_again
from hookd.redact.redactor import Redactor
from hookd.spool import Batch, Spool
from hookd.spool.event import Event

if TYPE_CHECKING:
    from hookd.daemon.backlog_record import BacklogRecord

log = structlog.get_logger("hookd.daemon")

# How often the task that records the settings looks whether Redis has the whole backlog.
CHECK_S = 1.0


def each_again(redactor: Redactor, events: Sequence[Event]) -> tuple[list[Event], Counter[str]]:
    """Each event redacted again by ``redactor`` (envelope/again.py), and what was found in them all."""
    found: Counter[str] = Counter()
    copies = []
    for event in events:
        copy, more = event_again(redactor, event)
        copies.append(copy)
        found.update(more)
    return copies, found


class RedactOnPublish:
    def __init__(
        self, spool: Spool, redactor: Redactor, record: BacklogRecord, waiting: int | None, error: str
    ) -> None:
        self.spool = spool
        self.redactor = redactor
        self.record = record
        # What was spooled before this run served anything, from the cursor on; None: not counted
        # yet (the spool could not be read at start), the spool's own count once it is.
        self._waiting = waiting
        # Counted, not compared by position: the spool's end may be a new segment's start, the same
        # place as the end of the segment before it, where the cursor stops.
        self.gone_before = spool.committed + spool.dropped
        self.error = error
        self.counted_seq = 0  # secrets are counted once per event, not per send
        self.found: Counter[str] = Counter()

    @property
    def waiting(self) -> int | None:
        if self._waiting is None and self.spool.backlog_known:
            self._waiting = self.spool.backlog_at_start
        return self._waiting

    @property
    def due(self) -> bool:
        """Whether batches read now may hold events of the backlog (Redis has not all of it)."""
        waiting = self.waiting
        return waiting is None or self.spool.committed + self.spool.dropped - self.gone_before < waiting

    def report(self) -> dict[str, Any] | None:
        """For status: the backlog's events Redis has not yet, and why they are redacted on publishing."""
        if not self.due:
            return None
        waiting = self.spool.pending_events if self.waiting is None else self.waiting
        left = waiting - (self.spool.committed + self.spool.dropped - self.gone_before)
        return {"events": left, "error": self.error}

    async def __call__(self, batch: Batch) -> Batch:
        """The batch with its events redacted again with this run's rules (while the backlog lasts)."""
        if not self.due or not batch.events:
            return batch
        return batch._replace(events=await asyncio.to_thread(self._each_again, batch))

    def _each_again(self, batch: Batch) -> list[Event]:
        """The batch's events redacted again; what is found counted only in those past ``counted_seq``.

        Not one split into a counted prefix and a fresh suffix: seqs rise within a batch but where the
        copies a cut copy pass wrote (backlog_copier.py) follow their originals, with the same seqs, so
        a batch may end the originals and start the copies. Hence by runs of counted or fresh events."""
        copies, found = [], Counter[str]()
        for fresh, run in groupby(batch.events, key=lambda event: event.seq > self.counted_seq):
            more_copies, more = each_again(self.redactor, list(run))
            copies += more_copies
            if fresh:
                found.update(more)
        self.counted_seq = max(self.counted_seq, *(event.seq for event in batch.events))  # not the last's: see above
        self.found.update(found)
        return copies

    async def run(self) -> None:
        """Record this run's settings as the spool's once Redis has the backlog (a supervisor task)."""
        while self.due:
            await asyncio.sleep(CHECK_S)
        while not await asyncio.to_thread(self.record.done):
            await asyncio.sleep(CHECK_S)  # the record's failure is said by BacklogRecord
        log.warning(
            "spool_redacted_again",
            events=self.waiting,
            secrets=dict(self.found),
            in_memory=True,
            hint="the redaction settings changed since these events were spooled; they were redacted "
            "again with this run's as they were published (the disk could not take redacted copies)",
        )
