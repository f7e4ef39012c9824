"""The redaction benchmarks' clock: the best of a few runs, in CPU time (on a shared machine, wall
time measures the other processes too)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_cpu_ms(work: Callable[[], Any], times: int = 5) -> float:
    """The least CPU time ``work()`` took in ``times`` runs, in milliseconds."""
    fastest = float("inf")
    for _ in range(times):
        started = time.process_time()
        work()
        fastest = min(fastest, time.process_time() - started)
    return fastest * 1e3
