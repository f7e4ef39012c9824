"""What a failed flush may have lost stays unsure until Redis has it, whatever the timing.

Found by test_redteam43_past_memory under load (an inbox copy dropped as a duplicate of a spool copy
that read back as zeros): the events memory let go before a flush covered them, a copy let go as it
was written, a write the write thread had made but the loop had not counted when a flush failed, and
events written while a damaged segment was read off the loop, which were counted lost.
"""

from __future__ import annotations

import asyncio
import errno
import os
import threading

import msgspec
import pytest

import hookd.spool.reading as reading_module
import hookd.spool.spool as spool_module
from hookd.spool import Spool, flusher
from hookd.spool.damage import read_whole
from hookd.spool.event import Event
from hookd.spool.recent import RecentEvents
from hookd.spool.segments import Position
from test_spool import event


def handed(n: int, copy: int = 0) -> Event:
    """Event ``n`` as hook-send handed it over (its hand-off id), in its ``copy``-th copy."""
    return msgspec.structs.replace(event(n), handoff_id=f"handoff-{n}", event_id=f"id-{n}-{copy}")


def small_memory(monkeypatch, max_bytes: int, pinned_max_bytes: int = 1 << 20) -> None:
    monkeypatch.setattr(spool_module, "RecentEvents", lambda: RecentEvents(max_bytes, pinned_max_bytes))


def test_events_let_go_before_any_flush_covered_them_are_unsure_until_one_does(tmp_path, monkeypatch):
    small_memory(monkeypatch, max_bytes=300)
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "batch")
    for n in range(6):
        spool.append(handed(n))
    # No flush yet: the next may fail and take events 0.. with it, and hook-send keeps their copies.
    assert spool.copy_may_be_lost("handoff-0", "id-0-0")
    spool.flushed(spool.end)
    assert not spool.copy_may_be_lost("handoff-0", "id-0-0")


def test_under_fsync_never_nothing_is_kept_for_flushes_that_never_come(tmp_path, monkeypatch):
    small_memory(monkeypatch, max_bytes=300)
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "never")
    for n in range(6):
        spool.append(handed(n))
    assert not spool.copy_may_be_lost("handoff-0", "id-0-0")


def test_a_copy_let_go_as_it_is_written_stays_unsure(tmp_path, monkeypatch):
    small_memory(monkeypatch, max_bytes=300, pinned_max_bytes=300)
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "batch")
    spool.append(handed(0))
    spool.keep_unsure(spool.end)  # a failed flush: event 0's first copy may be zeros
    # Its second copy, from hook-send's inbox, written with others past memory's bound at once.
    spool.append_many([handed(0, copy=1)] + [handed(n) for n in range(1, 6)])
    spool.keep_unsure(spool.end)  # the next flush fails too
    spool.flushed(spool.end)  # and one after works: what the failures left unsure stays so
    assert spool.copy_may_be_lost("handoff-0", "id-0-1")


def flush_failing_mid_write(spool: Spool, monkeypatch) -> flusher.Flusher:
    """A flush whose sync fails (EIO) while the write thread has put event 0 in the file but the loop has
    not yet counted it; returned once both are done."""
    flush = flusher.Flusher(spool, "batch", 60)
    written, release = threading.Event(), threading.Event()
    real_write_all = spool._writer._write_all

    def held_write_all(data: bytes) -> int:
        start = real_write_all(data)  # in the file (or SegmentLinked, then the next one's): a flush may lose it
        written.set()
        release.wait(10)
        return start

    def failing_sync() -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(spool._writer, "_write_all", held_write_all)
    monkeypatch.setattr(spool, "sync", failing_sync)

    async def run() -> None:
        appended = spool.append_queued([handed(0)])
        while not written.is_set():
            await asyncio.sleep(0.01)
        flushing = asyncio.ensure_future(flush._flush())  # fails before the loop has counted the write
        while flush.failure is None:
            await asyncio.sleep(0.01)
        release.set()
        await appended
        await flushing

    asyncio.run(run())
    return flush


def test_a_flush_failing_while_the_write_thread_writes_leaves_that_write_unsure(tmp_path, monkeypatch):
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "batch")
    flush = flush_failing_mid_write(spool, monkeypatch)
    assert flush.failure is not None
    assert flush.failure.through == spool.end  # the write in the thread counted as unsure too


def test_a_flush_failing_while_a_write_goes_on_into_the_next_segment_leaves_that_write_unsure(tmp_path, monkeypatch):
    """A segment found linked (writer.SegmentLinked) has the write go to the next one. The thread writes
    there only once the loop counted that segment (``_rotated``): ``end_written`` covers it."""
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "batch")
    first = spool.writing_segment
    os.link(spool._files.path(first), str(tmp_path / "other-name"))
    flush = flush_failing_mid_write(spool, monkeypatch)
    assert spool.writing_segment == first + 1 and spool.end.offset > 0  # the write went on in the next one
    assert flush.failure is not None
    assert flush.failure.through == spool.end  # and is unsure


