"""The publisher gets just-written events from memory, and from the file whenever memory cannot say."""

from __future__ import annotations

import structlog.testing

import pytest

import hookd.spool.reader as reader_module
import hookd.spool.spool as spool_module
from hookd.spool.recent import RecentEvents
from test_spool import drain, event, open_spool


@pytest.fixture
def file_reads(monkeypatch):
    """How many times the spool opened a segment to read events back."""
    opened = []

    class CountingReader(reader_module.SegmentReader):
        def __init__(self, path, offset=0, dir_fd=None):
            opened.append((path, offset))
            super().__init__(path, offset, dir_fd)

    monkeypatch.setattr(reader_module, "SegmentReader", CountingReader)
    return opened


def test_events_just_appended_are_handed_out_without_reading_the_file(tmp_path, file_reads):
    spool = open_spool(tmp_path)
    appended = [event(n) for n in range(1, 6)]
    spool.append_many(appended[:2])
    spool.append_many(appended[2:])
    batch = spool.read_batch(100, 1 << 20)
    assert batch.events == appended
    assert file_reads == []


def test_across_a_new_segment_memory_goes_on(tmp_path, file_reads):
    spool = open_spool(tmp_path, segment_bytes=64 * 1024)
    for n in range(1, 201):  # about 250 KB: several segments
        spool.append(event(n, size=1200))
    assert drain(spool) == list(range(1, 201))
    assert file_reads == []


def test_after_a_rewind_the_same_events_come_from_memory_again(tmp_path, file_reads):
    # Memory keeps them until Redis has them: after a failed fsync the file may not (recent.py).
    spool = open_spool(tmp_path)
    spool.append_many([event(n) for n in range(1, 4)])
    from_memory = spool.read_batch(100, 1 << 20)
    spool.rewind()  # the publish failed
    again = spool.read_batch(100, 1 << 20)
    assert again.events == from_memory.events and again.end == from_memory.end
    assert file_reads == []
    spool.commit(again)
    spool.append(event(4))
    assert [e.seq for e in spool.read_batch(100, 1 << 20).events] == [4]
    spool.close()
    reopened = open_spool(tmp_path)  # memory is gone after a restart: the file is read
    assert [e.seq for e in reopened.read_batch(100, 1 << 20).events] == [4]
    assert len(file_reads) == 1


def test_past_its_bound_memory_forgets_the_oldest_and_the_file_fills_in(tmp_path, monkeypatch):
    monkeypatch.setattr(spool_module, "RecentEvents", lambda: RecentEvents(max_bytes=2000))
    spool = open_spool(tmp_path)
    for n in range(1, 51):  # Redis away: nothing is handed out while 50 events arrive
        spool.append(event(n))
    assert drain(spool, max_events=7) == list(range(1, 51))


def test_a_damaged_record_in_the_file_is_skipped_there_but_memory_holds_the_good_copy(tmp_path):
    spool = open_spool(tmp_path)
    spool.append_many([event(n) for n in range(1, 4)])
    path = next(tmp_path.glob("*.seg"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert [e.seq for e in spool.read_batch(100, 1 << 20).events] == [1, 2, 3]
    spool.rewind()  # the publish failed: memory still holds them
    assert [e.seq for e in spool.read_batch(100, 1 << 20).events] == [1, 2, 3]
    spool.close()
    reopened = open_spool(tmp_path)  # read from the file: the damaged record is skipped, never returned as data
    assert [e.seq for e in reopened.read_batch(100, 1 << 20).events] == [1, 3]


def test_events_a_failed_fsync_left_unsure_come_from_memory_past_its_bound(tmp_path, monkeypatch):
    # After a failed fsync Linux may drop the pages it could not write: the file reads back zeros there.
    monkeypatch.setattr(spool_module, "RecentEvents", lambda: RecentEvents(max_bytes=2000))
    spool = open_spool(tmp_path)
    spool.append(event(1))
    spool.sync()
    path = next(tmp_path.glob("*.seg"))
    synced = path.stat().st_size
    for n in range(2, 6):
        spool.append(event(n))
    unsure_end = path.stat().st_size
    spool.keep_unsure(spool.end)  # the Flusher's flush failed: events 2 to 5 may not be on the disk
    for n in range(6, 41):  # Redis away: far past memory's bound
        spool.append(event(n))
    data = path.read_bytes()
    path.write_bytes(data[:synced] + bytes(unsure_end - synced) + data[unsure_end:])
    assert drain(spool, max_events=7) == list(range(1, 41))


def test_unsure_events_past_the_pinned_cap_go_from_memory_and_it_is_said(tmp_path, monkeypatch):
    # A disk whose every fsync fails, with Redis away, must not pin events in memory without end.
    recent = RecentEvents(max_bytes=2000, pinned_max_bytes=5000)
    monkeypatch.setattr(spool_module, "RecentEvents", lambda: recent)
    spool = open_spool(tmp_path)
    with structlog.testing.capture_logs() as logs:  # whatever structlog's configuration other tests left
        for n in range(1, 101):
            spool.append(event(n))
            spool.keep_unsure(spool.end)
    assert 2000 < recent._bytes <= 5000 + 200
    assert [e["event"] for e in logs].count("spool_unsure_events_past_memory") == 1
    assert drain(spool, max_events=7) == list(range(1, 101))  # the file, undamaged here, fills in
