"""The daemon's one path for an event: validate, envelope, spool; count and log refusals.

Every way in (the socket now, the inbox and HTTP later) hands its frames to
``Pipeline.take``, so they all get the same checks, counters and log lines.
"""

from __future__ import annotations

import structlog

from hookd.envelope import EnvelopeBuilder
from hookd.ingest.protocol import Header, Reason, Rejected
from hookd.spool import Spool, SpoolFull
from hookd.state import DaemonState

log = structlog.get_logger("hookd.pipeline")


class Pipeline:
    def __init__(self, builder: EnvelopeBuilder, spool: Spool, state: DaemonState) -> None:
        self.builder = builder
        self.spool = spool
        self.state = state
        self.accepting = True

    def take(self, header: Header, body: bytes) -> str:
        """Take responsibility for one event and return its id, or raise Rejected."""
        self.state.received += 1
        if not self.accepting:
            raise self.refuse(Reason.UNAVAILABLE, "hookd is shutting down; keep the event and resend it",
                              header)
        try:
            event = self.builder.build(header, body)
        except Rejected as exc:
            self._count(exc, header, len(body))
            raise
        except Exception as exc:
            # A bug, not the sender's fault: the sender keeps the event (hook-send in its
            # inbox) rather than have it refused for good, and the log has the traceback.
            log.exception("event_failed_internally", sender_pid=header.pid, bytes=len(body))
            raise self.refuse(Reason.UNAVAILABLE, f"internal error ({type(exc).__name__}); "
                              "keep the event and resend it", header, len(body)) from exc
        try:
            self.spool.append(event)
        except SpoolFull as exc:
            raise self.refuse(Reason.UNAVAILABLE, f"{exc}; keep the event and resend it", header) from exc
        self.state.accepted += 1
        self.state.by_hook[event.hook] += 1
        return event.event_id

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
