"""What the publisher reports of Redis: up or down since when, the last error, the breaker.

Every answer Redis gives (or fails to give) comes here: ``succeeded`` and ``failed`` keep the
circuit breaker (breaker.py) and the state `hookd status` shows (state.RedisHealth) in step,
and log a change once, not on every batch: ``redis_up`` when publishing starts again,
``redis_down`` on a new failure (its message names the fix, with the password masked),
``breaker_open`` when failures in a row stop publishing for a while.
"""

from __future__ import annotations

import time

import redis.exceptions
import structlog

from hookd.publish import sentinel, topology
from hookd.publish.breaker import CLOSED, OPEN, CircuitBreaker
from hookd.publish.failures import describe_failure, refuses_batch
from hookd.publish.exposure import open_to_all
from hookd.publish.pace import SlowLink, WritesHeld, is_busy
from hookd.publish.settings import PublishSettings, RedisSettings
from hookd.publish.answers import GapError, ReplicasBehind, UnexpectedReply
from hookd.spool import Spool
from hookd.state import DaemonState, redis_down_fix

# Refused index keys kept for status: enough to name the problem, not one per session forever.
MAX_REFUSED_KEYS = 100

log = structlog.get_logger("hookd.publish")

FAILED_STATES = ("down", "refusing", "unconfirmed", "slow", "holding_writes", "busy_script")


def redis_state(settings: RedisSettings, exc: BaseException) -> str:
    """What a failed batch (or PING) says of Redis, for status (state.RedisHealth.state)."""
    if isinstance(exc, ReplicasBehind):
        return "unconfirmed"
    if is_busy(exc):
        return "busy_script"
    if isinstance(exc, WritesHeld) or sentinel.demoted(exc):
        return "holding_writes"  # a master the sentinels named, demoted: a failover's moment, not a Redis to start
    if isinstance(exc, SlowLink):
        return "slow"
    answering = (GapError, UnexpectedReply, redis.exceptions.BusyLoadingError, redis.exceptions.AskError)
    if isinstance(exc, answering) or refuses_batch(settings, exc):
        return "refusing"  # up and answering (a redirect that stands included): not "down", whose fix is to start Redis
    return "down"


class HealthReport:
    def __init__(
        self, settings: PublishSettings, redis_settings: RedisSettings, spool: Spool, state: DaemonState
    ) -> None:
        self.redis_settings = redis_settings
        self.spool = spool
        self.state = state
        self.breaker = CircuitBreaker(
            settings.breaker_failures, settings.breaker_backoff_min_s, settings.breaker_backoff_max_s
        )

    def succeeded(self) -> None:
        """Redis took a batch (or answered a PING)."""
        health = self.state.redis
        if health.state != "up":
            log.info(
                "redis_up",
                redis=topology.describe(self.redis_settings),
                backlog=self.spool.pending_events,
                down_for_s=None if health.down_since is None else round(time.monotonic() - health.down_since, 1),
            )
        health.state = "up"
        health.last_ok_at = time.time()
        health.down_since = None
        self.breaker.record_success()

    async def exposure(self, stream: str) -> None:
        """Ask once whether the server lets anyone read the stream (exposure.py); said if so."""
        settings = self.redis_settings
        if settings.sentinel or settings.cluster:
            return
        self.state.redis.open_to_all = is_open = await open_to_all(settings.url, stream, settings.server_accounts)
        if is_open:
            log.warning(
                "redis_open_to_all",
                redis=topology.describe(settings),
                hint="it answered XLEN of the stream to a connection without a password: every user "
                "of this machine (or anyone who can reach it) can read every event; set requirepass "
                "or an ACL (docs/redis.md), or use a unix:// socket only you and the server can reach",
            )

    def failed(self, exc: BaseException) -> None:
        """A batch (or a PING) failed with ``exc``: count it against the breaker.

        Redis is ``refusing`` when it answered the batch with an error (refuses_batch), or with
        anything but the script's counts for it (UnexpectedReply, GapError); ``unconfirmed`` when it
        took the batch and fewer replicas than redis_wait_replicas confirmed it; ``down`` when it
        could not be reached or would not let hookd in; ``slow`` when a batch timed out while Redis
        answers a PING, ``holding_writes`` when a one-line script did not answer either (pace.py),
        ``busy_script`` when Redis answered BUSY (a script past busy-reply-threshold): status says which."""
        health = self.state.redis
        message = describe_failure(self.redis_settings, exc)
        state = redis_state(self.redis_settings, exc)
        previous = self.breaker.state
        self.breaker.record_failure()
        if previous == CLOSED and self.breaker.state == OPEN:
            log.warning(
                "breaker_open",
                failures=self.breaker.failures,
                next_trial_in_s=round(self.breaker.next_attempt_in_s, 1),
                spooled=self.spool.pending_events,
            )
        changed = health.state != state or message != health.last_error
        if changed and state == "down":
            log.warning(
                "redis_down",
                error=message,
                spooled=self.spool.pending_events,
                hint="events are spooling until Redis takes them; when nothing answers there, "
                + redis_down_fix(topology.describe(self.redis_settings)),
            )
        elif changed and state == "slow":
            log.warning(
                "redis_link_slow",
                error=message,
                spooled=self.spool.pending_events,
                hint="Redis answers, but a batch takes longer to cross the link than it is given; it is sent "
                "again with more time; lower redis_min_bytes_per_s to the link's rate, or raise redis_timeout_s",
            )
        elif changed and state == "holding_writes":
            log.warning(
                "redis_holding_writes",
                error=message,
                spooled=self.spool.pending_events,
                hint="Redis answers but holds writes (CLIENT PAUSE WRITE, a failover): events spool and the batch "
                "is sent again until it takes writes; nothing in hookd to change; if it lasts, find what paused it",
            )
        elif changed and state == "busy_script":
            log.warning(
                "redis_busy_script",
                error=message,
                spooled=self.spool.pending_events,
                hint="Redis runs a script past its busy-reply-threshold and answers BUSY to all else: events spool "
                "and are sent once it ends; nothing in hookd to change; if it does not end, SCRIPT KILL (FUNCTION "
                "KILL for a function) stops one that has not written",
            )
        elif changed and state == "unconfirmed":
            log.warning(
                "redis_replicas_behind",
                error=message,
                spooled=self.spool.pending_events,
                hint="the batch is in the stream, kept spooled (sent again, skipped by the mark) until enough "
                "replicas confirm it: check the replicas, or lower redis_wait_replicas",
            )
        elif changed:
            log.warning(
                "redis_refused_batch",
                error=message,
                spooled=self.spool.pending_events,
                hint="events are spooling until Redis takes them; the error names what Redis refuses, and the fix",
            )
        if health.state not in FAILED_STATES:
            health.down_since = time.monotonic()
        health.state = state
        health.last_error = message

    def index_answered(self, keys: list[str], refused: dict[str, str]) -> None:
        """A batch that landed touched the session index's ``keys``; Redis refused ``refused``.

        A refused key is logged once and kept for status until a batch updates it again;
        the events are in the stream either way (published counts them).
        """
        kept = self.state.redis.index_refused
        for key in keys:
            if key not in refused:
                kept.pop(key, None)
        for key, error in refused.items():
            if key not in kept:
                log.warning(
                    "session_index_refused",
                    key=key,
                    error=error,
                    hint="the events are in the stream; this key of hookd's session index was not "
                    "updated: something else wrote it; delete it and hookd writes it again",
                )
            if key in kept or len(kept) < MAX_REFUSED_KEYS:
                kept[key] = error
