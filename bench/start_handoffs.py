#!/usr/bin/env python3
"""How long does start-up take to read the recent hand-off ids from the spool (spool/inspect.py,
recent_handoffs)? A spool of ``--old`` events received an hour ago (a backlog Redis never took)
followed by ``--recent`` events of the last minute, each of ``--bytes``; the time of one read of
the last 180 s, which should follow the recent events, not the backlog.

Usage:
    .venv/bin/python bench/start_handoffs.py [--old 200000] [--recent 10000] [--bytes 2000]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time

from hookd.handoffs import KEEP_S
from hookd.spool import Spool
from hookd.spool.event import Event
from hookd.spool.inspect import recent_handoffs


def fill(directory: str, old: int, recent: int, size: int) -> None:
    spool = Spool(directory, segment_bytes=8 << 20, fsync="never")
    now = time.time_ns()
    for prefix, count, age_s in (("old", old, 3600), ("new", recent, 10)):
        events = [
            Event(n, "h", f"{prefix}-e{n}", "Stop", "s", "", b"x" * size, f"{prefix}-{n}", now - int(age_s * 1e9))
            for n in range(count)
        ]
        for at in range(0, count, 1000):
            spool.append_many(events[at : at + 1000])
    spool.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", type=int, default=200_000)
    parser.add_argument("--recent", type=int, default=10_000)
    parser.add_argument("--bytes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base = tempfile.mkdtemp(prefix="hookd-bench-handoffs-")
    try:
        fill(base + "/spool", args.old, args.recent, args.bytes)
        for _ in range(args.rounds):
            started = time.perf_counter()
            found = recent_handoffs(base + "/spool", time.time_ns() - int(KEEP_S * 1e9))
            took = time.perf_counter() - started
            print(f"{len(found)} ids in {took:.3f} s ({args.old} old events before them)")
    finally:
        shutil.rmtree(base)


if __name__ == "__main__":
    main()
