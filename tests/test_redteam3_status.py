"""Red team, third pass: `hookd status` on a daemon whose event loop runs late from its start.

Status judged the loop's lag only once it had 50 samples in the last 10 s; a late loop takes
one sample per probe period plus its lag (25 in 10 s at 300 ms), so during a flood at 4 s of
uptime, with a p50 lag of 290 ms, status said healthy, and a loop late by 250 ms or more on
every tick never had 50. Now 5 samples are enough to judge, and an idle daemon stays healthy.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from hookd import config as hookd_config
from hookd import liveness
from hookd.control import status, verdict

pytestmark = pytest.mark.process
LATE = "the event loop runs late"


def ask(daemon) -> tuple[int, dict]:
    """What `hookd status --json` says, asked in this process (a new interpreter is slow here)."""
    return status.gather(hookd_config.load(environ=daemon.env))


def lag_reasons(document: dict) -> list[str]:
    return [r for r in document.get("reasons") or () if r.startswith(LATE)]


def test_a_loop_late_on_every_tick_from_the_start_is_reported_within_seconds(hookd_process_factory, redis_db):
    """hookd's loop is made late by stopping the process 400 ms of every 500 ms: each probe fires
    about 400 ms late, as in a flood, and status is asked meanwhile."""
    daemon = hookd_process_factory()
    done = threading.Event()

    def slow_down() -> None:
        while not done.is_set():
            os.kill(daemon.proc.pid, signal.SIGSTOP)
            time.sleep(0.4)
            os.kill(daemon.proc.pid, signal.SIGCONT)
            time.sleep(0.1)

    slowing = threading.Thread(target=slow_down)
    started = time.monotonic()
    slowing.start()
    seen: list[tuple[str, dict]] = []
    try:
        while time.monotonic() - started < 12:
            code, document = ask(daemon)
            if document.get("running"):
                seen.append((document["health"], document["loop_lag_ms"]))
                if code == verdict.DEGRADED and lag_reasons(document):
                    break
            time.sleep(0.2)
        else:
            pytest.fail(f"status never said the loop runs late in 12 s of a loop 400 ms late: {seen[-3:]}")
    finally:
        done.set()
        slowing.join()
        os.kill(daemon.proc.pid, signal.SIGCONT)
    assert document["health"] == "degraded", document
    assert document["loop_lag_ms"]["p50"] > liveness.LAG_WARN_S * 1000, document["loop_lag_ms"]
    print(f"degraded at {document['uptime_s']} s of uptime: {lag_reasons(document)}")


def test_an_idle_daemon_judged_on_its_first_samples_is_healthy(hookd_process_factory, redis_db):
    """No false alarm: once status judges the lag (LAG_VERDICT_MIN_SAMPLES), an idle loop's few
    small samples say healthy."""
    daemon = hookd_process_factory()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        code, document = ask(daemon)
        if document.get("running") and document["loop_lag_ms"]["recent_p99"] is not None:
            break
        time.sleep(0.05)
    else:
        pytest.fail("status never judged the loop's lag of an idle daemon")
    assert document["loop_lag_ms"]["samples"] < 50, "judged only once the old minimum was reached"
    assert lag_reasons(document) == [], document
    assert code == verdict.HEALTHY and document["health"] == "healthy", document["reasons"]
