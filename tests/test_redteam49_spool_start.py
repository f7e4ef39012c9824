"""Forty-ninth red-team pass: what a start reads and counts of the segment the cursor is in.

The start counted the cursor's segment from its records after the cursor and, to know what was
written there, read it from 0 to the cursor as well (up to spool_segment_bytes) even when its
count came from reading it whole (the newest segment, at recovery), where the part before
tells nothing. Damage in the newest segment written while hookd was stopped was left out of the
backlog and said only in bytes; where the damaged records' lengths held, they are counted now,
and said lost in events when the reader meets them.
"""

from __future__ import annotations

import asyncio

from structlog.testing import capture_logs
from test_redteam49_spool_read import bytes_read
from test_spool import drain, event, open_spool

from hookd.spool.records import SegmentReader


def placed(path) -> list[tuple[int, int]]:
    """(offset, length of the record) of each record in the segment."""
    reader = SegmentReader(str(path))
    out, at = [], 0
    try:
        for _, after in reader.records(limit=2**62):
            out.append((at, after - at))
            at = after
    finally:
        reader.close()
    return out


def committed_spool(tmp_path, events: int, committed: int, segment_bytes: int = 64 << 20):
    spool = open_spool(tmp_path, segment_bytes=segment_bytes)
    for n in range(events):
        spool.append(event(n, size=1000))
    assert drain_some(spool, committed) == list(range(committed))
    spool.close()
    return sorted(tmp_path.glob("*.seg"))


def drain_some(spool, count: int) -> list[int]:
    batch = asyncio.run(spool.next_batch(count, 1 << 30))
    spool.commit(batch)
    spool.save_cursor()
    return [e.seq for e in batch.events]


def test_a_start_does_not_read_the_newest_segment_again_before_the_cursor(tmp_path):
    (segment,) = committed_spool(tmp_path, 4000, 3990)
    size = segment.stat().st_size
    before = bytes_read()
    spool = open_spool(tmp_path, segment_bytes=64 << 20)
    read = bytes_read() - before
    assert spool.pending_events == 10
    # On the code before: the whole segment at recovery, then again from 0 to the cursor.
    assert read < 1.5 * size, (read, size)
    assert drain(spool) == list(range(3990, 4000))
    spool.close()


def test_a_segment_truncated_behind_its_count_file_still_counts_what_was_written(tmp_path):
    segments = committed_spool(tmp_path, 300, 5, segment_bytes=64 << 10)
    first = segments[0]
    assert (tmp_path / first.name.replace(".seg", ".count")).exists()
    records = placed(first)
    cut = records[-3][0]  # its last three records gone, at a record's boundary
    with open(first, "r+b") as f:
        f.truncate(cut)
    spool = open_spool(tmp_path, segment_bytes=64 << 10)
    # The count file says what was written: the three are still waiting, as before this pass.
    assert spool.pending_events == 295
    spool.close()


def test_damage_in_the_newest_segment_written_while_stopped_is_said_in_events(tmp_path):
    (segment,) = committed_spool(tmp_path, 10, 2)
    records = placed(segment)
    for n in (5, 6):  # two records whose lengths hold and whose checksums fail
        offset, length = records[n]
        with open(segment, "r+b") as f:
            f.seek(offset + length // 2)
            f.write(b"\xff\xfe")
    spool = open_spool(tmp_path, segment_bytes=64 << 20)
    assert spool.pending_events == 8  # the code before: 6, the damaged two left out unsaid
    with capture_logs() as logs:
        assert drain(spool) == [2, 3, 4, 7, 8, 9]
    assert (spool.lost, spool.pending_events) == (2, 0)
    lost = [entry for entry in logs if entry["event"] == "spool_damage_lost"]
    assert [entry["events"] for entry in lost] == [2], logs
    spool.close()


def test_damage_whose_lengths_do_not_hold_is_still_said_in_bytes(tmp_path):
    (segment,) = committed_spool(tmp_path, 10, 2)
    offset, length = placed(segment)[5]
    with open(segment, "r+b") as f:
        f.seek(offset)
        f.write(b"\xff\xff\xff\x7f")  # a length past any record: the events there cannot be counted
    spool = open_spool(tmp_path, segment_bytes=64 << 20)
    assert spool.pending_events == 7
    assert drain(spool) == [2, 3, 4, 6, 7, 8, 9]
    assert (spool.lost, spool.pending_events, spool.damaged_bytes) == (0, 0, length)
    spool.close()
