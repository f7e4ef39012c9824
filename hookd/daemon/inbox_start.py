"""The start's part in the inbox: what waits there is read and taken before anything newer is served,
its copies of events the spool already holds known by their hand-off ids."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import structlog

from hookd.daemon.parts import DaemonParts
from hookd.ingest.inbox_ids import Progress
from hookd.unjoined import off_loop
from hookd.spool.inspect import find_handoffs, spooled_handoffs
from hookd.trust import UnsafePathError

log = structlog.get_logger("hookd")

# How often the start looks whether its reading of the inbox waits on a filesystem that does not answer.
WAIT_STEP_S = 0.25


class InboxAtStart(DaemonParts):
    """DaemonStartup's reading and taking of the inbox (startup.py)."""

    async def _spooled_handoffs(self, progress: Progress) -> tuple[set[str], dict[str, str]]:
        """The hand-off ids of the inbox's waiting files, and those of the spool's events (hand-off id ->
        event id) that an inbox copy may repeat: the waiting files' and those spooled in the ids' span,
        as a sender whose OK the stop cut off may write its inbox copy after this start (the copy is
        then dropped as a repeat). Read from the segments, published ones too."""
        since_ns = time.time_ns() - int(self.pipeline.handoffs.keep_s * 1e9)
        waiting = await self._waiting_handoff_ids(progress)
        read, self.spool.handoffs_at_start = self.spool.handoffs_at_start, None
        return waiting, spooled_handoffs(self.spool.directory, since_ns, waiting, self.spool.dir_fd, progress, read)

    async def _take_inbox_at_start(self, waiting: set[str], progress: Progress) -> None:
        """Spool what hook-send left while hookd was away, before serving anything newer.

        An inbox copy of an event that reached the spool just before a crash is recognised by its
        hand-off id (_spooled_handoffs). A service manager is told how far it has gone
        (``progress``, start_progress.StartProgress): a big inbox takes minutes.
        """
        sweeping = asyncio.ensure_future(self.inbox.sweep(progress))
        if not await self._unless_stuck(sweeping, lambda: self.inbox.opening_since or time.monotonic()):
            # Served from here on: the inbox's task ends this sweep (Inbox.run) and `stalls` says it meanwhile.
            self.inbox.unfinished = sweeping
            self._said_not_answering("the start's sweep of the inbox")
            return
        taken = sweeping.result()
        if waiting or taken:
            log.info("inbox_taken", events=taken, duplicates=self.state.deduplicated_handoffs, left=self.inbox.waiting)

    async def _waiting_handoff_ids(self, progress: Progress) -> set[str]:
        """The inbox's hand-off ids, read off the loop; none if its filesystem stops answering (no file
        read for stall_after_s): the start goes on, and each file is taken once that filesystem answers."""
        moved = [began := time.monotonic()]

        def told(what: str, done: int, total: int) -> None:  # in the reading thread, every few files
            moved[0] = time.monotonic()
            progress(what, done, total)

        reading = asyncio.ensure_future(self.inbox.handoff_ids(told))
        if await self._unless_stuck(reading, lambda: moved[0]):
            return reading.result()
        # Its result is no longer waited for by the start, but looked for in the spool when it comes,
        # before any sweep takes a file (Inbox.sweep): an inbox copy of an event spooled before the
        # ids' span is otherwise taken as a second event. The segments that may hold them stay till then.
        self.spool.hold_published(True)
        self.late_ids_wait = ("inbox", began)
        self.inbox.late_ids = asyncio.ensure_future(self._late_handoff_ids(reading))
        self._said_not_answering("the start's read of the inbox's hand-off ids")
        return set()

    async def _late_handoff_ids(self, reading: asyncio.Future[set[str]]) -> None:
        """The inbox's hand-off ids the start gave up waiting for, once read: those the spool's segments
        hold are remembered (pipeline.handoffs), so that the sweep drops their inbox copies as repeats."""
        try:
            try:
                waiting = await reading
                self.late_ids_wait = ("spool", time.monotonic())
                known = await off_loop(lambda: find_handoffs(self.spool.directory, waiting, self.spool.dir_fd))
            except (OSError, UnsafePathError) as exc:
                log.warning(
                    "inbox_handoff_ids_unread",
                    error=str(exc),
                    hint="the inbox's or the spool's files could not be read; an inbox copy of an event the "
                    "spool already has may reach Redis twice",
                )
                return
            for handoff_id, event_id in known.items():
                self.pipeline.handoffs.add(handoff_id, event_id)
            log.info("inbox_handoff_ids_read_late", waiting=len(waiting), spooled=len(known))
        finally:
            self.late_ids_wait = None
            self.spool.hold_published(False)

    async def _unless_stuck(self, work: asyncio.Future[Any], moved_at: Callable[[], float]) -> bool:
        """True once ``work`` is done; False once it has not moved (``moved_at``) for stall_after_s."""
        while True:
            await asyncio.wait({work}, timeout=WAIT_STEP_S)
            if work.done():
                return True
            if time.monotonic() - moved_at() > self.config.stall_after_s:
                return False

    def _said_not_answering(self, what: str) -> None:
        log.error(
            "inbox_not_answering_at_start",
            waited=what,
            directories=self.inbox.where(),
            stall_after_s=self.config.stall_after_s,
            hint="hookd serves without waiting for it: the events waiting there are taken once that filesystem "
            "answers (`hookd status` says the stall meanwhile); check the mount they are on",
        )
