"""What `hookd status` said during the chaos test, and the verdict on it: hookd was
`degraded` or `stalled` only while a fault was active, or within a recovery grace after it.

The sampler asks the daemon the way `hookd status --json` does (hookd.control.status.gather,
in-process: a new interpreter every 250 ms would load the 2 shared cores). Each sample keeps
when it was asked and when the answer came, so that a sample counts against a fault when the
two overlap at all: an answer that waited on a stopped hookd started inside the fault.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Sequence

from hookd import config as hookd_config
from hookd import liveness
from hookd.control import status, verdict

UNHEALTHY = ("degraded", "stalled")
# Not an answer from a running hookd: status exits 2 or 3 (it timed out, or nothing listens).
ABSENT = {verdict.NOT_RUNNING: "not running", verdict.UNKNOWN: "unknown"}
# The faults during which hookd cannot answer: killed, stopped, or restarted (the stderr fault
# ends with a restart).
SILENCING = ("kill", "stop", "stderr")
# Added to every window: a sample is asked every 250 ms and takes a moment to answer, and
# the control socket is served a moment after the event socket that tells the test hookd is up.
MARGIN_S = 1.5
# The loop-lag reason is a statistic over the last seconds (liveness.LAG_VERDICT_S): a stopped
# hookd's loop fires its probe late by the whole stop, and that sample counts for that long.
LAG_REASON = "the event loop runs late"
# The faults whose lag a loop-lag reason may still show for that long after they end: a stop (the
# probe fires late by the whole stop), and a restart (kill, stderr): the new hookd catches up on the
# events that piled up in its inboxes and spool meanwhile, on a machine the other senders keep busy.
LAGGING = ("stop", *SILENCING)
# A sleep of the test's own that ends this much late: the machine, not hookd, was starved of CPU
# then (a loaded CI worker), and a loop-lag reason from that time is the truth, not a false alarm.
STARVED_S = 0.1


class LatenessProbe(threading.Thread):
    """Sleeps 20 ms at a time and keeps each time it woke STARVED_S or more late."""

    def __init__(self, every_s: float = 0.02) -> None:
        super().__init__(name="chaos-lateness", daemon=True)
        self.every_s = every_s
        self.starved: list[float] = []  # time.monotonic() of each late wake-up
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            before = time.monotonic()
            time.sleep(self.every_s)
            after = time.monotonic()
            if after - before - self.every_s >= STARVED_S:
                self.starved.append(after)

    def finish(self) -> list[float]:
        self.stop_event.set()
        self.join(5)
        return self.starved


@dataclasses.dataclass
class Sample:
    asked: float  # time.monotonic()
    answered: float
    health: str  # healthy, degraded, stalled, not running, unknown
    reasons: list[str]


@dataclasses.dataclass
class Fault:
    name: str
    start: float
    end: float

    def overlaps(self, sample: Sample, after_s: float) -> bool:
        return sample.asked <= self.end + after_s and sample.answered >= self.start


def recovery_grace_s(settings: dict[str, str], reserve_check_s: float) -> float:
    """How long after a fault ends hookd may still say degraded or stalled.

    After Redis is back the breaker may wait its longest back-off before the trial batch,
    which may take up to its trial timeout; a disk with room again gives the spool's
    reserve back at the next check (the refill is what clears ``disk_full``). Plus the
    sampling margin. stall_after_s is not in it: it delays a stall's report, it does not
    prolong one; once the fault is over the publisher tries again within the back-off, and
    a stall still reported after that is hookd's own.
    """
    return (
        float(settings["breaker_backoff_max_s"])
        + float(settings["breaker_trial_timeout_s"])
        + reserve_check_s
        + MARGIN_S
    )


class HealthSampler(threading.Thread):
    def __init__(self, environ: dict[str, str], every_s: float = 0.25) -> None:
        super().__init__(name="chaos-health", daemon=True)
        self.config = hookd_config.load(environ=environ)
        self.every_s = every_s
        self.samples: list[Sample] = []
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.samples.append(self.sample())
            self.stop_event.wait(self.every_s)

    def sample(self) -> Sample:
        asked = time.monotonic()
        code, document = status.gather(self.config)
        answered = time.monotonic()
        if code in ABSENT:
            return Sample(asked, answered, ABSENT[code], [str(document.get("error"))])
        return Sample(asked, answered, document["health"], list(document["reasons"]))

    def finish(self) -> list[Sample]:
        self.stop_event.set()
        self.join(30)
        return self.samples


def only_lag(sample: Sample) -> bool:
    return bool(sample.reasons) and all(r.startswith(LAG_REASON) for r in sample.reasons)


def explained(sample: Sample, faults: list[Fault], grace_s: float, starved: Sequence[float] = ()) -> bool:
    """Whether a degraded or stalled sample lies within a fault (and its grace) that explains it,
    or says only that the loop runs late while the test's own sleeps ran late too (``starved``)."""
    if any(f.overlaps(sample, grace_s) for f in faults):
        return True
    if not only_lag(sample):
        return False
    since = sample.asked - liveness.LAG_VERDICT_S - MARGIN_S
    return any(since <= at <= sample.answered for at in starved) or any(
        f.overlaps(sample, liveness.LAG_VERDICT_S + MARGIN_S) for f in faults if f.name in LAGGING
    )


def violations(samples: list[Sample], faults: list[Fault], grace_s: float, starved: Sequence[float] = ()) -> list[str]:
    """Samples that were not healthy outside every fault that could explain them."""
    found = []
    for s in samples:
        if s.health == "healthy":
            continue
        if s.health in UNHEALTHY:
            explained_ = explained(s, faults, grace_s, starved)
        else:
            explained_ = any(f.overlaps(s, MARGIN_S) for f in faults if f.name in SILENCING)
        if not explained_:
            found.append(
                f"{s.health} at {s.asked:.2f}-{s.answered:.2f} outside every fault (grace {grace_s:g}s): {s.reasons}"
            )
    return found


def degraded_during(samples: list[Sample], faults: list[Fault], name: str) -> int:
    """How many samples taken inside a fault ``name`` (no grace) say degraded or stalled."""
    return sum(
        1 for s in samples if s.health in UNHEALTHY and any(f.name == name and f.overlaps(s, 0.0) for f in faults)
    )


def timeline(samples: list[Sample], faults: list[Fault], origin: float) -> str:
    """Faults and changes of health in time order, for the test's output."""
    events = [(f.start, f"{f.name} fault starts") for f in faults] + [(f.end, f"{f.name} fault ends") for f in faults]
    previous = None
    for s in samples:
        kinds = (s.health, *(reason[:24] for reason in s.reasons))  # not the counts in them
        if kinds != previous:
            events.append((s.asked, f"status {s.health} {s.reasons if s.health != 'healthy' else ''}"))
            previous = kinds
    return "\n".join(f"{at - origin:7.2f} {what}" for at, what in sorted(events))


def settled(sample: Sample, faults: list[Fault], starved: Sequence[float] = ()) -> bool:
    """Healthy; or degraded only by the loop-lag statistic (liveness.LAG_VERDICT_S) of a recent stop or
    restart, or of a time the machine starved the test too."""
    return sample.health == "healthy" or (only_lag(sample) and explained(sample, faults, 0.0, starved))
