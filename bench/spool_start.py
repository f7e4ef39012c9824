#!/usr/bin/env python3
"""What a start reads of a large spool, and how long it takes: ``Spool(...)`` opened (recovery, the
backlog's count), ``around_cursor()`` (publish/lost.py's check) and the hand-off ids received in the
last KEEP_S (inspect.spooled_handoffs, no inbox file waiting), as daemon/startup.py asks; bytes read
counted by the kernel (rchar of /proc/self/io), the page cache warm (each round opens the spool again).

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

from hookd.handoffs import KEEP_S
from hookd.spool import Spool
from hookd.spool.inspect import spooled_handoffs


def rchar() -> int:
    with open("/proc/self/io") as f:
        return int(dict(line.split(": ") for line in f.read().splitlines())["rchar"])


def measure(directory: str, segment_bytes: int, rounds: int) -> None:
    for _ in range(rounds):
        before, started = rchar(), time.perf_counter()
        since = time.time_ns() - int(KEEP_S * 1e9)
        try:
            spool = Spool(directory, segment_bytes, "never", max_bytes=64 * segment_bytes, handoffs_since_ns=since)
            read = spool.handoffs_at_start
        except TypeError:  # a hookd before h180: the recovery gathers none
            spool, read = Spool(directory, segment_bytes, "never", max_bytes=64 * segment_bytes), None
        last, first = spool.around_cursor()
        spooled_handoffs(directory, since, set(), spool.dir_fd, None, *([read] if read is not None else []))
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
