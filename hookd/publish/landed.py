"""What a batch's answer changes: the spool's position, the counts status and metrics show, the
record of first sends, and the session index's refused keys.

The publisher (publisher.py) sends; once Redis answers a batch with its counts (answers.py) the
batch is committed, its events counted published or deduplicated, their latency kept, and Redis
said up (health.py). A batch Redis refused half-way (PartlyAdded) has the events that landed
counted when they land: its resend skips them, and they are not counted again as repeats.
"""

from __future__ import annotations

import time

from hookd.publish.answers import Counts, PartlyAdded
from hookd.publish.first_sends import FirstSends
from hookd.publish.health import HealthReport
from hookd.publish.script import batch_keys
from hookd.publish.settings import PublishSettings
from hookd.spool import Batch, Spool
from hookd.state import DaemonState


class Landed:
    def __init__(
        self,
        settings: PublishSettings,
        spool: Spool,
        state: DaemonState,
        report: HealthReport,
        first_sends: FirstSends,
    ) -> None:
        self.settings = settings
        self.spool = spool
        self.state = state
        self.report = report
        self.first_sends = first_sends
        # The first event of a batch Redis refused half-way, and how many of it landed (PartlyAdded).
        self.added_before_refusal = ("", 0)

    def partly(self, batch: Batch, exc: PartlyAdded) -> None:
        """Count the events a refused batch added before the refusal, once: its resend skips them."""
        self.state.published += exc.added
        self.added_before_refusal = (batch.events[0].event_id, exc.added)
        self.report.index_answered(batch_keys(self.settings, batch.events[: exc.added])[2:], exc.refused)

    def whole(self, batch: Batch, counts: Counts, fresh: bool) -> None:
        """Redis took ``batch`` (``fresh``: its first send): commit it and count it."""
        added, skipped = counts.added, counts.skipped
        first_id, landed = self.added_before_refusal
        if landed and batch.events[0].event_id == first_id:
            skipped -= min(landed, skipped)  # counted when they landed (partly), not repeats
        self.added_before_refusal = ("", 0)
        self.first_sends.answered(batch, skipped, fresh)
        self.spool.commit(batch)
        now_ns = time.time_ns()
        self.state.publish_latency.extend((now_ns - e.received_ns) / 1e9 for e in batch.events)
        self.state.published += added
        self.state.batches += 1
        self.state.deduplicated += skipped
        self.report.succeeded()
        if counts.refused or self.state.redis.index_refused:
            self.report.index_answered(batch_keys(self.settings, batch.events)[2:], counts.refused)
