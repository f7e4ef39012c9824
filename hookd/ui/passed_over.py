"""Entries removed from the stream (trimmed past its MAXLEN, or deleted) before the UI's live read
reached them: in no view, and counted here, or a reader that fell behind said nothing of what it
never saw (a writer of 50,000 entries trimmed to 10 now and then: 8,324 read, the rest unsaid).

The stream counts every entry ever added to it (XINFO STREAM's ``entries-added``, Redis 7). When the
reader has read up to the stream's last entry, the entries added since the last such check less
those it read are the ones it passed over. Asked once in CHECK_EVERY_S at most: the reply carries
the stream's first and last entries whole (bounded like every reply of the UI's clients).
"""

from __future__ import annotations

import time
from typing import Any

import redis.exceptions
import structlog

from hookd.publish.replies import ReplyTooLarge

log = structlog.get_logger("hookd.ui")

CHECK_EVERY_S = 5.0


class PassedOver:
    def __init__(self) -> None:
        self.count = 0
        self.read = 0  # entries the live reads read (readable or not)
        self._base: tuple[int, int] | None = None  # entries-added and read at the last check
        self._checked = float("-inf")
        self.since: str | None = None  # the entry counted from: the first check's position

    def forget(self) -> None:
        """The stream could not be read (gone, another type): one made again counts from its own start,
        checked at the next read."""
        self._base, self.since, self._checked = None, None, float("-inf")

    async def check(self, client: Any, stream: str, position: str, force: bool = False) -> None:
        """Called when the live read is at ``position`` with nothing after it read."""
        now = time.monotonic()
        if not force and self._base is not None and now - self._checked < CHECK_EVERY_S:
            return
        self._checked = now
        try:
            info = await client.xinfo_stream(stream)
        except (redis.exceptions.RedisError, OSError, ReplyTooLarge, ValueError, TypeError):
            return  # the live read says what is wrong with Redis or the key
        if not isinstance(info, dict):
            return
        added, last = info.get("entries-added"), info.get("last-generated-id")
        last = last.decode() if isinstance(last, bytes) else last
        if not isinstance(added, int) or last != position:
            return  # a Redis before 7, or entries added since the read: the next check
        # A count below the last (the stream deleted and made again) starts anew.
        if self._base is not None and added >= self._base[0]:
            missed = (added - self._base[0]) - (self.read - self._base[1])
            if missed > 0:
                self.count += missed
                log.warning(
                    "ui_entries_passed_over",
                    entries=missed,
                    total=self.count,
                    hint="the stream was trimmed (MAXLEN) or its entries deleted before hookd ui read them: "
                    "raise the stream's maxlen, or give hookd ui's host more CPU",
                )
        self._base = (added, self.read)
        self.since = self.since or position

    def status(self) -> dict[str, object]:
        return {"count": self.count, "since": self.since}
