"""Follow the stream with XREAD BLOCK, filter, print; survive a Redis restart; stop on Ctrl-C."""

from __future__ import annotations

import datetime
from functools import partial
import fnmatch
import re
import shutil
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

import redis
import redis.exceptions
from redis.backoff import NoBackoff
from redis.retry import Retry

from hookd.config import Config
from hookd.hooks.events import BY_NAME
from hookd.publish.connection import connect_sync
from hookd.publish.failures import describe_read_failure, sentinel_reason
from hookd.publish.replies import READER_REPLY_BYTES, ReplyTooLarge
from hookd.publish.sentinel import say_to
from hookd.publish.settings import RedisSettings
from hookd.terminal.color import enabled as colour_enabled
from hookd.terminal.text import escaped, json_visible
from hookd.jsonl import loads, one_line
from hookd.publish.stream_replies import checked, entries, oversized, skipped, streams_entries
from hookd.tail.summary import line

BLOCK_MS = 1000
READ_COUNT = 500
KNOWN_HOOKS = {name.lower() for name in BY_NAME} | {"unknown"}
RISK_RANK = {"low": 0, "medium": 1, "high": 2}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)\s*$")
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
# The largest sequence part of a stream id: "<ms>-<this>" sorts after every entry of that ms.
MAX_SEQ = 2**64 - 1


