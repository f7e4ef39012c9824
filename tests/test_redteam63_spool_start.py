"""Sixty-third pass: the spool's start read (spool/cursor_segment.py, recovery.py) after a kill.

The recovery read the cursor before it cut a torn tail off the newest segment, so a cursor past the
valid end (in the bytes cut) was no longer brought back to the file's end as before (read_cursor takes
it no further than the size it sees): the reader began inside this run's first records and skipped them.
"""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs
from test_redteam49_spool_start import committed_spool, placed
from test_spool import drain, event, open_spool


def _append_and_drain(tmp_path) -> list[int]:
    spool = open_spool(tmp_path)
    try:
        assert spool.torn_bytes > 0
        for n in range(100, 110):
            spool.append(event(n, size=100))
        return drain(spool)
    finally:
        spool.close()


def test_a_damaged_last_record_behind_the_cursor_is_cut_and_nothing_after_is_skipped(tmp_path):
    """Every event published, the cursor at the segment's end; its last record then fails its
    checksum (the disk), so the start cuts it as a torn tail: the events of the next run are read."""
    (segment,) = committed_spool(tmp_path, 20, 20)
    data = bytearray(segment.read_bytes())
    data[-5] ^= 0xFF
    segment.write_bytes(bytes(data))
    assert _append_and_drain(tmp_path) == list(range(100, 110))


@pytest.mark.parametrize("past", [1, 7, 300])
def test_a_cursor_in_a_torn_tail_starts_at_the_valid_end(tmp_path, past):
    """A kill mid-write left part of a record; the cursor file holds an offset inside it (a plausible
    but wrong number): reading starts where the valid records end, and this run's events all go."""
    (segment,) = committed_spool(tmp_path, 20, 20)
    size = segment.stat().st_size
    with open(segment, "ab") as f:
        f.write(b"\x00\x00\x04\x00" + b"\x93" * 400)  # a header and part of its data
    (tmp_path / "cursor").write_bytes(b"1 %d\n" % (size + past))
    assert _append_and_drain(tmp_path) == list(range(100, 110))


@pytest.mark.parametrize("into", [1, 8, 200])
def test_a_cursor_inside_a_record_resumes_at_that_records_start(tmp_path, into):
    """A cursor file damaged to an offset inside the first waiting record: that record was skipped as
    damage (counted lost); now reading resumes at the record's start, said, and nothing is lost."""
    committed_spool(tmp_path, 40, 10)
    seg, offset = (int(x) for x in (tmp_path / "cursor").read_bytes().split())
    (tmp_path / "cursor").write_bytes(b"%d %d\n" % (seg, offset + into))
    with capture_logs() as logs:
        spool = open_spool(tmp_path)
        try:
            assert spool.pending_events == 30
            assert drain(spool) == list(range(10, 40))
        finally:
            spool.close()
    said = [e for e in logs if e["event"] == "spool_cursor_inside_record"]
    assert len(said) == 1 and said[0]["resumed_at"] == offset, said
    assert not [e for e in logs if e["event"].startswith("spool_damage")], logs


def test_a_cursor_at_the_first_record_past_damage_stays(tmp_path):
    """hookd's own cursor after the reader passed damage is at the next valid record: not moved back
    (the damage is not met and counted again), nothing said."""
    (segment,) = committed_spool(tmp_path, 40, 1)
    records = placed(segment)
    data = bytearray(segment.read_bytes())
    start, length = records[10]
    data[start + 6 : start + length] = b"\xff" * (length - 6)  # record 10 damaged
    segment.write_bytes(bytes(data))
    (tmp_path / "cursor").write_bytes(b"1 %d\n" % records[11][0])
    with capture_logs() as logs:
        spool = open_spool(tmp_path)
        try:
            assert drain(spool) == list(range(11, 40))
        finally:
            spool.close()
    assert not [e for e in logs if e["event"] in ("spool_cursor_inside_record", "spool_damage_lost")], logs


@pytest.mark.parametrize("into", [1, 8, 200])
def test_a_cursor_inside_a_record_of_an_older_segment_resumes_at_that_records_start(tmp_path, into):
    """The same in a finished segment: the record the cursor was in was skipped as damage and
    counted lost; now reading resumes at its start, said, and nothing is lost."""
    segments = committed_spool(tmp_path, 150, 10, segment_bytes=64 << 10)
    assert len(segments) > 1
    seg, offset = (int(x) for x in (tmp_path / "cursor").read_bytes().split())
    assert seg == 1 and offset > 0
    (tmp_path / "cursor").write_bytes(b"%d %d\n" % (seg, offset + into))
    with capture_logs() as logs:
        spool = open_spool(tmp_path, segment_bytes=64 << 10)
        try:
            assert spool.pending_events == 140
            assert drain(spool) == list(range(10, 150))
        finally:
            spool.close()
    said = [e for e in logs if e["event"] == "spool_cursor_inside_record"]
    assert len(said) == 1 and said[0]["resumed_at"] == offset, said
    assert not [e for e in logs if e["event"].startswith("spool_damage")], logs
