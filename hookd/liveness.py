"""Health from progress: when the publisher last tried and succeeded, how late the loop runs,
when the spool was last flushed; and the verdict `stalled` drawn from them.

Flags such as "Redis is up" say what was true at the last event; they cannot
tell a publisher that is wedged from one with nothing to do. These times can:
events wait and nothing was tried for a while is a stall, whatever the flags say.
Times are ``time.monotonic()`` seconds.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque

import msgspec

from hookd.policies import FsyncPolicy
from hookd.waiting_on import SENTINEL, Wait, oldest, said

# The loop-lag probe's period: lag is how late this timer fires.
LAG_PROBE_S = 0.1
LAG_WINDOW_S = 60.0
# A loop whose recent p99 lag is above this is reported (degraded, not stalled).
LAG_WARN_S = 0.25
# Health is judged on the lag of the last seconds: status shows the minute, but a stall long
# over must not keep hookd degraded. A late loop takes fewer samples (one per probe period plus
# its lag: 25 in 10 s at 300 ms), so the minimum is what a loop late by a second still reaches
# in a few seconds; fewer would judge a daemon on its first tick.
LAG_VERDICT_S = 10.0
LAG_VERDICT_MIN_SAMPLES = 5
# A tick this late is a gap in which nothing of hookd's ran (SIGSTOP, a frozen cgroup or VM, a call
# that held the loop): kept, so that progress is not judged across it (LoopLag.ran_again_at).
GAP_S = 1.0


class Progress(msgspec.Struct):
    """Written by the publisher and the flusher as they work; read by status and the watchdog."""

    publish_attempt_at: float | None = None  # a batch, a trial or a ping was sent
    publish_success_at: float | None = None
    publish_busy_since: float | None = None  # an attempt is waiting for Redis's answer since
    publish_backoff_until: float | None = None  # a deliberate wait (the breaker) ends then
    publish_bytes: int | None = None  # what the attempt waited on carries (publish/pace.py)
    publish_extra_s: float = 0.0  # the time its bytes are given past redis_timeout_s
    flush_at: float | None = None  # the last fsync of the spool that completed
    flush_busy_since: float | None = None  # an fsync is running since
    flush_error: str | None = None  # the last failed fsync's error, until Redis has what it left unsure
    flush_failed_at: float | None = None

    def attempting(self, size: int | None = None, extra_s: float = 0.0) -> None:
        now = time.monotonic()
        self.publish_attempt_at = now
        if self.publish_busy_since is None:
            self.publish_busy_since = now
        self.publish_bytes = size
        self.publish_extra_s = extra_s

    def answered(self, ok: bool, still_waiting: bool = False) -> None:
        now = time.monotonic()
        if ok:
            self.publish_success_at = now
        self.publish_busy_since = now if still_waiting else None
        if not still_waiting:
            self.publish_bytes, self.publish_extra_s = None, 0.0

    def backing_off(self, seconds: float) -> None:
        self.publish_backoff_until = time.monotonic() + seconds


class LoopLag:
    """How late a periodic timer fires, over the last minute: the event loop's lag."""

    def __init__(self) -> None:
        # (when, how late, how much of that the loop's thread spent waiting for a CPU while runnable)
        self.samples: deque[tuple[float, float, float]] = deque(maxlen=int(LAG_WINDOW_S / LAG_PROBE_S) + 1)
        self.last_tick: float | None = None
        self.gaps: deque[tuple[float, float]] = deque(maxlen=8)  # (when the loop ran again, how long it had not)

    async def run(self) -> None:
        import asyncio  # here: `hookd status` reads this module's thresholds, and runs no loop

        loop = asyncio.get_running_loop()
        waited = run_queue_wait_s()
        while True:
            due = loop.time() + LAG_PROBE_S
            await asyncio.sleep(LAG_PROBE_S)
            now = time.monotonic()
            lag = max(0.0, loop.time() - due)
            waited_before, waited = waited, run_queue_wait_s()
            machine = min(lag, waited - waited_before) if waited is not None and waited_before is not None else 0.0
            self.samples.append((now, lag, max(0.0, machine)))
            self.last_tick = now
            if lag >= GAP_S:
                self.gaps.append((now, lag))

    def ran_again_at(self, gap_s: float, now: float | None = None) -> float | None:
        """When the event loop last ran again after not running for ``gap_s`` or more, or None.

        The monotonic clock goes on while the process is stopped: on the first look after a SIGSTOP
        of ``stall_after_s``, every task seems to have done nothing for that long, though none could
        run. A gap still open (the probe has not ticked since: this is that first look) ends now."""
        now = time.monotonic() if now is None else now
        if self.last_tick is not None and now - self.last_tick >= gap_s + LAG_PROBE_S:
            return now
        return max((at for at, lag in self.gaps if lag >= gap_s), default=None)

    def summary_ms(self) -> dict[str, float | int | None]:
        """p50, p99 and the largest lag over the last minute, in ms; and ``recent_p99``, the
        p99 of the last LAG_VERDICT_S (None until it has LAG_VERDICT_MIN_SAMPLES) less the
        time the loop's thread waited for a CPU, which health is judged by."""
        now = time.monotonic()
        lags = sorted(lag for at, lag, _ in self.samples if at >= now - LAG_WINDOW_S)
        if not lags:
            return {"p50": None, "p99": None, "max": None, "samples": 0, "recent_p99": None}
        # Judged on the lag hookd's own work or calls caused: a loaded machine that kept the thread
        # waiting for a CPU delays every process on it, and is not a daemon that holds its loop.
        recent = sorted(lag - machine for at, lag, machine in self.samples if at >= now - LAG_VERDICT_S)
        return {
            "p50": _pick(lags, 0.5),
            "p99": _pick(lags, 0.99),
            "max": round(lags[-1] * 1000, 3),
            "samples": len(lags),
            "recent_p99": _pick(recent, 0.99) if len(recent) >= LAG_VERDICT_MIN_SAMPLES else None,
        }


