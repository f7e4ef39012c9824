"""Fifteenth red-team pass: a record in the middle of a segment with a valid length and a bad
checksum (a flipped bit in a large event's bytes).

The reader skips damage to the next offset where a whole record checks out, and it tried every
offset in turn, a Python step each (about 0.8 s per MiB): one flipped bit in an 8 MiB event held
the event loop, which reads the spool for the publisher, for 6 s. A record's length is at most
MAX_RECORD_BYTES, so its high byte is at most 0x10: the reader now looks only 3 bytes before such
a byte, found by a regular expression in C, and text (every byte 0x20 or more) is passed over at
once. The test counts the offsets tried rather than timing them. Among random bytes about one
offset in 15 is still a candidate; each now fails at the data's first byte (an Event's msgpack
array header) before the CRC-32 of its length, the costly part.
"""

from __future__ import annotations

import json
import os

import msgspec

from hookd.spool import records
from hookd.spool.event import Event
from hookd.spool.records import HEADER, SegmentReader, encode_record

ENCODE = msgspec.msgpack.Encoder().encode


def event(n: int, envelope: bytes = b"{}") -> bytes:
    """A record's data as the spool writes it."""
    return ENCODE(Event(seq=n, host="h", event_id=f"e{n}", hook="Stop", session="s", tool="", envelope=envelope))


def read_all(path) -> tuple[list[bytes], int]:
    reader = SegmentReader(str(path))
    try:
        return [bytes(data) for data, _ in reader.records(limit=10)], reader.skipped_bytes
    finally:
        reader.close()


def test_a_bad_checksum_in_a_large_record_is_passed_over_without_a_step_per_byte(tmp_path, monkeypatch):
    envelope = json.dumps({"tool_response": {"stdout": "lorem ipsum dolor sit amet\n" * 40_000}}).encode()
    body = event(2, envelope)
    first, large, last = encode_record(event(1)), bytearray(encode_record(body)), encode_record(event(3))
    large[HEADER.size + len(body) // 2] ^= 0x01  # its length holds; its checksum does not
    path = tmp_path / "00000001.seg"
    path.write_bytes(first + bytes(large) + last)
    path.chmod(0o600)

    tried = []
    real = records._record_at

    def counted(buf, pos, *stretches):
        tried.append(pos)
        return real(buf, pos, *stretches)

    monkeypatch.setattr(records, "_record_at", counted)
    got, skipped = read_all(path)
    assert got == [event(1), event(3)]
    assert skipped == len(large)
    # On the code before, every offset of the damaged record was tried: over a million.
    assert len(tried) < 100, len(tried)


def test_random_bytes_between_records_are_passed_over_to_the_next_record(tmp_path):
    # Most offsets among random bytes that could start a record (a length's high byte 0x10 or
    # less) fail at the data's first byte, which is an Event's msgpack array header, before a
    # CRC-32 of their length (bench/README.md: 8 MiB 11.4 -> 0.76 s).
    path = tmp_path / "00000001.seg"
    path.write_bytes(encode_record(event(1)) + os.urandom(1 << 20) + encode_record(event(2)))
    path.chmod(0o600)
    got, skipped = read_all(path)
    assert got == [event(1), event(2)]
    assert skipped == 1 << 20
