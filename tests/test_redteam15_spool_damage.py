"""Fifteenth red-team pass: a record in the middle of a segment with a valid length and a bad
checksum (a flipped bit in a large event's bytes).

The reader skips damage to the next offset where a whole record checks out, and it tried every
offset in turn, a Python step each (about 0.8 s per MiB): one flipped bit in an 8 MiB event held
the event loop, which reads the spool for the publisher, for 6 s. A record's length is at most
MAX_RECORD_BYTES, so its high byte is at most 0x10: the reader now looks only 3 bytes before such
a byte, found by a regular expression in C, and text (every byte 0x20 or more) is passed over at
once. The test counts the offsets tried rather than timing them.
"""

from __future__ import annotations

import json

from hookd.spool import records
from hookd.spool.records import HEADER, SegmentReader, encode_record


def test_a_bad_checksum_in_a_large_record_is_passed_over_without_a_step_per_byte(tmp_path, monkeypatch):
    body = json.dumps({"tool_response": {"stdout": "lorem ipsum dolor sit amet\n" * 40_000}}).encode()
    first, large, last = encode_record(b'{"n": 1}'), bytearray(encode_record(body)), encode_record(b'{"n": 3}')
    large[HEADER.size + len(body) // 2] ^= 0x01  # its length holds; its checksum does not
    path = tmp_path / "00000001.seg"
    path.write_bytes(first + bytes(large) + last)
    path.chmod(0o600)

    tried = []
    real = records._record_at

    def counted(buf, pos):
        tried.append(pos)
        return real(buf, pos)

    monkeypatch.setattr(records, "_record_at", counted)
    reader = SegmentReader(str(path))
    try:
        got = [bytes(data) for data, _ in reader.records(limit=10)]
    finally:
        reader.close()
    assert got == [b'{"n": 1}', b'{"n": 3}']
    assert reader.skipped_bytes == len(large)
    # On the code before, every offset of the damaged record was tried: over a million.
    assert len(tried) < 100, len(tried)
