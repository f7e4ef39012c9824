"""The daemon's one path for an event: validate, envelope, spool; count and log refusals.

Every way in (the socket, the inbox and HTTP) hands its frames to
``Pipeline.take``, so they all get the same checks, counters and log lines.
"""

from __future__ import annotations

import asyncio
from typing import NamedTuple

import structlog

from hookd.envelope import EnvelopeBuilder, Event
from hookd.handoffs import RecentHandoffs
from hookd.ingest.protocol import Header, Reason, Rejected, error_line, ok_line
from hookd.spool import Spool, SpoolFull
from hookd.spool.flusher import Flusher
from hookd.state import DaemonState

log = structlog.get_logger("hookd.pipeline")


class Outcome(NamedTuple):
    replies: list[bytes]
    close: bool
    durable: asyncio.Future | None


class Pipeline:
    def __init__(self, builder: EnvelopeBuilder, spool: Spool, flusher: Flusher,
                 state: DaemonState) -> None:
        self.builder = builder
        self.spool = spool
        self.flusher = flusher
        self.state = state
        self.accepting = True
        self.handoffs = RecentHandoffs()

    def take_all(self, frames: list[tuple[Header, bytes]]) -> Outcome:
        """Take a run of frames from one connection: one reply line each, in order.

        The accepted events are spooled with a single write before any OK is
        returned; under spool_fsync=batch the replies must also wait for
        ``durable``. ``close`` says whether the connection must be closed after
        the replies (the daemon cannot take events now).
        """
        replies: list[bytes | None] = []
        events: list[Event] = []
        close = False
        for header, body in frames:
            earlier = self._earlier_copy(header)
            if earlier is not None:
                replies.append(ok_line(earlier))
                continue
            try:
                events.append(self._build(header, body))
                replies.append(None)
            except Rejected as exc:
                replies.append(error_line(exc.reason, exc.message))
                close = close or exc.reason.closes_connection
        if events:
            try:
                self._spool(events)
            except Rejected as exc:
                refusal = error_line(exc.reason, exc.message)
                return Outcome([refusal if r is None else r for r in replies], True, None)
            accepted = iter(events)
            replies = [ok_line(next(accepted).event_id) if r is None else r for r in replies]
            return Outcome(replies, close, self.flusher.durable())  # type: ignore[arg-type]
        return Outcome(replies, close, None)  # type: ignore[arg-type]

    def _earlier_copy(self, header: Header) -> str | None:
        """The event id given to an earlier hand-off of the same event, if there was one.

        hook-send writes an event to its inbox when it gives up waiting for OK, and
        the socket frame it gave up on may still be taken (a stalled daemon), or
        may have been (the OK was lost): whichever copy comes second is dropped.
        """
        if header.handoff_id is None:
            return None
        earlier = self.handoffs.get(header.handoff_id)
        if earlier is not None:
            self.state.received += 1
            self.state.deduplicated_handoffs += 1
            log.info("handoff_duplicate_dropped", handoff_id=header.handoff_id, event_id=earlier,
                     hint="this event reached hookd twice (socket and inbox); it is kept once")
        return earlier

    def take(self, header: Header, body: bytes) -> str | None:
        """Take responsibility for one event (from the inbox) and return its id, or raise Rejected.

        An event whose hand-off id was already taken is dropped as the copy it
        is, and None is returned.
        """
        if self._earlier_copy(header) is not None:
            return None
        event = self._build(header, body)
        self._spool([event])
        return event.event_id

    def _build(self, header: Header, body: bytes) -> Event:
        self.state.received += 1
        if not self.accepting:
            raise self.refuse(Reason.UNAVAILABLE, "hookd is shutting down; keep the event and resend it",
                              header)
        try:
            return self.builder.build(header, body)
        except Rejected as exc:
            self._count(exc, header, len(body))
            raise
        except Exception as exc:
            # A bug, not the sender's fault: the sender keeps the event (hook-send in its
            # inbox) rather than have it refused for good, and the log has the traceback.
            log.exception("event_failed_internally", sender_pid=header.pid, bytes=len(body))
            rejected = self.refuse(Reason.UNAVAILABLE, f"internal error ({type(exc).__name__}); "
                                   "keep the event and resend it", header, len(body))
            rejected.internal = True
            raise rejected from exc

    def _spool(self, events: list[Event]) -> None:
        try:
            self.spool.append_many(events)
        except SpoolFull as exc:
            for _ in events:
                rejected = self.refuse(Reason.UNAVAILABLE, f"{exc}; keep the event and resend it")
            raise rejected from exc
        state = self.state
        state.accepted += len(events)
        state.accepted_rate.add(len(events))
        for event in events:
            state.by_hook[event.hook] += 1
            if event.handoff_id:
                self.handoffs.add(event.handoff_id, event.event_id)

    def refuse(self, reason: Reason, message: str, header: Header | None = None,
               size: int | None = None) -> Rejected:
        """Count and log a refusal found outside ``take`` (framing, timeouts); return it to raise."""
        rejected = Rejected(reason, message)
        self._count(rejected, header, size)
        return rejected

    def _count(self, rejected: Rejected, header: Header | None, size: int | None) -> None:
        self.state.rejected[rejected.reason.value] += 1
        log.warning("event_rejected", reason=rejected.reason.value, detail=rejected.message,
                    bytes=size,
                    sender_pid=header.pid if header else None,
                    hook=header.hook if header else None,
                    rejected_so_far=self.state.rejected[rejected.reason.value])
