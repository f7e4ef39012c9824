"""What the daemon knows about itself: counters, states and recent timings that status reads.

The pipeline and the publisher write their counters into DaemonState as events pass. The
other parts report their own numbers when asked, each through a public method that returns
one of the small frozen records below (``Spool.stats``, ``Publisher.health``...); the daemon
hands those methods over once, as ``DaemonState.reports``. hookd/control reads only this
state, never the daemon or a part's attributes (the model is uvicorn's ServerState).
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from hookd.hook_names import KNOWN_HOOKS
from hookd.liveness import LoopLag, Progress
from hookd.waiting_on import Wait

# Distinct names a per-name counter keeps (the known hook events always have their own);
# the rest are counted together under OTHER, so that senders choosing names cannot grow
# hookd's memory, its status or its metrics.
MAX_COUNTED_NAMES = 64
MAX_NAME_CHARS = 64
OTHER = "other"


# How topology.describe begins to name a master found through Sentinel, and a Cluster: the fix for a Redis that
# cannot be reached is not the same there (redis_url's host is not where hookd publishes).
SENTINEL_WHERE = "redis master "
CLUSTER_WHERE = "redis cluster at "


def redis_down_fix(where: str) -> str:
    """What to do when nothing answers where hookd publishes (``where``: topology.describe's words, status's url)."""
    if where.startswith(SENTINEL_WHERE):
        return (
            "start the master the sentinels name, or wait for their failover to finish (`SENTINEL MASTERS` on a "
            "sentinel shows it); behind Sentinel redis_url's host is not used: correct redis_sentinel or "
            "redis_sentinel_master if they are wrong (`hookd config` shows them)"
        )
    if where.startswith(CLUSTER_WHERE):
        return (
            "start the node that serves the stream's hash slot, or let one of its replicas take over (`redis-cli "
            "--cluster check` names it); or correct redis_url and redis_cluster_nodes (`hookd config` shows them)"
        )
    return "start Redis where redis_url points, or correct redis_url (`hookd config` shows it)"


class RedisHealth(msgspec.Struct):
    # up / down (not reached, or the login refused) / refusing (answers with errors) / unconfirmed (too few
    # replicas confirmed a batch) / unknown
    state: str = "unknown"
    last_error: str | None = None
    last_ok_at: float | None = None
    # On time.monotonic(): a duration, which a step of the wall clock must not make negative.
    down_since: float | None = None
    open_to_all: bool | None = None  # answers without a password (publish/exposure.py); None: not known
    # The session index's keys Redis refused to update (key -> its error): the events landed,
    # the key is not kept (publish/health.py: index_answered).
    index_refused: dict[str, str] = msgspec.field(default_factory=dict)
    # Events Redis took and lost since (publish/lost.py): what was said of each loss, the latest last.
    lost: list[str] = msgspec.field(default_factory=list)
    losses: int = 0  # each said once (lost keeps the latest few)
    # Behind Sentinel: the sentinels that stayed mute through an ask (asked in the background since,
    # publish/sentinel_ask.py), and how many times one went mute in this run.
    sentinels_mute: list[str] = msgspec.field(default_factory=list)
    sentinel_mutes: int = 0
    # ... and those whose ask failed otherwise (address: the reason said), how many times in this run.
    sentinels_failing: dict[str, str] = msgspec.field(default_factory=dict)
    sentinel_failures: int = 0
    # The steps the publisher's client waits on now (a connect, its handshake, a Cluster seed's slot map, a name's
    # resolution, a sentinel's answer: waiting_on.py), each under a key of its own: status names them, a stall the
    # oldest (the sentinels being asked together).
    waits: dict[int, Wait] = msgspec.field(default_factory=dict)


class RateWindow:
    """Events per second over the last minutes, from per-second buckets."""

    def __init__(self, seconds: int = 300, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.buckets: deque[list[int]] = deque(maxlen=seconds)  # [second, count]

    def add(self, count: int = 1) -> None:
        second = int(self.clock())
        if self.buckets and self.buckets[-1][0] == second:
            self.buckets[-1][1] += count
        else:
            self.buckets.append([second, count])

    def per_second(self, window_s: int) -> float:
        now = int(self.clock())
        total = sum(count for second, count in self.buckets if second > now - window_s)
        return total / window_s


class CappedCounter(Counter[str]):
    """A Counter of at most ``cap`` names (and those in ``always``), the rest counted as OTHER."""

    def __init__(self, cap: int = MAX_COUNTED_NAMES, always: frozenset[str] = frozenset(KNOWN_HOOKS)) -> None:
        super().__init__()
        self.cap = cap
        self.always = always

    def __setitem__(self, key: str, value: int) -> None:
        if (
            key not in self
            and key not in self.always
            and (len(self) >= self.cap or not isinstance(key, str) or len(key) > MAX_NAME_CHARS)
        ):
            key, value = OTHER, self.get(OTHER, 0) + value
        super().__setitem__(key, value)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.cap, self.always), None, None, iter(self.items())


class LatencyWindow:
    """The most recent samples of a duration, for percentiles."""

    def __init__(self, size: int = 2048) -> None:
        self.samples: deque[float] = deque(maxlen=size)
        self.observers: list[Callable[[float], None]] = []  # a histogram, when metrics are served

    def watch(self, observer: Callable[[float], None]) -> None:
        """Give ``observer`` every sample from now on (prometheus_client's Histogram.observe)."""
        self.observers.append(observer)

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)
        for observe in self.observers:
            observe(seconds)

    def extend(self, seconds: Iterable[float]) -> None:
        values = list(seconds)
        self.samples.extend(values)
        for observe in self.observers:
            for value in values:
                observe(value)

    def percentiles_ms(self) -> dict[str, float | None]:
        ordered = sorted(self.samples)
        if not ordered:
            return {"p50": None, "p95": None, "p99": None, "samples": 0}

        def pick(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

        return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "samples": len(ordered)}