def parse_since(text: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """A duration back from now (10m, 2h, 1d) or a local or explicit time, as an aware datetime."""
    now = now or datetime.datetime.now().astimezone()
    match = _DURATION.match(text)
    if match:
        return now - datetime.timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    try:
        when = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            clock = datetime.time.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(
                f"--since {text!r}: give a duration (30s, 10m, 2h, 1d) or a time "
                "(13:10, 2026-11-21T13:10, 2026-11-21T13:10:00Z)"
            ) from None
        when = datetime.datetime.combine(now.date(), clock, tzinfo=clock.tzinfo or now.tzinfo)
        if when > now:  # a clock time still ahead means yesterday's
            when -= datetime.timedelta(days=1)
    return when.astimezone() if when.tzinfo is None else when


@dataclass
class Filters:
    session: str | None = None
    hooks: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    risk: str | None = None
    since: datetime.datetime | None = None

    def fields_match(self, fields: dict[bytes, bytes]) -> bool:
        """The cheap test on the entry's own fields, before the envelope is decoded."""
        if self.session and not fields.get(b"session", b"").decode("utf-8", "replace").startswith(self.session):
            return False
        if self.hooks and not _any_match(fields.get(b"hook", b""), self.hooks):
            return False
        if self.hosts and not _any_match(fields.get(b"host", b""), self.hosts):
            return False
        return not self.tools or _any_match(fields.get(b"tool", b""), self.tools)

    def envelope_match(self, envelope: dict[str, Any]) -> bool:
        risk = envelope.get("risk")
        if self.risk and RISK_RANK.get(risk if isinstance(risk, str) else "", -1) < RISK_RANK[self.risk]:
            return False
        if self.since is not None:
            try:
                received = datetime.datetime.fromisoformat(str(envelope.get("received_at")).replace("Z", "+00:00"))
                # A time without a zone (hookd writes UTC with Z) is taken as local, as --since is.
                return (received.astimezone() if received.tzinfo is None else received) >= self.since
            except (ValueError, OverflowError):
                return True
        return True


def _any_match(value: bytes, patterns: list[str]) -> bool:
    text = value.decode("utf-8", "replace").lower()
    return any(fnmatch.fnmatchcase(text, p) for p in patterns)


class Tail:
    def __init__(
        self, config: Config, filters: Filters, as_json: bool, out: TextIO, err: TextIO, count: int | None = None
    ) -> None:
        self.config = config
        self.redis_settings = RedisSettings.from_config(config)
        self.filters = filters
        self.as_json = as_json
        self.out = out
        self.err = err
        self.count = count
        self.shown = 0
        self.lost = False  # Redis went away while following, and is not back yet
        self.colour = colour_enabled(out)
        # Entries are others' writing and can be as large as Redis allows (512 MB): a reply is
        # refused past READER_REPLY_BYTES, then read again an entry at a time (read_count), and
        # an entry that alone is larger is skipped (skip_oversized).
        # redis-py's own retries are off: a refused reply retried read 64 MiB again each time, and the
        # error that surfaced last (the server closing the connection) was no longer ReplyTooLarge.
        self.client = connect_sync(
            self.redis_settings,
            READER_REPLY_BYTES,
            socket_timeout=BLOCK_MS / 1000 + self.redis_settings.timeout_s,
            retry=Retry(NoBackoff(), 0),
        )
        # a sentinel that goes mute or fails is said as the daemon logs it: tail would find the master through
        # another, and a failover that one leads goes unseen
        if self.redis_settings.sentinel:  # not asked of a Cluster's client: it connects at its first use
            say_to(
                self.client, lambda text: self.say(f"hookd tail: {text}"), partial(sentinel_reason, self.redis_settings)
            )
        self.read_count = READ_COUNT

    def start_id(self) -> str:
        if self.filters.since is not None:
            ms = int(self.filters.since.timestamp() * 1000)
            return f"{ms - 1}-{MAX_SEQ}" if ms > 0 else "0-0"
        try:
            last = entries(
                "XREVRANGE", checked("XREVRANGE", lambda: self.client.xrevrange(self.config.stream, count=1))
            )
        except ReplyTooLarge as exc:  # the newest entry is too large to read: start after it
            return skipped(exc, streams=False)
        return last[0][0].decode() if last else "0-0"

    def run(self) -> int:
        try:
            position = self.start_id()
        except redis.exceptions.RedisError as exc:
            return self.cannot_start(exc)
        while self.count is None or self.shown < self.count:
            try:
                read = lambda: self.client.xread({self.config.stream: position}, count=self.read_count, block=BLOCK_MS)  # noqa: E731
                got = streams_entries("XREAD", checked("XREAD", read))
            except ReplyTooLarge as exc:
                position = self.skip_oversized(exc) or position
                continue
            except redis.exceptions.RedisError as exc:
                self.redis_lost(exc)
                time.sleep(1)
                continue
            self.redis_back()
            self.read_count = READ_COUNT
            for entry_id, fields in got:
                position = entry_id.decode()
                if self.show(fields) and self.count is not None and self.shown >= self.count:
                    return 0
        return 0

    def skip_oversized(self, exc: ReplyTooLarge) -> str | None:
        """A read's reply passed READER_REPLY_BYTES: read again an entry at a time; if one
        entry alone passed it, its id (said on stderr) to go on after, unread."""
        try:
            entry_id = oversized(exc, self.read_count, streams=True)
        except ReplyTooLarge:  # not a stream's reply: the server is not answering tail
            self.redis_lost(exc)
            time.sleep(1)
            return None
        if entry_id is None:
            self.read_count = 1
            return None
        self.say(
            f"hookd tail: entry {entry_id} of {self.config.stream} is larger than "
            f"{READER_REPLY_BYTES >> 20} MiB (hookd's events are at most max_event_bytes); skipped unread"
        )
        return entry_id

    def cannot_start(self, exc: redis.exceptions.RedisError) -> int:
        """Redis cannot be reached at the start: say which, and where to point tail; exit status 1."""
        # An error Redis answered is its own explanation: Redis is running, and where tail points.
        fix = (
            ""
            if isinstance(exc, redis.exceptions.ResponseError)
            else ". Start Redis, or point redis_url (--redis-url, HOOKD_REDIS_URL or the config file) "
            "at the Redis hookd publishes to."
        )
        self.say(f"hookd tail: {describe_read_failure(self.redis_settings, self.config.stream, exc)}{fix}")
        return 1

    def redis_lost(self, exc: redis.exceptions.RedisError) -> None:
        """Redis went away while following: said once, until it is back."""
        if not self.lost:
            text = describe_read_failure(self.redis_settings, self.config.stream, exc)
            self.say(f"hookd tail: {text}; retrying every second")
            self.lost = True

    def redis_back(self) -> None:
        if self.lost:
            self.say("hookd tail: redis is back")
            self.lost = False

    def say(self, text: str) -> None:
        """One line on stderr, its control characters escaped: it can quote what Redis sent."""
        print(escaped(text), file=self.err)

    def show(self, fields: dict[bytes, bytes]) -> bool:
        if not self.filters.fields_match(fields):
            return False
        raw = fields.get(b"envelope", b"")
        try:
            envelope = loads(raw, constants=True)  # a poisoned entry's NaN shown, as tail always has
        except (ValueError, RecursionError):
            envelope = None
        if not isinstance(envelope, dict):
            self.say(
                f"hookd tail: an entry without a readable envelope (event_id "
                f"{fields.get(b'event_id', b'?').decode('utf-8', 'replace')}) was skipped"
            )
            return False
        if not self.filters.envelope_match(envelope):
            return False
        if self.as_json:
            self.out.write(json_visible(one_line(raw).decode("utf-8", "replace")) + "\n")
        else:
            width = shutil.get_terminal_size().columns if self.out.isatty() else None
            try:
                text = line(envelope, self.colour, width)
            except Exception as exc:  # noqa: BLE001 - others wrote the entry: one of them must not end tail
                # (with --group it would stay pending, and stop every consumer that takes it)
                self.say(
                    f"hookd tail: an entry whose envelope cannot be shown (event_id "
                    f"{fields.get(b'event_id', b'?').decode('utf-8', 'replace')}: {type(exc).__name__}: {exc}) "
                    "was skipped; `hookd tail --json` shows it as it is"
                )
                return False
            self.out.write(text + "\n")
        self.out.flush()
        self.shown += 1
        return True
