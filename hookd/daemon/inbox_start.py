"""The start's part in the inbox: what waits there is read and taken before anything newer is served,
its copies of events the spool already holds known by their hand-off ids."""

from __future__ import annotations

import time

import structlog

from hookd.daemon.parts import DaemonParts
from hookd.ingest.inbox_ids import Progress
from hookd.spool.inspect import spooled_handoffs

log = structlog.get_logger("hookd")


class InboxAtStart(DaemonParts):
    """DaemonStartup's reading and taking of the inbox (startup.py)."""

    def _spooled_handoffs(self, progress: Progress) -> tuple[set[str], dict[str, str]]:
        """The hand-off ids of the inbox's waiting files, and those of the spool's events (hand-off id ->
        event id) that an inbox copy may repeat: the waiting files' and those spooled in the ids' span,
        as a sender whose OK the stop cut off may write its inbox copy after this start (the copy is
        then dropped as a repeat). Read from the segments, published ones too."""
        since_ns = time.time_ns() - int(self.pipeline.handoffs.keep_s * 1e9)
        waiting = self.inbox.handoff_ids(progress)
        read, self.spool.handoffs_at_start = self.spool.handoffs_at_start, None
        return waiting, spooled_handoffs(self.spool.directory, since_ns, waiting, self.spool.dir_fd, progress, read)

    async def _take_inbox_at_start(self, waiting: set[str], progress: Progress) -> None:
        """Spool what hook-send left while hookd was away, before serving anything newer.

        An inbox copy of an event that reached the spool just before a crash is recognised by its
        hand-off id (_spooled_handoffs). A service manager is told how far it has gone
        (``progress``, startup.StartProgress): a big inbox takes minutes.
        """
        taken = await self.inbox.sweep(progress)
        if waiting or taken:
            log.info("inbox_taken", events=taken, duplicates=self.state.deduplicated_handoffs, left=self.inbox.waiting)
