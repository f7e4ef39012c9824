"""What the pipeline refused, and what senders withheld: exact counts, and log lines throttled.

A sender can be refused thousands of times a second (a loop of bad frames): a line
each would flood the log and cost more than the refusal. The counts (DaemonState's
rejected and withheld) stay exact; the lines stop after a burst per reason and
interval, and the next says how many went without one.
"""

from __future__ import annotations

import structlog

from hookd.envelope import EnvelopeBuilder
from hookd.peers import Throttle
from hookd.refusals import Header, Reason, Rejected
from hookd.state import DaemonState

log = structlog.get_logger("hookd.pipeline")

REJECTION_LINES_PER_INTERVAL = 20  # per reason per 10 s; then one line per interval with the count
WITHHELD_REASONS = {"too_large"}  # Header.withheld as hook-send sends it


class RefusalCounts:
    def __init__(self, state: DaemonState, builder: EnvelopeBuilder) -> None:
        self.state = state
        self.builder = builder  # names the hook in a line as the envelope would
        self.lines = Throttle(burst=REJECTION_LINES_PER_INTERVAL)

    def refuse(self, reason: Reason, message: str, header: Header | None = None, size: int | None = None) -> Rejected:
        """Count and log a refusal; return it to raise."""
        rejected = Rejected(reason, message)
        self.count(rejected, header, size)
        return rejected

    def count(self, rejected: Rejected, header: Header | None, size: int | None) -> None:
        """Count a refusal, and log it unless its reason has had its lines this interval."""
        self.state.rejected[rejected.reason.value] += 1
        lines_for = self.lines.ready(rejected.reason)
        if lines_for is None:
            return
        log.warning(
            "event_rejected",
            reason=rejected.reason.value,
            detail=rejected.message,
            bytes=size,
            sender_pid=header.pid if header else None,
            hook=self.builder.header_text(header.hook, counted=False) if header else None,
            rejected_so_far=self.state.rejected[rejected.reason.value],
            not_logged_before=lines_for - 1,  # refused since the last line of this reason, without a line
        )

    def withheld(self, header: Header, size: int) -> None:
        """Count a taken event whose sender sent a marker in place of its payload (Header.withheld)."""
        if header.withheld is None:
            return
        # A sender's word: reasons hook-send does not send are counted together, not one key each.
        reason = header.withheld if header.withheld in WITHHELD_REASONS else "other"
        self.state.withheld[reason] += 1
        lines_for = self.lines.ready(("withheld", reason))
        if lines_for is None:
            return
        log.warning(
            "event_payload_withheld",
            reason=reason,
            by="sender",
            bytes=size,
            sender_pid=header.pid,
            hook=self.builder.header_text(header.hook, counted=False),
            withheld_so_far=self.state.withheld[reason],
            not_logged_before=lines_for - 1,
            hint="the sender did not hold this event's payload (too_large: over max_event_bytes); "
            "the event is kept with its marker, which says the size, in place of the payload",
        )
