"""Recent hand-off ids, to keep one copy of an event that reached hookd twice.

hook-send gives each event an id. If it gives up waiting for OK it also writes
the event to its inbox, so the socket frame and the inbox file can both reach
the spool. The inbox copy comes at the latest as a temporary file its writer
left (a hook-send killed by SIGKILL before the rename), which the sweep takes
once it is ABANDONED_TMP_S old (ingest/inbox_abandoned.py, 60 s) and its writer's run is
over (at most 60 s, HOOKD_SEND_TIMEOUT_MS's cap): three minutes of memory cover
that, where one minute let such a copy through as a second event.

Three minutes of a busy team's hand-offs are many (1,000 events a second is
180,000 ids), so they are kept compactly: hook-send's ids (16 hex digits) and
hookd's event ids (UUIDs) as numbers, in generations of SPANS-th of the window,
each sorted into arrays once full (24 bytes an id). Ids of another shape (other
senders) are kept as text and weigh OTHER_WEIGHT against the cap. The cap bounds
memory under a flood (MOST ids; bench/README.md has what they take) by forgetting the oldest
generation, which is said in the log: an inbox copy of one of those events
would be taken as a second event.
"""

from __future__ import annotations

import re
import time
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from itertools import chain

import structlog

log = structlog.get_logger("hookd.pipeline")

KEEP_S = 180.0
MOST = 500_000  # 2,700 events a second for the whole window
SPANS = 12
OTHER_WEIGHT = 16  # a text id and its entry take about 16 times a packed one's 24 bytes
FILTER_BITS = 21

_PACKED_HANDOFF = re.compile(r"[0-9a-f]{16}\Z")
_PACKED_EVENT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_LOW = (1 << 64) - 1
_SLOT = (1 << FILTER_BITS) - 1


def _event_number(event_id: str) -> int | None:
    return int(event_id.replace("-", ""), 16) if _PACKED_EVENT.match(event_id) else None


def _event_id(number: int) -> str:
    h = f"{number:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Generation:
    """The ids of one span, sorted: packed ones in arrays (found by bisection), others in a dict."""

    __slots__ = ("newest", "weight", "keys", "events", "other")

    def __init__(self, newest: float, weight: int, packed: dict[int, int], other: dict[str, str]) -> None:
        self.newest = newest
        self.weight = weight
        self.keys = array("Q", sorted(packed))
        self.events = array("Q", chain.from_iterable((packed[k] >> 64, packed[k] & _LOW) for k in self.keys))
        self.other = other

    def get_packed(self, key: int) -> int | None:
        at = bisect_left(self.keys, key)
        if at < len(self.keys) and self.keys[at] == key:
            return (self.events[2 * at] << 64) | self.events[2 * at + 1]
        return None


class RecentHandoffs:
    def __init__(self, keep_s: float = KEEP_S, most: int = MOST, clock: Callable[[], float] = time.monotonic) -> None:
        self.keep_s = keep_s
        self.most = most
        self.clock = clock
        self.forgotten_early = 0  # ids forgotten by the cap before keep_s
        self._old: deque[_Generation] = deque()  # oldest first
        self._old_weight = 0
        self._packed: dict[int, int] = {}  # the generation being filled
        self._other: dict[str, str] = {}
        self._weight = 0
        self._others = 0  # ids kept as text, in all generations
        self._started = 0.0
        self._newest = 0.0
        # How many packed ids end in each FILTER_BITS-bit value (255: that many or more, for good):
        # most ids never seen before are told apart here, without a search of every generation.
        self._slots = bytearray(1 << FILTER_BITS)

    def get(self, handoff_id: str) -> str | None:
        """The event id of an earlier hand-off with this id, if it is remembered."""
        if _PACKED_HANDOFF.match(handoff_id):
            key = int(handoff_id, 16)
            number = self._packed.get(key) if self._slots[key & _SLOT] else None
            for generation in reversed(self._old) if self._slots[key & _SLOT] else ():
                if number is not None:
                    break
                number = generation.get_packed(key)
            if number is not None:
                return _event_id(number)
        if not self._others:
            return None
        for other in chain((self._other,), (g.other for g in reversed(self._old))):
            if (found := other.get(handoff_id)) is not None:
                return found
        return None

    def add(self, handoff_id: str, event_id: str) -> None:
        now = self.clock()
        if self._weight and (now - self._started >= self.keep_s / SPANS or self._weight >= self.most // SPANS):
            self._seal()
        if not self._weight:
            self._started = now
        self._newest = now
        number = _event_number(event_id)
        if number is not None and _PACKED_HANDOFF.match(handoff_id):
            key = int(handoff_id, 16)
            if key not in self._packed:
                self._count(key, 1)
            self._packed[key] = number
            self._weight += 1
        else:
            self._others += handoff_id not in self._other
            self._other[handoff_id] = event_id
            self._weight += OTHER_WEIGHT
        self.trim()

    def trim(self) -> None:
        """Forget ids past their time, and the oldest beyond the cap."""
        oldest_kept = self.clock() - self.keep_s
        if self._weight and self._newest < oldest_kept:
            self._seal()
        old = self._old
        while old and old[0].newest < oldest_kept:
            self._forget(old.popleft())
        early = 0
        while old and self._old_weight + self._weight > self.most:
            gone = old.popleft()
            self._forget(gone)
            early += len(gone.keys) + len(gone.other)
        if early:
            self.forgotten_early += early
            log.warning(
                "handoff_ids_forgotten_early",
                count=early,
                so_far=self.forgotten_early,
                kept=self.most,
                window_s=self.keep_s,
                hint=f"more hand-offs than {self.most:,} within {self.keep_s:.0f} s: an inbox copy of one of "
                "the forgotten events (a hook-send that timed out) would be published a second time",
            )

    def _seal(self) -> None:
        self._old.append(_Generation(self._newest, self._weight, self._packed, self._other))
        self._old_weight += self._weight
        self._packed, self._other, self._weight = {}, {}, 0

    def _forget(self, generation: _Generation) -> None:
        self._old_weight -= generation.weight
        self._others -= len(generation.other)
        for key in generation.keys:
            self._count(key, -1)

    def _count(self, key: int, change: int) -> None:
        slot = key & _SLOT
        if self._slots[slot] < 255:
            self._slots[slot] += change

    def __len__(self) -> int:
        return sum(len(g.keys) + len(g.other) for g in self._old) + len(self._packed) + len(self._other)
