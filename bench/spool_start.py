#!/usr/bin/env python3
"""What a start reads of a large spool, and how long it takes: ``Spool(...)`` opened (recovery, the
backlog's count) and ``around_cursor()`` (publish/lost.py's check), bytes read counted by the kernel
(rchar of /proc/self/io), the page cache warm (each round opens the spool again).

Two spools of ``--events`` events of ``--bytes`` each in segments of ``--segment-bytes``: ``newest``,
one segment with the cursor halfway through it; ``older``, the cursor halfway through the first of
four segments (the others finished, with their count files).

Usage:
    .venv/bin/python bench/spool_start.py [--events 60000] [--bytes 1000] [--segment-bytes 67108864]
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time

from spool_around_cursor import arguments, fill

from hookd.spool import Spool


def rchar() -> int:
    with open("/proc/self/io") as f:
        return int(dict(line.split(": ") for line in f.read().splitlines())["rchar"])


def measure(directory: str, segment_bytes: int, rounds: int) -> None:
    for _ in range(rounds):
        before, started = rchar(), time.perf_counter()
        spool = Spool(directory, segment_bytes=segment_bytes, fsync="never", max_bytes=64 * segment_bytes)
        last, first = spool.around_cursor()
        seconds, read = time.perf_counter() - started, rchar() - before
        waiting, cursor = spool.pending_events, spool.cursor
        spool.close()
        print(
            f"  cursor {cursor.segment}:{cursor.offset}, {waiting:,} waiting, around {last and last.seq}/"
            f"{first and first.seq}: read {read / 2**20:.1f} MiB in {seconds:.3f} s"
        )


def main() -> None:
    args = arguments()
    base = tempfile.mkdtemp(prefix="hookd-bench-start-")
    try:
        for name, events, segment_bytes in (
            ("newest", args.events, args.segment_bytes),
            ("older", args.events, args.segment_bytes // 4),
        ):
            directory = os.path.join(base, name)
            fill(directory, events, args.bytes, segment_bytes, events // 8 if name == "older" else events // 2)
            sizes = sorted(
                os.path.getsize(os.path.join(directory, n)) for n in os.listdir(directory) if n.endswith(".seg")
            )
            print(f"{name}: {len(sizes)} segments, {sum(sizes) / 2**20:.1f} MiB")
            measure(directory, segment_bytes, args.rounds)
            shutil.rmtree(directory)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
