"""What taking a run of frames comes to: one reply line per frame, in order, decided as the
frames are taken (an event's OK only once it is spooled), and whether the connection ends after.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

from hookd.refusals import Reason, Rejected, error_line, ok_line
from hookd.spool.event import Event

_UNFLUSHED = error_line(Reason.UNAVAILABLE, "the spool could not be flushed to the disk; keep the event and resend it")


def fail_unflushed(replies: list[bytes]) -> list[bytes]:
    """The replies to give when the flush their events waited for failed: each OK becomes a
    refusal, so that the sender keeps its event."""
    return [_UNFLUSHED if line.startswith(b"OK ") else line for line in replies]


class Outcome(NamedTuple):
    """The replies to a run of frames. ``replies`` is None when they are not known yet: then
    ``durable`` resolves to (replies, close) once the frames are prepared and spooled."""

    replies: list[bytes] | None
    close: bool
    # Resolves to None (the flush the replies wait for) when they are known, else to the pair.
    durable: asyncio.Future[Any] | None


class RunReplies:
    """The replies to one run of frames as they are decided: a line each, in order, where None
    holds the place of an event until it is spooled; ``close``: the connection ends after them."""

    def __init__(self) -> None:
        self.lines: list[bytes | None] = []
        self.close = False
        self.events: list[tuple[int, Event]] = []  # (its place in lines, the event)

    def duplicate(self, earlier: str | None) -> bool:
        """An earlier copy was taken (``earlier``, its event id): this one gets its OK."""
        if earlier is None:
            return False
        self.lines.append(ok_line(earlier))
        return True

    def refused(self, exc: Rejected) -> None:
        self.lines.append(error_line(exc.reason, exc.message))
        self.close = self.close or exc.reason.closes_connection

    def hold(self) -> int:
        """Keep a place for a reply decided later; return it."""
        self.lines.append(None)
        return len(self.lines) - 1

    def add(self, event: Event) -> None:
        self.events.append((self.hold(), event))

    def answered(self) -> list[bytes]:
        """The replies, once every event has its own (or its earlier copy's) OK or a refusal."""
        assert None not in self.lines, "an event was left without a reply"
        return self.lines  # type: ignore[return-value]
