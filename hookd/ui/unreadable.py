"""The stream's entries the UI could not read: counted by reason, said on the page (/api/status)
and in the log at most once in LOG_EVERY_S.

Others may write the stream hookd writes (any client with its name): an entry without an envelope,
one that is not JSON or not an envelope's shape, or one larger than a reply may be is left out of
every view. Left out unsaid, a stream of them read as a quiet stream; logged one line each, a writer
of 100,000 a second filled the log as fast.
"""

from __future__ import annotations

import time
from collections import Counter

import structlog

log = structlog.get_logger("hookd.ui")

LOG_EVERY_S = 10.0
MAX_REASONS = 8  # reasons kept apart; the rest counted as one
OTHER_REASONS = "other reasons"


class NotAnEnvelope(ValueError):
    """An entry with nothing the UI can show: the reason says what it holds instead."""


class Unreadable:
    """The count of the stream's entries the UI's reader left out, by reason, since it started."""

    def __init__(self) -> None:
        self.count = 0
        self.reasons: Counter[str] = Counter()
        self.last_id: str | None = None
        self.last_reason: str | None = None
        self._said_at = float("-inf")
        self._unsaid = 0

    def note(self, entry_id: str, reason: str) -> None:
        self.count += 1
        self._unsaid += 1
        if reason not in self.reasons and len(self.reasons) >= MAX_REASONS:
            reason = OTHER_REASONS
        self.reasons[reason] += 1
        self.last_id, self.last_reason = entry_id, reason
        now = time.monotonic()
        if now - self._said_at >= LOG_EVERY_S:
            log.warning(
                "ui_entry_unreadable",
                entries=self._unsaid,
                total=self.count,
                entry_id=entry_id,
                reason=reason,
                hint="another program writes entries to hookd's stream: they are left out of every view; "
                "give it a stream of its own",
            )
            self._said_at, self._unsaid = now, 0

    def status(self) -> dict[str, object]:
        return {
            "count": self.count,
            "reasons": dict(self.reasons),
            "example": self.last_id,
            "example_reason": self.last_reason,
        }
