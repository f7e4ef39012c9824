"""The stream entries the UI reads for session ids that nothing names, shared by every request.

A session older than memory is read back from the stream, a step a request, up to MAX_SESSION_SCAN
entries (ui/session_scans.py). An id that hookd's index, memory and the kept scans do not know
(a typo, an old link, or any id a client with the cookie makes up) costs such a pass, and a new id
costs a new one: a client naming new ids without end kept the reader reading for them alone. Those
reads now draw on one budget of entries, refilled at a steady rate; a request that finds it spent
is refused (429) with the seconds after which a step can be read again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog

from hookd.peers import Throttle

log = structlog.get_logger("hookd.ui")

# Entries read for unknown ids: this many at once at most, refilled over this many seconds (a whole
# pass back, MAX_SESSION_SCAN entries, a minute).
UNKNOWN_ENTRIES = 500_000
UNKNOWN_PERIOD_S = 60.0
LOG_EVERY_S = 10.0


class ScanBudgetSpent(Exception):
    """The entries that reads of unknown ids may take are taken: try again in ``retry_after`` s."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"hookd ui has read as much of the stream as it reads in {UNKNOWN_PERIOD_S:.0f} s for session ids "
            f"that hookd's index does not name; open the session again in {retry_after:.0f} s "
            "(a session hookd indexes is not held to this: check that session_index is on in `hookd config`)"
        )
        self.retry_after = retry_after


class ScanBudget:
    def __init__(
        self,
        entries: int | None = None,
        period_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.entries = UNKNOWN_ENTRIES if entries is None else entries
        self.rate = self.entries / (period_s or UNKNOWN_PERIOD_S)  # entries a second
        self.clock = clock
        self.left = float(self.entries)
        self.at = clock()
        self.refused = 0  # requests refused (hookd ui's /api/status)
        self._lines = Throttle(LOG_EVERY_S, clock)

    def _refill(self) -> None:
        now = self.clock()
        self.left = min(float(self.entries), self.left + (now - self.at) * self.rate)
        self.at = now

    def take(self, wanted: int) -> int:
        """Up to ``wanted`` entries, taken now (reads under way at once cannot take the same ones);
        ScanBudgetSpent when none are left."""
        self._refill()
        got = min(wanted, int(self.left))
        if got <= 0:
            self.refused += 1
            spent = ScanBudgetSpent(max(1.0, (min(wanted, self.entries) - self.left) / self.rate))
            requests = self._lines.ready("refused")
            if requests is not None:
                log.warning(
                    "ui_unknown_session_refused",
                    requests=requests,
                    total=self.refused,
                    retry_after_s=round(spent.retry_after),
                    hint=str(spent),
                )
            raise spent
        self.left -= got
        return got

    def give_back(self, unread: int) -> None:
        """What a read took and did not read (it reached the stream's end, or failed)."""
        self.left = min(float(self.entries), self.left + max(0, unread))
