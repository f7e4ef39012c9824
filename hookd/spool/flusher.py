"""Getting the spool onto the disk, off the event loop, as the fsync policy says.

- ``interval``: every N ms. An acknowledged event survives a crash of hookd at
  once, and a crash of the machine once the next flush has run (200 ms by
  default: the window a power loss can cost).
- ``batch``: before acknowledging. Each batch of replies waits for a flush
  that covers it; concurrent batches share one (group commit). An
  acknowledged event survives a power loss; acknowledgements cost an fsync.
- ``never``: left to the operating system. Survives a crash of hookd, not of
  the machine.

A failed fsync is not tried again: on Linux the next one reports success while the pages the
failed one could not write may be gone (the error is told once). So the events written before
it are not counted as on the disk until Redis has them; till then every wait for durability
fails with that error (``batch`` refuses events, which hook-send keeps in its inbox; the inbox
keeps its files), and status names the failure. The failure is also marked in the spool
directory (unsure.py) until then, so that a restart (or a kill) does not count those events
as on the disk again: the next run starts with the failure held, as if its own flush had failed.

The cursor file (how far Redis has the spool) is written by ``keep_cursor``
(cursor_keeper.py), also off the event loop, whatever the policy.
"""

from __future__ import annotations

import asyncio
import time
from typing import NamedTuple

import structlog

from hookd.liveness import Progress
from hookd.peers import Throttle
from hookd.policies import FsyncPolicy
from hookd.spool.segments import Position
from hookd.spool.spool import Spool
from hookd.spool.unsure import UnsureMark
from hookd.spool.unsure_file import Unsure

log = structlog.get_logger("hookd.spool")


FAILURE_LOG_INTERVAL_S = 60.0


class FlushFailure(NamedTuple):
    """A flush that failed: its error, and the spool's end by then (what it left unsure is before it)."""

    error: OSError
    through: Position
    said: bool  # whether spool_flush_failed was logged for it (then its recovery is too)


