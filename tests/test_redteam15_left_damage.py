"""The fifteenth red-team pass's Left: passing over damage in a segment cost a CRC-32 of each
candidate's claimed length.

The reader tries only the offsets where a record could start (test_redteam15_spool_damage.py), and
computed the CRC-32 of each such candidate's data afresh: bytes made to hold a candidate every few
bytes, each claiming to run to the end of the segment, cost the square of their size (256 KiB of
them: 3.2 GB of CRC, 1.25 s; 8 MiB would take some twenty minutes, on the event loop). A long
candidate's CRC now comes from the CRCs of the window's prefixes (hookd/spool/stretches.py): the
bytes CRC'd grow with the damage, not with its square.
"""

from __future__ import annotations

import os
import random
import struct
import zlib

import pytest

from hookd.spool import records, stretches
from hookd.spool.records import SegmentReader, encode_record
from hookd.spool.stretches import FileStretches
from test_redteam15_spool_damage import event


def crafted(size: int, step: int = 10) -> bytes:
    """A candidate every ``step`` bytes: a length whose high byte is 0, a checksum that fails, and
    an Event's msgpack array header, each claiming to run almost to the end."""
    out = bytearray(b" " * size)
    for pos in range(0, size - 9, step):
        out[pos : pos + 9] = struct.pack("<II", max(1, size - pos - 24), 0) + b"\x99"
    return bytes(out)


class CountedZlib:
    """zlib, with the bytes its crc32 was given counted."""

    def __init__(self) -> None:
        self.bytes = 0

    def crc32(self, data, value: int = 0) -> int:
        self.bytes += len(data)
        return zlib.crc32(data, value)


@pytest.mark.parametrize("size", [64 << 10, 256 << 10])
def test_crafted_damage_costs_crc_bytes_in_proportion_to_its_size(tmp_path, monkeypatch, size):
    counted = CountedZlib()
    monkeypatch.setattr(records, "zlib", counted)
    monkeypatch.setattr(stretches, "zlib", counted)
    first, last = encode_record(event(1)), encode_record(event(2))
    path = tmp_path / "00000001.seg"
    path.write_bytes(first + crafted(size) + last)
    path.chmod(0o600)
    reader = SegmentReader(str(path))
    try:
        got = [bytes(data) for data, _ in reader.records(limit=10)]
    finally:
        reader.close()
    assert got == [event(1), event(2)]  # the record after the damage is found
    assert reader.skipped_bytes == size
    # On the code before: 204 MiB of CRC for 64 KiB, 3,276 MiB for 256 KiB (the square).
    assert counted.bytes < 64 * size, counted.bytes


def test_a_stretchs_crc_is_zlibs(tmp_path):
    buf = os.urandom(1 << 20)
    path = tmp_path / "random"
    path.write_bytes(buf)
    fd = os.open(path, os.O_RDONLY)
    crcs = FileStretches(fd, 0)
    rng = random.Random(5)
    for _ in range(500):
        start = rng.randrange(len(buf))
        end = rng.randrange(start, len(buf) + 1)
        assert crcs.crc(start, end) == zlib.crc32(buf[start:end]), (start, end)
    assert crcs.crc(0, len(buf)) == zlib.crc32(buf)
    assert crcs.crc(7, 7) == 0
    os.close(fd)
