"""Forty-ninth red-team pass: one read of a segment reads its bytes a bounded number of times,
however many stretches of damage it holds.

Each stretch made ``SegmentReader._skip_damage`` read what was left of the segment again (600
stretches in a 58 MiB segment: 7 to 10 s for one read, bench/README.md), and the records loop read
a new chunk at each stretch. The bytes the process read are counted by the kernel
(``rchar`` in /proc/self/io), not by wrapping the reads.
"""

from __future__ import annotations

import struct

import msgspec
import pytest

from hookd.spool.records import SegmentReader, encode_record


def bytes_read() -> int:
    with open("/proc/self/io") as f:
        fields = dict(line.split(": ") for line in f.read().splitlines())
    return int(fields["rchar"])


def segment(tmp_path, records: int, every: int, crafted: bool = False) -> tuple[str, int, int]:
    """A segment of 2 kB records, every ``every``-th damaged: one byte of its data flipped, or
    (``crafted``) a record header inside it that claims to run almost to the segment's end.
    Returns (path, size, records left whole)."""
    encoded = [encode_record(msgspec.msgpack.encode([n, "x" * 2000])) for n in range(records)]
    size = sum(map(len, encoded))
    data, pos, damaged = bytearray(b"".join(encoded)), 0, 0
    for n, rec in enumerate(encoded):
        if n % every == every // 2:
            damaged += 1
            if crafted:
                data[pos + 20 : pos + 29] = struct.pack("<II", size - pos - 40, 0) + b"\x92"
            else:
                data[pos + 100] ^= 0xFF
        pos += len(rec)
    path = tmp_path / "00000001.seg"
    path.write_bytes(data)
    path.chmod(0o600)
    return str(path), size, records - damaged


def read(path: str, batch: int) -> tuple[int, int, int]:
    """Every record, ``batch`` per call of ``records`` (the publisher's reader stops at each batch):
    (records read, bytes skipped, bytes the process read meanwhile)."""
    before = bytes_read()
    reader = SegmentReader(path)
    try:
        valid = 0
        while True:
            got = sum(1 for _ in reader.records(limit=batch))
            valid += got
            if not got:
                break
    finally:
        reader.close()
    return valid, reader.skipped_bytes, bytes_read() - before


@pytest.mark.parametrize("crafted", [False, True], ids=["flipped", "crafted"])
@pytest.mark.parametrize("batch", [2**62, 300], ids=["whole", "batches"])
def test_a_segment_with_many_stretches_of_damage_is_read_about_once(tmp_path, crafted, batch):
    path, size, whole = segment(tmp_path, 2000, 20, crafted)
    valid, skipped, read_bytes = read(path, batch)
    assert valid == whole
    assert skipped > 0
    # On the code before: each of the 100 stretches read what was left, some 50 times the size.
    assert read_bytes < 3 * size, (read_bytes, size)


def test_an_undamaged_segment_is_read_once(tmp_path):
    path, size, whole = segment(tmp_path, 2000, 10**9)
    valid, skipped, read_bytes = read(path, 2**62)
    assert (valid, skipped) == (whole, 0)
    assert read_bytes < size + (1 << 20), (read_bytes, size)
