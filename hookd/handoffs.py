"""Recent hand-off ids, to keep one copy of an event that reached hookd twice.

hook-send gives each event an id. If it gives up waiting for OK it also writes
the event to its inbox, so the socket frame and the inbox file can both reach
the spool. The inbox copy comes at the latest as a temporary file its writer
left (a hook-send killed by SIGKILL before the rename), which the sweep takes
once it is ABANDONED_TMP_S old (ingest/inbox.py, 60 s) and its writer's run is
over (at most 60 s, HOOKD_SEND_TIMEOUT_MS's cap): three minutes of memory cover
that, where one minute let such a copy through as a second event. The cap
bounds memory under a flood (10,000 ids take about 2 MiB); the inbox sweep
trims by age, so a burst does not stay in memory.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

KEEP_S = 180.0
MOST = 10_000


class RecentHandoffs:
    def __init__(self, keep_s: float = KEEP_S, most: int = MOST, clock: Callable[[], float] = time.monotonic) -> None:
        self.keep_s = keep_s
        self.most = most
        self.clock = clock
        self._ids: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def get(self, handoff_id: str) -> str | None:
        """The event id of an earlier hand-off with this id, if it is remembered."""
        entry = self._ids.get(handoff_id)
        return None if entry is None else entry[1]

    def add(self, handoff_id: str, event_id: str) -> None:
        self._ids[handoff_id] = (self.clock(), event_id)
        self.trim()

    def trim(self) -> None:
        """Forget ids past their time, and the oldest beyond the cap."""
        ids = self._ids
        oldest_kept = self.clock() - self.keep_s
        while ids and (len(ids) > self.most or next(iter(ids.values()))[0] < oldest_kept):
            ids.popitem(last=False)

    def __len__(self) -> int:
        return len(self._ids)
