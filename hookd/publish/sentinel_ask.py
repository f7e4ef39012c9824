"""Every sentinel asked at once, under one deadline; one that stayed mute asked beside the asks, not waited for.

Asked one after another (as redis-py asks), a sentinel that takes connections but does not answer (stopped,
its port still listening) cost each ask its timeout, and one more for the failover check that asked the rest:
the master watch's second grew by it, and with it the window in which the old master takes writes that are
thrown away. Asked at once, the whole ask takes at most one deadline, and ends as soon as every sentinel has
answered or failed.

What is enough to decide: every sentinel that can answer. Only the sentinel leading a failover flags it
(failover_in_progress), and any one of them may lead (a majority elects it, but the others do not flag), so no
count of answers short of all of them rules a flag out. A sentinel that has just stayed mute through a whole
deadline (it timed out) cannot tell anything to an ask that waits for it: from then on it is asked in the
background, one ask in flight at a time, and the asks end without it; once it answers (or fails at once) it
is waited for again. Its flag is then seen at the ask after it answers, not lost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import redis.exceptions
import structlog

from hookd.state import RedisHealth
from hookd.waiting_on import SENTINEL, Wait, waiting

log = structlog.get_logger("hookd.publish")


def failing_over(state: Mapping[str, Any]) -> bool:
    """Whether a sentinel's state of a master (SENTINEL MASTERS) says a failover from it is under way.

    Until the failover ends, SENTINEL MASTERS names the old master, which takes writes (it stays a master
    until a sentinel demotes it, seconds later, or never while it is cut off from them) after its replica was
    promoted: what it takes then is thrown away as it syncs from the new one, and a WAIT is confirmed by the
    replicas not yet moved. A connection made then waits (the events stay spooled) for the new master."""
    flags = state["flags"]  # text under RESP2, a set under RESP3
    return "failover_in_progress" in (flags.split(",") if isinstance(flags, str) else flags)


class Unanswered(redis.exceptions.TimeoutError):
    """A sentinel that had not answered when the ask's deadline passed."""

    def __init__(self, deadline_s: float, text: str = "no answer within {}s") -> None:
        super().__init__(text.format(f"{deadline_s:g}"))
        self.deadline_s = deadline_s


class Mute(Unanswered):
    """A sentinel that stayed mute through an earlier ask's deadline, asked in the background since."""

    def __init__(self, deadline_s: float) -> None:
        super().__init__(deadline_s, "no answer within {}s; asked again in the background, not waited for")


def deadline_s(kwargs: dict[str, Any]) -> float | None:
    """The ask's one deadline: a sentinel is connected to within its connect timeout (twice over TLS: TCP, then the
    handshake, each its own: tls_step.py), then answers within one command's timeout (redis_connect_timeout_s,
    redis_timeout_s), its login (AUTH, when it has one) and SENTINEL
    MASTERS together: a sentinel that answers at all answers its login at once, and a timeout per command made
    the ask with a password (11 s by default) outlast stall_after_s (its help says to keep it above this bound).
    None when a command's wait is unbounded."""
    each = kwargs.get("socket_timeout")
    if not each:
        return None
    connect = kwargs.get("socket_connect_timeout") or each  # redis-py's default for the connect
    return float(connect) * (2 if kwargs.get("ssl") else 1) + float(each)


def deadline_by(kwargs: dict[str, Any]) -> str:
    """deadline_s's settings, in words."""
    connects = (
        "2 x redis_connect_timeout_s (TCP, then the TLS handshake)" if kwargs.get("ssl") else "redis_connect_timeout_s"
    )
    return f"{connects} + redis_timeout_s"


async def at_once(asks: Sequence[Awaitable[Any]], deadline: float | None) -> list[Any]:
    """Each ask's answer, or the exception it raised (Unanswered past ``deadline``), in the asks' order.
    A cancel of the caller cancels the asks and is raised."""
    tasks = [asyncio.ensure_future(ask) for ask in asks]
    if not tasks:
        return []  # every sentinel mute (Asks): asyncio.wait refuses an empty set
    try:
        await asyncio.wait(tasks, timeout=deadline)
    finally:
        late = [task for task in tasks if not task.done()]
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)
    return [_outcome(task, deadline) for task in tasks]


def _outcome(task: asyncio.Future[Any], deadline: float | None) -> Any:
    if task.cancelled():  # only past the deadline: without one, every ask is waited for
        return Unanswered(deadline or 0.0)
    return task.exception() or task.result()


