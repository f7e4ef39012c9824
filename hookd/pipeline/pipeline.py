"""The daemon's one path for an event: validate, envelope, spool; count and log refusals.

Every way in (the socket, the inbox and HTTP) hands its frames to the
pipeline, so they all get the same checks, counters and log lines.

A frame whose body is over worker.INLINE_BYTES is prepared in the worker
process (hookd/worker.py) while the loop serves others; the frames of that
read, and later ones of the same connection, wait for it, so that each
connection's replies and events keep their order. Events are numbered and
spooled only once all of a read's frames are prepared, with no wait between
numbering and spooling, so the spool holds every host's events in sequence.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, TypeVar, overload

import structlog

from hookd.envelope import EnvelopeBuilder, Prepared
from hookd.handoffs import RecentHandoffs
from hookd.held_back import HeldBack
from hookd.disk_full import DiskFullError
from hookd.pipeline.failures import cannot_keep, internal_failure
from hookd.pipeline.outcome import Outcome, RunReplies
from hookd.pipeline.refusal_counts import RefusalCounts
from hookd.pipeline.spooling import Spooling
from hookd.refusals import Header, Reason, Rejected, error_line, ok_line
from hookd.spool import Spool
from hookd.spool.event import Event
from hookd.spool.flusher import Flusher
from hookd.state import DaemonState
from hookd.worker import INLINE_BYTES, Worker

log = structlog.get_logger("hookd.pipeline")

T = TypeVar("T")


class Pipeline(Spooling):
    def __init__(
        self, builder: EnvelopeBuilder, spool: Spool, flusher: Flusher, state: DaemonState, worker: Worker | None = None
    ) -> None:
        self.builder = builder
        self.worker = worker
        self.in_flight: set[asyncio.Task[None]] = set()
        self.spool = spool
        self.flusher = flusher
        self.state = state
        self.accepting = True
        self.handoffs = RecentHandoffs()
        self.held_back = HeldBack()
        self.refusals = RefusalCounts(state, builder)
        self.writing: dict[str, asyncio.Future[None]] = {}

    def take_all(self, frames: list[tuple[Header, bytes]], after: asyncio.Future[Any] | None = None) -> Outcome:
        """Take a run of frames from one connection: one reply line each, in order.

        The accepted events are spooled with a single write before any OK is
        returned; under spool_fsync=batch the replies must also wait for
        ``durable``. ``close`` says whether the connection must be closed after
        the replies (the daemon cannot take events now). ``after``: the
        connection's previous deferred Outcome, still pending, to wait for.
        """
        if (
            self.worker is not None and (after is not None or any(len(body) > INLINE_BYTES for _, body in frames))
        ) or self._copy_being_written(header for header, _ in frames):
            future: asyncio.Future[tuple[list[bytes], bool]] = asyncio.get_running_loop().create_future()
            self._track(asyncio.ensure_future(self._take_later(frames, after, future)))
            return Outcome(None, False, future)
        run = RunReplies()
        for header, body in frames:
            if run.duplicate(self._earlier_copy(header)):
                continue
            try:
                run.add(self._build(header, body))
            except Rejected as exc:
                run.refused(exc)
        if not run.events:
            return Outcome(run.answered(), run.close, None)
        # Handed to the spool's write thread now, in the order numbered; the replies once it is written.
        written = self._spool([event for _, event in run.events])
        future = asyncio.get_running_loop().create_future()
        self._track(asyncio.ensure_future(self._reply_when_written(run, written, len(frames), future)))
        return Outcome(None, False, future)

    async def _take_later(
        self,
        frames: list[tuple[Header, bytes]],
        after: asyncio.Future[Any] | None,
        future: asyncio.Future[tuple[list[bytes], bool]],
    ) -> None:
        """take_all for frames that include a large one: prepared off the loop, then spooled."""
        try:
            if after is not None:
                await asyncio.wait({after})
            await self._copies_written(header for header, _ in frames)
            run = RunReplies()
            ready: list[tuple[int, Header, Prepared]] = []
            for header, body in frames:
                if run.duplicate(self._earlier_copy(header, last=False)):
                    continue
                try:
                    prepared = await self._prepare(header, body)
                except Rejected as exc:
                    run.refused(exc)
                    continue
                ready.append((run.hold(), header, prepared))
            await self._copies_written(header for _, header, _ in ready)
            # From here to the spool's queue nothing waits: events are numbered in spool order.
            for index, header, prepared in ready:
                earlier = self._earlier_copy(header)  # it may have come by the inbox meanwhile
                if earlier is not None:
                    run.lines[index] = ok_line(earlier)
                else:
                    try:
                        run.events.append((index, self._finish(header, prepared)))
                    except Rejected as exc:
                        run.lines[index] = error_line(exc.reason, exc.message)
                        run.close = run.close or exc.reason.closes_connection
            written = self._spool([event for _, event in run.events]) if run.events else None
        except BaseException:
            if not future.done():  # cancelled at shutdown: the senders keep their events
                future.set_result(
                    ([error_line(Reason.UNAVAILABLE, "hookd is shutting down; resend the event")] * len(frames), True)
                )
            raise
        if written is None:
            future.set_result((run.answered(), run.close))
        else:
            await self._reply_when_written(run, written, len(frames), future)

    async def _prepare(self, header: Header, body: bytes, from_inbox: bool = False) -> Prepared:
        """Prepared for the builder's finish: in the worker when large; counted like _build."""
        if self.worker is None or len(body) <= INLINE_BYTES:
            return self._check_and(header, body, self.builder.prepare, from_inbox)
        self._check_and(header, body, None, from_inbox)
        try:
            prepared = await self.worker.prepare(body)
        except Rejected as exc:
            self.refusals.count(exc, header, len(body))
            raise
        self.refusals.withheld(header, len(body))
        return prepared

    async def take_async(self, header: Header, body: bytes) -> str | None:
        """``take``, with a large body prepared in the worker process (the inbox's way in).

        A refusal because the spool cannot take events now (full disk) is not counted:
        the file stays in the inbox and is tried again, and no sender was refused.
        """
        await self._copies_written([header])
        if self._earlier_copy(header, last=False) is not None:
            self.held_back.taken(header.handoff_id)
            return None
        prepared = await self._prepare(header, body, from_inbox=True)
        await self._copies_written([header])
        if self._earlier_copy(header) is not None:
            self.held_back.taken(header.handoff_id)
            return None
        event = self._finish(header, prepared, count_refusal=False)
        await asyncio.shield(self._spool([event], count_refusal=False))
        self.held_back.taken(header.handoff_id)
        return event.event_id

    async def settle(self, deadline: float) -> None:
        """Wait until the deferred takes finish, or cancel them at ``deadline`` (at shutdown)."""
        while self.in_flight and (left := deadline - time.monotonic()) > 0:
            await asyncio.wait(set(self.in_flight), timeout=left)
        for task in list(self.in_flight):
            task.cancel()

    def _earlier_copy(self, header: Header, last: bool = True) -> str | None:
        """The event id given to an earlier hand-off of the same event, if there was one.

        hook-send writes an event to its inbox when it gives up waiting for OK, and
        the socket frame it gave up on may still be taken (a stalled daemon), or
        may have been (the OK was lost): whichever copy comes second is dropped.
        ``last``: the check the copy is spooled after; one before it, ahead of a wait (a preparation
        in the worker), does not say the first copy unsure: the copy is checked again, said once.
        """
        if header.handoff_id is None:
            return None
        earlier = self.handoffs.get(header.handoff_id)
        if earlier is not None and self.spool.copy_may_be_lost(header.handoff_id, earlier):
            # The first copy's record may read back as zeros (a failed fsync, memory past its
            # bound): this one is taken, at worst a second copy in Redis rather than none.
            if not last:
                return None
            log.warning(
                "handoff_copy_taken_spool_unsure",
                handoff_id=header.handoff_id,
                event_id=earlier,
                hint="a failed fsync left the spool's first copy of this event unsure; this copy is taken too",
            )
            return None
        if earlier is not None:
            self.state.received += 1
            self.state.deduplicated_handoffs += 1
            log.info(
                "handoff_duplicate_dropped",
                handoff_id=header.handoff_id,
                event_id=earlier,
                hint="this event reached hookd twice (socket and inbox); it is kept once",
            )
        return earlier

    def _build(self, header: Header, body: bytes) -> Event:
        return self._check_and(header, body, lambda body: self.builder.build(header, body))

    @overload
    def _check_and(self, header: Header, body: bytes, work: Callable[[bytes], T], from_inbox: bool = False) -> T: ...

    @overload
    def _check_and(self, header: Header, body: bytes, work: None, from_inbox: bool = False) -> None: ...

    def _check_and(
        self, header: Header, body: bytes, work: Callable[[bytes], T] | None, from_inbox: bool = False
    ) -> T | None:
        """Count the event received, refuse it when shutting down or held back (held_back.py),
        then ``work(body)`` (if any)."""
        self.state.received += 1
        if not self.accepting:
            raise self.refusals.refuse(
                Reason.UNAVAILABLE, "hookd is shutting down; keep the event and resend it", header
            )
        if not from_inbox and header.handoff_id is not None and self.held_back.active():
            self.held_back.refused(header.handoff_id)
            raise self.refusals.refuse(
                Reason.DISK_FULL if self.spool.disk_full else Reason.UNAVAILABLE,
                "events refused before wait in the inbox; keep this one, it is taken after them",
                header,
            )
        if work is None:
            return None
        try:
            done = work(body)
        except Rejected as exc:
            self.refusals.count(exc, header, len(body))
            raise
        except DiskFullError as exc:
            raise self.refusals.refuse(*cannot_keep(self.spool, exc), header, len(body)) from exc
        except Exception as exc:
            raise internal_failure(self.refusals, exc, header, len(body)) from exc
        self.refusals.withheld(header, len(body))
        return done

    def _finish(self, header: Header, prepared: Prepared, count_refusal: bool = True) -> Event:
        """The builder's finish (it numbers the event: the sequence file), a full disk refused as in _check_and."""
        try:
            return self.builder.finish(header, prepared)
        except DiskFullError as exc:
            reason, message = cannot_keep(self.spool, exc)
            if not count_refusal:
                raise Rejected(reason, message) from exc
            raise self.refusals.refuse(reason, message, header) from exc

    def refuse(self, reason: Reason, message: str, header: Header | None = None, size: int | None = None) -> Rejected:
        """Count and log a refusal found outside ``take`` (framing, timeouts); return it to raise.
        Counted received too: no frame whole enough to count came before it, and received is what
        was accepted, refused or dropped as a repeat, whichever door refused it."""
        self.state.received += 1
        return self.refusals.refuse(reason, message, header, size)