def damage_second_record(path: str) -> None:
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        first = int.from_bytes(data[0:4], "little") + 8  # a record: length, checksum, body
        data[first + 20] ^= 0xFF
        f.seek(0)
        f.write(data)


@pytest.mark.parametrize("path", ["next_batch", "read_ahead"])
def test_events_written_while_damage_is_read_off_the_loop_are_not_counted_lost(tmp_path, monkeypatch, path):
    small_memory(monkeypatch, max_bytes=1)  # every event read back from the file
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "interval")
    for n in range(1, 4):
        spool.append(handed(n))
    damage_second_record(spool._files.path(spool.writing_segment))
    reading, go = threading.Event(), threading.Event()

    def held_read_whole(*args):
        reading.set()
        go.wait(10)
        return read_whole(*args)

    monkeypatch.setattr(reading_module, "read_whole", held_read_whole)

    async def by_next_batch() -> list[int]:
        batch = asyncio.ensure_future(spool.next_batch(10, 1 << 30))
        while not reading.is_set():
            await asyncio.sleep(0.01)
        for n in range(4, 7):  # written while the damaged segment is read whole, off the loop: not damage
            spool.append(handed(n))
        go.set()
        return [e.seq for e in (await batch).events]

    async def by_read_ahead() -> list[int]:  # the publisher's, with batches in flight
        handed_out, held = [], spool._reading
        while True:
            handed_out += [e.seq for e in spool.read_batch(10, 1 << 30, start=True).events]
            if held._damage:  # its segment's read whole started, held
                break
            if held._running is not None:  # a read of the segment, off the loop
                await held._read_returned()
        while not reading.is_set():
            await asyncio.sleep(0.01)
        for n in range(4, 7):
            spool.append(handed(n))
        go.set()
        await held._read_returned()
        spool.read_batch(10, 1 << 30, start=True)  # counted now
        return handed_out

    run = by_read_ahead if path == "read_ahead" else by_next_batch
    assert asyncio.run(run()) == [1, 3]
    assert spool.lost == 1
    assert spool.pending_events == 5  # 1 and 3 handed out, not committed; 4, 5, 6


def test_events_memory_holds_are_not_counted_lost_where_their_file_copies_read_back_as_zeros(tmp_path, monkeypatch):
    small_memory(monkeypatch, max_bytes=200)  # each event ~160 bytes: the first is let go by the second
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "batch")
    spool.append(handed(1))
    spool.append(handed(2))
    spool.keep_unsure(spool.end)  # a flush failed: 2 is kept in memory whatever the bound
    spool.append(handed(3))
    spool.append(handed(4))
    path = spool._files.path(spool.writing_segment)
    with open(path, "r+b") as f:  # the failed flush's dropped pages: the whole file reads back as zeros
        size = len(f.read())
        f.seek(0)
        f.write(bytes(size))
    batch = asyncio.run(spool.next_batch(10, 1 << 30))
    assert [e.seq for e in batch.events] == [2, 3, 4]  # from memory
    assert spool.lost == 1  # 1 alone: its copy in the file was all there was
    spool.commit(batch)
    assert spool.pending_events == 0


@pytest.mark.parametrize("path", ["on_the_loop", "next_batch"])
def test_a_damaged_segment_counted_again_keeps_the_events_memory_holds_where_the_file_reads_zeros(
    tmp_path, monkeypatch, path
):
    small_memory(monkeypatch, max_bytes=500)  # each event ~160 bytes: three of them
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "batch")
    for n in range(1, 6):
        spool.append(handed(n))
    spool.flushed(spool.end)  # 1-5 on the disk: memory lets them go as it likes
    start = spool.end.offset
    for n in range(6, 9):
        spool.append(handed(n))
    spool.keep_unsure(spool.end)  # a flush failed: 6-8 are kept in memory whatever the bound
    assert spool._recent.front() == Position(spool.writing_segment, start)
    record = start // 5
    with open(spool._files.path(spool.writing_segment), "r+b") as f:
        f.seek(2 * record + 20)  # event 3's record fails its checksum
        f.write(b"\xff" * 8)
        f.seek(start)  # the failed flush's dropped pages: 6-8 read back as zeros
        f.write(bytes(spool.end.offset - start))
    seqs: list[int] = []

    async def by_next_batch() -> None:  # the damaged segment read whole off the loop
        while spool.has_unread():
            batch = await asyncio.wait_for(spool.next_batch(2, 1 << 30), 10)
            seqs.extend(e.seq for e in batch.events)
            spool.commit(batch)

    if path == "next_batch":
        asyncio.run(by_next_batch())
    while (batch := spool.read_batch(2, 1 << 30)).events:  # whatever the waiting count says
        seqs += [e.seq for e in batch.events]
        spool.commit(batch)
    assert seqs == [1, 2, 4, 5, 6, 7, 8]  # 6-8 from memory
    # Only event 3 is lost: 6-8 were sent, though the segment counted again from the file holds 4 records.
    assert (spool.lost, spool.pending_events) == (1, 0)
    assert spool._files.counts[spool.writing_segment] == 7
