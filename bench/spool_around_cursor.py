#!/usr/bin/env python3
"""How long does start-up take to read the events either side of the committed position
(spool/around_cursor.py, for publish/lost.py)? Its worst case: the cursor at the end of a segment
nearly full of events Redis took, which are all read (a record at a time, decoding only the last).
``--events`` of ``--bytes`` each in one segment of ``--segment-bytes``, all committed, the spool
closed and opened again, then ``--rounds`` reads.

Usage:
    .venv/bin/python bench/spool_around_cursor.py [--events 60000] [--bytes 1000] [--segment-bytes 67108864]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time

from hookd.spool import Spool
from hookd.spool.event import Event


def fill(directory: str, count: int, size: int, segment_bytes: int, committed: int | None = None) -> None:
    """``count`` events in a spool, the first ``committed`` (all by default) committed."""
    spool = Spool(directory, segment_bytes=segment_bytes, fsync="never", max_bytes=64 * segment_bytes)
    now = time.time_ns()
    events = [Event(n + 1, "h", f"e{n}", "Stop", "s", "", b"x" * size, f"id-{n}", now) for n in range(count)]
    for at in range(0, count, 1000):
        spool.append_many(events[at : at + 1000])
    left = count if committed is None else committed
    while left and (batch := spool.read_batch(min(1000, left), 1 << 30)).events:
        spool.commit(batch)
        left -= len(batch.events)
    spool.save_cursor()
    spool.close()


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--bytes", type=int, default=1000)
    parser.add_argument("--segment-bytes", type=int, default=64 << 20)
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def main() -> None:
    args = arguments()
    base = tempfile.mkdtemp(prefix="hookd-bench-around-")
    try:
        fill(base + "/spool", args.events, args.bytes, args.segment_bytes)
        spool = Spool(base + "/spool", segment_bytes=args.segment_bytes, fsync="never")
        try:
            print(f"cursor {spool.cursor}")
            for _ in range(args.rounds):
                started = time.perf_counter()
                last, first = spool.around_cursor()
                took = time.perf_counter() - started
                print(f"last seq {last.seq if last else None}, first waiting {first}: {took:.3f} s")
        finally:
            spool.close()
    finally:
        shutil.rmtree(base)


if __name__ == "__main__":
    main()
