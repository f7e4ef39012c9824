"""How long a batch may take to cross the link to Redis, and the word for a link too slow for it.

A batch's reply comes only once all its bytes have crossed: behind a slow tunnel a 6 MB event
takes longer than redis_timeout_s however well Redis is doing, and a fixed timeout sends it
again forever. So a batch (or trial) is given its timeout plus its bytes at
redis_min_bytes_per_s, the slowest link it is allowed for. When a batch times out and Redis
still answers a PING in time, the link is slower than that: the rate assumed is halved for the
next send (down to MIN_BYTES_PER_S), so any link that moves bytes at all carries the batch
within a few sends; each send that goes through sets it to half the rate it crossed at, until
one crosses at twice the setting's, so the full batches that follow are given time for that link. A send's
bytes include the publish script, which a connection that connected since the last send loads
first (writer.py): 9 KB, more than most batches after a failure (one event). The mark
in the stream makes each resend harmless (the batch may have landed after all).

A PING answers while Redis holds writes too (CLIENT PAUSE WRITE, as a failover does), which is
no slow link. So a one-line script ("return 1" by EVALSHA, which a write pause holds as it holds the
batch's script, and whose few bytes cross any link at once) is sent after the PING: answered,
the link is what is slow; not answered in redis_timeout_s, or answered much later than the PING
(a pause that ended while it waited), Redis holds writes (WritesHeld, the rate left as it is);
refused (an ACL without EVAL), the reason says both and blames neither.

A script (or module command) that runs past Redis's busy-reply-threshold is no pause: Redis
then answers every command, PING and the one-line script included, with BUSY, which is
said as such (``is_busy``; status: ``busy_script``), not as a slow link, a held write or a
server that did not answer. Before that threshold a script answers nothing at all, as a hung
server does: when the one-line script is not answered, a second PING tells a write pause
(answered) from that (not answered: the batch's own timeout stands).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import redis.exceptions

from hookd.publish.topology import FAILURES
from hookd.units import format_bytes

# The halving stops here, below any link still in use (512 bit/s): a link this slow carries a
# 16 MiB batch in three days, and one that passes a PING but no batch at all (an MTU black
# hole) is tried again no less often than that. Status says `slow` meanwhile.
MIN_BYTES_PER_S = 64


class SlowLink(redis.exceptions.TimeoutError):
    """A batch got no answer in the time its bytes were given, though Redis answers a PING:
    the link is slower than the rate assumed (status: ``slow``, not ``down``)."""


# After a send crosses a link judged slow, the next are given time for 1/SHOWN_SHARE of the rate it
# showed: a full batch given just that rate outlasted it behind a 2 KB/s link (test_redteam31_slow_backlog).
SHOWN_SHARE = 2

# How much longer than twice the PING's round trip the one-line script may take and still be
# taken for the link's pace rather than for writes held.
HELD_S = 0.1


class WritesHeld(SlowLink):
    """A batch got no answer though Redis answers a PING, and a one-line script got none either:
    Redis holds writes (status: ``holding_writes``); the link is not to blame."""


def is_busy(exc: BaseException) -> bool:
    """Redis answered BUSY: a script or module command runs past busy-reply-threshold, and Redis
    answers nothing else (but SCRIPT KILL, FUNCTION KILL and SHUTDOWN NOSAVE) until it ends."""
    # The first word alone: a proxy's own `-BUSY`, or a module's empty busy reply, has no words after it.
    return isinstance(exc, redis.exceptions.ResponseError) and str(exc).split(maxsplit=1)[:1] == ["BUSY"]


class Pace:
    def __init__(self, timeout_s: float, trial_timeout_s: float, min_bytes_per_s: int) -> None:
        self.timeout_s = timeout_s
        self.trial_timeout_s = trial_timeout_s
        self.setting = min_bytes_per_s
        self.bytes_per_s = float(min_bytes_per_s)
        self.cut: int | None = None  # the batches' bytes after a batch did not cross (None: batch_max_bytes)

    def batch_bytes(self, most: int) -> int:
        """The bytes the next batch may hold, of ``most`` (batch_max_bytes)."""
        return most if self.cut is None else min(most, self.cut)

    def allowance(self, size: int, trial: bool = False) -> float:
        """Seconds a batch of ``size`` bytes may take, to its last reply."""
        return (self.trial_timeout_s if trial else self.timeout_s) + size / self.bytes_per_s

    async def judge(
        self,
        exc: BaseException,
        size: int,
        waited_s: float,
        ping: Callable[[], Awaitable[None]],
        write: Callable[[], Awaitable[None]],
    ) -> BaseException:
        """``exc``, or what a timeout was when Redis answers ``ping`` within redis_timeout_s all
        the same: SlowLink (and half the rate) if it answers ``write`` too, WritesHeld if that
        times out, SlowLink saying both possibilities (and half the rate) if it fails otherwise."""
        if size <= 0 or not isinstance(exc, (redis.exceptions.TimeoutError, TimeoutError)):
            return exc  # no batch was on its way (a connect that timed out): nothing to pace
        clock = asyncio.get_running_loop().time
        try:
            began = clock()
            async with asyncio.timeout(self.timeout_s):
                await ping()
            ping_s = clock() - began
        except FAILURES as failure:
            return failure if is_busy(failure) else exc
        try:
            began = clock()
            async with asyncio.timeout(self.timeout_s):
                await write()
            held_s = clock() - began
        except (redis.exceptions.TimeoutError, TimeoutError):
            try:  # a pause holds writes only; what holds a PING too is no pause
                async with asyncio.timeout(self.timeout_s):
                    await ping()
            except FAILURES as failure:
                return failure if is_busy(failure) else exc
            return self._held(size, waited_s, f"none within redis_timeout_s ({self.timeout_s:g}s)")
        except FAILURES as probe:
            if is_busy(probe):
                return probe
            return self.too_slow(size, waited_s, unsure=type(probe).__name__)
        if held_s > 2 * ping_s + HELD_S:
            # Its few bytes cross a slow link about as fast as the PING's: held this much longer, it
            # waited for writes to be let go (a pause that ended while it waited), not for the link.
            return self._held(size, waited_s, f"its answer only after {held_s:.1f}s (a PING's took {ping_s:.2f}s)")
        if ping_s > 2 * held_s + HELD_S:
            # The PING waited where the script after it did not: Redis was busy (a script or command that ended
            # before busy-reply-threshold answers nothing until then), or the link's queue drained meanwhile.
            return self.too_slow(size, waited_s, busy_s=ping_s)
        return self.too_slow(size, waited_s)

    def _held(self, size: int, waited_s: float, script: str) -> WritesHeld:
        return WritesHeld(
            f"Redis holds writes: a batch of {format_bytes(size)} got no answer within {waited_s:.1f}s, "
            f"and a one-line script {script}, though Redis answers a PING (CLIENT PAUSE WRITE, as a "
            "failover does); the batch is sent again at the same pace; if this lasts, "
            "find what paused Redis (CLIENT LIST, its log)"
        )

    def kept_up(self, size: int, took_s: float) -> None:
        """A send of ``size`` bytes was answered ``took_s`` after it began. At the setting, nothing
        changes; below it (a link judged slow), the rate assumed is 1/SHOWN_SHARE of the one the send
        showed (a link's pace varies from send to send), up to the setting: back at the setting at once,
        a one-event trial that crossed gave the next full batch the time of a fast link, which it
        outlasted, and the backlog crossed one event a cycle."""
        if self.bytes_per_s < self.setting:
            shown = size / took_s if took_s > 0 else float(self.setting)
            self.bytes_per_s = min(float(self.setting), max(float(MIN_BYTES_PER_S), shown / SHOWN_SHARE))

    def crossed(self, batch_bytes: int) -> None:
        """A batch of ``batch_bytes`` (the script's not counted: it crosses in a write of its own) was
        answered. Only one over half the cut shows that twice the cut may cross: the one-event trial
        after a failure shows nothing of a full batch."""
        if self.cut is not None:
            self.cut = max(self.cut, 2 * batch_bytes)

    def too_slow(self, size: int, waited_s: float, unsure: str | None = None, busy_s: float | None = None) -> SlowLink:
        """A batch of ``size`` bytes got no answer in ``waited_s`` while Redis answers: slow down.
        ``unsure``: the one-line script failed (its error's name), so a write pause is not ruled out;
        ``busy_s``: the PING took that long and the one-line script after it far less."""
        assumed = self.bytes_per_s
        self.bytes_per_s = max(float(MIN_BYTES_PER_S), assumed / 2)
        # Below what was cut already, even if two batches in flight made more: else the cut stays put.
        self.cut = max(1, min(size, self.cut or size) // 2)
        cut = f"; batches are cut to {format_bytes(self.cut)} (one event at least) until one that size crosses"
        if unsure is not None:
            return SlowLink(
                f"a batch of {format_bytes(size)} got no answer within {waited_s:.1f}s, though Redis answers "
                f"a PING: the link is slower than {format_bytes(int(assumed))}/s, or Redis holds writes (CLIENT "
                f"PAUSE WRITE); which, a one-line script could not tell ({unsure}); it is sent again with its "
                f"bytes at {format_bytes(int(self.bytes_per_s))}/s (the stream's mark skips what already landed){cut}"
            )
        return SlowLink(
            f"the link to Redis is slow: a batch of {format_bytes(size)} got no answer within "
            f"{waited_s:.1f}s (redis_timeout_s plus its bytes at {format_bytes(int(assumed))}/s), though "
            f"Redis answers a PING; it is sent again with its bytes at {format_bytes(int(self.bytes_per_s))}/s "
            f"(the stream's mark skips what already landed){cut}; if this repeats, lower redis_min_bytes_per_s "
            "to the link's rate, or raise redis_timeout_s; if small batches cross at once and large ones never, "
            "the path drops large packets (an MTU black hole): lower the tunnel's MTU"
            + (
                ""
                if busy_s is None
                else f"; but the PING took {busy_s:.1f}s and a one-line script after it far less: Redis may have "
                "run a long script or command meanwhile (SLOWLOG GET names it), which no setting of hookd's helps"
            )
        )