class Flusher:
    """Flushes the spool as the policy says, and tells who waits when their events are durable.

    Events are counted as the spool appends them (``Spool.appended``): "durable up
    to N" means a flush that began after the Nth event was written has finished.
    """

    def __init__(
        self, spool: Spool, policy: FsyncPolicy | str, interval_s: float, progress: Progress | None = None
    ) -> None:
        self.spool = spool
        self.progress = Progress() if progress is None else progress
        self.policy = FsyncPolicy(policy)
        self.interval_s = interval_s
        self.flushed_through = 0  # events appended before the last flush that succeeded began
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._wanted = asyncio.Event()
        self._stopping = False
        self._running = False
        self._flushing = asyncio.Lock()
        self.failure: FlushFailure | None = None  # events Redis does not have yet may not be on the disk
        # At most a spool_flush_failed line a minute: a disk that fails every fsync would otherwise log one
        # with each write, and its recovery (once Redis has what was unsure) after each.
        self._failure_lines = Throttle(FAILURE_LOG_INTERVAL_S)
        self.unsure = UnsureMark(spool)
        if spool.unsure_at_start is not None and self.policy is not FsyncPolicy.NEVER:
            self._resume(spool.unsure_at_start)

    def _resume(self, unsure: Unsure) -> None:
        """Hold the failure an earlier run marked: its events are not on the disk for sure until Redis has them."""
        error = OSError(unsure.errno, f"{unsure.error or 'fsync failed'}, before hookd last started")
        self.failure = FlushFailure(error, unsure.through, True)
        self.unsure.marked = unsure.through
        # Nothing is known to be on the disk, not even what the spool held at start (counted as 0).
        self.flushed_through = -1
        self.progress.flush_error = error.strerror
        self.progress.flush_failed_at = time.monotonic()
        log.error(
            "spool_unsure_at_start",
            error=error.strerror,
            directory=self.spool.directory,
            unsure_through=list(unsure.through),
            hint="an fsync of the spool failed before this start: the events written before it are not counted as "
            "on the disk until Redis has them; check the disk (dmesg) and its free space",
        )

    @property
    def written(self) -> int:
        """How many events the spool has appended: what a flush starting now would cover."""
        return self.spool.appended

    def durable(self) -> asyncio.Future[None] | None:
        """Under ``batch``: a future resolved once everything written so far is on the disk."""
        if self.policy is not FsyncPolicy.BATCH:
            return None
        return self.durable_through(self.written)

    def durable_through(self, through: int) -> asyncio.Future[None]:
        """A future resolved once the first ``through`` events are on the disk (at once if they
        are already); it fails with the OSError of a flush that should have covered them."""
        future = asyncio.get_running_loop().create_future()
        if through <= self.flushed_through:
            future.set_result(None)
            return future
        self._waiters.append((through, future))
        self._wanted.set()
        return future

    async def wait_durable(self, through: int) -> None:
        """Return once the first ``through`` events are on the disk, flushing now rather than at
        the next interval; at once under ``never``. Raises the OSError of a failed flush.

        Before ``run`` has started (the inbox taken at start-up) the flush runs here, in a
        worker thread all the same."""
        if self.policy is FsyncPolicy.NEVER or through <= self.flushed_through:
            return
        if self._running:
            await self.durable_through(through)
        else:
            async with self._flushing:
                if through > self.flushed_through:
                    await self._flush(raise_error=True)

    def stop(self) -> None:
        """Let ``run`` finish its flush in progress and return; Spool.close flushes the rest."""
        self._stopping = True
        self._wanted.set()

    async def run(self) -> None:
        if self.policy is FsyncPolicy.NEVER:
            return
        self._running = True
        try:
            while not self._stopping:
                # Under batch a flush runs when one is wanted; while a failure is held, also on the interval,
                # so that it is found settled once Redis has the events even when no new ones come.
                idle = self.policy is FsyncPolicy.BATCH and self.failure is None
                await self._wait(self._wanted, None if idle else self.interval_s)
                self._wanted.clear()
                async with self._flushing:
                    await self._flush()
        finally:
            self._running = False

    async def _flush(self, raise_error: bool = False) -> None:
        """Flush in a worker thread; settle the waiters the flush covers."""
        through = self.written  # read on the loop: every event counted here is written already
        segment, end = self.spool.writing_segment, self.spool.end
        self.progress.flush_busy_since = time.monotonic()
        try:
            # In a daemon thread: an fsync that never returns (a disk that hung) must not hold hookd's exit.
            await self.spool.flush_thread.run(self.spool.sync)
            if self.spool.writing_segment != segment:
                # The spool rotated while the thread flushed: the segment holding these events
                # may have been retired after sync took its list of retired files, and been
                # left for the next flush. This one takes it.
                await self.spool.flush_thread.run(self.spool.sync)
        except OSError as exc:
            await self.unsure.mark(self._failed(exc).through, exc)
            # Shown once the mark is on the disk (or said not to be): a status that names the failure
            # is then one a kill cannot take back from the next start's, nor from a stopped daemon's.
            # Until then the flush counts as busy, so a mark that hangs on the disk shows as a stuck flush.
            self.progress.flush_busy_since = None
            self.progress.flush_error = f"{exc.strerror or exc}"
            self.progress.flush_failed_at = time.monotonic()
            self._settle(through, exc)
            if raise_error:
                raise
            return
        self.progress.flush_busy_since = None
        self.progress.flush_at = time.monotonic()
        self.spool.flushed(end)
        failure = self.failure
        if failure is not None and not self._past(failure):
            self._settle(through, failure.error)
            if raise_error:
                raise failure.error
            return
        if failure is not None:
            await self.unsure.clear()
            if failure.said:
                log.info("spool_flush_recovered", directory=self.spool.directory)
            self.failure, self.progress.flush_error = None, None
        self.flushed_through = max(self.flushed_through, through)
        self._settle(through, None)

    def _failed(self, exc: OSError) -> FlushFailure:
        """Note a failed flush: what was written by now may not be on the disk (see the module's doc)."""
        failed_flushes = self._failure_lines.ready("flush")  # this one and those not said since the last line
        say = failed_flushes is not None
        # Everything written so far, not only what the flush began with: a write while it ran
        # may have been in the pages it failed to write, the one the write thread has not returned from too.
        failure = self.failure = FlushFailure(
            exc, self.spool.end_written, say or (self.failure is not None and self.failure.said)
        )
        self.spool.keep_unsure(failure.through)
        if say:
            log.error(
                "spool_flush_failed",
                error=exc.strerror,
                failed_flushes=failed_flushes,
                directory=self.spool.directory,
                hint="events written since the last good flush are not counted as on the disk until Redis "
                "has them; check the disk (dmesg) and its free space",
            )
        return failure

    def _past(self, failure: FlushFailure) -> bool:
        """Whether Redis has (or the spool dropped) every event written before the failure."""
        return self.spool.cursor >= failure.through or not self.spool.pending_events

    def _settle(self, through: int, error: OSError | None) -> None:
        covered = [future for wanted, future in self._waiters if wanted <= through]
        self._waiters = [(wanted, future) for wanted, future in self._waiters if wanted > through]
        if self._waiters:
            self._wanted.set()  # written during this flush: the next one covers them
        for future in covered:
            if not future.done():
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(error)

    @staticmethod
    async def _wait(event: asyncio.Event, timeout: float | None) -> None:
        try:
            async with asyncio.timeout(timeout):
                await event.wait()
        except TimeoutError:
            pass