class Asks:
    """The sentinels at ``addresses`` asked at once (``at_once``), those that stayed mute in the background.

    In the daemon (``health`` given: its status), each sentinel that goes mute, or fails (a refused login or
    permission, an answer not Redis's), is said once in the log (``describe`` gives the reason and its fix) and
    kept in ``health`` with how many times it happened in this run: while the stream's connection works, the
    master watch's asks that fail say nothing else, and a sentinel that cannot be asked cannot stop the stream
    with a failover's flag. hookd tail and replay say a failure in their own message (NoMaster), not here."""

    def __init__(
        self,
        addresses: Sequence[str],
        deadline: float | None,
        bound_by: str = "redis_connect_timeout_s + redis_timeout_s",
    ) -> None:
        self.addresses = list(addresses)
        self.deadline = deadline
        self.bound_by = bound_by
        self.mute: set[str] = set()
        self.times_mute = 0
        self.failing: dict[str, str] = {}  # address: the reason said
        self.times_failed = 0
        self.describe: Callable[[BaseException], str] = str
        self._health: RedisHealth | None = None
        self.say: Callable[[str], None] | None = None
        # In the daemon, health's steps waited on (waiting_on.py): each sentinel waited for and not answered yet.
        self.waits: dict[int, Wait] | None = None
        self._background: dict[str, asyncio.Task[Any]] = {}

    @property
    def health(self) -> RedisHealth | None:
        return self._health

    @health.setter
    def health(self, health: RedisHealth | None) -> None:
        """Status's: the asks in flight kept in ``health.waits`` as they start and end, with their deadline."""
        self._health = health
        self.waits = None if health is None else health.waits

    async def ask(self, asks: Sequence[Callable[[], Awaitable[Any]]]) -> list[Any]:
        """Each sentinel's answer or failure, in order; a mute one's Mute while its background ask is out."""
        answers: list[Any] = [None] * len(asks)
        waited = []
        for n, (address, make) in enumerate(zip(self.addresses, asks, strict=True)):
            if address in self.mute and not self._heard(address):
                if address not in self._background:
                    self._background[address] = asyncio.ensure_future(self._within(make))
                answers[n] = Mute(self.deadline or 0.0)
                continue
            waited.append(n)
        since = time.monotonic()
        outcomes = await at_once([self._asked(self.addresses[n], since, asks[n]) for n in waited], self.deadline)
        for n, outcome in zip(waited, outcomes, strict=True):
            answers[n] = outcome
            address = self.addresses[n]
            if isinstance(outcome, redis.exceptions.TimeoutError):
                self._went_mute(address, outcome)
            elif isinstance(outcome, BaseException):
                self._failed(address, outcome)
            elif self.failing.pop(address, None) is not None:
                self._said("info", "redis_sentinel_answers", sentinel=address, hint="it answered again")
                self._tell(f"sentinel {address} answers again")
        return answers

    async def _asked(self, address: str, since: float, make: Callable[[], Awaitable[Any]]) -> Any:
        """``make``'s answer, ``address`` kept in ``waits`` (status: the sentinel a stall waits on) until then."""
        fix = (
            "a sentinel not answered by then is asked in the background, not waited for; if it stays silent, "
            "start it again or take it out of redis_sentinel"
        )
        with waiting(self.waits, Wait(SENTINEL, address, since, self.deadline, self.bound_by, fix)):
            return await make()

    def _failed(self, address: str, error: BaseException) -> None:
        reason = self.describe(error)
        if self.failing.get(address) == reason:
            return  # said already
        self.failing[address] = reason
        self.times_failed += 1
        self._said(
            "warning",
            "redis_sentinel_failed",
            sentinel=address,
            error=reason,
            times=self.times_failed,
            hint="while it fails it names no master, and a failover it leads does not stop the stream",
        )
        self._tell(f"sentinel {address}: {reason}; while it fails it names no master")

    def _heard(self, address: str) -> bool:
        """Whether a mute sentinel's background ask ended other than by its timeout (it is waited for again)."""
        task = self._background.get(address)
        if task is None or not task.done():
            return False
        del self._background[address]
        if not task.cancelled() and not isinstance(task.exception(), redis.exceptions.TimeoutError):
            self.mute.discard(address)
            self._said("info", "redis_sentinel_answers", sentinel=address, hint="it is waited for again at each ask")
            self._tell(f"sentinel {address} answers again")
            return True
        return False  # mute still: asked again in the background

    def _went_mute(self, address: str, error: BaseException) -> None:
        self.mute.add(address)
        self.failing.pop(address, None)  # said as mute now
        self.times_mute += 1
        self._said(
            "warning",
            "redis_sentinel_mute",
            sentinel=address,
            error=str(error),
            times=self.times_mute,
            hint="it took the connection and did not answer in time (stopped, or overloaded); the asks no longer "
            "wait for it and it is asked in the background until it answers; a failover it leads is seen once it "
            "does: start it again, or take it out of redis_sentinel",
        )
        self._tell(
            f"sentinel {address} did not answer within {self.deadline or 0:g}s (redis_connect_timeout_s, "
            "redis_timeout_s): asked in the background, not waited for, until it answers; start it again, or take "
            "it out of redis_sentinel"
        )

    def _tell(self, text: str) -> None:
        """Outside the daemon (hookd tail, replay): ``text`` on the command's stderr; the daemon logs instead."""
        if self.health is None and self.say is not None:
            self.say(text)

    def _said(self, level: str, event: str, **fields: Any) -> None:
        """In the daemon: ``event`` logged, and the sentinels that are mute or failing kept for status."""
        if self.health is None:
            return
        getattr(log, level)(event, **fields)
        self.health.sentinels_mute = sorted(self.mute)
        self.health.sentinel_mutes = self.times_mute
        self.health.sentinels_failing = dict(self.failing)
        self.health.sentinel_failures = self.times_failed

    async def _within(self, ask: Callable[[], Awaitable[Any]]) -> Any:
        try:
            async with asyncio.timeout(self.deadline):
                return await ask()
        except TimeoutError:
            raise Unanswered(self.deadline or 0.0) from None

    async def aclose(self) -> None:
        tasks = list(self._background.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self._background.clear()
