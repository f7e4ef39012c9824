"""A sender's order across a refusal: what hook-send was told to keep goes in before what follows.

When the spool refuses hook-send's events (full disk, full spool), hook-send keeps
them in its inbox, and the daemon takes them from there on its next sweep. Were
the daemon to take the sender's next event from the socket as soon as there is
room again, that event would reach the stream before the ones waiting in the
inbox. So while any refused hand-off has not come back through an inbox (or
files still wait there), hook-send's new events are refused too (reason
``unavailable``, or ``disk_full``) and follow the others through the inbox, in
order. Events without a hand-off id (HTTP hooks, which have no inbox) are never
held back.

A refused hand-off that does not come back within KEEP_S (hook-send died, or
both its inboxes failed and it said "event lost") stops holding others back.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable

import structlog

log = structlog.get_logger("hookd.pipeline")

KEEP_S = 10.0
MOST = 10_000


class HeldBack:
    def __init__(self, keep_s: float = KEEP_S, most: int = MOST, clock: Callable[[], float] = time.monotonic) -> None:
        self.keep_s = keep_s
        self.most = most
        self.clock = clock
        self.inbox_waiting = 0  # files the last inbox sweep could not take
        self.expired = 0
        self._ids: OrderedDict[str, float] = OrderedDict()

    def refused(self, handoff_id: str) -> None:
        self._ids[handoff_id] = self.clock()
        self._ids.move_to_end(handoff_id)
        while len(self._ids) > self.most:
            self._ids.popitem(last=False)

    def taken(self, handoff_id: str | None) -> None:
        if handoff_id is not None:
            self._ids.pop(handoff_id, None)

    def active(self) -> bool:
        """Whether hook-send's new events must follow refused ones through the inbox."""
        oldest_kept = self.clock() - self.keep_s
        expired = 0
        while self._ids and next(iter(self._ids.values())) < oldest_kept:
            self._ids.popitem(last=False)
            expired += 1
        if expired:
            self.expired += expired
            log.warning(
                "refused_handoffs_not_seen_again",
                count=expired,
                so_far=self.expired,
                hint="events refused with a full disk or spool did not come back through "
                "an inbox within 10 s (hook-send may have said 'event lost')",
            )
        return bool(self._ids) or self.inbox_waiting > 0
