"""Handing a run's events to the spool's write thread, and its replies once they are written.

The spool's append is made in a thread of its own (spool/write_thread.py), so that a spool disk
that stops answering holds that thread, not the event loop: the loop numbers the events and hands
them over in that order, and the replies (each OK) wait for the write, and under spool_fsync=batch
for the flush after it, as they did when the loop wrote. A hand-off whose copy is being written is
not judged a duplicate or not until that write is over (``_copies_written``): the write may fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from hookd.disk_full import DiskFullError
from hookd.handoffs import RecentHandoffs
from hookd.held_back import HeldBack
from hookd.pipeline.failures import cannot_keep
from hookd.pipeline.outcome import RunReplies, fail_unflushed
from hookd.pipeline.refusal_counts import RefusalCounts
from hookd.refusals import Header, Reason, Rejected, error_line, ok_line
from hookd.spool import Spool, SpoolFull
from hookd.spool.event import Event
from hookd.spool.flusher import Flusher
from hookd.state import DaemonState


class Spooling:
    """Pipeline's hand-over to the spool (pipeline.py)."""

    spool: Spool
    flusher: Flusher
    state: DaemonState
    handoffs: RecentHandoffs
    held_back: HeldBack
    refusals: RefusalCounts
    in_flight: set[asyncio.Task[None]]
    writing: dict[str, asyncio.Future[None]]  # hand-off id: its copy's write, until it is over

    def _copy_being_written(self, headers: Iterable[Header]) -> bool:
        return any(header.handoff_id in self.writing for header in headers)

    async def _copies_written(self, headers: Iterable[Header]) -> None:
        """Return once no copy of these hand-offs is being written (whether its write worked or not)."""
        ids = [header.handoff_id for header in headers if header.handoff_id is not None]
        while pending := {self.writing[i] for i in ids if i in self.writing}:
            await asyncio.wait(pending)

    def _track(self, task: asyncio.Task[None]) -> None:
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)

    async def _reply_when_written(
        self,
        run: RunReplies,
        written: asyncio.Future[None],
        frames: int,
        future: asyncio.Future[tuple[list[bytes], bool]],
    ) -> None:
        """Settle ``future`` with the run's replies once its events are written (and durable, under
        spool_fsync=batch); a cancel at shutdown refuses them, the senders keep their events."""
        try:
            durable = self.flusher.durable() if await self._spooled(run, written) else None
            replies, close = run.answered(), run.close
            if durable is not None:
                try:
                    await durable
                except OSError:
                    replies, close = fail_unflushed(replies), True
            future.set_result((replies, close))
        except BaseException:
            if not future.done():
                future.set_result(
                    ([error_line(Reason.UNAVAILABLE, "hookd is shutting down; resend the event")] * frames, True)
                )
            raise

    async def _spooled(self, run: RunReplies, written: asyncio.Future[None]) -> bool:
        """Give each of a run's events its OK once written; or, when the spool could not take them,
        the refusal, the connection closed after it. True if spooled."""
        try:
            await asyncio.shield(written)
        except Rejected as exc:
            refusal = error_line(exc.reason, exc.message)
            run.lines = [refusal if line is None else line for line in run.lines]
            run.close = True
            return False
        for index, event in run.events:
            run.lines[index] = ok_line(event.event_id)
        return True

    def _spool(self, events: list[Event], count_refusal: bool = True) -> asyncio.Future[None]:
        """Hand ``events`` to the spool's write thread; the future fails with Rejected if it cannot
        take them. Counted (and their hand-offs known) once written, whoever still awaits it."""
        outcome: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def written(done: asyncio.Future[None]) -> None:
            for event in events:
                if event.handoff_id and self.writing.get(event.handoff_id) is outcome:
                    del self.writing[event.handoff_id]
            exc = done.exception()
            if exc is None:
                self._count_spooled(events)
                outcome.set_result(None)
            elif isinstance(exc, (SpoolFull, DiskFullError)):  # DiskFullError: the cursor file, to make room
                outcome.set_exception(self._refused(events, exc, count_refusal))
            else:
                outcome.set_exception(exc)
            outcome.exception()  # said by its awaiter, if one is left: not "never retrieved"

        for event in events:
            if event.handoff_id:
                self.writing[event.handoff_id] = outcome
        self.spool.append_queued(events).add_done_callback(written)
        return outcome

    def _refused(self, events: list[Event], exc: SpoolFull | DiskFullError, count_refusal: bool) -> Rejected:
        reason, message = cannot_keep(self.spool, exc)
        if not count_refusal:
            rejected = Rejected(reason, message)
        else:
            for event in events:
                rejected = self.refusals.refuse(reason, message)
                if event.handoff_id:
                    self.held_back.refused(event.handoff_id)
        rejected.__cause__ = exc
        return rejected

    def _count_spooled(self, events: list[Event]) -> None:
        state = self.state
        state.accepted += len(events)
        state.accepted_rate.add(len(events))
        for event in events:
            state.by_hook[event.hook] += 1
            if event.handoff_id:
                self.handoffs.add(event.handoff_id, event.event_id)
