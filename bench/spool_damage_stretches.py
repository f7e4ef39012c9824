#!/usr/bin/env python3
"""How long one read of a big segment takes with many small stretches of damage in it.

A segment of ``--records`` Event-shaped records of 2 KB (about 57 MiB at 30,000), one byte flipped
in every ``--every``-th record, read once through ``SegmentReader.records`` (what the publisher's
reader, ``count_records`` and damage.count_lost go through, each on the event loop). The
forty-seventh pass: each stretch re-reads what is left of the segment (``_skip_damage``'s window),
so the time grows with stretches times size. The forty-ninth: the bytes after the offset are read
once, forward, whatever the stretches (the read MiB column: what the process read meanwhile, from
/proc/self/io).

Usage:
    .venv/bin/python bench/spool_damage_stretches.py [--records 30000] [--every 0 500 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import msgspec  # noqa: E402

from hookd.spool.records import SegmentReader, encode_record  # noqa: E402


def bytes_read() -> int:
    with open("/proc/self/io") as f:
        return int(dict(line.split(": ") for line in f.read().splitlines())["rchar"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=30000)
    parser.add_argument("--every", type=int, nargs="+", default=[0, 500, 50])
    args = parser.parse_args()
    records = [encode_record(msgspec.msgpack.encode([n, "x" * 2000])) for n in range(args.records)]
    for every in args.every:
        data, pos = bytearray(b"".join(records)), 0
        for n, rec in enumerate(records):
            if every and n % every == every // 2:
                data[pos + 100] ^= 0xFF
            pos += len(rec)
        with tempfile.NamedTemporaryFile(suffix=".seg") as f:
            f.write(data)
            f.flush()
            start, before = time.perf_counter(), bytes_read()
            reader = SegmentReader(f.name, 0)
            valid = sum(1 for _ in reader.records(limit=2**62))
            reader.close()
            took, read = time.perf_counter() - start, bytes_read() - before
        stretches = args.records // every if every else 0
        print(
            f"{len(data) / 2**20:.0f} MiB, {stretches} stretches: {valid} valid, {took:.3f} s, read {read / 2**20:.0f} MiB"
        )


if __name__ == "__main__":
    main()
