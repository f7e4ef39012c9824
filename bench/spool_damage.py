#!/usr/bin/env python3
"""How long passing over damage in a spool segment takes, and how many bytes it CRCs.

Each case is a segment of one small record, the damage, and one small record, read through
``hookd.spool.records.valid_end`` (what the start and the publisher's reader go through); zlib's
crc32 is counted where records.py and stretches.py call it. ``crafted`` holds a candidate every
10 bytes (a length whose high byte is 0, a bad checksum, an Event's array header), each claiming
to run almost to the end: what made a CRC of each candidate's length cost the square of the size.

Usage:
    .venv/bin/python bench/spool_damage.py [--cases text:8M random:8M crafted:256K ...]
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import msgspec  # noqa: E402

from hookd.spool import records  # noqa: E402
from hookd.spool.event import Event  # noqa: E402

COUNTED = [0]


class CountedZlib:
    @staticmethod
    def crc32(data, value: int = 0) -> int:
        COUNTED[0] += len(data)
        return zlib.crc32(data, value)


def record(n: int) -> bytes:
    data = msgspec.msgpack.encode(
        Event(seq=n, host="h", event_id=f"e{n}", hook="Stop", session="s", tool="", envelope=b"{}")
    )
    return records.encode_record(data)


def damage(kind: str, size: int) -> bytes:
    if kind == "text":
        return (b"lorem ipsum dolor sit amet\n" * (size // 27 + 1))[:size]
    if kind == "random":
        return os.urandom(size)
    out = bytearray(b" " * size)
    for pos in range(0, size - 9, 10):
        out[pos : pos + 9] = struct.pack("<II", max(1, size - pos - 24), 0) + b"\x99"
    return bytes(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--cases", nargs="+", default=["text:8M", "random:1M", "random:8M", "crafted:64K", "crafted:256K", "crafted:1M"]
    )
    args = parser.parse_args()
    records.zlib = CountedZlib()  # type: ignore[assignment]
    try:
        from hookd.spool import stretches

        stretches.zlib = CountedZlib()  # type: ignore[assignment]
    except ImportError:
        pass  # the code before stretches.py
    units = {"K": 1 << 10, "M": 1 << 20}
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            kind, size_text = case.split(":")
            size = int(size_text[:-1]) * units[size_text[-1]]
            path = os.path.join(tmp, f"{kind}.seg")
            with open(path, "wb") as out:
                out.write(record(1) + damage(kind, size) + record(2))
            os.chmod(path, 0o600)
            COUNTED[0] = 0
            start = time.perf_counter()
            count = records.valid_end(path).valid
            took = time.perf_counter() - start
            print(f"{case:14} {count} records  {took:8.3f} s  {COUNTED[0] / (1 << 20):10.1f} MiB CRC'd")


if __name__ == "__main__":
    main()
