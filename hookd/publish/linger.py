"""When the stream's next batch starts: at most once every publish_linger_ms while events trickle in.

At hundreds of events a second each would otherwise go alone, and a Redis round trip costs hookd
more than the event does: batching them cuts hookd's CPU there and wakes Redis less, which leaves
the cores to the hooks being answered. An event after a quiet spell goes at once. The publisher
(publisher.py) takes the first batch of each turn of its stream from here.
"""

from __future__ import annotations

import asyncio

from hookd.publish.settings import PublishSettings
from hookd.spool import Batch, Spool


class Linger:
    def __init__(self, settings: PublishSettings, spool: Spool) -> None:
        self.settings = settings
        self.spool = spool
        self.linger_s = settings.publish_linger_ms / 1000
        self.batch_started_at = float("-inf")

    async def next_batch(self, max_bytes: int, waited: bool = False) -> Batch:
        """The next batch of at most ``max_bytes`` (batch_max_bytes, or less behind a link that did not carry
        a full one: pace.py), once events wait and publish_linger_ms has passed since the last one started.
        ``waited``: the caller waited for the first of them (in_flight.py's idle checks); a backlog that was
        waiting already goes at once."""
        loop = asyncio.get_running_loop()
        if self.linger_s and (waited or not self.spool.has_unread()):
            await self.spool.wait_for_unread()
            wait = self.batch_started_at + self.linger_s - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
        self.batch_started_at = loop.time()
        return await self.spool.next_batch(self.settings.batch_max_events, max_bytes)
