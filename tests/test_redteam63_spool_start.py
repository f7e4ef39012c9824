"""Sixty-third pass: the spool's start read (spool/cursor_segment.py, recovery.py) after a kill.

The recovery read the cursor before it cut a torn tail off the newest segment, so a cursor past the
valid end (in the bytes cut) was no longer brought back to the file's end as before (read_cursor takes
it no further than the size it sees): the reader began inside this run's first records and skipped them.
"""

from __future__ import annotations

import pytest
from test_redteam49_spool_start import committed_spool
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
