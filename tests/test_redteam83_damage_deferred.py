"""Eighty-third red-team pass: a stretch of damage longer than a read, passed over by deferred reads.

The publisher's reads of a segment are made off the event loop (ReadDeferred, spool/reading.py), behind a batch
in flight too (``Spool.read_batch(start=True)``). A pass over damage stopped by such a read began again at the
damage's start when asked again: it re-read the bytes from there, got as far as before and stopped again, for ever,
over zeros longer than a read (READ_CHUNK) in the middle of a segment (test_redteam6_spool.py's "middle" case).
"""

from __future__ import annotations

import asyncio

from structlog.testing import capture_logs

from hookd.spool.records import HEADER, READ_CHUNK, ReadDeferred, SegmentReader, encode_record
from test_spool import event, open_spool

ZEROS = 2 * READ_CHUNK + 12345  # longer than two reads, not a multiple of one


def _spooled_segment(tmp_path, count: int):
    """The one segment of a spool that was given events 0 to ``count`` - 1 and closed."""
    spool = open_spool(tmp_path)
    for n in range(count):
        spool.append(event(n))
    spool.close()
    (segment,) = tmp_path.glob("*.seg")
    return segment


def _zeros_after_first_record(segment) -> None:
    data = segment.read_bytes()
    length, _ = HEADER.unpack_from(data, 0)
    first = HEADER.size + length
    segment.write_bytes(data[:first] + bytes(ZEROS) + data[first:])


def test_a_deferred_reader_passes_zeros_longer_than_a_read_once(tmp_path):
    segment = tmp_path / "seg"
    segment.write_bytes(b"".join(encode_record(b"\x93record %d" % n) for n in range(4)))
    _zeros_after_first_record(segment)
    reader = SegmentReader(str(segment))
    reader.defer = True
    got: list[bytes] = []
    reads = 0
    while True:
        try:
            for data, _ in reader.records(limit=100):
                got.append(data)
            break
        except ReadDeferred as deferred:
            reads += 1
            # Each read moves on: the stretch is passed in a few, not begun again at its start.
            assert reads <= ZEROS // READ_CHUNK + 4, reads
            deferred.read()
    reader.close()
    assert got == [b"\x93record %d" % n for n in range(4)]
    assert reader.skipped_bytes == ZEROS


def test_the_read_behind_a_batch_in_flight_passes_the_zeros_and_hands_out_what_follows(tmp_path):
    _zeros_after_first_record(_spooled_segment(tmp_path, 4))

    async def publish(spool) -> list[int]:
        """As publish/in_flight.py: the first batch from next_batch, the rest read while one is in flight."""
        first = await spool.next_batch(1, 1 << 30)
        seqs = [e.seq for e in first.events]
        for _ in range(ZEROS // READ_CHUNK + 8):
            batch = spool.read_batch(1, 1 << 30, start=True)
            if not batch.events and spool.has_unread():
                batch = await spool.next_batch(1, 1 << 30)  # waits for the read started off the loop
            seqs += [e.seq for e in batch.events]
            if not spool.has_unread():
                return seqs
        raise AssertionError(f"the reads went no further than {seqs}")

    reopened = open_spool(tmp_path)
    with capture_logs() as logs:
        assert asyncio.run(asyncio.wait_for(publish(reopened), 60)) == [0, 1, 2, 3]
    skipped = [entry for entry in logs if entry["event"] == "spool_damage_skipped"]
    assert [entry["bytes"] for entry in skipped] == [ZEROS], skipped
    reopened.close()


def test_next_batch_passes_zeros_longer_than_a_read_before_the_first_record(tmp_path):
    # No event before the damage: next_batch itself (the publisher with nothing in flight) looped, on main too.
    segment = _spooled_segment(tmp_path, 3)
    segment.write_bytes(bytes(ZEROS) + segment.read_bytes())

    reopened = open_spool(tmp_path)
    batch = asyncio.run(asyncio.wait_for(reopened.next_batch(10, 1 << 30), 60))
    assert [e.seq for e in batch.events] == [0, 1, 2]
    reopened.close()
