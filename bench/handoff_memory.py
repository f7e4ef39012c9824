#!/usr/bin/env python3
"""What do the recent hand-off ids (hookd/handoffs.py) cost? Three minutes of hand-offs at ``--rates``
events a second (a simulated clock), each a hook-send id (16 hex digits) and a hookd event id (UUIDv7):
the memory they hold (tracemalloc, ids included), how many were forgotten before the window's end, and
the time of one look-up of an id never seen (every socket frame's and inbox file's) and of an add.

Usage:
    .venv/bin/python bench/handoff_memory.py [--rates 55,1000,2700,20000]
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc

import structlog

from hookd.envelope.builder import EventIds
from hookd.handoffs import KEEP_S, RecentHandoffs


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def one(rate: int) -> None:
    count = int(KEEP_S * rate)
    ids = EventIds()
    pairs = [(os.urandom(8).hex(), ids.next(time.time_ns())) for _ in range(count)]
    clock = Clock()
    gc.collect()
    tracemalloc.start()
    recent = RecentHandoffs(clock=clock)
    for n, (handoff, event) in enumerate(pairs):
        clock.now = n / rate
        recent.add(handoff, event)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    first_kept = recent.get(pairs[0][0]) == pairs[0][1]
    del pairs
    probes = [os.urandom(8).hex() for _ in range(50_000)]
    start = time.perf_counter()
    for probe in probes:
        recent.get(probe)
    lookup_us = (time.perf_counter() - start) / len(probes) * 1e6
    start = time.perf_counter()
    for probe in probes:
        clock.now += 1 / rate
        recent.add(probe, "0190a0b0-c0d0-7000-8000-000000000000")
    add_us = (time.perf_counter() - start) / len(probes) * 1e6
    print(
        f"{rate:>6}/s  {count:>9,} handed off  {len(recent):>8,} kept  first kept {first_kept!s:5}  "
        f"held {held / 2**20:6.1f} MiB (peak {peak / 2**20:6.1f})  look-up {lookup_us:.2f} us  add {add_us:.2f} us"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="55,1000,2700,20000")
    args = parser.parse_args()
    structlog.configure(logger_factory=structlog.ReturnLoggerFactory())  # the flood's warnings, unprinted
    for rate in args.rates.split(","):
        one(int(rate))


if __name__ == "__main__":
    main()