class _Schedstat:
    """One thread's /proc/thread-self/schedstat, opened by that thread (the path is the opener's thread), closed
    with the thread's locals when it ends."""

    def __init__(self) -> None:
        self.fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY | os.O_CLOEXEC)

    def __del__(self) -> None:
        os.close(self.fd)


_held = threading.local()


def run_queue_wait_s() -> float | None:
    """How long the calling thread has waited, runnable, for a CPU since it started (Linux's
    schedstat run_delay), in seconds; None where the kernel does not say (macOS, no schedstats).
    The file is held open by each thread that asks and read again with one pread: the loop-lag probe
    asks at each tick, on the loop, where an open and a close each time were two more calls."""
    try:
        stats = getattr(_held, "stats", None)
        if stats is None:
            stats = _held.stats = _Schedstat()
        return int(os.pread(stats.fd, 256, 0).split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def _pick(ordered: list[float], q: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)


def stall_reasons(
    progress: Progress,
    waiting_events: int,
    stall_after_s: float,
    fsync_policy: FsyncPolicy,
    fsync_interval_s: float,
    now: float | None = None,
    ran_again_at: float | None = None,
    waits: dict[int, Wait] | None = None,
) -> list[str]:
    """Why hookd is not making progress, or [] when it is.

    The publisher is stalled when events wait and it has sent nothing for
    ``stall_after_s``, or has waited that long (plus the time a large batch's bytes
    are given to cross the link: publish/pace.py) for one answer, unless it is in a
    back-off it chose (an open circuit breaker) that has not run out. The
    flusher is stalled when an fsync has run that long, or under
    ``spool_fsync=interval`` none has completed for that long past its period.
    ``ran_again_at`` (LoopLag.ran_again_at): times before it count from it, the time the loop
    did not run being no task's stall. ``waits``: the steps it may wait on (waiting_on.py), the oldest named;
    behind Sentinel, the sentinels an ask waits for that have not answered, named together with the ask's bound.
    """
    now = time.monotonic() if now is None else now

    def judged_from(at: float | None) -> float | None:
        return at if at is None or ran_again_at is None else max(at, ran_again_at)

    reasons = []
    if waiting_events:
        backoff_end = progress.publish_backoff_until or 0.0
        busy = judged_from(progress.publish_busy_since)
        if busy is not None and now - busy > stall_after_s + progress.publish_extra_s:
            count = f"{waiting_events:,} {'event waits' if waiting_events == 1 else 'events wait'}"
            step = oldest(waits or {})
            asked = [wait for wait in (waits or {}).values() if wait.what == SENTINEL]
            if asked:
                reasons.append(_asking_sentinels(asked, now - busy, now, count, stall_after_s))
            elif step is not None:
                reasons.append(
                    f"the publisher has waited {now - busy:.1f}s while {count} (stall_after_s={stall_after_s:g}), "
                    f"its batch held up by {said(step, now)}"
                )
            else:
                reasons.append(
                    f"the publisher has waited {now - busy:.1f}s for Redis's answer to one "
                    f"batch while {count} (stall_after_s={stall_after_s:g})"
                )
        elif busy is None and now - backoff_end > stall_after_s:
            last = judged_from(progress.publish_attempt_at)
            if last is None and ran_again_at is not None:
                last = ran_again_at
            if last is None or now - last > stall_after_s:
                since = "since it started" if last is None else f"for {now - last:.1f}s"
                reasons.append(
                    f"the publisher has not tried to publish {since} while "
                    f"{waiting_events:,} {'event waits' if waiting_events == 1 else 'events wait'} (stall_after_s={stall_after_s:g})"
                )
    flush_busy, flush_at = judged_from(progress.flush_busy_since), judged_from(progress.flush_at)
    if flush_busy is not None and now - flush_busy > stall_after_s:
        reasons.append(f"an fsync of the spool has run for {now - flush_busy:.1f}s; the disk is not answering")
    elif (
        fsync_policy == FsyncPolicy.INTERVAL
        and flush_at is not None
        and now - flush_at > fsync_interval_s + stall_after_s
    ):
        reasons.append(
            f"the spool was last flushed to the disk {now - flush_at:.1f}s "
            f"ago (spool_fsync_interval_ms={fsync_interval_s * 1000:g})"
        )
    return reasons


def _asking_sentinels(asked: list[Wait], busy_s: float, now: float, waits: str, stall_after_s: float) -> str:
    """The stall of a batch that waits on the sentinels' answer: which of them, since when, and what bounds it
    (one deadline, the asks' at once: sentinel_ask.py)."""
    named = ", ".join(f"{w.address} for {now - w.since:.1f}s" for w in sorted(asked, key=lambda w: w.address))
    deadline_s = asked[0].bound_s
    bound = (
        "no bound: redis_timeout_s is unset"
        if deadline_s is None
        else f"the ask ends at {deadline_s:g}s ({asked[0].bound_by}), and a sentinel that has "
        "not answered by then is asked in the background, not waited for"
    )
    return (
        f"the publisher has waited {busy_s:.1f}s for the master's address from Redis Sentinel while {waits} "
        f"(stall_after_s={stall_after_s:g}): no answer yet from sentinel {named}; {bound}; if it stays silent, "
        "start it again or take it out of redis_sentinel"
    )


def ages(progress: Progress, now: float | None = None) -> dict[str, float | None]:
    """The progress times as ages in seconds, for status."""
    now = time.monotonic() if now is None else now

    def age(t: float | None) -> float | None:
        return None if t is None else round(now - t, 3)

    return {
        "publish_attempt_s": age(progress.publish_attempt_at),
        "publish_success_s": age(progress.publish_success_at),
        "publish_waiting_s": age(progress.publish_busy_since),
        "publish_waiting_bytes": progress.publish_bytes if progress.publish_busy_since is not None else None,
        "publish_allowed_extra_s": round(progress.publish_extra_s, 3),
        "backoff_left_s": None
        if progress.publish_backoff_until is None
        else round(max(0.0, progress.publish_backoff_until - now), 3),
        "flush_s": age(progress.flush_at),
    }
