"""``hookd tail --group``: read the stream as one consumer of a Redis consumer group.

Delivery is at least once. An entry is acknowledged (XACK) only after its line has
been written and flushed, so a consumer that dies in between shows it again: its own
pending entries are read first (XREADGROUP from ID 0) whenever it starts or reconnects,
and entries another consumer has left pending longer than ``claim_idle_s`` are taken
over with XAUTOCLAIM. Entries the filters leave out are acknowledged too: the group's
consumers share one view of the stream, so a different filter needs its own group.
"""

from __future__ import annotations

import datetime
import time
from typing import Any, TextIO

import redis
import redis.exceptions

from hookd.config import Config
from hookd.publish.connection import Entry
from hookd.publish.replies import ReplyTooLarge
from hookd.tail.follow import BLOCK_MS, MAX_SEQ, READ_COUNT, Filters, Tail
from hookd.publish import stream_replies as shapes


class GroupTail(Tail):
    def __init__(
        self,
        config: Config,
        filters: Filters,
        as_json: bool,
        out: TextIO,
        err: TextIO,
        group: str,
        consumer: str,
        claim_idle_s: float,
        count: int | None = None,
    ) -> None:
        super().__init__(config, filters, as_json, out, err, count)
        self.group = group
        self.consumer = consumer
        self.claim_idle_ms = int(claim_idle_s * 1000)
        # --since says where a new group starts; the group's own position rules after that.
        self.start_at = self._since_id(filters.since)
        filters.since = None
        self.next_claim = 0.0
        self.position = "0"  # the last entry this consumer handled, where a lost group restarts

    @staticmethod
    def _since_id(since: datetime.datetime | None) -> str:
        if since is None:
            return "$"
        ms = int(since.timestamp() * 1000)
        return f"{ms - 1}-{MAX_SEQ}" if ms > 0 else "0"

    def create_group(self, start: str) -> bool:
        """Create the group at ``start`` (making the stream if need be); False if it exists."""
        try:
            self.client.xgroup_create(self.config.stream, self.group, id=start, mkstream=True)
            return True
        except redis.exceptions.ResponseError as exc:
            if "BUSYGROUP" in str(exc):
                return False
            raise

    def run(self) -> int:
        try:
            created = self.create_group(self.start_at)
            self.position = self.group_position()
        except redis.exceptions.RedisError as exc:
            return self.cannot_start(exc)
        if not created and self.start_at != "$":
            self.say(
                f"hookd tail: group {self.group!r} exists; it carries on from its own position "
                "(--since only applies when the group is created)"
            )
        pending = True  # first this consumer's own unacknowledged entries, then new ones
        while not self.done():
            try:
                if pending:
                    entries = self.read("0", block=None)
                    pending = bool(entries)
                elif self.claim_idle_ms and time.monotonic() >= self.next_claim:
                    entries = self.claim()
                else:
                    entries = self.read(">", block=BLOCK_MS)
                self.redis_back()
                self.handle(entries)
                # A reply too large was delivered whole to this consumer, so it is pending here:
                # read again from 0, an entry at a time (read_count), before new ones.
                pending = pending or self.read_count == 1
            except redis.exceptions.RedisError as exc:
                self.redis_lost(exc)
                # A reply lost on the way may have delivered entries: they are pending now.
                pending = True
                time.sleep(1)
        return 0

    def done(self) -> bool:
        return self.count is not None and self.shown >= self.count

    def read(self, position: str, block: int | None) -> list[Entry]:
        count = self.read_count if self.count is None else max(1, min(self.read_count, self.count - self.shown))
        try:
            got = shapes.streams_entries(
                "XREADGROUP",
                shapes.checked(
                    "XREADGROUP",
                    lambda: self.client.xreadgroup(
                        self.group, self.consumer, {self.config.stream: position}, count=count, block=block
                    ),
                ),
            )
        except ReplyTooLarge as exc:
            # delivered to this consumer, so pending: acknowledged unread, or read again alone
            skipped = self.skip_oversized(exc)
            if skipped is not None:
                self.client.xack(self.config.stream, self.group, skipped)
                self.position = max(self.position, skipped, key=_id_key)
            return []
        except redis.exceptions.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self.recreate()
            return []
        self.read_count = READ_COUNT
        return got

    def group_position(self) -> str:
        return shapes.checked("XINFO GROUPS", self._group_position)

    def _group_position(self) -> str:
        for group in self.client.xinfo_groups(self.config.stream):
            if group["name"].decode() == self.group:
                return shapes.entry_id(group["last-delivered-id"])
        return "0"

    def recreate(self) -> None:
        """The group is gone (deleted, or Redis restarted without its data): create it again
        after the last entry this consumer handled, so that nothing newer is missed."""
        self.create_group(self.position)
        self.say(
            f"hookd tail: the group {self.group!r} of {self.config.stream} was gone (deleted, or "
            "Redis restarted without its data); it is created again after the last entry this "
            "consumer showed"
        )

    def claim(self) -> list[Entry]:
        """Take over the entries other consumers left unacknowledged for claim_idle_ms."""
        self.next_claim = time.monotonic() + max(1.0, self.claim_idle_ms / 2000)
        claimed: list[Entry] = []
        cursor = "0-0"
        while True:
            try:
                # [next cursor, entries, ids deleted meanwhile (Redis 7+)], as hookd's clients get it
                reply: list[Any] = shapes.checked(
                    "XAUTOCLAIM",
                    lambda: self.client.xautoclaim(
                        self.config.stream, self.group, self.consumer, self.claim_idle_ms, start_id=cursor, count=100
                    ),
                )
            except ReplyTooLarge as exc:
                # Redis gave this consumer the entries all the same: they are its pending ones now,
                # read from 0 an entry at a time (one too large alone is skipped there). A reply that
                # names no entry after its cursor is no claim's: the server is not answering tail.
                shapes.skipped(exc, streams=True)  # raised again unless the reply names an entry
                self.read_count = 1
                return claimed
            except redis.exceptions.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                self.recreate()
                return []
            cursor, got, deleted = shapes.checked("XAUTOCLAIM", lambda: _claimed(reply))
            claimed += got
            if deleted:
                self.report_trimmed(len(deleted))
            if cursor == "0-0":
                return claimed

    def handle(self, entries: list[Entry]) -> None:
        """Show the entries, then acknowledge those shown or filtered out, in one XACK."""
        done: list[bytes] = []
        trimmed = 0
        try:
            for entry_id, fields in entries:
                if self.done():
                    break  # left pending: shown first by this consumer's next start
                if not fields:
                    trimmed += 1  # trimmed from the stream (MAXLEN) before it was shown
                else:
                    self.show(fields)
                done.append(entry_id)
                self.position = max(self.position, entry_id.decode(), key=_id_key)
        finally:
            if done:
                self.client.xack(self.config.stream, self.group, *done)
            if trimmed:
                self.report_trimmed(trimmed)

    def report_trimmed(self, n: int) -> None:
        self.say(
            f"hookd tail: {n} pending entries of group {self.group!r} were trimmed from the stream "
            "(stream_maxlen) before they were shown"
        )


def _claimed(reply: list[Any]) -> tuple[str, list[Entry], list[Any]]:
    """XAUTOCLAIM's next cursor, entries, and the ids deleted meanwhile (Redis 7+)."""
    deleted = reply[2] if len(reply) > 2 else []
    if not isinstance(deleted, list):
        raise TypeError(f"deleted ids {deleted!r}")
    return shapes.entry_id(reply[0]), shapes.entries("XAUTOCLAIM", reply[1]), deleted


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)