@dataclass(frozen=True, slots=True)
class SpoolStats:
    """Spool.stats(): what waits, what the disk holds, what was lost or refused."""

    events: int  # waiting for Redis; while not events_counted, only what is known of them
    events_counted: bool  # False while an earlier run's backlog cannot be read to count it (spool/counts.py)
    bytes: int
    disk_bytes: int  # waiting, and published but kept for a while
    max_bytes: int
    dropped: int
    full: bool
    full_policy: str
    fsync: str
    torn_bytes: int
    damaged_bytes: int
    lost_events: int  # in damaged records (spool/damage.py)
    damage_at: str | None  # the last segment found damaged
    read_error: str | None  # a segment that cannot be read now (spool/damage.py)
    disk_full: bool
    reserve_bytes: int
    reserve_target_bytes: int
    reserve_short: str | None  # the filesystem refused the reserve's allocation (spool/reserve.py)


@dataclass(frozen=True, slots=True)
class PublisherHealth:
    """Publisher.health(): its circuit breaker (Redis's own state is DaemonState.redis)."""

    breaker: str  # closed / open / half_open
    failures: int
    next_attempt_in_s: float


@dataclass(frozen=True, slots=True)
class InboxStats:
    """Inbox.stats(): the files taken from the inbox and the spare inbox."""

    taken: int
    spare_taken: int
    spare_problem: str | None  # why the spare inbox is not swept ("absent" when there is none)
    unreadable: dict[str, str] = field(default_factory=dict)  # inbox files whose read failed: path -> error
    not_removed: dict[str, str] = field(default_factory=dict)  # spooled files that could not be deleted
    linked: int = 0  # taken files that still had another name (a hard link), emptied as theirs went


@dataclass(frozen=True, slots=True)
class BuilderStats:
    """EnvelopeBuilder.stats()."""

    instance: str | None  # the state directory's identity, beside the host's
    events_redacted: int


@dataclass(frozen=True, slots=True)
class TaskStats:
    """Supervisor.stats(): the long-lived tasks that failed, or were restarted."""

    failed: tuple[str, ...]
    restarts: dict[str, int]
    callback_errors: int


@dataclass(frozen=True, slots=True)
class Reports:
    """Each part's own report, handed over by the daemon once the parts exist."""

    spool: Callable[[], SpoolStats]
    oldest_waiting_ns: Callable[[], int | None]  # reads the spool's segments: status only
    publisher: Callable[[], PublisherHealth]
    inbox: Callable[[], InboxStats]
    builder: Callable[[], BuilderStats]
    tasks: Callable[[], TaskStats]
    work: Callable[[], dict[str, Any]]  # the worker process for large events
    pending_frames: Callable[[], dict[str, Any]]  # the memory held by frames being read
    stalled: Callable[[], list[str]]  # why nothing moves (liveness.py); [] while things do
    http: Callable[[], dict[str, Any]] | None = None  # None: http_addr is not set
    # hookd's directories opened to others, replaced or removed since start (dirwatch.py): path -> why
    directories: Callable[[], dict[str, str]] | None = None
    # What status has looked at again, off the loop, before it is taken (the directories' look, dirwatch.py)
    look_again: Callable[[], Awaitable[object]] | None = None
    # The spool's backlog redacted again as it is published (daemon/backlog_publish.py): what is left and why
    redacted_on_publish: Callable[[], dict[str, Any] | None] | None = None


class NotReported(RuntimeError):
    """A report was asked for before the daemon's parts were there to give it."""


class DaemonState(msgspec.Struct):
    """Shared state: written by the pipeline on the event loop, read by status and metrics."""

    started_at: float = msgspec.field(default_factory=time.monotonic)  # for the uptime: not the wall clock
    received: int = 0
    accepted: int = 0
    published: int = 0
    batches: int = 0  # publish calls that succeeded: published / batches is the batching
    deduplicated: int = 0
    deduplicated_handoffs: int = 0
    skipped_unsent: int = 0  # events the mark skipped on their first send (publish/first_sends.py)
    redactions: Counter[str] = msgspec.field(default_factory=Counter)  # per redaction rule
    rejected: Counter[str] = msgspec.field(default_factory=Counter)
    # Events taken with a marker in place of a payload the sender did not hold (Header.withheld), per why
    withheld: Counter[str] = msgspec.field(default_factory=Counter)
    refused_peers: Counter[str] = msgspec.field(default_factory=Counter)  # per socket: other users' connections
    control_unread: int = 0  # control answers dropped, their peer having read nothing for a while
    control_refused: Counter[str] = msgspec.field(default_factory=Counter)  # control requests that are none, per why
    by_hook: Counter[str] = msgspec.field(default_factory=CappedCounter)
    redis: RedisHealth = msgspec.field(default_factory=RedisHealth)
    accepted_rate: RateWindow = msgspec.field(default_factory=RateWindow)
    accept_latency: LatencyWindow = msgspec.field(default_factory=LatencyWindow)
    publish_latency: LatencyWindow = msgspec.field(default_factory=LatencyWindow)
    progress: Progress = msgspec.field(default_factory=Progress)
    loop_lag: LoopLag = msgspec.field(default_factory=LoopLag)
    reports: Reports | None = None  # set by the daemon once its parts exist

    def report(self) -> Reports:
        """The parts' reports; NotReported before start-up has built the parts."""
        if self.reports is None:
            raise NotReported("hookd is still starting: its parts have not reported yet")
        return self.reports
