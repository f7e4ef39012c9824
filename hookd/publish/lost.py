"""Events Redis took and no longer holds: said, never silent.

hookd lets an event go once Redis has answered its batch (landed.py). A Redis that restarts without
persistence or from a snapshot older than its last writes, or a replica promoted before it had them,
has lost them since, and hookd's spool no longer holds them either: before this, the batches after
went through and `hookd status` said healthy. The stream's high-water mark (script.py) moves with the
events in one script, so it goes back with them. Each connection that connected since (a restart or
a failover drops the old ones) reads, before its first batch, the marks of the senders whose batches
landed in this run (HMGET, in the ACL docs/redis.md gives). A loss on a connection that stays open
(FLUSHALL, FLUSHDB, DEBUG RELOAD, the marks evicted) drops no connection: each batch sent first on
its way names the seq its sender's batches landed up to (``after``), the script refuses it when the
mark is short of that, and ``gap`` says so; the batch goes again behind the mark found. A mark found
below what landed is logged (``redis_lost_events``, the seqs gone) and kept for status
(``redis.lost``). The events cannot be sent again from here; the fix is Redis's persistence, or
redis_wait_replicas for a failover.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import redis.exceptions
import structlog
from redis.asyncio.connection import Connection

from hookd.publish.answers import GapError
from hookd.publish.script import STREAM_REMADE, THIS_STREAM, marks_key, sender, stream_field
from hookd.publish.session_index import sessions_key
from hookd.spool import Batch
from hookd.spool.event import Event
from hookd.state import DaemonState

log = structlog.get_logger("hookd.publish")

# Losses kept for status, the latest last: enough to name what happened, not one per restart forever.
REMADE_SHA = hashlib.sha1(STREAM_REMADE.encode(), usedforsecurity=False).hexdigest()
KEPT = 10
# The idle check asks XINFO STREAM (of the marks key, whether it is granted, and in STREAM_REMADE, which copies
# the stream's first and last entries into the script) at most this often each, however short
# breaker_backoff_max_s is.
XINFO_EVERY_S = 1.0


class LostEvents:
    def __init__(self, stream: str, state: DaemonState) -> None:
        self.stream = stream
        self.marks = marks_key(stream)
        self.sessions = sessions_key(stream)
        self.state = state
        self.landed: dict[str, int] = {}  # sender -> the highest seq of it Redis took in this run
        # What the spool says landed in an earlier run (earlier_run), until this run lands more of it.
        self.earlier: dict[str, int] = {}
        self.unread_said = False
        self.unasked_said = False
        self.asked_at: dict[str, float] = {}  # what: when (time.monotonic()), for _due

    def earlier_run(self, last: Event | None, first: Event | None) -> None:
        """The spool's last committed event and its first waiting one at start (Spool.around_cursor):
        Redis took ``last`` in an earlier run, unless the event after it is a copy of one before it (a
        backlog copied for new redaction settings: the copies wait, the old ones committed unsent). A copy
        keeps its original's seq and time of receipt: numbered at or below ``last`` (its sender's), or
        received no later than it (a backlog of two senders, whose first copy is of the other's)."""
        if last is None:
            return
        if first is not None and (
            (sender(first) == sender(last) and first.seq <= last.seq) or first.received_ns <= last.received_ns
        ):
            return
        name = sender(last)
        self.landed[name] = self.earlier[name] = last.seq

    def took(self, batch: Batch) -> None:
        """Redis answered ``batch``: its mark is at least its last seq now."""
        if batch.events:
            name = sender(batch.events[-1])
            self.landed[name] = max(self.landed.get(name, 0), batch.events[-1].seq)
            self.earlier.pop(name, None)

    def after(self, batch: Batch) -> int:
        """The seq ``batch``'s sender's batches landed up to in this run (0: none), for the script
        to check its mark against: a batch sent first on its way goes behind it (script.py)."""
        return self.landed.get(sender(batch.events[0]), 0) if batch.events else 0

    def gap(self, batch: Batch, exc: GapError) -> bool:
        """The script refused ``batch``, sent behind ``after(batch)``: whether that is a loss (said
        here; the batch may go again behind the mark found, or, the stream gone, make it again)."""
        name = sender(batch.events[0])
        landed = self.landed.get(name, 0)
        if exc.mark < landed:
            self._lost(name, exc.mark or None, landed)  # the script reads a missing mark as 0
            self.landed[name] = exc.mark
        elif exc.stream_gone and landed:
            # Up to the mark, not only what landed as far as hookd knows: a batch whose answer was lost (a
            # timeout, then sent again) went into the stream that is gone too. The next batch makes the
            # stream again (or adds to it).
            self._stream_gone(name, max(landed, exc.mark), exc.remade)
        else:
            return False  # not short of what landed: the batch sent before this one failed
        self.earlier.pop(name, None)
        return True

    async def check(self, conn: Connection) -> None:
        """On a connection that connected since the last batch: is every mark where batches left it?"""
        if not self.unasked_said and self._due("unasked"):
            await self._stream_asked(conn)
        if not self.landed:
            return
        senders = list(self.landed)
        await conn.send_command("HMGET", self.marks, *senders, THIS_STREAM, *(stream_field(name) for name in senders))
        try:
            found = await conn.read_response()
        except redis.exceptions.NoPermissionError as exc:
            if self.unread_said:
                return
            self.unread_said = True  # once a run: each connection after would say it again
            log.warning(
                "redis_marks_unread",
                marks=self.marks,
                error=str(exc),
                hint="hookd cannot tell whether Redis lost events it took: give its ACL user +hmget (docs/redis.md)",
            )
            return
        except redis.exceptions.ResponseError:
            return  # a moved slot, a script past busy-reply-threshold: the batch's own reply says it
        if not isinstance(found, list) or len(found) != 2 * len(senders) + 1:
            return  # not an answer to HMGET: the batch's own reply says what answers there
        judged = self._judged(senders, found)
        if judged and await self._read_only(conn):
            return  # a replica's marks (a sentinel that names one): its refusal of the batch says it
        for name, mark, remade in judged:
            if remade:
                # Up to the mark, as ``gap`` says it: a batch whose answer was lost (a timeout, which drops the
                # connection: this one connected since) went into the stream that is gone too.
                self._stream_gone(name, max(self.landed[name], mark or 0), remade=True)
            else:
                self._lost(name, mark, self.landed[name])
                self.landed[name] = mark or 0  # said once: the batches that follow raise it again

    async def _stream_asked(self, conn: Connection) -> None:
        """Whether the user may ask the stream what it is (XINFO STREAM, as the script does to tell a stream
        made again by a client that is not hookd): said once a run if not, as a rule from before it has not.
        Asked of the marks key, in the stream's slot and granted alike: Redis answers that it is no stream
        (or no key) when the command is allowed, NOPERM when not. Of the stream itself the reply would hold
        its first and last entries whole, and one past the reply limit dropped the connection."""
        await conn.send_command("XINFO", "STREAM", self.marks)
        try:
            await conn.read_response()
        except redis.exceptions.NoPermissionError as exc:
            self.unasked_said = True
            log.warning(
                "redis_stream_unasked",
                stream=self.stream,
                error=str(exc),
                hint="hookd cannot tell the stream deleted and made again by a client that is not hookd: give its "
                "ACL user +xinfo|stream (docs/redis.md)",
            )
        except redis.exceptions.ResponseError:
            pass  # WRONGTYPE or no such key: allowed; a moved slot: the batch's own reply says what matters

    def _judged(self, senders: list[str], found: list[Any]) -> list[tuple[str, int | None, bool]]:
        """What the marks ``found`` (HMGET's answer in ``check``) say, before it is made sure of: each sender
        whose mark is short of what landed, (name, its mark, False), or whose stream was made again since
        its events landed, (name, its mark, True)."""
        stream_id, known_ids = found[len(senders)], found[len(senders) + 1 :]
        judged: list[tuple[str, int | None, bool]] = []
        for name, value, known_id in zip(senders, found, known_ids):
            if value is not None and not (isinstance(value, bytes) and value.isdigit()):
                continue  # not a mark the script keeps: its own refusal names the key
            digits = b"" if value is None else value.lstrip(b"0") or b"0"
            if len(digits) > len(str(self.landed[name])):
                continue  # above what landed; int() would refuse one past 4300 digits (a mark set by hand)
            mark = None if value is None else int(digits)
            if (mark or 0) < self.landed[name]:  # none landed (0, after a loss said): nothing to lose
                judged.append((name, mark, False))
            elif self.landed[name] and stream_id is not None and known_id is not None and stream_id != known_id:
                judged.append((name, mark, True))
        return judged

    async def _read_only(self, conn: Connection) -> bool:
        """Whether the server refuses writes (a read-only replica): a write that changes nothing (an empty
        range of the session index's sorted set, which the documented ACL rule grants) answers READONLY."""
        await conn.send_command("ZREMRANGEBYSCORE", self.sessions, "+inf", "-inf")
        try:
            await conn.read_response()
        except redis.exceptions.ReadOnlyError:
            return True
        except redis.exceptions.ResponseError:
            return False  # NOPERM (a rule without the index's commands), MOVED: the marks stand
        return False

    async def idle_check(self, conn: Connection) -> None:
        """While nothing is sent (in_flight.py, every breaker_backoff_max_s): the marks, as ``check``,
        and whether the stream is still there: a loss while hookd is quiet said then, not at the next event.
        The stream is asked with HGET, which the publisher's ACL rule grants: a stream answers it WRONGTYPE,
        and only a key that is not there answers nil."""
        await self.check(conn)
        if not any(self.landed.values()):
            return  # nothing landed, or a loss just said: the stream is made again by the next batch
        await conn.send_command("HGET", self.stream, "")
        try:
            found = await conn.read_response()
        except redis.exceptions.ResponseError as exc:
            # WRONGTYPE: there (another type's key is named by the batch's reply), but maybe another stream;
            # MOVED, NOPERM: not known
            if (
                str(exc).startswith("WRONGTYPE")
                and self._due("remade")
                and await self._remade(conn)
                and not await self._read_only(conn)
            ):
                for name, landed in list(self.landed.items()):
                    if landed:
                        self._stream_gone(name, landed, remade=True)
            return
        if found is not None or await self._read_only(conn):
            return  # not a reply from a Redis that has no such key; a replica's (see check)
        for name, landed in list(self.landed.items()):
            if landed:
                self._stream_gone(name, landed)

    def _due(self, what: str) -> bool:
        """Whether ``what`` (an XINFO STREAM) may be asked now: at most once every XINFO_EVERY_S."""
        now = time.monotonic()
        if what in self.asked_at and now - self.asked_at[what] < XINFO_EVERY_S:
            return False
        self.asked_at[what] = now
        return True

    async def _remade(self, conn: Connection) -> bool:
        """Whether the stream there is not the one hookd added to last (STREAM_REMADE, as the batch's script
        judges it), loaded on the connection when the server does not have it yet."""
        for load in (False, True):
            try:
                if load:
                    await conn.send_command("SCRIPT", "LOAD", STREAM_REMADE)
                    await conn.read_response()
                await conn.send_command("EVALSHA", REMADE_SHA, 2, self.stream, self.marks)
                return bool(await conn.read_response() == 1)
            except redis.exceptions.NoScriptError:
                continue
            except redis.exceptions.ResponseError:
                return False  # NOPERM, MOVED, a busy script: not known, the batch's own reply says what matters
        return False

    def _stream_gone(self, name: str, landed: int, remade: bool = False) -> None:
        how = (
            "deleted and made again since, by another sender or client (a new one is there)"
            if remade
            else "gone, its marks kept"
        )
        message = (
            f"the stream {self.stream} was {how} ({self.marks}): sender {name}'s events up to seq "
            f"{landed}, which Redis had taken, are no longer in it, and hookd let them go when Redis took them "
            "(deleted or renamed by a client, or evicted under a maxmemory-policy other than noeviction); if no "
            "one meant to delete it, set maxmemory-policy noeviction; "
            + ("hookd adds to the new one" if remade else "hookd makes the stream again")
        )
        log.error("redis_stream_gone", sender=name, landed_seq=landed, stream=self.stream, error=message)
        self._keep(message)
        self.landed[name] = 0  # said once: the next batch makes the stream again
        self.earlier.pop(name, None)

    def _lost(self, name: str, mark: int | None, landed: int) -> None:
        if mark is None and self.earlier.pop(name, None) == landed:
            # No mark at all for what an earlier run sent: as likely another Redis or stream than it
            # went to as one that lost everything. Said, not counted as Redis's loss on status.
            log.warning(
                "redis_marks_missing",
                sender=name,
                landed_seq=landed,
                marks=self.marks,
                hint=f"an earlier run of hookd saw sender {name}'s events land up to seq {landed}, and Redis has "
                f"no mark for it ({self.marks}): if redis_url and stream are where they went, Redis lost them "
                "(a restart without persistence: appendonly yes); if they changed since, nothing is wrong",
            )
            return
        where, gone = ("no mark at all", "all of them") if mark is None else (f"it at {mark}", "those above it")
        message = (
            f"Redis lost events it had taken: sender {name}'s batches in this run landed up to seq {landed}, and "
            f"Redis now has {where} ({self.marks}): {gone} are no longer in the stream, and hookd let them go "
            "when Redis took them (a restart without persistence or from an older snapshot, a failover to a "
            "replica that did not have them, a FLUSHALL or FLUSHDB, a DEBUG RELOAD of an older dump; or only "
            "the marks deleted, or evicted under a maxmemory-policy other than noeviction); keep Redis's "
            "writes: appendonly yes with appendfsync always or everysec, redis_wait_replicas for a failover, "
            "maxmemory-policy noeviction"
        )
        log.error("redis_lost_events", sender=name, landed_seq=landed, mark=mark, marks=self.marks, error=message)
        self._keep(message)

    def _keep(self, message: str) -> None:
        self.state.redis.losses += 1
        kept = self.state.redis.lost
        kept.append(message)
        del kept[:-KEPT]
