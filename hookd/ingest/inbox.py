"""Inbox pick-up: the events hook-send left on disk when hookd could not take them in time.

Each file holds one frame exactly as it would have been sent. Files are taken
in the order they were sent (their names start with the send time), through
the same pipeline as socket events, and deleted only once spooled. A frame
the pipeline refuses for good is moved to ``inbox/rejected/`` rather than
deleted, so that nothing handed over disappears without a trace.

The spare inbox (spare_inbox: $HOOKD_SPARE_INBOX, else $XDG_RUNTIME_DIR/hookd/inbox,
else /dev/shm/hookd-<uid>/inbox) is where hook-send writes when the inbox cannot
take a file (its filesystem is full, or it fails the ownership checks). It is
swept with the inbox, all files in one order by name (the send time), only
while it is a directory of ours that no other user can write to; hookd never
creates it. A file whose body is over max_event_bytes is refused as on the
socket (reason too_large) and set aside, without being read whole. A file whose read
fails (EIO from a failing disk, and the like) is neither taken nor refused: it is left
where it is, said once, named by `hookd status` (degraded) and tried again on every
sweep, while the files after it are taken. A sweep holds each directory open and reads and
deletes its files relative to it; another user's put in place of one is passed over, and a
file others can write is refused (inbox_files.py).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import time
from collections.abc import Callable
from typing import TypeVar

import structlog

from hookd.ingest.inbox_abandoned import salvage_abandoned
from hookd.ingest.inbox_files import Source, close_sources, open_sources, remove_each, spare_fix, spare_problem
from hookd.ingest.inbox_ids import FILES_PER_TURN, Progress, pending_paths, waiting_handoff_ids
from hookd.ingest.inbox_problems import ProblemFiles
from hookd.ingest.inbox_take import take_file
from hookd.unjoined import off_loop
from hookd.mounts import mount_of
from hookd.paths import ensure_private_dir
from hookd.pipeline import Pipeline
from hookd.state import InboxStats

T = TypeVar("T")

log = structlog.get_logger("hookd.inbox")

# FILES_PER_TURN (inbox_ids.py): files handled between two turns of the event loop: a sweep of
# thousands of files (hook-send's while hookd was down) would otherwise hold every connection up until its end.
# Taken files are deleted this many at a time during a sweep, not all at its end: a sweep of a big
# inbox (hookd away for days) cut off midway (a crash, a start killed at the service manager's
# timeout) leaves only the files it had not yet taken for the next one to read again.
REMOVE_EVERY = 1024


class Inbox:
    def __init__(self, directory: str, pipeline: Pipeline, max_body: int = 8 << 20, spare: str | None = None) -> None:
        self.directory = ensure_private_dir(directory)
        self.spare = os.path.abspath(spare) if spare and os.path.abspath(spare) != os.path.abspath(directory) else None
        self.pipeline = pipeline
        self.max_body = max_body
        self.taken = 0
        self.waiting = 0
        self.spare_taken = 0
        self.spare_problem: str | None = None  # why the spare inbox is not swept, for status
        self.swept_at = time.monotonic()  # the last sweep that ran to its end (for liveness)
        self.problems = ProblemFiles()  # files set aside badly or unreadable: said once, tried again
        # Files whose events are spooled but that stay while a failed fsync leaves the spool unsure
        # (spool/flusher.py): removed by a later sweep, not taken (and counted) again.
        self.spooled_unsure: set[str] = set()
        self.blocked: str | None = None  # the file the last sweep stopped at: the pipeline could not take it
        self.tmp_seen: dict[str, float] = {}  # temporary files left by hook-send -> when a sweep first saw them
        # The calls on the inboxes' filesystem under way in threads (id -> since when): the oldest is how
        # long hookd has waited on it (liveness); at start the hand-off ids' read may outlast the sweep's.
        self._on_disk_since: dict[int, float] = {}
        self._disk_calls = itertools.count()
        self.mounts: dict[str, str] = {}  # each inbox directory -> the mount it is on, looked up off the loop
        # A start's sweep that waited on a filesystem that did not answer (daemon/inbox_start.py): run's
        # first sweep is its end.
        self.unfinished: asyncio.Future[int] | None = None
        # The hand-off ids of the waiting files, looked for in the spool after a start that gave up
        # waiting for them (daemon/inbox_start.py): no file is taken before, lest it repeat a spooled event.
        self.late_ids: asyncio.Future[None] | None = None

    @property
    def opening_since(self) -> float | None:
        """Since when hookd waits on the inboxes' filesystem (None: it does not)."""
        return min(self._on_disk_since.values(), default=None)

    def where(self) -> str:
        """The inbox directories and the mounts they are on, for what says that one does not answer."""
        named = [self.directory] + ([self.spare] if self.spare is not None else [])
        return " or ".join(f"{d} (mounted at {self.mounts[d]})" if d in self.mounts else d for d in named)

    def _open_sources(self) -> list[Source]:
        """The directories a sweep takes files from, held open (inbox_files.open_sources); the mounts
        they are on looked up once, here, in the thread that waits on their filesystem."""
        for directory in [self.directory] + ([self.spare] if self.spare is not None else []):
            if directory not in self.mounts:
                self.mounts[directory] = mount_of(directory)
        return open_sources(self._sources(), self.problems.directory)

    def _sources(self) -> list[str]:
        """The inbox, and the spare inbox when it exists and is trusted."""
        sources = [self.directory]
        if self.spare is not None:
            problem = spare_problem(self.spare)
            if problem != self.spare_problem and problem is not None and problem != "absent":
                log.error(
                    "spare_inbox_untrusted",
                    directory=self.spare,
                    problem=problem,
                    hint="hookd does not take events from it" + spare_fix(problem),
                )
            self.spare_problem = problem
            if problem is None:
                sources.append(self.spare)
        return sources

    def stats(self) -> InboxStats:
        """What status shows of the files taken (hookd/state.py)."""
        unreadable, not_removed = dict(self.problems.unreadable), dict(self.problems.not_removed)
        return InboxStats(
            self.taken, self.spare_taken, self.spare_problem, unreadable, not_removed, self.problems.linked_total
        )

    async def handoff_ids(self, progress: Progress | None = None) -> set[str]:
        """Hand-off ids of the frames waiting here (inbox_ids.py), read in a thread: the reads of a
        filesystem that stopped answering do not hold the event loop."""

        def read() -> set[str]:
            sources = self._open_sources()
            try:
                return waiting_handoff_ids(sources, progress)
            finally:
                close_sources(sources)

        return await self._on_disk(read)

    async def _on_disk(self, call: Callable[[], T]) -> T:
        """``call``, the sweep's opening or listing of its directories, in a thread: one on a filesystem
        that stops answering (a spare inbox on a network mount that hung) would hold the event loop, and
        every connection with it, for as long; a thread hookd's exit does not wait for (unjoined.py). How long it has waited is for liveness (daemon/parts.py)."""
        key = next(self._disk_calls)
        self._on_disk_since[key] = time.monotonic()
        try:
            return await off_loop(call)
        finally:
            del self._on_disk_since[key]

    async def sweep(self, progress: Progress | None = None) -> int:
        """Take every waiting frame into the spool, oldest first; return how many were taken."""
        if self.late_ids is not None:
            await asyncio.wait({self.late_ids})  # not cancelled with this sweep: a later one waits for it too
        sources = await self._on_disk(self._open_sources)
        close = True
        try:
            retried = 0
            if self.blocked is not None:
                retried = await self._retry_blocked(sources)
                if self.blocked is not None:
                    return 0
            return retried + await self._sweep(sources, progress)
        except asyncio.CancelledError:
            # hookd stops: a thread may still be in a call relative to these descriptors (a mount that
            # hung), which closing them would give to the next open; the exit closes them.
            close = False
            raise
        finally:
            if close:
                close_sources(sources)

    async def _retry_blocked(self, sources: list[Source]) -> int:
        """Try again only the file the last sweep stopped at: while the spool or the disk is full,
        listing and sorting every name each time would hold the event loop as long as the inbox is big.
        Still blocked, ``self.blocked`` is set again; else (taken, set aside, gone) a whole sweep follows."""
        path, self.blocked = self.blocked or "", None
        for directory, dir_fd in sources:
            if directory == os.path.dirname(path):
                outcome = await self._take_file(path, dir_fd)
                if outcome is None:
                    self.blocked = path
                elif outcome:
                    return await self._remove_taken([(path, dir_fd)])
        return 0

    async def _sweep(self, sources: list[Source], progress: Progress | None) -> int:
        # In a thread: the listing of a directory of many names would hold the event loop
        paths = await self._on_disk(lambda: pending_paths(sources))
        done: list[tuple[str, int]] = []
        removed = 0
        self.waiting = 0
        await self._on_disk(self.problems.forget_gone)
        for index, (path, dir_fd) in enumerate(paths):
            if index and index % FILES_PER_TURN == 0:
                if progress is not None:
                    progress("taking the inbox's files", index, len(paths))
                await asyncio.sleep(0)
            if path in self.problems.not_set_aside:
                await self._on_disk(functools.partial(self.problems.set_aside, path, dir_fd))
                continue
            if path in self.spooled_unsure:
                done.append((path, dir_fd))
                continue
            if path in self.problems.not_removed:  # spooled already: only its deletion is tried again
                await self._on_disk(functools.partial(self.problems.remove_again, path, dir_fd))
                continue
            outcome = await self._take_file(path, dir_fd)
            if outcome is None:
                # The pipeline cannot take events now (spool full, shutting down):
                # stop here, so that order is kept, and try again on the next sweep.
                self.waiting, self.blocked = len(paths) - index, path
                break
            if outcome:
                done.append((path, dir_fd))
            if len(done) >= REMOVE_EVERY:
                removed += await self._remove_taken(done)
                done = []
        self.pipeline.held_back.inbox_waiting = self.waiting
        if not self.waiting:
            done += await self._salvage_abandoned_tmp_files(sources)
        return removed + await self._remove_taken(done)

    async def _remove_taken(self, done: list[tuple[str, int]]) -> int:
        """Delete files whose events the spool holds, once it holds them as firmly as the files did."""
        if not done:
            return 0
        # The client fsynced its file; the spool must hold the event as firmly
        # before the file goes (invariant 2). The Flusher fsyncs off the loop; after a failed
        # flush the files stay until Redis has what it left unsure (status names the failure).
        flusher = self.pipeline.flusher
        try:
            await flusher.wait_durable(flusher.written)
        except OSError:
            self.spooled_unsure.update(path for path, _ in done)
            return 0
        if self.spooled_unsure and self.pipeline.spool.has_lost_unsure_copies():
            # Taken while a failed flush left the spool unsure, and the spool let some of those copies
            # go from memory without reading them back whole: each file is taken once more rather than
            # deleted; its event goes in again if its copy is one of those (pipeline._earlier_copy).
            again = {path for path, _ in done if path in self.spooled_unsure}
            self.spooled_unsure.difference_update(again)
            done = [(path, dir_fd) for path, dir_fd in done if path not in again]
        self.spooled_unsure.difference_update(path for path, _ in done)
        # In a thread, all at once: a filesystem that stopped answering holds that thread, not the loop.
        failed, linked = await self._on_disk(lambda: remove_each(done))
        for path, exc in failed:
            self.problems.not_removable(path, exc)
        for path, names in linked:
            self.problems.linked(path, names)
        if self.spare is not None:
            self.spare_taken += sum(os.path.dirname(path) == self.spare for path, _ in done)
        self.taken += len(done)
        return len(done)

    async def _take_file(self, path: str, dir_fd: int) -> bool | None:
        """True if spooled (the caller deletes the file), False if set aside or gone, None to wait."""
        return await take_file(self.pipeline, self.problems, self.max_body, path, dir_fd, self._on_disk)

    async def _salvage_abandoned_tmp_files(self, sources: list[Source]) -> list[tuple[str, int]]:
        """Temporary files whose writer died before renaming them, taken (inbox_abandoned.py)."""
        taken, self.tmp_seen = await salvage_abandoned(
            sources, self.tmp_seen, self.problems, self.pipeline.handoffs.get, self._take_file, self._on_disk
        )
        return taken

    async def run(self, interval_s: float) -> None:
        """Sweep every ``interval_s`` until cancelled; first, the end of a start's sweep left unfinished."""
        if self.unfinished is not None:
            try:
                await self.unfinished
                self.swept_at = time.monotonic()
            except OSError as exc:
                log.error("inbox_sweep_failed", directory=self.directory, error=str(exc))
            finally:
                self.unfinished = None
        while True:
            await asyncio.sleep(interval_s)
            self.pipeline.handoffs.trim()
            try:
                await self.sweep()
                self.swept_at = time.monotonic()
            except OSError as exc:
                log.error("inbox_sweep_failed", directory=self.directory, error=str(exc))
